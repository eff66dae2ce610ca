"""Reads of cases, always scoped to the actor's jurisdiction (outside it: not found)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require

from . import clock, deadlines
from . import errors as E
from .models import Case, CaseEvent, Decision, HomeVisit, Notice
from .scopes import jurisdiction_q, overdue_q
from .states import OPEN_STATES, Status


def cases_visible_to(actor: User) -> QuerySet[Case]:
    """Cases whose household is in the actor's subtree or that its offices accepted."""
    require(actor, "cases.view_cases")
    if not actor.is_active or actor.scope_prefix is None:
        return Case.objects.none()
    return Case.objects.filter(jurisdiction_q(actor.scope_prefix))


def case_get(*, actor: User, case_id: int) -> Case:
    try:
        return (
            cases_visible_to(actor)
            .select_related("household", "household__division", "applicant", "handling_division")
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise E.NotFoundError("case") from None


def case_timeline(*, case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "id"))


@dataclass(frozen=True)
class DueDate:
    step: str  # investigation | decision | total | refusal_notice
    due: dt.date | None  # None: pending, the calendar does not know `pending_year` yet
    done_on: dt.date | None
    workdays_left: int | None  # after today up to due; < 0 overdue; None once done or pending
    pending_year: int | None = None

    @property
    def pending(self) -> bool:
        return self.due is None

    @property
    def overdue(self) -> bool:
        if self.due is None:  # pending: never overdue
            return False
        if self.done_on is not None:
            return self.done_on > self.due
        return self.workdays_left is not None and self.workdays_left < 0


def case_due_dates(*, case: Case, today: dt.date | None = None) -> list[DueDate]:
    """The case's due date per step, when it was met (or None while running) and the working
    days left: investigation (met by the proposal), public notice end, decision, refusal notice
    and the whole case (met by the decision or the withdrawal). A pending due date (ADR 0814)
    has `due` None and the year it waits for in `pending_year`."""
    today = today or clock.today()
    decision = Decision.objects.filter(case=case).first()
    closed = case.closed_on if case.status not in OPEN_STATES else None

    def row(step, due, done):
        if due is None:
            return DueDate(step, None, done, None, case.deadlines_pending_year)
        left = None if done is not None else deadlines.workdays_left(today, due)
        return DueDate(step, due, done, left)

    out = [row("investigation", case.investigation_due, case.proposed_on or closed)]
    if case.notice_ends_on is not None:
        ended = case.notice_ends_on if today > case.notice_ends_on else None
        out.append(DueDate("notice", case.notice_ends_on, ended, None))
    if case.decision_due is not None or (
        # pending: the decision limit has started (notice posted, referred, or decided)
        case.deadlines_pending_year is not None
        and (
            case.notice_ends_on is not None
            or case.status == Status.AWAITING_DECISION
            or decision is not None
        )
    ):
        out.append(row("decision", case.decision_due, decision.decided_on if decision else closed))
    if decision is not None and (
        decision.refusal_notice_due is not None
        or (decision.outcome == "refused" and case.deadlines_pending_year is not None)
    ):
        issued = (
            Notice.objects.filter(case=case, kind="decision")
            .values_list("issued_on", flat=True)
            .first()
        )
        out.append(row("refusal_notice", decision.refusal_notice_due, issued))
    out.append(row("total", case.total_due, decision.decided_on if decision else closed))
    return out


def case_overdue(*, actor: User, today: dt.date | None = None) -> QuerySet[Case]:
    """The overdue open cases the actor sees (an office: its own; the district: every office's,
    which is the escalation of POLICY §8), oldest due first."""
    today = today or clock.today()
    return (
        cases_visible_to(actor)
        .filter(overdue_q(today))
        .select_related("household", "applicant", "handling_division")
        .order_by("total_due", "id")
    )


def case_escalated(*, actor: User) -> QuerySet[Case]:
    """Open cases escalated to the district for running late (the district approver's list)."""
    return (
        cases_visible_to(actor)
        .filter(escalated_on__isnull=False, status__in=[s.value for s in OPEN_STATES])
        .select_related("household", "applicant", "handling_division")
        .order_by("escalated_on", "id")
    )


def case_overdue_by_office(*, actor: User, today: dt.date | None = None) -> dict[str, list[Case]]:
    """The overdue cases the actor sees, grouped by handling office (division code)."""
    out: dict[str, list[Case]] = {}
    for case in case_overdue(actor=actor, today=today):
        out.setdefault(case.handling_division_id, []).append(case)
    return out


def case_counts_by_status(*, actor: User) -> dict[str, int]:
    """How many cases the actor sees in each status (the workbench's tabs)."""
    rows = cases_visible_to(actor).order_by().values_list("status").annotate(n=Count("id"))
    return {status: n for status, n in rows}


def case_approver_queue(*, actor: User) -> QuerySet[Case]:
    """Cases awaiting the decision that the actor may decide: in the jurisdiction, and not one
    the actor accepted or investigated (ADR 0811), earliest decision due first."""
    from .services import ACCEPT_OR_INVESTIGATE

    return (
        cases_visible_to(actor)
        .filter(status=Status.AWAITING_DECISION.value)
        .exclude(accepted_by=actor)
        .exclude(proposed_by=actor)
        .exclude(
            pk__in=CaseEvent.objects.filter(actor=actor, kind__in=ACCEPT_OR_INVESTIGATE).values(
                "case_id"
            )
        )
        .exclude(
            pk__in=HomeVisit.objects.filter(
                Q(staff_1=actor) | Q(staff_2=actor) | Q(recorded_by=actor)
            ).values("case_id")
        )
        .select_related("household", "applicant", "handling_division")
        .order_by(F("decision_due").asc(nulls_last=True), "id")
    )


def cases_deadlines_pending() -> dict[int, int]:
    """{year: number of cases} whose due dates wait for that year's calendar (ADR 0814); a
    system read (the `cases deadlines` command), not scoped to an actor."""
    rows = (
        Case.objects.filter(deadlines_pending_year__isnull=False)
        .order_by()
        .values_list("deadlines_pending_year")
        .annotate(n=Count("id"))
    )
    return {year: n for year, n in rows}


def case_deadlines_pending_count(*, actor: User) -> dict[int, int]:
    """{year: number of the actor's cases} whose due dates wait for that year's calendar."""
    rows = (
        cases_visible_to(actor)
        .filter(deadlines_pending_year__isnull=False)
        .order_by()
        .values_list("deadlines_pending_year")
        .annotate(n=Count("id"))
    )
    return {year: n for year, n in rows}
