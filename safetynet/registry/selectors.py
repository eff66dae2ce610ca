"""Reads of the registry, always scoped to the actor's jurisdiction.

A record outside the jurisdiction is reported exactly like a missing one (NotFoundError), so that
guessing URLs reveals nothing.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safetynet.accounts.models import User
from safetynet.core import labels
from safetynet.core.errors import NotFoundError

from .ids import mask_id_number
from .models import Category, Division, Enrolment, Household, Membership, Person, Relation


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
    return Household.objects.filter(division__code__startswith=prefix)


def persons_visible_to(actor: User) -> QuerySet[Person]:
    """Persons registered (户籍) in the jurisdiction or living in one of its households."""
    prefix = _prefix(actor)
    if prefix is None:
        return Person.objects.none()
    in_household = Membership.objects.filter(
        end_date__isnull=True, household__division__code__startswith=prefix
    ).values("person_id")
    return Person.objects.filter(
        Q(hukou_division__code__startswith=prefix) | Q(id__in=in_household)
    )


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


def name_prefix_filter(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, written so that an ordinary index on `field` serves it.

    SQLite never uses an index for LIKE (Django adds ESCAPE), but does for a range, and its binary
    collation makes the range exactly the prefix. PostgreSQL serves LIKE 'x%' from the
    `*_pattern_ops` indexes of migration 0002, whatever the database collation.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})


# --------------------------------------------------------------------------------------------------
# Search: the one path every caller (search page, lists with a query, API, exports) takes.

# A search answers at most this many matches (in the jurisdiction and the division filter). More
# is not a list anyone reads; the caller says "200+" and asks for a narrower query. ADR 0750.
SEARCH_CAP = 200
# The search page and the lists' text filter page through at most this many matches and show
# their exact count below it (ADR 1020, revisiting 0750's 200 for screens that page).
SEARCH_PAGE_CAP = 10_000


def is_id_number_query(query: str) -> bool:
    """A whole 18-character resident ID number (its last character may be X)."""
    return len(query) == 18 and query[:17].isdigit()


@dataclass(frozen=True)
class SearchHits:
    """The ids matching a query, ascending, at most SEARCH_CAP; `truncated` when there are more."""

    ids: list[int]
    truncated: bool


def person_match(query: str, field: str = "") -> Q:
    """Persons whose whole ID number is the query, or whose name starts with it (indexed)."""
    if is_id_number_query(query):
        return Q(**{f"{field}id_number": query.upper()})
    return name_prefix_filter(f"{field}name", query)


def _capped(rows: list[int], extra: list[int], cap: int) -> SearchHits:
    ids = sorted(set(rows) | set(extra))
    return SearchHits(ids=ids[:cap], truncated=len(rows) > cap or len(ids) > cap)


@dataclass(frozen=True)
class _Scope:
    divisions: QuerySet  # the codes of the jurisdiction's (and the filter's) divisions
    small: bool  # not the whole city: walk its households rather than the name index


def _scope(prefix: str, division) -> _Scope:
    """The divisions of the jurisdiction (and of the division filter, if any).

    Searches join through them (`division_id IN (SELECT code …)`) rather than filtering
    `division_id LIKE 'prefix%'` on households or persons. Below the city (a district, a street, a
    community) the query also orders by division, which makes the database walk the divisions'
    households by index; otherwise it may bet on a scan in table order stopping early, and rows
    are stored in division order, so that scan reads everything stored before the jurisdiction.
    For the whole city the name index is the better start, and no order is asked."""
    scope = Division.objects.filter(code__startswith=prefix)
    code = _division_code(division)
    if code:
        scope = scope.filter(code__startswith=code)
    return _Scope(divisions=scope.values("code"), small=max(len(prefix), len(code or "")) >= 6)


def _matching_members(query: str, scope: _Scope, field: str, cap: int) -> list[int]:
    """`field` (household_id or person_id) of up to cap + 1 current memberships, in a household of
    the scope, of a person matching the query.

    The household's division is read from the person's copy (`Person.household_division`, set
    exactly when the person has a current membership), so that the index (household_division,
    name) answers "lives in the scope and has this name" alone (ADR 0751)."""
    if field == "person_id":
        living = Person.objects.filter(person_match(query), household_division__in=scope.divisions)
        living = living.order_by("household_division_id") if scope.small else living.order_by()
        return list(living.values_list("id", flat=True)[: cap + 1])
    members = Membership.objects.filter(
        person_match(query, "person__"),
        end_date__isnull=True,
        person__household_division__in=scope.divisions,
    )
    members = (
        members.order_by("person__household_division_id") if scope.small else members.order_by()
    )
    return list(members.values_list(field, flat=True)[: cap + 1])


def household_search_hits(
    *,
    actor: User,
    query: str,
    division: Division | str | None = None,
    cap: int | None = None,
) -> SearchHits:
    """Households in the actor's jurisdiction (and the division subtree) with a current member
    whose whole ID number is the query or whose name starts with it, or whose number is the query.

    One join from the indexes, limited, so that the database stops after `cap + 1` rows: a
    surname shared by a tenth of the city costs what a rare name costs.
    """
    query = (query or "").strip()
    prefix = _prefix(actor)
    cap = SEARCH_CAP if cap is None else cap
    if not query or prefix is None:
        return SearchHits(ids=[], truncated=False)
    scope = _scope(prefix, division)
    rows = _matching_members(query, scope, "household_id", cap)
    numbered = Household.objects.filter(number=query, division__in=scope.divisions)
    return _capped(rows, list(numbered.values_list("id", flat=True)), cap)


def person_search_hits(
    *,
    actor: User,
    query: str,
    division: Division | str | None = None,
    cap: int | None = None,
) -> SearchHits:
    """Persons the actor can see (registered in the jurisdiction or living in one of its
    households; the same within the division subtree) whose whole ID number is the query or whose
    name starts with it. Two limited indexed lookups (registered there; living there) joined in
    Python: an OR of the two makes the database scan."""
    query = (query or "").strip()
    prefix = _prefix(actor)
    cap = SEARCH_CAP if cap is None else cap
    if not query or prefix is None:
        return SearchHits(ids=[], truncated=False)
    scope = _scope(prefix, division)
    registered = Person.objects.filter(person_match(query), hukou_division__in=scope.divisions)
    registered = registered.order_by("hukou_division_id") if scope.small else registered.order_by()
    rows = list(registered.values_list("id", flat=True)[: cap + 1])
    living = _matching_members(query, scope, "person_id", cap)
    hits = _capped(rows, living, cap)
    return SearchHits(ids=hits.ids, truncated=hits.truncated or len(living) > cap)


def household_search_q(*, actor: User, query: str, division: Division | str | None = None) -> Q:
    """Every household household_search_hits would find, uncapped, as a condition (semi-joins on
    the same indexes): for exports, which must hold every matching row (ADR 1031)."""
    query = (query or "").strip()
    prefix = _prefix(actor)
    if not query or prefix is None:
        return Q(pk__in=[])
    scope = _scope(prefix, division)
    members = Membership.objects.filter(
        person_match(query, "person__"),
        end_date__isnull=True,
        person__household_division__in=scope.divisions,
    ).order_by()
    return Q(id__in=members.values("household_id")) | Q(number=query, division__in=scope.divisions)


def person_search_q(*, actor: User, query: str, division: Division | str | None = None) -> Q:
    """Every person person_search_hits would find, uncapped, as a condition (ADR 1031)."""
    query = (query or "").strip()
    prefix = _prefix(actor)
    if not query or prefix is None:
        return Q(pk__in=[])
    scope = _scope(prefix, division)
    registered = Person.objects.filter(person_match(query), hukou_division__in=scope.divisions)
    living = Person.objects.filter(person_match(query), household_division__in=scope.divisions)
    return Q(id__in=registered.order_by().values("id")) | Q(id__in=living.order_by().values("id"))


def household_search(*, actor: User, query: str, limit: int = 50) -> list[Household]:
    """The first `limit` households household_search_hits finds, with their division."""
    hits = household_search_hits(actor=actor, query=query, cap=limit)
    found = Household.objects.filter(id__in=hits.ids).select_related("division").order_by("id")
    return list(found)


def enrolments_of_household(*, household: Household) -> list[Enrolment]:
    """The enrolments a household's page shows (ADR 0723), newest first:

    - every enrolment of a current member (they live here: the page is about them);
    - a former member's enrolment only if it belongs to this household (its `household` is this
      one, or unset) and its period overlaps a period they were a member — never one recorded
      for their new household, even backdated, and never anything after they left. Its end is
      shown clipped to the day they left (`shown_end_date`), with `left_on` set.

    Each enrolment carries `shown_end_date` (the end date to display) and `left_on` (the date the
    person left this household, or None for a current member).
    """
    periods: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for person_id, start, end in Membership.objects.filter(household=household).values_list(
        "person_id", "start_date", "end_date"
    ):
        periods.setdefault(person_id, []).append((start, end))
    current = {pid for pid, spans in periods.items() if any(end is None for _s, end in spans)}
    wanted = Q(person_id__in=current)
    left_on: dict[int, dt.date] = {}
    for person_id, spans in periods.items():
        if person_id in current:
            continue
        left_on[person_id] = max(end for _s, end in spans)
        for start, end in spans:
            wanted |= (
                Q(person_id=person_id, start_date__lte=end)
                & (Q(end_date__isnull=True) | Q(end_date__gte=start))
                & (Q(household=household) | Q(household__isnull=True))
            )
    if not periods:
        return []
    out = list(
        Enrolment.objects.filter(wanted).select_related("person").order_by("-start_date", "-id")
    )
    for e in out:
        e.left_on = left_on.get(e.person_id)
        e.shown_end_date = e.end_date
        if e.left_on is not None and (e.end_date is None or e.end_date > e.left_on):
            e.shown_end_date = e.left_on
    return out


# --------------------------------------------------------------------------------------------------
# List pages and exports


def current_enrolments(today: dt.date | None = None) -> QuerySet[Enrolment]:
    """Enrolments in force today: started, and not ended before today."""
    today = today or timezone.localdate()
    return Enrolment.objects.filter(start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


def _division_code(division) -> str | None:
    if division in (None, ""):
        return None
    if isinstance(division, Division):
        return division.scope_prefix
    code = str(division).strip()
    # A city code (350200) scopes by its 4-digit prefix, like Division.scope_prefix.
    return code[:4] if len(code) == 6 and code.endswith("00") else code


@dataclass(frozen=True)
class Listing:
    """A list's rows, and whether a search in it stopped at SEARCH_CAP matches."""

    rows: QuerySet
    truncated: bool = False


