"""Reads of the registry, always scoped to the actor's jurisdiction.

A record outside the jurisdiction is reported exactly like a missing one (NotFoundError), so that
guessing URLs reveals nothing.
"""

from django.db.models import Prefetch, Q, QuerySet

from safetynet.accounts.models import User
from safetynet.core.errors import NotFoundError

from .models import Division, Enrolment, Household, Membership, Person


def _prefix(actor: User) -> str | None:
    if not actor.is_authenticated or not actor.is_active:
        return None
    return actor.scope_prefix


def divisions_visible_to(actor: User) -> QuerySet[Division]:
    prefix = _prefix(actor)
    if prefix is None:
        return Division.objects.none()
    return Division.objects.filter(code__startswith=prefix)


def households_visible_to(actor: User) -> QuerySet[Household]:
    prefix = _prefix(actor)
    if prefix is None:
        return Household.objects.none()
    return Household.objects.filter(division_id__startswith=prefix)


def persons_visible_to(actor: User) -> QuerySet[Person]:
    """Persons registered (户籍) in the jurisdiction or living in one of its households."""
    prefix = _prefix(actor)
    if prefix is None:
        return Person.objects.none()
    in_household = Membership.objects.filter(
        end_date__isnull=True, household__division_id__startswith=prefix
    ).values("person_id")
    return Person.objects.filter(Q(hukou_division_id__startswith=prefix) | Q(id__in=in_household))


def household_get(*, actor: User, household_id: int) -> Household:
    current = Membership.objects.filter(end_date__isnull=True).select_related("person")
    try:
        return (
            households_visible_to(actor)
            .select_related("division", "division__parent")
            .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current_members"))
            .get(pk=household_id)
        )
    except Household.DoesNotExist:
        raise NotFoundError("household") from None


def person_get(*, actor: User, person_id: int) -> Person:
    try:
        return persons_visible_to(actor).select_related("hukou_division").get(pk=person_id)
    except Person.DoesNotExist:
        raise NotFoundError("person") from None


def person_current_membership(*, person: Person) -> Membership | None:
    return (
        Membership.objects.filter(person=person, end_date__isnull=True)
        .select_related("household")
        .first()
    )


def household_search(*, actor: User, query: str, limit: int = 50) -> list[Household]:
    """Households whose member has this ID number (exact, 18 chars) or whose name starts with
    the query; or whose household number equals it."""
    query = (query or "").strip()
    if not query:
        return []
    base = households_visible_to(actor)
    if len(query) == 18 and query[:17].isdigit():
        member_of = Membership.objects.filter(
            end_date__isnull=True, person__id_number=query.upper()
        ).values("household_id")
        found = base.filter(id__in=member_of)
    else:
        member_of = Membership.objects.filter(
            end_date__isnull=True, person__name__startswith=query
        ).values("household_id")
        found = base.filter(Q(id__in=member_of) | Q(number=query))
    return list(found.select_related("division").order_by("id")[:limit])


def enrolments_of_household(*, household: Household) -> QuerySet[Enrolment]:
    member_ids = Membership.objects.filter(household=household).values("person_id")
    return (
        Enrolment.objects.filter(Q(household=household) | Q(person_id__in=member_ids))
        .select_related("person")
        .order_by("-start_date")
    )
