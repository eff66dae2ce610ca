"""Query conditions shared by the services and the selectors (no import of either)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .states import OPEN_STATES, Status

OPEN = [s.value for s in OPEN_STATES]
BEFORE_PROPOSAL = [Status.ACCEPTED.value, Status.INVESTIGATING.value]


def jurisdiction_q(prefix: str) -> Q:
    """Cases whose household is in the subtree, or that an office of the subtree accepted."""
    return Q(household__division__code__startswith=prefix) | Q(
        accepting_division__code__startswith=prefix
    )


def overdue_q(today: dt.date) -> Q:
    """Open cases past a due date: the investigation (until the proposal), the decision (once
    set), or the whole case. A due date is met on the day itself; a pending one (NULL, the
    calendar does not know its year yet) is never overdue (NULL < today is not true)."""
    return Q(status__in=OPEN) & (
        Q(status__in=BEFORE_PROPOSAL, investigation_due__lt=today)
        | Q(decision_due__lt=today)
        | Q(total_due__lt=today)
    )


def overdue_steps(case, today: dt.date) -> list[tuple[str, dt.date]]:
    """The steps of an open case that are past due on `today`: (step, due date). A pending due
    date (None) is never past due."""
    if case.status not in OPEN:
        return []
    out = []
    inv = case.investigation_due
    if case.status in BEFORE_PROPOSAL and inv is not None and inv < today:
        out.append(("investigation", case.investigation_due))
    if case.decision_due is not None and case.decision_due < today:
        out.append(("decision", case.decision_due))
    if case.total_due is not None and case.total_due < today:
        out.append(("total", case.total_due))
    return out