def household_list(
    *,
    actor: User,
    division: Division | str | None = None,
    category: str | None = None,
    q: str | None = None,
    every: bool = False,
) -> QuerySet[Household]:
    """household_listing's rows."""
    return household_listing(
        actor=actor, division=division, category=category, q=q, every=every
    ).rows


def household_listing(
    *,
    actor: User,
    division: Division | str | None = None,
    category: str | None = None,
    q: str | None = None,
    cap: int | None = None,
    every: bool = False,
) -> Listing:
    """Households the actor can see, optionally in a division subtree, with a current enrolment
    of a category (a member's, or the household's), or matching a search (a member's full ID
    number, a member's name prefix, or the household number: household_search_hits, so at most
    SEARCH_CAP matches, `truncated` when there were more).

    Each row is annotated with `member_count`, `head_name` and `head_id_number` (unmasked: mask it
    for display), and has its division selected. `every`: the search is not capped (exports,
    ADR 1031).
    """
    qs = households_visible_to(actor)
    truncated = False
    query = (q or "").strip()
    if query and every:
        qs = qs.filter(household_search_q(actor=actor, query=query, division=division))
    elif query:
        hits = household_search_hits(actor=actor, query=query, division=division, cap=cap)
        qs, truncated = qs.filter(id__in=hits.ids), hits.truncated
    code = _division_code(division)
    if code:
        qs = qs.filter(division__code__startswith=code)
    if category:
        current = current_enrolments()
        qs = qs.filter(
            Q(
                id__in=current.filter(category=category, household__isnull=False).values(
                    "household_id"
                )
            )
            | Q(
                id__in=Membership.objects.filter(
                    end_date__isnull=True,
                    person_id__in=current.filter(category=category).values("person_id"),
                ).values("household_id")
            )
        )
    open_members = Membership.objects.filter(household=OuterRef("pk"), end_date__isnull=True)
    head = open_members.filter(relation=Relation.HEAD)
    rows = (
        qs.select_related("division")
        .annotate(
            member_count=Coalesce(
                Subquery(
                    open_members.order_by()
                    .values("household")
                    .annotate(n=Count("id"))
                    .values("n")[:1]
                ),
                0,
            ),
            head_name=Subquery(head.values("person__name")[:1]),
            head_id_number=Subquery(head.values("person__id_number")[:1]),
        )
        .order_by("id")
    )
    return Listing(rows=rows, truncated=truncated)


