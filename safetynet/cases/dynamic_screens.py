"""Reads of the pages and API of the lists, reviews, emergency aid and grievances, scoped like
`dynamic_selectors` (outside the jurisdiction: not found). A download of a review notice is
written to the access log."""

from __future__ import annotations

from django.db.models import QuerySet

from safetynet.accounts.models import User
from safetynet.registry.models import Membership
from safetynet.verification.models import AccessAction, AccessLog

from . import errors as E
from .dynamic_models import EmergencyAid, Grievance, ListStatus, ProposalList, Review
from .dynamic_selectors import _prefix, review_get, reviews_visible_to
from .emergency import emergency_missing
from .selectors import case_get


def lists_of_month(*, actor: User, month: str | None = None) -> QuerySet[ProposalList]:
    """The lists of the actor's streets (of a month, else every proposed one), newest first."""
    prefix = _prefix(actor)
    if prefix is None:
        return ProposalList.objects.none()
    qs = ProposalList.objects.filter(street__code__startswith=prefix).select_related("street")
    qs = qs.filter(month=month) if month else qs.filter(status=ListStatus.PROPOSED)
    return qs.order_by("-month", "kind", "street_id")


def list_get(*, actor: User, list_id: int) -> ProposalList:
    prefix = _prefix(actor) or "\x00"
    try:
        return ProposalList.objects.select_related("street", "confirmed_by").get(
            pk=list_id, street__code__startswith=prefix
        )
    except ProposalList.DoesNotExist:
        raise E.NotFoundError("list") from None


def list_entries(plist: ProposalList) -> list:
    return list(plist.entries.select_related("person", "household").order_by("id"))


def review_page(*, actor: User, review_id: int) -> dict:
    review = review_get(actor=actor, review_id=review_id)
    members = list(
        Membership.objects.filter(
            household_id=review.household_id, end_date__isnull=True, person__death_date__isnull=True
        )
        .select_related("person")
        .order_by("id")
    )
    events = list(review.events.select_related("actor").order_by("at", "id"))
    return {"review": review, "members": members, "timeline": events}


def review_notice_get(*, actor: User, review_id: int) -> Review:
    review = review_get(actor=actor, review_id=review_id)
    if not review.notice_pdf:
        raise E.NotFoundError("notice")
    AccessLog.objects.create(
        user=actor,
        action=AccessAction.DOWNLOAD_FILE,
        household_id=review.household_id,
        purpose=f"复核 {review.pk} · 告知书 {review.notice_number}"[:200],
    )
    return review


def household_reviews(*, actor: User, household_id: int) -> list[Review]:
    if not actor.has_perm("cases.view_cases"):
        return []
    return list(reviews_visible_to(actor).filter(household_id=household_id)[:50])


def case_extras(*, actor: User, case_id: int) -> dict:
    """The emergency aid (with what is missing) and the grievances of a case the actor sees."""
    case = case_get(actor=actor, case_id=case_id)
    aid = EmergencyAid.objects.filter(case=case).first()
    return {
        "aid": aid,
        "missing": emergency_missing(aid) if aid else [],
        "grievances": list(
            Grievance.objects.filter(case=case).select_related("recorded_by").order_by("id")
        ),
    }


def emergency_cap(*, actor: User, household_id: int):
    """The household (in the actor's jurisdiction), its living members and today's cap of the
    emergency aid (the rules engine's), for the grant form."""
    from safetynet.registry.selectors import household_get
    from safetynet.rules.programs import emergency_advance_cap

    from . import clock

    household = household_get(actor=actor, household_id=household_id)
    members = Membership.objects.filter(
        household=household, end_date__isnull=True, person__death_date__isnull=True
    ).count()
    cap = emergency_advance_cap(clock.today(), members) if members else 0
    return household, members, cap


def grievance_case_id(*, actor: User, grievance_id: int) -> int:
    """The case of a grievance the actor sees (else not found)."""
    from .selectors import cases_visible_to

    try:
        return (
            Grievance.objects.filter(case__in=cases_visible_to(actor))
            .values_list("case_id", flat=True)
            .get(pk=grievance_id)
        )
    except Grievance.DoesNotExist:
        raise E.NotFoundError("grievance") from None


def slice_page(qs, page: str | None, size: int = 50):
    """A page of rows without a COUNT(*) (as `screens.slice_page`, without the case columns)."""
    from .screens import SlicePage

    try:
        number = min(max(1, int(page or 1)), 10_000)
    except ValueError:
        number = 1
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return SlicePage(rows[:size], number, len(rows) > size)
