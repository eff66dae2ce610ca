"""Payments (POLICY §10): bank accounts (一卡通), the amount basis of enrolled households, the
monthly payroll and its lines (docs/payments.md, ADR 0900–0902)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safetynet.rules.columns import COUNTED_INCOME, EXCLUDED_INCOME

from .states import PayrollStatus

INCOME_FIELDS: tuple[str, ...] = COUNTED_INCOME + EXCLUDED_INCOME
HOUSEHOLD_ASSET_FIELDS: tuple[str, ...] = (
    "declared_financial_assets_fen",
    "declared_vehicles",
    "declared_homes",
    "declared_businesses",
    "medical_oop_12m_fen",
)
# Person facts the engine reads that the registry does not hold (assessed at the decision).
PERSON_FACT_FIELDS: tuple[str, ...] = (
    "entitled_kind",
    "tekun_support_form",
    "unemployment_insurance",
    "is_orphan",
)


# ============================================================================ bank accounts
class BankAccount(models.Model):
    """A recipient's bank account (惠民惠农一卡通). Changing it closes the current one
    (valid_to) and opens a new one: at most one current account per person, in the database."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="bank_accounts"
    )
    bank_code = models.CharField(_("bank code"), max_length=16)
    bank_name = models.CharField(_("bank name"), max_length=64)
    account_number = models.CharField(_("account number"), max_length=32)
    holder_name = models.CharField(_("account holder"), max_length=64)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person_id", "valid_from", "id"]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_to__isnull=True),
                name="payments_one_current_bank_account",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="payments_bank_account_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_code} …{self.account_number[-4:]}"


# ============================================================================ amount basis
class BasisSource(models.TextChoices):
    LOADED = "loaded", _("Loaded city")
    CASE = "case", _("Case decision")
    REVIEW = "review", _("Review")
    MANUAL = "manual", _("Manual correction")


def _fen(label: str) -> models.BigIntegerField:
    return models.BigIntegerField(label, default=0)