def person_list(
    *,
    actor: User,
    division: Division | str | None = None,
    category: str | None = None,
    q: str | None = None,
    alive: bool | None = None,
    every: bool = False,
) -> QuerySet[Person]:
    """person_listing's rows."""
    return person_listing(
        actor=actor, division=division, category=category, q=q, alive=alive, every=every
    ).rows


def person_listing(
    *,
    actor: User,
    division: Division | str | None = None,
    category: str | None = None,
    q: str | None = None,
    alive: bool | None = None,
    cap: int | None = None,
    every: bool = False,
) -> Listing:
    """Persons the actor can see, optionally registered or living in a division subtree, with a
    current enrolment of a category, matching a search (full ID number, or name prefix:
    person_search_hits, at most SEARCH_CAP matches), and alive (True) or deceased (False).

    Rows are annotated with `household_id`, `household_number` and `relation` of the current
    membership (None when in no household), and have their 户籍 division selected.
    """
    code = _division_code(division)
    query = (q or "").strip()
    truncated = False
    if query and every:  # exports: every match (ADR 1031), scoped like the hits
        qs = Person.objects.filter(person_search_q(actor=actor, query=query, division=division))
        code = None
    elif query:
        # The hits are already scoped to the jurisdiction and the division.
        hits = person_search_hits(actor=actor, query=query, division=division, cap=cap)
        qs, truncated, code = Person.objects.filter(id__in=hits.ids), hits.truncated, None
    else:
        qs = persons_visible_to(actor)
    if code:
        living_in = Membership.objects.filter(
            end_date__isnull=True, household__division__code__startswith=code
        ).values("person_id")
        qs = qs.filter(Q(hukou_division__code__startswith=code) | Q(id__in=living_in))
    if category:
        qs = qs.filter(id__in=current_enrolments().filter(category=category).values("person_id"))
    if alive is True:
        qs = qs.filter(death_date__isnull=True)
    elif alive is False:
        qs = qs.filter(death_date__isnull=False)
    current = Membership.objects.filter(person=OuterRef("pk"), end_date__isnull=True)
    rows = (
        qs.select_related("hukou_division")
        .annotate(
            household_id=Subquery(current.values("household_id")[:1]),
            household_number=Subquery(current.values("household__number")[:1]),
            relation=Subquery(current.values("relation")[:1]),
        )
        .order_by("id")
    )
    return Listing(rows=rows, truncated=truncated)


