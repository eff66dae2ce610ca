"""Reads the screens need, composed from the registry's scoped selectors.

Everything here starts from `households_visible_to` / `persons_visible_to`, so it is scoped to the
actor's jurisdiction by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from safetynet.accounts.models import User
from safetynet.registry import selectors as registry
from safetynet.registry.models import (
    Category,
    Division,
    DivisionLevel,
    Enrolment,
    Household,
    Membership,
    Person,
)

# --------------------------------------------------------------------------------------------------
# Home page


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    persons: int


@dataclass(frozen=True)
class Dashboard:
    jurisdiction: Division | None
    households: int
    persons: int
    enrolled_persons: int
    categories: list[CategoryCount]


# The counts visit every household and person of the jurisdiction (~1 s for a city of 1M on
# PostgreSQL): kept this many seconds per jurisdiction and day, like the workbench's (ADR 1000).
DASHBOARD_TTL = 600


def dashboard_counts(*, actor: User) -> Dashboard:
    """Households, persons and enrolments in force today, by category, in the jurisdiction."""
    prefix = actor.scope_prefix if actor.is_active else None
    if prefix is None:
        return _dashboard_counts(actor)
    key = f"home:dashboard:{prefix}:{timezone.localdate().isoformat()}"
    found = cache.get(key)
    if found is None:
        found = _dashboard_counts(actor)
        cache.set(key, found, DASHBOARD_TTL)
    return found


def _dashboard_counts(actor: User) -> Dashboard:
    prefix = actor.scope_prefix if actor.is_active else None
    if prefix is None:
        persons = registry.persons_visible_to(actor)  # none
        in_scope = Q(person__in=persons)
    else:
        # registry.persons_visible_to, through the copy of the household's division on the
        # person (ADR 0751) instead of a subquery of memberships: two indexed prefix ranges
        # (~10x faster at 1M persons on PostgreSQL)
        lives = Q(household_division__code__startswith=prefix)
        persons = Person.objects.filter(Q(hukou_division__code__startswith=prefix) | lives)
        in_scope = Q(person__hukou_division__code__startswith=prefix) | Q(
            person__household_division__code__startswith=prefix
        )
    today = timezone.localdate()
    current = Enrolment.objects.filter(
        in_scope,
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        start_date__lte=today,
    )
    # one person's periods in one category never overlap (registry.enrolment_add): a plain count
    by_category = dict(current.values_list("category").annotate(n=Count("id")).order_by())
    return Dashboard(
        jurisdiction=actor.jurisdiction if actor.jurisdiction_id else None,
        households=registry.households_visible_to(actor).count(),
        persons=persons.count(),
        enrolled_persons=current.values("person_id").distinct().count(),
        categories=[
            CategoryCount(value, label, by_category.get(value, 0))
            for value, label in Category.choices
        ],
    )


# --------------------------------------------------------------------------------------------------
# Divisions


def division_path(*, division: Division) -> list[Division]:
    """City → district → street → community, ending with `division` itself (one query)."""
    code = division.code
    codes = {code, code[:4] + "00", code[:6], code[:9]}
    found = {d.code: d for d in Division.objects.filter(code__in=codes)}
    order = [
        DivisionLevel.CITY,
        DivisionLevel.DISTRICT,
        DivisionLevel.STREET,
        DivisionLevel.COMMUNITY,
    ]
    return sorted(found.values(), key=lambda d: (order.index(d.level), d.code))


def division_choices(*, actor: User) -> list[tuple[str, str]]:
    """The divisions a filter may offer: the actor's subtree, indented by level."""
    indent = {
        DivisionLevel.CITY: "",
        DivisionLevel.DISTRICT: "",
        DivisionLevel.STREET: "\u3000",
        DivisionLevel.COMMUNITY: "\u3000\u3000",
    }
    rows = registry.divisions_visible_to(actor).filter(valid_to__isnull=True)
    return [
        (code, f"{indent.get(level, '')}{name}")
        for code, name, level in rows.values_list("code", "name", "level").order_by("code")
    ]


# --------------------------------------------------------------------------------------------------
# Lists and search


def household_list(*, actor: User, filters: dict[str, Any]) -> registry.Listing:
    """Households of the jurisdiction, filtered by division (subtree), current category and text
    (the registry's search, paged up to SEARCH_PAGE_CAP matches). Rows carry `member_count`,
    `head_name` and `head_id_number` (mask it for display)."""
    return registry.household_listing(
        actor=actor,
        division=filters.get("division"),
        category=filters.get("category"),
        q=filters.get("q"),
        cap=registry.SEARCH_PAGE_CAP,
    )


def person_list(*, actor: User, filters: dict[str, Any]) -> registry.Listing:
    """Persons of the jurisdiction, filtered by division (subtree), current category and text."""
    return registry.person_listing(
        actor=actor,
        division=filters.get("division"),
        category=filters.get("category"),
        q=filters.get("q"),
        cap=registry.SEARCH_PAGE_CAP,
    )


