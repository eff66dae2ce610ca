"""Reads of cases, always scoped to the actor's jurisdiction (outside it: not found)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require

from . import clock, deadlines
from . import errors as E
from .models import Case, CaseEvent
from .services import jurisdiction_q
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
    due: dt.date
    done_on: dt.date | None
    workdays_left: int | None  # after today up to due; < 0 overdue; None once done

    @property
    def overdue(self) -> bool:
        if self.done_on is not None:
            return self.done_on > self.due
        return self.workdays_left is not None and self.workdays_left < 0


def case_due_dates(*, case: Case, today: dt.date | None = None) -> list[DueDate]:
    """The case's due date per step, whether met, and the working days left."""
    today = today or clock.today()
    is_open = case.status in OPEN_STATES

    def left(due, done):
        return None if done is not None else deadlines.workdays_left(today, due)

    out = []
    inv_done = case.proposed_on
    if inv_done is None and not is_open:
        inv_done = case.closed_on
    out.append(
        DueDate(
            "investigation",
            case.investigation_due,
            inv_done,
            left(case.investigation_due, inv_done),
        )
    )
    if case.decision_due is not None:
        decided = (
            getattr(getattr(case, "decision", None), "decided_on", None)
            if _has_decision(case)
            else None
        )
        done = decided or (case.closed_on if not is_open else None)
        out.append(DueDate("decision", case.decision_due, done, left(case.decision_due, done)))
    done = case.closed_on if not is_open else None
    out.append(DueDate("total", case.total_due, done, left(case.total_due, done)))
    return out


def _has_decision(case: Case) -> bool:
    try:
        case.decision  # noqa: B018
    except Exception:  # RelatedObjectDoesNotExist
        return False
    return True


def overdue_q(today: dt.date) -> Q:
    """Open cases past a due date: the investigation (before the proposal), the decision (once
    set), or the whole case."""
    return Q(status__in=[s.value for s in OPEN_STATES]) & (
        Q(
            status__in=[Status.ACCEPTED.value, Status.INVESTIGATING.value],
            investigation_due__lt=today,
        )
        | Q(decision_due__lt=today)
        | Q(total_due__lt=today)
    )


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