class AmountBasis(models.Model):
    """核定依据: what a household's monthly amounts are computed from, from a benefit month on —
    the household's assessed assets (this row) and each member's assessed income (its
    AmountBasisPerson rows). The payroll re-runs the rules engine each month on the registry's
    current facts plus the basis in force (the latest with valid_from ≤ the month; ADR 0900)."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="amount_bases"
    )
    valid_from = models.CharField(_("valid from month"), max_length=7)  # 'YYYY-MM'
    source = models.CharField(_("source"), max_length=16, choices=BasisSource.choices)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    declared_financial_assets_fen = _fen(_("financial assets (fen)"))
    declared_vehicles = models.SmallIntegerField(_("vehicles"), default=0)
    declared_homes = models.SmallIntegerField(_("homes"), default=0)
    declared_businesses = models.SmallIntegerField(_("businesses"), default=0)
    medical_oop_12m_fen = _fen(_("out-of-pocket medical costs, 12 months (fen)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "valid_from"]
        verbose_name = _("amount basis")
        verbose_name_plural = _("amount bases")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "valid_from"], name="payments_one_basis_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} from {self.valid_from} ({self.source})"


class AmountBasisPerson(models.Model):
    """One member's assessed monthly income (the engine's income_* columns) in a basis."""

    basis = models.ForeignKey(AmountBasis, on_delete=models.CASCADE, related_name="persons")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    income_wage_fen = _fen("income_wage_fen")
    income_business_fen = _fen("income_business_fen")
    income_pension_fen = _fen("income_pension_fen")
    income_property_fen = _fen("income_property_fen")
    income_transfer_fen = _fen("income_transfer_fen")
    income_five_elder_subsidy_fen = _fen("income_five_elder_subsidy_fen")
    income_entitled_pension_fen = _fen("income_entitled_pension_fen")
    income_age_allowance_fen = _fen("income_age_allowance_fen")
    income_disability_subsidy_fen = _fen("income_disability_subsidy_fen")
    income_temporary_aid_fen = _fen("income_temporary_aid_fen")
    income_award_fen = _fen("income_award_fen")
    entitled_kind = models.CharField(max_length=24, blank=True)
    tekun_support_form = models.CharField(max_length=16, blank=True)
    unemployment_insurance = models.BooleanField(default=False)
    is_orphan = models.BooleanField(default=False)

    class Meta:
        ordering = ["basis_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["basis", "person"], name="payments_basis_person_once"),
        ]
        indexes = [models.Index(fields=["person"], name="payments_basisperson_person")]

    def __str__(self) -> str:
        return f"{self.person_id} in basis {self.basis_id}"


# ============================================================================ payroll
class Payroll(models.Model):
    """The payroll of one benefit month (工资册/发放名册)."""

    month = models.CharField(_("benefit month"), max_length=7, unique=True)  # 'YYYY-MM'
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=[(s.value, s.value) for s in PayrollStatus],
        default=PayrollStatus.DRAFT.value,
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    # sha256 of every rules parameter value in force for the month, at the last run: a later
    # run that finds another digest for this month knows a retroactive change happened and
    # computes the month's arrears (ADR 0901)
    parameters_digest = models.CharField(max_length=64, blank=True)
    # cached at each run: {"lines": n, "amount_fen": n, "programs": {program: {lines, amount_fen}}}
    totals = models.JSONField(default=dict)
    # the last run's summary (needs review, recoveries due, changes since the previous draft)
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("payroll")
        verbose_name_plural = _("payrolls")

    def __str__(self) -> str:
        return f"payroll {self.month} ({self.status})"


class PayrollEventKind(models.TextChoices):
    RUN = "run", _("Computed")
    CHECK = "check", _("Checked")
    REOPEN = "reopen", _("Sent back to draft")
    APPROVE = "approve", _("Approved")
    FILES_SENT = "files_sent", _("Bank files sent")
    RESULTS_IN = "results_in", _("Bank results imported")
    RECONCILED = "reconciled", _("Reconciled")
    CLOSED = "closed", _("Closed")
    OTHER = "other", _("Other")


class PayrollEvent(models.Model):
    """One entry of a payroll's timeline."""

    payroll = models.ForeignKey(Payroll, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["payroll", "kind"], name="payments_event_payroll_kind")]

    def __str__(self) -> str:
        return f"{self.payroll_id} {self.kind}"


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Monthly benefit")
    GRANT = "grant", _("One-off grant")
    ARREARS = "arrears", _("Arrears")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    HELD_NO_ACCOUNT = "held_no_account", _("Held: no bank account")
    # never stored (ADR 0950): a line is shown "sent" while a bank holds it, i.e. its stored
    # status is pending and it has a pending bank file entry (`PaymentLine.current_status`)
    SENT = "sent", _("Sent to the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Lines a re-run of a draft may replace; every other status is final for the run (ADR 0901).
REPLACEABLE_STATUSES = (LineStatus.PENDING.value, LineStatus.HELD_NO_ACCOUNT.value)


def _in_flight():
    """A pending bank file entry of the outer line (ADR 0950)."""
    return Exists(BankFileEntry.objects.filter(line=OuterRef("pk"), result="pending"))


class PaymentLineQuerySet(models.QuerySet):
    """The lines with their shown status (ADR 0950): "sent" is not stored but derived from the
    line's pending bank file entry, so that sending a file does not rewrite every line."""

    def with_state(self):
        """Annotate `state`: the stored status, or "sent" for a pending line a bank holds."""
        return self.annotate(
            state=Case(
                When(Q(status=LineStatus.PENDING) & _in_flight(), then=Value(LineStatus.SENT)),
                default=F("status"),
                output_field=models.CharField(),
            )
        )

    def in_state(self, state: str):
        """The lines whose shown status is `state`."""
        if state == LineStatus.SENT:
            return self.filter(_in_flight(), status=LineStatus.PENDING)
        if state == LineStatus.PENDING:
            return self.filter(~_in_flight(), status=LineStatus.PENDING)
        return self.filter(status=state)


class PaymentLine(models.Model):
    """One payment: a (beneficiary, program, benefit month), paid once ever (ADR 0901)."""

    # no single-column indexes where a composite one leads with the column (ADR 0914): the
    # payroll, person and household lookups use payments_line_payroll_status / _person / _household
    payroll = models.ForeignKey(
        Payroll, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    payroll_month = models.CharField(max_length=7)  # = payroll.month (for the constraints)
    beneficiary_key = models.CharField(_("beneficiary"), max_length=24)  # 'H<id>' / 'P<id>'
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="payment_lines", db_index=False
    )
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_lines",
        db_index=False,
    )
    program = models.CharField(_("program"), max_length=32)
    benefit_month = models.CharField(_("benefit month"), max_length=7)
    kind = models.CharField(_("kind"), max_length=16, choices=LineKind.choices)
    # grants: 'grant:<Grant id>' / 'emergency:<EmergencyAid id>'; arrears: the payroll month
    source_ref = models.CharField(max_length=40, blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    city_fen = models.BigIntegerField(default=0)
    district_fen = models.BigIntegerField(default=0)
    street_fen = models.BigIntegerField(default=0)
    division = models.ForeignKey(
        "registry.Division", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    bank_account = models.ForeignKey(
        BankAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    bank_code = models.CharField(max_length=16, blank=True)
    account_number = models.CharField(max_length=32, blank=True)
    reason_code = models.CharField(max_length=48, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=LineStatus.choices, default=LineStatus.PENDING
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    objects = PaymentLineQuerySet.as_manager()

    class Meta:
        ordering = ["payroll_id", "id"]
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary_key", "program", "benefit_month"],
                condition=Q(kind="regular") & ~Q(status="cancelled"),
                name="payments_line_once_regular",
            ),
            models.UniqueConstraint(
                fields=["beneficiary_key", "program", "benefit_month", "payroll_month"],
                condition=Q(kind="arrears") & ~Q(status="cancelled"),
                name="payments_line_once_arrears",
            ),
            models.UniqueConstraint(
                fields=["source_ref"],
                condition=Q(kind="grant") & ~Q(status="cancelled"),
                name="payments_line_once_grant",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0)
                & Q(city_fen__gte=0)
                & Q(district_fen__gte=0)
                & Q(street_fen__gte=0),
                name="payments_line_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen=F("city_fen") + F("district_fen") + F("street_fen")),
                name="payments_line_split_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["payroll", "status"], name="payments_line_payroll_status"),
            models.Index(fields=["household", "benefit_month"], name="payments_line_household"),
            models.Index(fields=["person", "benefit_month"], name="payments_line_person"),
            models.Index(fields=["division"], name="payments_line_division"),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_key} {self.program} {self.benefit_month} {self.amount_fen}"

    def current_status(self) -> str:
        """The shown status (ADR 0950): `state` when annotated (`with_state`), else derived."""
        if "state" in self.__dict__:
            return self.__dict__["state"]
        if self.status == LineStatus.PENDING and self.pk is not None:
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("bank_entries")
            if prefetched is not None:
                held = any(e.result == "pending" for e in prefetched)
            else:
                held = self.bank_entries.filter(result="pending").exists()
            if held:
                return LineStatus.SENT.value
        return self.status

    def get_current_status_display(self) -> str:
        return str(LineStatus(self.current_status()).label)


# Bank files and results live in their own module (ADR 0910); imported here so Django sees them.
from .bank_models import (  # noqa: E402, F401
    BankFile,
    BankFileEntry,
    BankFileFormat,
    BankResultFile,
    EntryResult,
)
from .flow_models import (  # noqa: E402, F401  the workflow and the recoveries (ADR 0940, 0941)
    PayrollApproval,
    Recovery,
    RecoveryDeduction,
    RecoveryEvent,
    Refund,
    RefundKind,
)
