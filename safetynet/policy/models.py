"""Parameter changes (参数调整) made by the bureau, with maker-checker approval (ADR 1400)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    NEW_VALUE = "new_value", _("New dated value")
    CONFIRMATION = "confirmation", _("Confirmation of a value to confirm")
    CORRECTION = "correction", _("Correction")


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ParameterChange(models.Model):
    """One proposed change of one parameter; it takes effect only once approved by another
    city officer. ``value`` is the canonical text in the parameter's unit (money in yuan with
    two decimals, ratios as decimal texts); empty for a confirmation."""

    name = models.CharField(_("parameter"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    effective = models.CharField(_("effective from"), max_length=10)
    value = models.TextField(_("value"), blank=True)
    reference_number = models.CharField(_("document number"), max_length=200)
    reference_date = models.DateField(_("document date"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PROPOSED
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "decided_at"], name="policy_change_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="proposed")
                | (models.Q(approver__isnull=False) & models.Q(decided_at__isnull=False)),
                name="policy_change_decided_has_approver",
            ),
            models.CheckConstraint(
                condition=~models.Q(approver=models.F("author")),
                name="policy_change_maker_is_not_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name} {self.kind} {self.effective} ({self.status})"

    @property
    def reference(self) -> str:
        return f"{self.reference_number} ({self.reference_date.isoformat()})"


class EventKind(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ParameterChangeEvent(models.Model):
    """The audit trail of parameter changes: who proposed, approved or rejected what, when."""

    change = models.ForeignKey(ParameterChange, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.change_id} {self.kind}"


# --- price indices (价格指数), ADR 1430 ------------------------------------------------------


class IndexKind(models.TextChoices):
    CPI = "cpi", _("Consumer price index")
    FOOD_CPI = "food_cpi", _("Food consumer price index")
    SCPI = "scpi", _("Low-income residents' living-cost price index")


class PriceIndex(models.Model):
    """One month's price index as the statistics bureau publishes it, entered by the bureau.

    ``value`` is the index with the same month of the previous year = 100, in hundredths, an
    exact integer (102.80 → 10280; the rise is (value − 10000) / 10000). ``cumulative`` is the
    1–N-month cumulative index (same period of the previous year = 100) in the same unit;
    December's is the year's rise the standard-adjustment floor uses. Entered values take effect
    at once (they are the statistics bureau's figures, not a policy decision); every entry and
    correction is on the audit trail (PriceIndexEvent)."""

    month = models.CharField(_("month"), max_length=7)
    kind = models.CharField(_("index"), max_length=10, choices=IndexKind.choices)
    value = models.PositiveIntegerField(_("index (same month last year = 100) × 100"))
    cumulative = models.PositiveIntegerField(
        _("cumulative index (same period last year = 100) × 100"), null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=300)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        ordering = ["-month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["month", "kind"], name="policy_index_month_kind"),
            models.CheckConstraint(
                condition=models.Q(value__gte=5000) & models.Q(value__lte=20000),
                name="policy_index_value_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.kind} {self.value}"


class IndexImport(models.Model):
    """One uploaded index file (Excel or CSV), imported all or nothing."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name} ({self.rows})"


class IndexEventKind(models.TextChoices):
    ENTERED = "entered", _("Entered")
    CORRECTED = "corrected", _("Corrected")


class PriceIndexEvent(models.Model):
    """The audit trail of index entries: who entered or corrected which month, when, from which
    source (and which import file); ``data`` keeps the old and new figures."""

    index = models.ForeignKey(PriceIndex, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=IndexEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    source_file = models.ForeignKey(
        IndexImport, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.index_id} {self.kind}"


# --- retroactive changes (追溯调整), ADR 1431 -------------------------------------------------


class RetroactiveAssessment(models.Model):
    """What an approved change with a past effective date does to months already paid: computed
    at approval by the rules engine's ``arrears`` (old tree vs new tree) over each paid month's
    caseload. The payroll pays the arrears (and reports overpayments) at its next run (ADR 0901);
    this is the bureau's list of them, per household, program and month."""

    change = models.OneToOneField(
        ParameterChange, on_delete=models.PROTECT, related_name="retroactive"
    )
    months = models.JSONField(default=list)
    arrears_fen = models.BigIntegerField(default=0)
    overpayment_fen = models.BigIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"change #{self.change_id}: {self.months}"


class RetroactiveArrears(models.Model):
    """One household's difference for one program and month: positive = arrears (补发),
    negative = overpayment (多发)."""

    assessment = models.ForeignKey(
        RetroactiveAssessment, on_delete=models.CASCADE, related_name="rows"
    )
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    program = models.CharField(max_length=40)
    month = models.CharField(max_length=7)
    amount_fen = models.BigIntegerField()

    class Meta:
        ordering = ["month", "program", "household_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "household", "program", "month"],
                name="policy_retro_row_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.program} {self.month} {self.amount_fen}"


from .whatif_models import WhatIfRun, WhatIfStatus  # noqa: E402,F401 (the what-if, ADR 1410)