def attach_categories(rows, *, by: str) -> None:
    """Set `categories` (the current enrolments' category codes, sorted, distinct) on each row of
    one page: households (`by="household"`: their members' and their own) or persons
    (`by="person"`). Two queries for the page, whatever its size."""
    rows = list(rows)
    ids = [r.pk for r in rows]
    found: dict[int, set[str]] = {i: set() for i in ids}
    current = registry.current_enrolments()
    if by == "person":
        for person_id, category in current.filter(person_id__in=ids).values_list(
            "person_id", "category"
        ):
            found[person_id].add(category)
    else:
        members = Membership.objects.filter(end_date__isnull=True, household_id__in=ids)
        person_household = dict(members.values_list("person_id", "household_id"))
        for person_id, household_id, category in current.filter(
            Q(person_id__in=list(person_household)) | Q(household_id__in=ids)
        ).values_list("person_id", "household_id", "category"):
            target = person_household.get(person_id, household_id)
            if target in found:
                found[target].add(category)
    for r in rows:
        r.categories = sorted(found[r.pk])


@dataclass(frozen=True)
class MatchedMember:
    name: str
    relation: str  # code; the template labels it
    id_number: str  # unmasked: mask it for display


def matched_members(households, *, query: str) -> dict[int, list[MatchedMember]]:
    """For each household of a search page, the current members the query matched (a name
    prefix or a whole ID number), so that the caseworker sees why the household is listed."""
    ids = [h.pk for h in households]
    query = (query or "").strip()
    if not ids or not query:
        return {}
    out: dict[int, list[MatchedMember]] = {}
    rows = (
        Membership.objects.filter(registry.person_match(query, "person__"), end_date__isnull=True)
        .filter(household_id__in=ids)
        .order_by("household_id", "person__name")
        .values_list("household_id", "person__name", "relation", "person__id_number")
    )
    for household_id, name, relation, id_number in rows:
        out.setdefault(household_id, []).append(MatchedMember(name, relation, id_number))
    return out


@dataclass(frozen=True)
class SearchResult:
    rows: QuerySet[Household]  # every match (at most SEARCH_PAGE_CAP), to page
    count: int  # their number: exact unless truncated
    truncated: bool  # more than SEARCH_PAGE_CAP matched
    partial_id: bool  # the query looks like part of an ID number (which is not searched)

    @property
    def cap(self) -> int:
        return registry.SEARCH_PAGE_CAP


def looks_like_partial_id(query: str) -> bool:
    """Digits (maybe ending in X) that are not a whole 18-character ID number: a search matches
    only whole ID numbers (a prefix would list strangers' numbers), so the page says so."""
    q = query.strip().upper()
    body = q[:-1] if q.endswith("X") else q
    return len(q) >= 6 and len(q) != 18 and body.isdigit()


def household_search(*, actor: User, query: str) -> SearchResult:
    """Households with a member of this ID number or name prefix, or of this number: the
    registry's indexed search (the API's lists take the same path), up to SEARCH_PAGE_CAP."""
    query = (query or "").strip()
    if not query:
        return SearchResult(Household.objects.none(), 0, False, False)
    listing = household_list(actor=actor, filters={"q": query})
    count = listing.rows.count()
    partial = count == 0 and looks_like_partial_id(query)
    return SearchResult(listing.rows, count, listing.truncated, partial)


# --------------------------------------------------------------------------------------------------
# Detail pages


@dataclass
class HouseholdPage:
    household: Household
    division_path: list[Division]
    members: list[Membership]
    enrolments: list[Enrolment]
    history: list[registry.HistoryEntry]
    head: Person | None = None  # the current head (户主), named in the page's heading
    verification_requests: list = field(default_factory=list)  # roles that see verification
    reports: list = field(default_factory=list)


@dataclass
class PersonPage:
    person: Person
    membership: Membership | None
    enrolments: list[Enrolment]
    history: list[registry.HistoryEntry]


def household_page(*, actor: User, household_id: int) -> HouseholdPage:
    """Raises NotFoundError when absent or outside the jurisdiction. ID numbers in the page's
    member list and history stay masked for every role (they are lists)."""
    household = registry.household_get(actor=actor, household_id=household_id)
    from safetynet.verification import selectors as verification

    members = sorted(
        household.current_members, key=lambda m: (m.relation != "head", m.person.birth_date)
    )
    requests = verification.household_requests(actor=actor, household=household)
    return HouseholdPage(
        household=household,
        division_path=division_path(division=household.division),
        members=members,
        enrolments=list(registry.enrolments_of_household(household=household)),
        history=registry.household_history(household=household, mask_ids=True),
        head=next((m.person for m in members if m.relation == "head"), None),
        verification_requests=requests,
        reports=verification.household_reports(actor=actor, household=household),
    )


def person_page(*, actor: User, person_id: int) -> PersonPage:
    """Raises NotFoundError when absent or outside the jurisdiction. The history shows whole ID
    numbers only to those allowed to see this person's (rule registry.view_full_id_number)."""
    person = registry.person_get(actor=actor, person_id=person_id)
    full_ids = actor.has_perm("registry.view_full_id_number", person)
    return PersonPage(
        person=person,
        membership=registry.person_current_membership(person=person),
        enrolments=list(person.enrolments.select_related("household").order_by("-start_date")),
        history=registry.person_history(person=person, mask_ids=not full_ids),
    )