# --------------------------------------------------------------------------------------------------
# History timelines


@dataclass(frozen=True)
class FieldChange:
    field: str  # the model field's name
    label: str  # its verbose name, in the active language
    old: object
    new: object


@dataclass(frozen=True)
class HistoryEntry:
    """One change of one record: who made it, when, with which service (reason), what changed."""

    when: dt.datetime
    user_id: int | None
    username: str  # "" when the change was made by no user (e.g. a bulk load)
    kind: str  # "household", "membership", "enrolment" or "person"
    object_id: int
    label: str  # what the record is, e.g. "张三 (户主)" or "低保 2020-01-01"
    action: str  # "created", "changed" or "deleted"
    reason: str  # the service that wrote it (change reason), e.g. "membership_move"
    changes: tuple[FieldChange, ...]

    @property
    def action_label(self) -> str:
        return labels.label("history_action", self.action)

    @property
    def reason_label(self) -> str:
        return labels.label("history_reason", self.reason)

    @property
    def kind_label(self) -> str:
        return labels.label("history_kind", self.kind)


# A field's label where the model's verbose name reads wrong in a person's history.
FIELD_LABELS = {
    ("person", "name"): _("Full name"),
    ("household", "is_rural"): _("Residence type"),
}


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
_NOT_SHOWN = {"created_at"}
_ID_FIELDS = {"id_number"}


