"""Cases (POLICY §8): one application of one household for one program, its timeline, home
visits, objections during the public notice, the decision and the notices (docs/cases.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safetynet.rules.catalog import CATALOG

from .states import Status

# The programs one applies for (POLICY §8 "any program that needs one"); the others (age
# allowance, funeral grants, price subsidy) are proposed by the system from the registry.
MEDICAL_ASSISTANCE = "medical_assistance"  # POLICY §9; no rules-engine program (settled per bill)
APPLICATION_PROGRAMS: tuple[str, ...] = (
    "dibao",
    "low_income",
    "tekun",
    "illness_poverty",
    "temporary_assistance",
    "disaster_housing",
    "disability",
    MEDICAL_ASSISTANCE,
    "funeral_exemption",
)
# The recipient database (registry Enrolment.category) an approval enrols the members in; the
# other programs are one-off grants or subsidies a payment reads from the approved decision.
ENROLMENT_CATEGORY = {
    "dibao": "dibao",
    "low_income": "low_income",
    "tekun": "tekun",
    "illness_poverty": "illness_poverty",
    # the disability subsidies are paid to the persons of the registry's 残疾人 database
    "disability": "disabled",
}
# Programs paid per person: only the persons the engine found eligible are enrolled.
PERSONAL_ENROLMENT = frozenset({"tekun", "disability"})


def program_label(code: str) -> str:
    if code == MEDICAL_ASSISTANCE:
        return "医疗救助"
    return CATALOG[code].name_zh


class CaseProgram(models.TextChoices):
    DIBAO = "dibao", _(CATALOG["dibao"].choice)
    LOW_INCOME = "low_income", _(CATALOG["low_income"].choice)
    TEKUN = "tekun", _(CATALOG["tekun"].choice)
    ILLNESS_POVERTY = "illness_poverty", _(CATALOG["illness_poverty"].choice)
    TEMPORARY_ASSISTANCE = "temporary_assistance", _(CATALOG["temporary_assistance"].choice)
    DISASTER_HOUSING = "disaster_housing", _(CATALOG["disaster_housing"].choice)
    DISABILITY = "disability", _(CATALOG["disability"].choice)
    MEDICAL_ASSISTANCE = MEDICAL_ASSISTANCE, _("Medical assistance")
    FUNERAL_EXEMPTION = "funeral_exemption", _(CATALOG["funeral_exemption"].choice)


class CaseStatus(models.TextChoices):
    ACCEPTED = Status.ACCEPTED.value, _("Accepted")
    INVESTIGATING = Status.INVESTIGATING.value, _("Investigating")
    PROPOSED = Status.PROPOSED.value, _("Proposed")
    IN_NOTICE = Status.IN_NOTICE.value, _("In public notice")
    AWAITING_DECISION = Status.AWAITING_DECISION.value, _("Awaiting decision")
    APPROVED = Status.APPROVED.value, _("Approved")
    REFUSED = Status.REFUSED.value, _("Refused")
    ENROLLED = Status.ENROLLED.value, _("Enrolled")
    WITHDRAWN = Status.WITHDRAWN.value, _("Withdrawn")


OPEN_STATUSES = [
    CaseStatus.ACCEPTED,
    CaseStatus.INVESTIGATING,
    CaseStatus.PROPOSED,
    CaseStatus.IN_NOTICE,
    CaseStatus.AWAITING_DECISION,
]


class Case(models.Model):
    """One application (申请) of one household for one program, from acceptance to decision."""

    number = models.CharField(_("case number"), max_length=32, unique=True)
    program = models.CharField(_("program"), max_length=32, choices=CaseProgram.choices)
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.ACCEPTED
    )
    # 一门受理: the office that took the application, and the street/town that handles it.
    accepting_division = models.ForeignKey(
        "registry.Division", on_delete=models.PROTECT, related_name="+"
    )
    handling_division = models.ForeignKey(
        "registry.Division", on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_on = models.DateField(_("accepted on"))
    declared = models.JSONField(_("declaration"), default=dict)
    verification_request = models.ForeignKey(
        "verification.VerificationRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # Due dates (working days on the official calendar, docs/calendar.md), set by the services.
    # NULL while pending: the count runs into a year the calendar does not know yet; the case
    # then records the year it waits for, and `cases_deadlines_fill` sets the dates (ADR 0814).
    investigation_due = models.DateField(_("investigation due"), null=True, blank=True)
    total_due = models.DateField(_("whole case due"), null=True, blank=True)
    deadlines_pending_year = models.PositiveSmallIntegerField(
        _("deadlines wait for the calendar of"), null=True, blank=True
    )
    extension_reason = models.TextField(_("extension reason"), blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    investigation_started_on = models.DateField(null=True, blank=True)
    # The proposal (审核意见): the rules engine's result, frozen.
    proposal = models.JSONField(_("proposal"), null=True, blank=True)
    proposed_eligible = models.BooleanField(null=True, blank=True)
    proposed_amount_fen = models.BigIntegerField(null=True, blank=True)
    proposed_on = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_posted_on = models.DateField(_("notice posted on"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice ends on"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # Set once when the case first runs past a due date: it then shows in the district's list
    # of escalated cases (POLICY §8; `cases_escalate_overdue`).
    escalated_on = models.DateField(_("escalated to the district on"), null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-accepted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_known"
            ),
            # one open application per household and program (a second is refused)
            models.UniqueConstraint(
                fields=["household", "program"],
                condition=Q(status__in=OPEN_STATUSES),
                name="case_one_open_per_household_and_program",
            ),
            models.CheckConstraint(
                condition=Q(extended_on__isnull=True) | ~Q(extension_reason=""),
                name="case_extension_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(notice_ends_on__isnull=True)
                | Q(notice_ends_on__gt=models.F("notice_posted_on")),
                name="case_notice_ends_after_posting",
            ),
        ]
        indexes = [
            models.Index(fields=["handling_division", "status"]),
            models.Index(fields=["status", "total_due"]),
            # the screens (migration 0050_casesui_indexes): the workbench's order and the
            # approver's queue, oldest due first
            models.Index(fields=["total_due", "id"], name="case_total_due_id"),
            models.Index(fields=["status", "decision_due", "id"], name="case_status_decision_due"),
            models.Index(fields=["escalated_on", "id"], name="case_escalated_on"),
            models.Index(fields=["deadlines_pending_year"], name="case_deadlines_pending"),
        ]

    def __str__(self) -> str:
        return self.number


class EventKind(models.TextChoices):
    ACCEPTED = "accepted", _("Application accepted")
    INVESTIGATION_STARTED = "investigation_started", _("Investigation started")
    HOME_VISIT = "home_visit", _("Home visit recorded")
    VERIFICATION_LINKED = "verification_linked", _("Verification opened")
    PROPOSED = "proposed", _("Proposal made")
    NOTICE_PUBLISHED = "notice_published", _("Public notice posted")
    OBJECTION = "objection", _("Objection recorded")
    OBJECTION_ANSWERED = "objection_answered", _("Objection answered")
    NOTICE_CLOSED = "notice_closed", _("Public notice ended")
    REFERRED = "referred", _("Referred for decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    ENROLLED = "enrolled", _("Enrolled")
    EXTENDED = "extended", _("Time limit extended")
    ESCALATED = "escalated", _("Overdue: escalated to the district")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REINVESTIGATED = "reinvestigated", _("Sent back to the investigation")
    # fast path and grievances (docs/cases-dynamic.md)
    EMERGENCY_GRANTED = "emergency_granted", _("Emergency aid granted")
    FORMALITY_DONE = "formality_done", _("Formality completed")
    FORMALITIES_COMPLETED = "formalities_completed", _("Formalities completed")
    GRIEVANCE = "grievance", _("Complaint or reconsideration recorded")
    GRIEVANCE_ANSWERED = "grievance_answered", _("Complaint or reconsideration answered")
    DEADLINES_PENDING = "deadlines_pending", _("Due dates pending the next year's calendar")
    DEADLINES_FILLED = "deadlines_filled", _("Pending due dates set")


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what, when, from which status to which."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("date"))
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "kind"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class HomeVisit(models.Model):
    """入户调查: a visit by two distinct staff, with the findings and photos."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="home_visits")
    visited_on = models.DateField(_("visited on"))
    staff_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    staff_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    findings = models.TextField(_("findings"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(staff_1=models.F("staff_2")), name="home_visit_two_distinct_staff"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} visit {self.visited_on}"


class HomeVisitPhoto(models.Model):
    visit = models.ForeignKey(HomeVisit, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to="cases/visits/%Y/")
    kind = models.CharField(max_length=8)  # jpg | png | pdf (by content, core/uploads.py)

    def __str__(self) -> str:
        return self.file.name


class CaseDocument(models.Model):
    """A document handed in with the application (certificates, medical bills…)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to="cases/documents/%Y/")
    kind = models.CharField(max_length=8)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """An objection (异议) raised during the public notice, and its answer."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="objections")
    raised_on = models.DateField(_("raised on"))
    raised_by = models.CharField(_("raised by"), max_length=100, blank=True)  # may be anonymous
    content = models.TextField(_("objection"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    upheld = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["raised_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | ~Q(answer=""),
                name="objection_answer_has_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} objection {self.pk}"


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Decision(models.Model):
    """The decision (确认) on a case: one per case (a database constraint), by the district."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("decided on"))
    amount_fen = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    start_month = models.CharField(_("first benefit month"), max_length=7, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)
    note = models.TextField(blank=True)
    refusal_notice_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="refused", amount_fen__isnull=True)
                | Q(outcome="approved", amount_fen__gte=0),
                name="decision_amount_only_on_approval",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome}"


class NoticeKind(models.TextChoices):
    PUBLIC = "public", _("Public notice")
    DECISION = "decision", _("Decision notice")


class Notice(models.Model):
    """A printed notice: the public notice for the community board (names and amounts only) or
    the written decision notice to the family."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    number = models.CharField(max_length=40, unique=True)
    pdf = models.FileField(upload_to="cases/notices/%Y/")
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["issued_on", "id"]
        constraints = [
            # one decision notice per case; a public notice is posted again after a
            # re-investigation
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(kind="decision"),
                name="notice_one_decision_notice_per_case",
            )
        ]

    def __str__(self) -> str:
        return self.number


# Fast path, proactive lists, dynamic management and grievances (docs/cases-dynamic.md).
from .dynamic_models import (  # noqa: E402, F401
    DynamicEvent,
    EmergencyAid,
    Grant,
    Grievance,
    ProposalEntry,
    ProposalList,
    Review,
)
