"""The payroll's workflow after the draft and the recoveries of overpayments (ADR 0940, 0941).

- `PayrollApproval`: one row per (payroll, scope) — a district's lines, or the city-paid
  programs' lines — filled by the scope's approver; the payroll is approved when every row is.
- `Recovery`: a line paid for a month its beneficiary was not entitled to (a death reported
  late, a stop decided after payment); recovered by `RecoveryDeduction`s from later lines of the
  same beneficiary (at most `payments.recovery_max_share` of each), or written off by the
  district with a reason. `RecoveryEvent`: its timeline.

Imported by payments/models.py, so Django sees them as the payments app's models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

CITY_SCOPE = "city"


class PayrollApproval(models.Model):
    """The approval of one scope of a payroll: `city` (programs the city pays alone) or a
    district's code (every other line of the district). Created by `payroll_check`, filled by
    `payroll_approve`."""

    payroll = models.ForeignKey(
        "payments.Payroll", on_delete=models.PROTECT, related_name="approvals"
    )
    scope = models.CharField(_("scope"), max_length=12)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    budget_override = models.BooleanField(_("budget override"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["payroll_id", "scope"]
        verbose_name = _("payroll approval")
        verbose_name_plural = _("payroll approvals")
        constraints = [
            models.UniqueConstraint(fields=["payroll", "scope"], name="payments_approval_once"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="payments_approval_by_and_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payroll_id} {self.scope} {'approved' if self.approved_at else 'open'}"


class RecoveryReason(models.TextChoices):
    DEATH = "death", _("Paid after the death")
    STOPPED = "stopped", _("Paid after the benefit stopped")
    RETROACTIVE = "retroactive", _("Overpaid by a retroactive change")


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("Being recovered")
    RECOVERED = "recovered", _("Recovered")
    WRITTEN_OFF = "written_off", _("Written off")


class Recovery(models.Model):
    """追回: an overpaid line. Detected once per line (the database holds it: one recovery per
    line). Outstanding = amount − deductions − refunded − written off."""

    line = models.OneToOneField(
        "payments.PaymentLine", on_delete=models.PROTECT, related_name="recovery"
    )
    beneficiary_key = models.CharField(_("beneficiary"), max_length=24, db_index=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    division = models.ForeignKey(
        "registry.Division", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    program = models.CharField(_("program"), max_length=32)
    benefit_month = models.CharField(_("benefit month"), max_length=7)
    amount_fen = models.BigIntegerField(_("overpaid (fen)"))
    reason_code = models.CharField(_("reason"), max_length=16, choices=RecoveryReason.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RecoveryStatus.choices,
        default=RecoveryStatus.OPEN,
        db_index=True,
    )
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)
    written_off_fen = models.BigIntegerField(_("written off (fen)"), default=0)
    refunded_fen = models.BigIntegerField(_("paid back (fen)"), default=0)  # Refund repayments
    written_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    written_off_at = models.DateTimeField(_("written off at"), null=True, blank=True)
    write_off_reason = models.CharField(_("write-off reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["benefit_month", "id"]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0)
                & Q(written_off_fen__gte=0)
                & Q(refunded_fen__gte=0)
                & Q(written_off_fen__lte=F("amount_fen") - F("refunded_fen")),
                name="payments_recovery_amounts",
            ),
        ]
        indexes = [models.Index(fields=["division"], name="payments_recovery_division")]

    def __str__(self) -> str:
        return f"recovery {self.beneficiary_key} {self.program} {self.benefit_month}"


class RecoveryDeduction(models.Model):
    """An amount withheld from a later line towards a recovery. The line's net payment (what the
    bank file carries) is its amount less its deductions (`recoveries.net_amounts`)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="deductions")
    line = models.ForeignKey(
        "payments.PaymentLine", on_delete=models.CASCADE, related_name="deductions"
    )
    amount_fen = models.BigIntegerField(_("deducted (fen)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line_id", "recovery_id"]
        constraints = [
            models.UniqueConstraint(fields=["recovery", "line"], name="payments_deduction_once"),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="payments_deduction_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recovery_id} ← line {self.line_id}: {self.amount_fen}"


class RecoveryEvent(models.Model):
    """One entry of a recovery's timeline (detected, deducted, written off)."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.recovery_id} {self.kind}"


class RefundKind(models.TextChoices):
    BANK_RETURN = "bank_return", _("Returned by the bank after payment")
    REPAYMENT = "repayment", _("Paid back by the beneficiary")


class Refund(models.Model):
    """退回款: money that came back after a payment (ADR 0943).

    - `bank_return` (银行退回): a bank returns a payment its result file had reported paid (the
      account was closed after all). The entry becomes `returned`, the line `failed` again: it
      waits for corrected account data and is paid in a later file, once.
    - `repayment` (个人退款): a beneficiary pays back an overpayment: it reduces the recovery's
      outstanding amount (`Recovery.refunded_fen`).

    Each books one journal entry (`refund:…`) in the recording service's transaction."""

    kind = models.CharField(_("kind"), max_length=16, choices=RefundKind.choices)
    line = models.ForeignKey(
        "payments.PaymentLine", on_delete=models.PROTECT, related_name="refunds"
    )
    entry = models.OneToOneField(
        "payments.BankFileEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refund",
    )
    recovery = models.ForeignKey(
        Recovery, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank or receipt reference"), max_length=60)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payments_refund_positive"),
            models.CheckConstraint(
                condition=Q(kind="bank_return", entry__isnull=False, recovery__isnull=True)
                | Q(kind="repayment", entry__isnull=True, recovery__isnull=False),
                name="payments_refund_kind_target",
            ),
            # a receipt is recorded once
            models.UniqueConstraint(
                fields=["kind", "reference"], name="payments_refund_reference_once"
            ),
        ]
        indexes = [models.Index(fields=["line"], name="payments_refund_line")]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}: {self.amount_fen}"