def _display(model, field: str, value, *, mask_ids: bool):
    """A history value as the rest of the UI shows it: masked ID numbers, choices' labels,
    divisions by name, the residence type in words (never a raw code or True/False)."""
    if value is None or value == "":
        return value
    if field in _ID_FIELDS and mask_ids:
        return mask_id_number(str(value))
    f = model._meta.get_field(field)
    if getattr(f, "choices", None):
        return dict(f.flatchoices).get(value, value)
    if f.is_relation and f.related_model is Division:
        return labels.division_name(str(value))
    if field == "is_rural":
        return str(_("Rural") if value else _("Urban"))
    return value


def _field_label(model, field: str) -> str:
    found = FIELD_LABELS.get((model._meta.model_name, field))
    return str(found if found is not None else model._meta.get_field(field).verbose_name)


def _entries(kind: str, records, label, *, mask_ids: bool) -> list[HistoryEntry]:
    """Turn historical rows (any order) into entries, diffing each against the previous row of
    the same object."""
    by_object: dict[int, list] = {}
    for rec in records:
        by_object.setdefault(rec.id, []).append(rec)
    out = []
    for rows in by_object.values():
        rows.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for rec in rows:
            model = rec.instance_type
            changes: list[FieldChange] = []
            if previous is not None and rec.history_type == "~":
                delta = rec.diff_against(previous, excluded_fields=_NOT_SHOWN)
                for c in delta.changes:
                    changes.append(
                        FieldChange(
                            field=c.field,
                            label=_field_label(model, c.field),
                            old=_display(model, c.field, c.old, mask_ids=mask_ids),
                            new=_display(model, c.field, c.new, mask_ids=mask_ids),
                        )
                    )
            elif rec.history_type == "+":
                for f in model._meta.fields:
                    # Fields kept out of history (Person.household_division) are not shown.
                    if f.name in _NOT_SHOWN or f.primary_key or not hasattr(rec, f.attname):
                        continue
                    value = getattr(rec, f.attname)
                    if value not in (None, ""):
                        shown = _display(model, f.name, value, mask_ids=mask_ids)
                        label_ = _field_label(model, f.name)
                        changes.append(FieldChange(f.name, label_, None, shown))
            user = rec.history_user
            out.append(
                HistoryEntry(
                    when=rec.history_date,
                    user_id=rec.history_user_id,
                    username=user.get_username() if user else "",
                    kind=kind,
                    object_id=rec.id,
                    label=label(rec),
                    action=_ACTIONS[rec.history_type],
                    reason=rec.history_change_reason or "",
                    changes=tuple(changes),
                )
            )
            previous = rec
    return out


