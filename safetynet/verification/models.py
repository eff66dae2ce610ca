"""Economic-status verification (核对): requests, per-source queries, reports, batch findings,
review tasks and the log of who looked at verification data.

Writes go through `services.py`; reads through `selectors.py`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from safetynet.rules.catalog import CATALOG


class Purpose(models.TextChoices):
    APPLICATION = "application", _("Application")
    PERIODIC_REVIEW = "periodic_review", _("Periodic review")
    ON_DEMAND_REVIEW = "on_demand_review", _("Review on demand")


class Program(models.TextChoices):
    """The programs whose eligibility a verification concludes on (POLICY §2, §3); labels from
    the one catalogue (safetynet.rules.catalog)."""

    DIBAO = "dibao", _(CATALOG["dibao"].choice)
    TEKUN = "tekun", _(CATALOG["tekun"].choice)
    LOW_INCOME = "low_income", _(CATALOG["low_income"].choice)
    ILLNESS_POVERTY = "illness_poverty", _(CATALOG["illness_poverty"].choice)


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    QUERYING = "querying", _("Querying sources")
    AWAITING_MANUAL = "awaiting_manual", _("Awaiting manual sources")
    READY = "ready", _("All sources settled")
    REPORTED = "reported", _("Reported")


class VerificationRequest(models.Model):
    """One verification of one household for one purpose, authorised by the family in writing."""

    number = models.CharField(_("request number"), max_length=32, unique=True)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="verification_requests"
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    program = models.CharField(_("program"), max_length=24, choices=Program.choices)
    month = models.CharField(_("benefit month"), max_length=7, help_text="YYYY-MM")
    status = models.CharField(
        _("status"), max_length=24, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    # The family's signed authorisation (授权书): no authorisation, no query.
    authorization_scan = models.FileField(_("authorization scan"), upload_to="authorizations/%Y/")
    authorization_signed_by = models.CharField(_("signed by"), max_length=64)
    authorization_signed_on = models.DateField(_("signed on"))
    # What the family declared, frozen when the request was opened (members, incomes, assets).
    declared = models.JSONField(_("declared"), default=dict)
    recheck_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rechecks"
    )
    objection = models.TextField(_("objection"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("verification request")

    def __str__(self) -> str:
        return self.number


class QueryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ANSWERED = "answered", _("Answered")
    FAILED = "failed", _("Failed")
    UNAVAILABLE = "unavailable", _("Unavailable")


class SourceQuery(models.Model):
    """One source's part of a request: sent, answered (with its records), or failed."""

    request = models.ForeignKey(
        VerificationRequest, on_delete=models.CASCADE, related_name="queries"
    )
    source = models.CharField(_("source"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=QueryStatus.choices, default=QueryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    records = models.JSONField(default=list)
    # Manual sources: the file sent to the agency and the file it sent back.
    exchange_file = models.FileField(upload_to="exchange/out/%Y/", blank=True)
    response_file = models.FileField(upload_to="exchange/in/%Y/", blank=True)
    superseded = models.BooleanField(
        default=False, help_text="Replaced by a re-query during a recheck; kept for the record."
    )

    class Meta:
        ordering = ["request_id", "source", "id"]
        indexes = [models.Index(fields=["request", "source"])]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.source}: {self.status}"


class Conclusion(models.TextChoices):
    MEETS = "meets", _("Meets the conditions")
    DOES_NOT_MEET = "does_not_meet", _("Does not meet the conditions")
    INCOMPLETE = "incomplete", _("Incomplete: sources missing")


class Report(models.Model):
    """A numbered verification report (核对报告). A recheck adds a new report; none is replaced."""

    number = models.CharField(_("report number"), max_length=32, unique=True)
    request = models.ForeignKey(
        VerificationRequest, on_delete=models.PROTECT, related_name="reports"
    )
    figures = models.JSONField(_("figures"), default=dict)
    counted_income_fen = models.BigIntegerField(_("counted monthly income (fen)"))
    financial_assets_fen = models.BigIntegerField(_("financial assets (fen)"))
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=Conclusion.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    discrepancies = models.JSONField(_("discrepancies"), default=list)
    pdf = models.FileField(upload_to="reports/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class AccessAction(models.TextChoices):
    VIEW_REQUEST = "view_request", _("Viewed a request")
    VIEW_REPORT = "view_report", _("Viewed a report")
    DOWNLOAD_PDF = "download_pdf", _("Downloaded a report PDF")
    DOWNLOAD_FILE = "download_file", _("Downloaded a stored file")
    VIEW_FINDING = "view_finding", _("Viewed a batch finding")


class AccessLog(models.Model):
    """Every view of verification data: who, when, what, and for which purpose."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=24, choices=AccessAction.choices)
    request = models.ForeignKey(
        VerificationRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class BatchRun(models.Model):
    """One batch re-verification of the caseload (`safetynet verify batch`), as imported."""

    month = models.CharField(max_length=7)
    engine = models.CharField(max_length=16)
    source_dir = models.CharField(max_length=500)
    households_checked = models.PositiveIntegerField(default=0)
    findings_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    # sha256 of the batch output (summary + findings): importing the same output twice is a no-op.
    digest = models.CharField(max_length=64, null=True, blank=True, unique=True)

    def __str__(self) -> str:
        return f"batch {self.month} ({self.engine})"


class FindingKind(models.TextChoices):
    INCOME_ABOVE_LINE = "income_above_line", _("Income above the line")
    ASSETS_ABOVE_LIMIT = "assets_above_limit", _("Assets above the limit")
    NEW_VEHICLE = "new_vehicle", _("Undeclared vehicle")
    NEW_PROPERTY = "new_property", _("Undeclared real estate")
    NEW_BUSINESS = "new_business", _("Undeclared business")
    DEATH = "death", _("Death not reported")
    DUPLICATE_ENROLMENT = "duplicate_enrolment", _("Enrolled twice")
    UNDECLARED_INCOME = "undeclared_income", _("Income above the declaration")
    UNDECLARED_ASSETS = "undeclared_assets", _("Financial assets above the declaration")


class Finding(models.Model):
    batch_run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="findings")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="findings"
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=FindingKind.choices)
    source = models.CharField(max_length=32)
    source_record = models.CharField(max_length=200, help_text="The source's key of the record.")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["household_id", "kind"]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.source}:{self.source_record}"


class TaskStatus(models.TextChoices):
    # nobody has taken it up yet: 待处理, not the request's 已受理 (issue 10)
    OPEN = "open", pgettext_lazy("review task", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class TaskOutcome(models.TextChoices):
    """How the street office closed a review task."""

    CONFIRMED_CHANGE = "confirmed_change", _("Confirmed: the benefit was adjusted")
    NO_CHANGE = "no_change", _("Checked: no change")
    REFERRED_TO_VERIFICATION = "referred_to_verification", _("Referred to a verification request")


class ReviewTask(models.Model):
    """A review the household's street office must do because a batch found something."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="review_tasks"
    )
    street = models.ForeignKey(
        "registry.Division", on_delete=models.PROTECT, related_name="review_tasks"
    )
    batch_run = models.ForeignKey(BatchRun, on_delete=models.PROTECT, related_name="tasks")
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.CharField(max_length=32, choices=TaskOutcome.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "batch_run"], name="one_task_per_household_per_run"
            )
        ]

    def __str__(self) -> str:
        return f"review of household {self.household_id} ({self.status})"


