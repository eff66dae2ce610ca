"""Medical assistance one-stop settlement (医疗救助“一站式”结算, POLICY §9, ADR 1101–1103).

A `Settlement` is one hospital bill split at discharge (safetynet.rules.medical); the person's
`AnnualRoom` row (one per person and calendar year) holds what the year's settlements used, and
is locked (SELECT … FOR UPDATE) by every settlement and reversal of that person-year, so
concurrent settlements never exceed the annual cap. A `HospitalStatement` reimburses one
hospital monthly (清算) for the assistance it advanced.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SettlementStatus(models.TextChoices):
    SETTLED = "settled", _("Settled")
    REVERSED = "reversed", _("Reversed")


class ReversalReason(models.TextChoices):
    REFUND = "refund", _("Refund (退费)")
    READMISSION = "readmission", _("Re-admission (重新入院结算)")
    CORRECTION = "correction", _("Correction of the bill")


class AnnualRoom(models.Model):
    """What one person's settlements of one calendar year used (年度救助额度)."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="medical_rooms"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    assistance_used_fen = models.BigIntegerField(_("assistance used"), default=0)
    deductible_used_fen = models.BigIntegerField(_("deductible borne"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person_id", "year"]
        verbose_name = _("annual room")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="medical_room_once"),
            models.CheckConstraint(
                condition=Q(assistance_used_fen__gte=0) & Q(deductible_used_fen__gte=0),
                name="medical_room_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"


class HospitalStatement(models.Model):
    """One hospital's monthly reimbursement (医疗救助垫付资金结算单): the settlements made and the
    reversals recorded up to the month's end and not on an earlier statement."""

    hospital = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="medical_statements"
    )
    month = models.CharField(_("month"), max_length=7)
    settlements_count = models.PositiveIntegerField(_("settlements"), default=0)
    reversals_count = models.PositiveIntegerField(_("reversals"), default=0)
    settled_fen = models.BigIntegerField(_("assistance settled"), default=0)
    reversed_fen = models.BigIntegerField(_("assistance reversed"), default=0)
    amount_fen = models.BigIntegerField(_("amount due"), default=0)
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    made_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    journal_source = models.CharField(max_length=80, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    bank_file = models.ForeignKey(
        "medical.ReimbursementFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
    )

    class Meta:
        ordering = ["-month", "hospital_id"]
        verbose_name = _("hospital statement")
        constraints = [
            models.UniqueConstraint(fields=["hospital", "month"], name="medical_statement_once"),
            models.CheckConstraint(
                condition=Q(amount_fen=models.F("settled_fen") - models.F("reversed_fen")),
                name="medical_statement_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hospital_id} {self.month}"


class Settlement(models.Model):
    hospital = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="medical_settlements"
    )
    # The hospital's own settlement number (结算单号): the idempotency key, unique per hospital.
    number = models.CharField(_("settlement number"), max_length=64)
    request_digest = models.CharField(max_length=64)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="medical_settlements"
    )
    room = models.ForeignKey(AnnualRoom, on_delete=models.PROTECT, related_name="settlements")
    district = models.CharField(_("district"), max_length=6)
    category = models.CharField(_("category"), max_length=24)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    discharged_on = models.DateField(_("discharged on"))
    total_fen = models.BigIntegerField(_("total"))
    policy_scope_fen = models.BigIntegerField(_("policy-scope amount"))
    insurance_fen = models.BigIntegerField(_("insurance paid"))
    assistance_fen = models.BigIntegerField(_("medical assistance"))
    patient_fen = models.BigIntegerField(_("patient pays"))
    deductible_applied_fen = models.BigIntegerField(_("deductible borne"))
    ratio = models.CharField(_("ratio"), max_length=16)
    capped = models.BooleanField(_("capped"), default=False)
    room_after_fen = models.BigIntegerField(_("annual room after"))
    city_fen = models.BigIntegerField(default=0)
    district_fen = models.BigIntegerField(default=0)
    street_fen = models.BigIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=SettlementStatus.choices, default="settled"
    )
    settled_at = models.DateTimeField(_("settled at"), auto_now_add=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversal_reason = models.CharField(
        _("reversal reason"), max_length=16, choices=ReversalReason.choices, blank=True
    )
    reversal_note = models.CharField(_("note"), max_length=200, blank=True)
    statement = models.ForeignKey(
        HospitalStatement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    reversal_statement = models.ForeignKey(
        HospitalStatement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )

    class Meta:
        ordering = ["-settled_at", "-id"]
        verbose_name = _("medical settlement")
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "number"], name="medical_settlement_number_once"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_fen=models.F("insurance_fen")
                    + models.F("assistance_fen")
                    + models.F("patient_fen")
                ),
                name="medical_settlement_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(assistance_fen__gte=0) & Q(patient_fen__gte=0),
                name="medical_settlement_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status="settled", reversed_at__isnull=True)
                | Q(status="reversed", reversed_at__isnull=False),
                name="medical_settlement_reversal_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "discharged_on"], name="medical_settlement_person"),
            models.Index(fields=["hospital", "statement"], name="medical_settlement_stmt"),
        ]

    def __str__(self) -> str:
        return f"{self.hospital_id}/{self.number}"


class ReimbursementFile(models.Model):
    """The payable file of hospital reimbursements sent to the bank (ADR 1103): one line per
    statement, to the hospital's settlement account."""

    month = models.CharField(_("month"), max_length=7)
    reference = models.CharField(_("file reference"), max_length=40, unique=True)
    bank_code = models.CharField(_("bank code"), max_length=16)
    file = models.FileField(upload_to="medical/reimbursements/")
    line_count = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    made_at = models.DateTimeField(auto_now_add=True)
    made_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-made_at"]
        verbose_name = _("reimbursement file")

    def __str__(self) -> str:
        return self.reference