def _timeline(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    order = {"person": 0, "household": 1, "membership": 2, "enrolment": 3}
    return sorted(entries, key=lambda e: (e.when, order[e.kind], e.object_id), reverse=True)


def household_history(*, household: Household, mask_ids: bool = True) -> list[HistoryEntry]:
    """The household's timeline, newest first: changes to the household itself, to every
    membership it ever had, to the enrolments of its (past and present) members or of the
    household, and to the person records of those members.

    `household` comes from household_get (already scoped). ID numbers are masked unless asked.
    """
    memberships = Membership.history.filter(household_id=household.pk).select_related(
        "history_user"
    )
    member_ids = set(
        Membership.objects.filter(household=household).values_list("person_id", flat=True)
    )
    names = dict(Person.objects.filter(id__in=member_ids).values_list("id", "name"))
    # A former member's later life (a new address, an enrolment in another district) is not this
    # household's business and may lie outside the viewer's jurisdiction: their person and
    # enrolment history stops at the last change to their membership here (the one closing it).
    current = set(
        Membership.objects.filter(household=household, end_date__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    left_at = dict(
        Membership.history.filter(household_id=household.pk)
        .exclude(person_id__in=current)
        .values("person_id")
        .annotate(last=Max("history_date"))
        .values_list("person_id", "last")
    )
    person_rows, enrolment_rows = Q(id__in=current), Q(person_id__in=current)
    for person_id, last in left_at.items():
        person_rows |= Q(id=person_id, history_date__lte=last)
        enrolment_rows |= Q(person_id=person_id, history_date__lte=last)
    enrolments = Enrolment.history.filter(
        Q(household_id=household.pk) | enrolment_rows
    ).select_related("history_user")
    persons = Person.history.filter(person_rows).select_related("history_user")
    relation_label = dict(Relation.choices)
    category_label = dict(Category.choices)
    entries = _entries(
        "household",
        Household.history.filter(id=household.pk).select_related("history_user"),
        lambda r: r.number,
        mask_ids=mask_ids,
    )
    entries += _entries(
        "membership",
        memberships,
        lambda r: f"{names.get(r.person_id, r.person_id)} ({relation_label.get(r.relation)})",
        mask_ids=mask_ids,
    )
    entries += _entries(
        "enrolment",
        enrolments,
        lambda r: (
            f"{names.get(r.person_id, r.person_id)}{labels.colon()}{category_label.get(r.category)}"
        ),
        mask_ids=mask_ids,
    )
    entries += _entries("person", persons, lambda r: r.name, mask_ids=mask_ids)
    return _timeline(entries)


def person_history(*, person: Person, mask_ids: bool = True) -> list[HistoryEntry]:
    """The person's timeline, newest first: their record, their memberships (every household they
    were in) and their enrolments. `person` comes from person_get (already scoped)."""
    numbers = dict(Household.objects.filter(memberships__person=person).values_list("id", "number"))
    relation_label = dict(Relation.choices)
    category_label = dict(Category.choices)
    entries = _entries(
        "person",
        Person.history.filter(id=person.pk).select_related("history_user"),
        lambda r: r.name,
        mask_ids=mask_ids,
    )
    entries += _entries(
        "membership",
        Membership.history.filter(person_id=person.pk).select_related("history_user"),
        lambda r: (
            f"{numbers.get(r.household_id, r.household_id)} ({relation_label.get(r.relation)})"
        ),
        mask_ids=mask_ids,
    )
    entries += _entries(
        "enrolment",
        Enrolment.history.filter(person_id=person.pk).select_related("history_user"),
        lambda r: str(category_label.get(r.category)),
        mask_ids=mask_ids,
    )
    return _timeline(entries)
