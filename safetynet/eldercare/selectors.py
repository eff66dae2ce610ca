"""Reads of eldercare, always scoped like the registry (ADR 1201): a person is visible when
registered (户籍) or living (the household's division copied on the person, ADR 0751) in the
actor's subtree; an order by the person's community at creation. Outside the jurisdiction reads as
missing (NotFoundError)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from safetynet.core.errors import NotFoundError
from safetynet.registry.models import Division, Enrolment, Person
from safetynet.registry.selectors import is_id_number_query, name_prefix_filter
from safetynet.rules import load_parameters
from safetynet.rules.eldercare import age_on

from . import states
from .models import (
    Call,
    ElderContact,
    ElderProfile,
    Provider,
    ProviderStatus,
    ServiceCard,
    ServiceItem,
    ServiceOrder,
)

LOOKUP_LIMIT = 20


def _prefix(actor) -> str | None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    return actor.scope_prefix


def min_age(on: dt.date | None = None) -> int:
    on = on or timezone.localdate()
    return int(load_parameters().at("eldercare.min_age", on).value)


def birth_cutoff(on: dt.date | None = None) -> dt.date:
    """Born on or before this day: aged 60 (eldercare.min_age) or more on `on`."""
    on = on or timezone.localdate()
    years = min_age(on)
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def in_scope(prefix: str) -> Q:
    """Registered or living in the subtree (the household's division copy, ADR 0751)."""
    return Q(hukou_division__code__startswith=prefix) | Q(
        household_division__code__startswith=prefix
    )


def person_visible(person: Person, prefix: str | None) -> bool:
    if prefix is None:
        return False
    return str(person.hukou_division_id).startswith(prefix) or str(
        person.household_division_id or ""
    ).startswith(prefix)


def elders_visible_to(actor, *, on: dt.date | None = None) -> QuerySet[Person]:
    """The elderly database in the actor's jurisdiction: living persons aged 60+."""
    prefix = _prefix(actor)
    if prefix is None:
        return Person.objects.none()
    return Person.objects.filter(
        in_scope(prefix), death_date__isnull=True, birth_date__lte=birth_cutoff(on)
    )


def elder_get(*, actor, person_id: int) -> Person:
    try:
        return elders_visible_to(actor).select_related("hukou_division").get(pk=person_id)
    except Person.DoesNotExist:
        raise NotFoundError("person") from None


def current_categories(person_ids, on: dt.date | None = None) -> dict[int, list[str]]:
    on = on or timezone.localdate()
    out: dict[int, list[str]] = {}
    rows = (
        Enrolment.objects.filter(person_id__in=list(person_ids), start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .values_list("person_id", "category")
        .order_by("person_id", "category")
    )
    for pid, cat in rows:
        out.setdefault(pid, [])
        if cat not in out[pid]:
            out[pid].append(cat)
    return out


def elder_list(*, actor, filters: dict) -> QuerySet[Person]:
    """The list's rows (annotated with the profile's living situation and self-care level)."""
    rows = elders_visible_to(actor).select_related("hukou_division", "elder")
    division = filters.get("division")
    if division:
        rows = rows.filter(in_scope(division))
    q = (filters.get("q") or "").strip()
    if q:
        rows = rows.filter(
            Q(id_number=q.upper()) if is_id_number_query(q) else name_prefix_filter("name", q)
        )
    living = filters.get("living")
    if living == "unknown":
        rows = rows.filter(Q(elder__isnull=True) | Q(elder__living_situation="unknown"))
    elif living:
        rows = rows.filter(elder__living_situation=living)
    level = filters.get("level")
    if level == "unknown":
        rows = rows.filter(Q(elder__isnull=True) | Q(elder__selfcare_level="unknown"))
    elif level:
        rows = rows.filter(elder__selfcare_level=level)
    category = filters.get("category")
    if category:
        today = timezone.localdate()
        held = Enrolment.objects.filter(category=category, start_date__lte=today).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )
        rows = rows.filter(pk__in=held.values("person_id"))
    return rows


def counts_per_community(rows: QuerySet[Person]) -> list[tuple[str, str, int]]:
    """(community code, name, persons) of a list's rows, by where they live (else 户籍)."""
    grouped = (
        rows.order_by()
        .annotate(where=Coalesce(F("household_division_id"), F("hukou_division_id")))
        .values("where")
        .annotate(n=Count("id"))
        .order_by("where")
    )
    counts = {r["where"]: r["n"] for r in grouped}
    names = dict(Division.objects.filter(code__in=list(counts)).values_list("code", "name"))
    return [(code, names.get(code, code), n) for code, n in counts.items()]


# --------------------------------------------------------------------------- the console lookup


@dataclass
class Found:
    person: Person
    age: int
    matched_by: str  # "phone", "contact", "id_number", "name"
    contact: ElderContact | None = None
    profile: ElderProfile | None = None
    categories: list[str] = field(default_factory=list)
    contacts: list[ElderContact] = field(default_factory=list)
    card: ServiceCard | None = None
    balance_fen: int = 0
    open_orders: int = 0


def query_kind(query: str) -> str:
    """What the one search box was given: an ID number, a phone number, or a name."""
    q = query.strip().replace(" ", "").replace("-", "")
    if is_id_number_query(q):
        return "id_number"
    if q.isdigit() and 5 <= len(q) <= 15:
        return "phone"
    return "name"


def person_lookup(*, actor, query: str, on: dt.date | None = None) -> list[Found]:
    """The operator's one search box (ADR 1205): a phone number (the person's own, or a
    contact's: the person they are a relative of), a whole ID number, or a name (exact first,
    then as a prefix), among the elderly of the actor's jurisdiction; at most 20, by name.

    Few round trips, each on an index: the match (one query; a phone: one UNION of the profiles'
    and the contacts' phone indexes), the persons with their profile, credit, card in use and
    open orders (one query), their contacts and their categories (one each)."""
    prefix = _prefix(actor)
    query = (query or "").strip()
    if prefix is None or not query:
        return []
    on = on or timezone.localdate()
    cutoff = birth_cutoff(on)
    kind = query_kind(query)
    matched: dict[int, tuple[str, int | None]] = {}
    base = _lookup_rows().filter(death_date__isnull=True, birth_date__lte=cutoff)
    if kind == "phone":
        phone = query.replace(" ", "").replace("-", "")
        own = ElderProfile.objects.filter(phone=phone).order_by().values_list("person_id", Value(0))
        theirs = ElderContact.objects.filter(phone=phone).order_by().values_list("person_id", "id")
        for pid, contact_id in own.union(theirs, all=True)[: 4 * LOOKUP_LIMIT]:
            if contact_id:
                matched.setdefault(pid, ("contact", contact_id))
            else:
                matched[pid] = ("phone", None)
        persons = list(base.filter(pk__in=list(matched))) if matched else []
    elif kind == "id_number":
        persons = list(base.filter(id_number=query.upper()))
    else:
        persons = list(base.filter(name=query)[:200])
        if not persons:
            persons = list(base.filter(name_prefix_filter("name", query))[:200])
    persons = [p for p in persons if person_visible(p, prefix)][:LOOKUP_LIMIT]
    how = "id_number" if kind == "id_number" else "name"
    return _found(persons, {p.pk: matched.get(p.pk, (how, None)) for p in persons}, on)


def _lookup_rows() -> QuerySet[Person]:
    """Persons with what the console shows of them, in the same query."""
    card = ServiceCard.objects.filter(person=OuterRef("pk"), status="active")
    open_orders = (
        ServiceOrder.objects.filter(person=OuterRef("pk"), status__in=list(states.OPEN_STATES))
        .order_by()
        .values("person")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Person.objects.select_related("hukou_division", "elder", "elder_credit").annotate(
        card_number=Subquery(card.values("number")[:1]),
        open_count=Coalesce(Subquery(open_orders[:1]), 0),
    )


def _found(persons: list[Person], matched: dict, on: dt.date) -> list[Found]:
    ids = [p.pk for p in persons]
    if not ids:
        return []
    contacts: dict[int, list[ElderContact]] = {}
    for c in ElderContact.objects.filter(person_id__in=ids):
        contacts.setdefault(c.person_id, []).append(c)
    cats = current_categories(ids, on)
    out = []
    for p in sorted(persons, key=lambda p: (p.name, p.pk)):
        how, contact_id = matched.get(p.pk, ("name", None))
        mine = contacts.get(p.pk, [])
        credit = getattr(p, "elder_credit", None) if hasattr(p, "elder_credit") else None
        card = ServiceCard(number=p.card_number, person=p) if p.card_number else None
        out.append(
            Found(
                person=p,
                age=age_on(p.birth_date, on),
                matched_by=how,
                contact=next((c for c in mine if c.pk == contact_id), None),
                profile=getattr(p, "elder", None) if hasattr(p, "elder") else None,
                categories=cats.get(p.pk, []),
                contacts=mine,
                card=card,
                balance_fen=credit.balance_fen if credit else 0,
                open_orders=p.open_count,
            )
        )
    return out


def person_summary(person: Person, on: dt.date | None = None) -> Found:
    """The console's facts of one person (the person's page)."""
    on = on or timezone.localdate()
    [row] = list(_lookup_rows().filter(pk=person.pk))
    return _found([row], {}, on)[0]


# --------------------------------------------------------------------------- orders and providers


def orders_visible_to(actor) -> QuerySet[ServiceOrder]:
    prefix = _prefix(actor)
    if prefix is None:
        return ServiceOrder.objects.none()
    return ServiceOrder.objects.filter(division__code__startswith=prefix)


def order_get(*, actor, order_id: int) -> ServiceOrder:
    try:
        return (
            orders_visible_to(actor)
            .select_related("person", "provider", "division", "card", "call")
            .get(pk=order_id)
        )
    except ServiceOrder.DoesNotExist:
        raise NotFoundError("order") from None


def provider_of_staff(user) -> Provider | None:
    staff = getattr(user, "eldercare_staff", None) if user.is_authenticated else None
    return staff.provider if staff is not None else None


def orders_of_provider(provider: Provider | None) -> QuerySet[ServiceOrder]:
    if provider is None:
        return ServiceOrder.objects.none()
    return ServiceOrder.objects.filter(provider=provider).select_related("person", "division")


def providers_visible_to(actor) -> QuerySet[Provider]:
    if not actor.has_perm("eldercare.view_providers"):
        return Provider.objects.none()
    return Provider.objects.select_related("division", "institution")


def provider_get(*, actor, provider_id: int) -> Provider:
    try:
        return providers_visible_to(actor).get(pk=provider_id)
    except Provider.DoesNotExist:
        raise NotFoundError("provider") from None


def calls_visible_to(actor) -> QuerySet[Call]:
    prefix = _prefix(actor)
    if prefix is None:
        return Call.objects.none()
    # a call with no person found is the operator's own record; others by the person's place
    return Call.objects.filter(
        Q(person__isnull=True, operator=actor)
        | Q(person__hukou_division__code__startswith=prefix)
        | Q(person__household_division__code__startswith=prefix)
    ).select_related("person", "contact")


# --------------------------------------------------------------------------- statistics


@dataclass
class Statistics:
    by_item: list[tuple[str, int]]
    by_street: list[tuple[str, str, int]]
    by_status: list[tuple[str, int]]
    ratings: list[tuple[int, int]]
    average_rating: float | None
    providers: list[dict]
    total: int


def _minutes(delta) -> float | None:
    if delta is None:
        return None
    return round(delta.total_seconds() / 60, 1)


def statistics(*, actor) -> Statistics:
    """Orders by item, street and status, the ratings, and each provider's response times
    (dispatch → accept, accept → done, in minutes) in the actor's jurisdiction."""
    rows = orders_visible_to(actor)
    by_item = dict(rows.values("item").annotate(n=Count("id")).values_list("item", "n"))
    streets = (
        rows.annotate(street=Substr("division_id", 1, 9))
        .values("street")
        .annotate(n=Count("id"))
        .order_by("street")
    )
    names = dict(
        Division.objects.filter(code__in=[s["street"] for s in streets]).values_list("code", "name")
    )
    by_status = dict(rows.values("status").annotate(n=Count("id")).values_list("status", "n"))
    ratings = dict(
        rows.filter(rating__isnull=False)
        .values("rating")
        .annotate(n=Count("id"))
        .values_list("rating", "n")
    )
    avg = rows.filter(rating__isnull=False).aggregate(a=Avg("rating"))["a"]
    providers = []
    by_provider = (
        rows.filter(provider__isnull=False)
        .values("provider_id", "provider__name")
        .annotate(n=Count("id"), avg=Avg("rating"))
        .order_by("provider__name")
    )
    for p in by_provider:
        mine = rows.filter(provider_id=p["provider_id"])
        accepted = [
            (o.accepted_at - o.dispatched_at)
            for o in mine.filter(accepted_at__isnull=False, dispatched_at__isnull=False).only(
                "accepted_at", "dispatched_at"
            )
        ]
        done = [
            (o.done_at - o.accepted_at)
            for o in mine.filter(done_at__isnull=False, accepted_at__isnull=False).only(
                "done_at", "accepted_at"
            )
        ]
        providers.append(
            {
                "name": p["provider__name"],
                "orders": p["n"],
                "rating": round(p["avg"], 2) if p["avg"] is not None else None,
                "accept_minutes": _minutes(sum(accepted, dt.timedelta()) / len(accepted))
                if accepted
                else None,
                "done_minutes": _minutes(sum(done, dt.timedelta()) / len(done)) if done else None,
            }
        )
    return Statistics(
        by_item=[(v, by_item.get(v, 0)) for v in ServiceItem.values],
        by_street=[(s["street"], names.get(s["street"], s["street"]), s["n"]) for s in streets],
        by_status=[(s.value, by_status.get(s.value, 0)) for s in states.Status],
        ratings=[(r, ratings.get(r, 0)) for r in range(1, 6)],
        average_rating=round(avg, 2) if avg is not None else None,
        providers=providers,
        total=sum(by_item.values()),
    )


def serving_providers(*, item: str, division_code: str, on: dt.date | None = None):
    """Admitted providers under contract on `on` that offer `item` in an area containing the
    division, the least loaded (open orders) first."""
    on = on or timezone.localdate()
    prefixes = [division_code[:n] for n in (6, 9, 12) if len(division_code) >= n]
    return (
        Provider.objects.filter(
            status=ProviderStatus.APPROVED,
            contract_from__lte=on,
            contract_to__gte=on,
            items__item=item,
            areas__division_id__in=prefixes,
        )
        .annotate(
            open_orders=Count(
                "orders", filter=Q(orders__status__in=list(states.OPEN_STATES)), distinct=True
            )
        )
        .order_by("open_orders", "id")
        .distinct()
    )


def reimbursement_files(month: str = ""):
    """The providers' payable files (ADR 1210), newest first; a month's only if given."""
    from .models import ReimbursementFile

    qs = ReimbursementFile.objects.all()
    return qs.filter(month=month) if month else qs