class NumberCounter(models.Model):
    """The last number issued in a series (e.g. requests of 2020). Incremented under a row lock in
    the transaction that uses the number, so numbers are unique and gapless (ADR 0701)."""

    series = models.CharField(max_length=32, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("Request opened")
    DISPATCHED = "dispatched", _("Sources queried")
    SOURCE_ANSWERED = "source_answered", _("Source answered")
    SOURCE_FAILED = "source_failed", _("Source failed")
    REQUEST_FILE_EXPORTED = "request_file_exported", _("Request file exported")
    RESPONSE_IMPORTED = "response_imported", _("Response file imported")
    SOURCE_RETRIED = "source_retried", _("Source queried again")
    REPORT_BUILT = "report_built", _("Report issued")
    RECHECK_OPENED = "recheck_opened", _("Recheck opened")


class Event(models.Model):
    """The timeline of a request: one row per state change, written by the service that made it."""

    request = models.ForeignKey(
        VerificationRequest, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class HouseholdCheck(models.Model):
    """A caseload household re-verified by a batch run: the basis of the coverage figure (the
    share of dibao/tekun/low-income/illness households verified in the last 12 months)."""

    batch_run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="checks")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="batch_checks"
    )
    month = models.CharField(max_length=7, db_index=True)
    programs = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["batch_run", "household"], name="one_check_per_household_per_run"
            )
        ]

    def __str__(self) -> str:
        return f"household {self.household_id} checked {self.month}"
