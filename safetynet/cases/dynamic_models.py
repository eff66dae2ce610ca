"""Models of the fast path, the proactive (no-application) lists, dynamic management and
grievances (POLICY §8; docs/cases-dynamic.md). Imported at the end of cases/models.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmergencyAid(models.Model):
    """急难 先行救助: aid granted at once by the street on a temporary-assistance case, up to the
    cap; the formalities (checklist) follow within `casework.emergency_formalities_workdays`."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="emergency")
    members = models.PositiveSmallIntegerField(_("members"))
    requested_fen = models.BigIntegerField(_("requested (fen)"))
    cap_fen = models.BigIntegerField(_("cap (fen)"))
    amount_fen = models.BigIntegerField(_("granted (fen)"))
    hardship = models.TextField(_("hardship"))
    granted_on = models.DateField(_("granted on"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # NULL: pending next year's working-day calendar (ADR 0814)
    formalities_due = models.DateField(_("formalities due"), null=True, blank=True)
    # {item: "YYYY-MM-DD" when done, or null while missing}
    checklist = models.JSONField(_("formalities"), default=dict)
    completed_on = models.DateField(_("formalities completed on"), null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0) & Q(amount_fen__lte=models.F("cap_fen")),
                name="emergency_aid_within_cap",
            )
        ]
        indexes = [models.Index(fields=["completed_on", "formalities_due"])]

    def __str__(self) -> str:
        return f"emergency aid {self.case_id}"


class ProactiveKind(models.TextChoices):
    AGE_ALLOWANCE = "age_allowance", _("Age allowance")
    FUNERAL = "funeral", _("Funeral grants and exemption")
    PRICE_SUBSIDY = "price_subsidy", _("Price-linked subsidy")


class ListStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")


class ProposalList(models.Model):
    """The month's list the system proposes for a no-application program; confirmed once, in
    one step, by an officer of the street (one list per street, kind and month)."""

    kind = models.CharField(max_length=16, choices=ProactiveKind.choices)
    month = models.CharField(max_length=7)
    street = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=ListStatus.choices, default="proposed")
    proposed_on = models.DateField()
    confirmed_on = models.DateField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["month", "kind", "street_id"]
        constraints = [
            # one list open at a time per street, kind and month (a death recorded after the
            # month's list was confirmed goes on a new one)
            models.UniqueConstraint(
                fields=["kind", "month", "street"],
                condition=Q(status="proposed"),
                name="proposal_list_one_open_per_street_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.month} {self.street_id}"


class EntryOutcome(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    EXCLUDED = "excluded", _("Excluded")


class ProposalEntry(models.Model):
    """One person on a proposed list: what the rules engine found (program, tier, amount) and,
    once the list is confirmed, the outcome (confirmed, or excluded with a reason)."""

    plist = models.ForeignKey(ProposalList, on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    program = models.CharField(max_length=32)  # rules-engine program
    change = models.CharField(max_length=16)  # new | tier | death | month
    amount_fen = models.BigIntegerField()
    tier = models.CharField(max_length=8, blank=True)
    outcome = models.CharField(max_length=16, choices=EntryOutcome.choices, default="proposed")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["plist_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plist", "person", "program"], name="proposal_entry_once_per_list"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="excluded") | ~Q(reason=""),
                name="proposal_entry_exclusion_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plist_id} {self.person_id} {self.program}"


class Grant(models.Model):
    """A one-off grant (funeral grant, funeral exemption, a price-subsidy month) confirmed from
    a proposed list; payments read it. Once per person, program and month (a database rule)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    program = models.CharField(max_length=32)
    month = models.CharField(max_length=7)
    amount_fen = models.BigIntegerField()
    entry = models.OneToOneField(ProposalEntry, on_delete=models.PROTECT, related_name="grant")
    legal_basis = models.CharField(max_length=200)
    granted_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "program", "month"], name="grant_once_per_person_program_month"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="grant_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.program} {self.month}"


class ReviewTrigger(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled review")
    FINDING = "finding", _("Batch re-verification finding")
    REPORTED_CHANGE = "reported_change", _("Change reported by the family")


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    ADJUST = "adjust", _("Adjust the amount")
    STOP = "stop", _("Stop (停保)")
    GRADUAL_EXIT = "gradual_exit", _("Gradual exit (渐退期)")


class Review(models.Model):
    """A review (复核) of an enrolled household's benefit (dynamic management, POLICY §8). At
    most one open review per household and program (a database rule: the schedule is
    idempotent)."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="reviews"
    )
    program = models.CharField(max_length=32)  # dibao | tekun | low_income | illness_poverty
    street = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField(max_length=16, choices=ReviewTrigger.choices)
    opened_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)  # NULL: pending the calendar (ADR 0814)
    review_task = models.ForeignKey(
        "verification.ReviewTask", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_change = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    amount_fen = models.BigIntegerField(null=True, blank=True)
    proposal = models.JSONField(null=True, blank=True)
    exit_last_month = models.CharField(max_length=7, blank=True)
    notice_number = models.CharField(max_length=40, blank=True)
    notice_pdf = models.FileField(upload_to="cases/reviews/%Y/", blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "program"],
                condition=Q(closed_on__isnull=True),
                name="review_one_open_per_household_program",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | ~Q(outcome=""),
                name="review_closed_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["street", "closed_on"])]

    def __str__(self) -> str:
        return f"review {self.household_id} {self.program}"


class DynamicEvent(models.Model):
    """The timeline of a review (opened, decided, notice issued) or of a proposed list
    (proposed, confirmed): who did what, when."""

    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    plist = models.ForeignKey(
        ProposalList, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.kind


class GrievanceKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint (投诉)")
    RECONSIDERATION = "reconsideration", _("Administrative reconsideration (行政复议)")
    LAWSUIT = "lawsuit", _("Administrative lawsuit (行政诉讼)")


class Grievance(models.Model):
    """A complaint or a request for reconsideration (or a lawsuit notified) about a case, with
    the deadline by which it must be lodged or answered, and its answer."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="grievances")
    kind = models.CharField(max_length=16, choices=GrievanceKind.choices)
    lodged_on = models.DateField()
    lodged_by = models.CharField(max_length=100, blank=True)
    content = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # the last day it could be lodged (reconsideration / lawsuit, from the decision notice)
    lodge_deadline = models.DateField(null=True, blank=True)
    answer_due = models.DateField(null=True, blank=True)  # NULL: pending the calendar
    answer = models.TextField(blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    upheld = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["lodged_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | ~Q(answer=""),
                name="grievance_answer_has_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
