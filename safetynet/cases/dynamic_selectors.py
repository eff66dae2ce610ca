"""Reads of the fast path, the proactive lists, the reviews and the grievances, scoped to the
actor's jurisdiction (outside it: not found / not listed), for the screens and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q, QuerySet

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require

from . import clock
from . import errors as E
from .dynamic_models import DynamicEvent, Grievance, ListStatus, ProposalList, Review


def _prefix(actor: User) -> str | None:
    require(actor, "cases.view_cases")
    if not actor.is_active:
        return None
    return actor.scope_prefix


def reviews_visible_to(actor: User) -> QuerySet[Review]:
    prefix = _prefix(actor)
    if prefix is None:
        return Review.objects.none()
    return Review.objects.filter(household__division__code__startswith=prefix)


def reviews_open(*, actor: User, today: dt.date | None = None) -> QuerySet[Review]:
    """Open reviews the actor sees, oldest due first, with `overdue` (past `due_on`)."""
    today = today or clock.today()
    return (
        reviews_visible_to(actor)
        .filter(closed_on__isnull=True)
        .select_related("household", "street", "review_task")
        .order_by(F("due_on").asc(nulls_last=True), "id")
        .annotate(overdue=Q(due_on__lt=today))
    )


def review_get(*, actor: User, review_id: int) -> Review:
    try:
        return reviews_visible_to(actor).select_related("household", "street").get(pk=review_id)
    except Review.DoesNotExist:
        raise E.NotFoundError("review") from None


def review_timeline(*, review: Review) -> list[DynamicEvent]:
    return list(review.events.select_related("actor").order_by("at", "id"))


def lists_to_confirm(*, actor: User) -> QuerySet[ProposalList]:
    """The proposed lists of the actor's streets, with their number of entries."""
    prefix = _prefix(actor)
    if prefix is None:
        return ProposalList.objects.none()
    return (
        ProposalList.objects.filter(street__code__startswith=prefix, status=ListStatus.PROPOSED)
        .annotate(entries_count=Count("entries"))
        .order_by("month", "kind", "street_id")
    )


def grievances_open(*, actor: User, today: dt.date | None = None) -> QuerySet[Grievance]:
    """Unanswered grievances on cases the actor sees, the answer due first, with `overdue`."""
    from .selectors import cases_visible_to

    today = today or clock.today()
    return (
        Grievance.objects.filter(case__in=cases_visible_to(actor), answered_on__isnull=True)
        .select_related("case")
        .order_by("answer_due", "id")
        .annotate(overdue=Q(answer_due__lt=today))
    )
