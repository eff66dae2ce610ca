"""Writes to the registry. Each service is one transaction; a refused write raises ServiceError.

Conventions (docs/registry.md):

- every service is keyword-only with `actor` first, and runs in one transaction;
- the actor's role must have the service's ability in the one permission map
  (`accounts/permissions.py`: `registry.register_person`, `registry.manage_households`, …), checked
  first, else NotPermittedError (code ``not_permitted``; abilities are not secret);
- the target (person, household, division) must lie in the actor's jurisdiction, else NotFoundError
  (indistinguishable from a missing record);
- a refused write raises ServiceError with a stable `code` (the constants in `Code`) and, where one
  input is at fault, a FieldProblem naming it;
- every write records simple_history's history user (the actor) and a change reason (the service's
  name, e.g. ``membership_move``), which the history timeline translates.
"""

import csv
import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

from .ids import IdNumberError, parse_id_number
from .models import (
    Category,
    DisabilityKind,
    Division,
    DivisionLevel,
    Enrolment,
    Household,
    Membership,
    Person,
    Relation,
    Sex,
)
from .selectors import _prefix, households_visible_to, persons_visible_to

DIVISION_TABLE = Path(__file__).parent / "data" / "divisions.csv"
DIVISION_TABLE_VERSION = "xiamen-2016.1"


class Code:
    """Stable error codes of registry services (the UI translates them; never rename one)."""

    NOT_FOUND = "not_found"
    NOT_PERMITTED = "not_permitted"
    # ID number (the codes of ids.IdNumberError pass through unchanged)
    ID_LENGTH = "id_length"
    ID_FORMAT = "id_format"
    ID_BIRTH_DATE = "id_birth_date"
    ID_CHECKSUM = "id_checksum"
    ID_REGION = "id_region"
    ID_DUPLICATE = "id_duplicate"
    ID_UNAVAILABLE = "id_unavailable"  # registered to someone outside the jurisdiction (unsaid)
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"
    SEX_MISMATCH = "sex_mismatch"
    # person
    NAME_REQUIRED = "name_required"
    NAME_TOO_LONG = "name_too_long"
    DIVISION_NOT_COMMUNITY = "division_not_community"
    DISABILITY_GRADE = "disability_grade"
    DISABILITY_KIND = "disability_kind"
    DISABILITY_KIND_REQUIRED = "disability_kind_required"
    DISABILITY_GRADE_REQUIRED = "disability_grade_required"
    SELFCARE_FAILED_ITEMS = "selfcare_failed_items"
    DATE_IN_FUTURE = "date_in_future"
    DEATH_BEFORE_BIRTH = "death_before_birth"
    ALREADY_DECEASED = "already_deceased"
    # households and memberships
    HOUSEHOLD_NUMBER_TAKEN = "household_number_taken"
    ALREADY_IN_HOUSEHOLD = "already_in_household"
    NOT_IN_HOUSEHOLD = "not_in_household"
    NOT_A_MEMBER = "not_a_member"
    RELATION_INVALID = "relation_invalid"
    HEAD_EXISTS = "head_exists"
    HEAD_REQUIRED = "head_required"
    HEAD_MUST_MOVE_WITH_SUCCESSOR = "head_successor_required"
    ALREADY_HEAD = "already_head"
    SAME_HOUSEHOLD = "same_household"
    DATE_BEFORE_MEMBERSHIP = "date_before_membership"
    # enrolments
    CATEGORY_INVALID = "category_invalid"
    LEGAL_BASIS_REQUIRED = "legal_basis_required"
    DATES_ORDER = "dates_order"
    DATE_BEFORE_BIRTH = "date_before_birth"
    ENROLMENT_OVERLAPS = "enrolment_overlaps"
    ENROLMENT_CLOSED = "enrolment_closed"
    ENROLMENT_STARTED = "enrolment_started"
    CONFLICT = "conflict"


def _refuse(code: str, message: str, field: str | None = None):
    problems = [FieldProblem(field=field, message=message, code=code)] if field else []
    raise ServiceError(code, message, problems)


def _stamp(obj, actor: User, reason: str):
    """Tell simple_history who made this change and why (the reason is the service's name)."""
    obj._history_user = actor
    obj._change_reason = reason
    return obj


def _save(obj, actor: User, reason: str, **kwargs) -> None:
    _stamp(obj, actor, reason)
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:  # a concurrent write got there first
        raise ServiceError(
            Code.CONFLICT, _("Someone else changed this record; try again.")
        ) from exc


def _pk(obj_or_pk) -> int:
    return obj_or_pk.pk if hasattr(obj_or_pk, "pk") else int(obj_or_pk)


def _today() -> dt.date:
    return timezone.localdate()


# --------------------------------------------------------------------------------------------------
# Jurisdiction-checked lookups (locking the row for the rest of the transaction)


def _person_for_write(actor: User, person) -> Person:
    try:
        return persons_visible_to(actor).select_for_update().get(pk=_pk(person))
    except Person.DoesNotExist:
        raise NotFoundError("person") from None


def _household_for_write(actor: User, household) -> Household:
    try:
        return households_visible_to(actor).select_for_update().get(pk=_pk(household))
    except Household.DoesNotExist:
        raise NotFoundError("household") from None


def _community(actor: User | None, code, *, field: str) -> Division:
    """A community/village division, inside the actor's jurisdiction when an actor is given."""
    code = code.code if isinstance(code, Division) else str(code or "").strip()
    prefix = _prefix(actor) if actor is not None else ""
    if prefix is None or not code.startswith(prefix):
        raise NotFoundError("division")
    try:
        division = Division.objects.get(code=code)
    except Division.DoesNotExist:
        raise NotFoundError("division") from None
    if division.level != DivisionLevel.COMMUNITY:
        _refuse(
            Code.DIVISION_NOT_COMMUNITY,
            _("Choose a community or village, not a %(level)s.")
            % {"level": division.get_level_display()},
            field,
        )
    return division


def already_in_household_message(actor, number: str, division: str) -> str:
    """ "Already a member of household N": the number when the actor may see that household (its
    division is in their jurisdiction), else only that it is outside their jurisdiction."""
    prefix = actor.scope_prefix if actor is not None and actor.is_authenticated else None
    if prefix is not None and division.startswith(prefix):
        return _(
            "This person is already a member of household %(number)s; move them in the system "
            "instead."
        ) % {"number": number}
    return _(
        "This person is already a member of a household outside your jurisdiction; that "
        "household's office must move them."
    )


def _open_membership(person_id: int) -> Membership | None:
    return (
        Membership.objects.select_for_update()
        .filter(person_id=person_id, end_date__isnull=True)
        .first()
    )


# --------------------------------------------------------------------------------------------------
# Validation shared by the services and the Excel importer (pure functions: no database)


def check_not_future(value: dt.date | None, *, field: str, today: dt.date | None = None) -> None:
    if value is not None and value > (today or _today()):
        _refuse(
            Code.DATE_IN_FUTURE, _("The date %(date)s is in the future.") % {"date": value}, field
        )


def check_disability(grade, kind) -> tuple[int | None, str]:
    """Grade 1–4 and a kind go together; returns the cleaned pair."""
    kind = (kind or "").strip()
    if grade in (None, ""):
        if kind:
            _refuse(
                Code.DISABILITY_GRADE_REQUIRED,
                _("A disability kind needs a disability grade."),
                "disability_grade",
            )
        return None, ""
    try:
        grade = int(grade)
    except (TypeError, ValueError):
        grade = 0
    if not 1 <= grade <= 4:
        _refuse(
            Code.DISABILITY_GRADE, _("The disability grade is 1, 2, 3 or 4."), "disability_grade"
        )
    if not kind:
        _refuse(
            Code.DISABILITY_KIND_REQUIRED,
            _("A disability grade needs a disability kind."),
            "disability_kind",
        )
    if kind not in DisabilityKind.values:
        _refuse(Code.DISABILITY_KIND, _("Unknown disability kind."), "disability_kind")
    return grade, kind


def check_selfcare(value) -> int | None:
    """How many of the six self-care items (0–6) the person cannot do; None if not assessed."""
    if value in (None, ""):
        return None
    try:
        items = int(value)
    except (TypeError, ValueError):
        items = -1
    if isinstance(value, bool) or not 0 <= items <= 6:
        _refuse(
            Code.SELFCARE_FAILED_ITEMS,
            _("The self-care items failed are 0 to 6."),
            "selfcare_failed_items",
        )
    return items


def check_supporter(value) -> bool | None:
    """Whether a legal supporter is able to support the person; None if unknown."""
    return None if value in (None, "") else bool(value)


def check_id_number(
    id_number: str,
    *,
    birth_date: dt.date | None = None,
    sex: str | None = None,
    today: dt.date | None = None,
):
    """Parse the ID number and cross-check an entered birth date and sex against it; a refusal
    lists every mismatch (birth date and sex), not only the first."""
    try:
        facts = parse_id_number(id_number, today=today or _today())
    except IdNumberError as exc:
        _refuse(exc.code, exc.message, "id_number")
    problems = id_number_mismatches(facts, birth_date=birth_date, sex=sex)
    if problems:
        raise ServiceError(problems[0].code, problems[0].message, problems)
    return facts


def id_number_mismatches(facts, *, birth_date: dt.date | None, sex: str | None) -> list:
    """The entered birth date and sex that contradict a valid ID number, as FieldProblems."""
    problems = []
    if birth_date is not None and birth_date != facts.birth_date:
        message = _("The birth date %(entered)s does not match the ID number (%(derived)s).") % {
            "entered": birth_date,
            "derived": facts.birth_date,
        }
        problems.append(FieldProblem("birth_date", message, Code.BIRTH_DATE_MISMATCH))
    if sex not in (None, "") and sex != facts.sex:
        message = _("The sex entered does not match the ID number (%(derived)s).") % {
            "derived": Sex(facts.sex).label
        }
        problems.append(FieldProblem("sex", message, Code.SEX_MISMATCH))
    return problems


def id_unavailable_message() -> str:
    """The one answer for an ID number registered to someone outside the jurisdiction: it says
    neither where, nor to whom, nor whether they live in a household (ADR 0721)."""
    return _(
        "This ID number cannot be registered or linked in your jurisdiction. If the person is "
        "registered elsewhere, the office of their 户籍 must transfer them."
    )


def check_id_number_free(actor: User, number: str, *, exclude: int | None = None) -> None:
    """Refuse an ID number already registered: `id_duplicate` when the actor can see that person
    (they can find them), else `id_unavailable` with a message that discloses nothing more."""
    taken = Person.objects.filter(id_number=number)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if not taken.exists():
        return
    if persons_visible_to(actor).filter(id_number=number).exists():
        _refuse(
            Code.ID_DUPLICATE, _("A person with this ID number is already registered."), "id_number"
        )
    _refuse(Code.ID_UNAVAILABLE, id_unavailable_message(), "id_number")


def check_death_date(death_date: dt.date | None, *, birth_date: dt.date, today=None) -> None:
    if death_date is None:
        return
    check_not_future(death_date, field="death_date", today=today)
    if death_date < birth_date:
        _refuse(
            Code.DEATH_BEFORE_BIRTH, _("The death date is before the birth date."), "death_date"
        )


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        _refuse(Code.NAME_REQUIRED, _("A name is required."), "name")
    if len(name) > 64:
        _refuse(Code.NAME_TOO_LONG, _("A name has at most 64 characters."), "name")
    return name


def check_relation(relation: str) -> str:
    if relation not in Relation.values:
        _refuse(Code.RELATION_INVALID, _("Unknown relation to the head."), "relation")
    return relation


# --------------------------------------------------------------------------------------------------
# Divisions


@transaction.atomic
def division_table_load(
    *, path: Path = DIVISION_TABLE, version: str = DIVISION_TABLE_VERSION
) -> int:
    """Load (or refresh) the shipped table of Xiamen's city, districts and streets/towns.

    Idempotent: rows already present are updated in place, with history. A system operation with
    no actor (installation: `safetynet load_divisions`, migrations of the table): it writes only
    the public division table, never personal data, so no role check applies (ADR 0720).
    """
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:  # parents come before children in the file
        Division.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": DivisionLevel(row["level"]),
                "parent_id": row["parent"] or None,
                "valid_from": dt.date.fromisoformat(row["valid_from"]),
                "valid_to": dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                "table_version": version,
            },
        )
    return len(rows)


# --------------------------------------------------------------------------------------------------
# Persons


@transaction.atomic
def person_create(
    *,
    actor: User,
    id_number: str,
    name: str,
    hukou_division: Division | str,
    residence_address: str = "",
    birth_date: dt.date | None = None,
    sex: str | None = None,
    disability_grade: int | None = None,
    disability_kind: str = "",
    selfcare_failed_items: int | None = None,
    has_capable_supporter: bool | None = None,
    death_date: dt.date | None = None,
    household: Household | int | None = None,
    relation: str | None = None,
    start_date: dt.date | None = None,
) -> Person:
    """Register a person. Birth date and sex come from the ID number; if given, they must match.

    Without `household`, the 户籍 community must be in the actor's jurisdiction. With `household`
    (one the actor can see), the person may be registered anywhere in the table (a migrant living
    here) and joins that household with `relation` from `start_date` (default today).
    """
    require(actor, "registry.register_person")
    today = _today()
    if household is None:
        division = _community(actor, hukou_division, field="hukou_division")
    else:
        target = _household_for_write(actor, household)
        division = _community(None, hukou_division, field="hukou_division")
        check_relation(relation or "")
    name = check_name(name)
    facts = check_id_number(id_number, birth_date=birth_date, sex=sex, today=today)
    grade, kind = check_disability(disability_grade, disability_kind)
    selfcare = check_selfcare(selfcare_failed_items)
    check_death_date(death_date, birth_date=facts.birth_date, today=today)
    check_id_number_free(actor, facts.number)
    person = Person(
        id_number=facts.number,
        name=name,
        sex=facts.sex,
        birth_date=facts.birth_date,
        hukou_division=division,
        residence_address=(residence_address or "").strip(),
        disability_grade=grade,
        disability_kind=kind,
        selfcare_failed_items=selfcare,
        has_capable_supporter=check_supporter(has_capable_supporter),
        death_date=death_date,
    )
    _save(person, actor, "person_create")
    if household is not None:
        _membership_open(
            actor,
            person=person,
            household=target,
            relation=relation,
            start=start_date or today,
            reason="person_create",
        )
    return person


PERSON_UPDATABLE = frozenset(
    {
        "name",
        "residence_address",
        "hukou_division",
        "disability_grade",
        "disability_kind",
        "selfcare_failed_items",
        "has_capable_supporter",
        "id_number",
    }
)


@transaction.atomic
def person_update(*, actor: User, person: Person | int, **changes) -> Person:
    """Change a person's name, residence, 户籍 community, disability, 特困 facts (self-care items
    failed, capable supporter) or (a corrected) ID number.

    A new ID number is validated like a new one and re-derives birth date and sex. Deaths are
    recorded with person_record_death.
    """
    unknown = set(changes) - PERSON_UPDATABLE
    if unknown:
        raise TypeError(f"person_update() cannot change {sorted(unknown)}")
    require(actor, "registry.update_person")
    obj = _person_for_write(actor, person)
    if "name" in changes:
        obj.name = check_name(changes["name"])
    if "residence_address" in changes:
        obj.residence_address = (changes["residence_address"] or "").strip()
    if "hukou_division" in changes:
        # The new 户籍 must be in the jurisdiction unless the person lives in one of its households.
        lives_here = households_visible_to(actor).filter(
            memberships__person=obj, memberships__end_date__isnull=True
        )
        scoped = None if lives_here.exists() else actor
        obj.hukou_division = _community(scoped, changes["hukou_division"], field="hukou_division")
    if "disability_grade" in changes or "disability_kind" in changes:
        obj.disability_grade, obj.disability_kind = check_disability(
            changes.get("disability_grade", obj.disability_grade),
            changes.get("disability_kind", obj.disability_kind),
        )
    if "selfcare_failed_items" in changes:
        obj.selfcare_failed_items = check_selfcare(changes["selfcare_failed_items"])
    if "has_capable_supporter" in changes:
        obj.has_capable_supporter = check_supporter(changes["has_capable_supporter"])
    if "id_number" in changes:
        facts = check_id_number(changes["id_number"])
        check_id_number_free(actor, facts.number, exclude=obj.pk)
        check_death_date(obj.death_date, birth_date=facts.birth_date)
        obj.id_number, obj.birth_date, obj.sex = facts.number, facts.birth_date, facts.sex
    _save(obj, actor, "person_update")
    return obj


@transaction.atomic
def person_record_death(*, actor: User, person: Person | int, death_date: dt.date) -> Person:
    """Record a death (not in the future, not before birth). Memberships stay as they are; the
    casework that follows (`cases.reviews.death_follow_up`, same transaction) ends the person's
    enrolments with the month of death and proposes the funeral grants."""
    require(actor, "registry.record_death")
    obj = _person_for_write(actor, person)
    if obj.death_date is not None:
        _refuse(
            Code.ALREADY_DECEASED,
            _("This person's death is already recorded (%(date)s).") % {"date": obj.death_date},
            "death_date",
        )
    check_death_date(death_date, birth_date=obj.birth_date)
    obj.death_date = death_date
    _save(obj, actor, "person_record_death")
    # The casework that follows a death (POLICY §3, §8): personal benefits stop the month after,
    # the funeral grants are proposed (cases/reviews.py; a service call, not a signal).
    from safetynet.cases.reviews import death_follow_up

    death_follow_up(actor=actor, person=obj, death_date=death_date)
    # Lines already paid for months after the death become recoveries (payments, ADR 0941).
    from safetynet.payments.recoveries import recoveries_on_death

    recoveries_on_death(actor=actor, person=obj)
    return obj


# --------------------------------------------------------------------------------------------------
# Households and memberships


def _membership_open(
    actor, *, person: Person, household: Household, relation: str, start, reason: str
) -> Membership:
    check_not_future(start, field="start_date")
    if start < person.birth_date:
        _refuse(Code.DATE_BEFORE_BIRTH, _("The date is before the person's birth."), "start_date")
    current = _open_membership(person.pk)
    if current is not None:
        other = Household.objects.values_list("number", "division_id").get(pk=current.household_id)
        _refuse(Code.ALREADY_IN_HOUSEHOLD, already_in_household_message(actor, *other), "person")
    if (
        relation == Relation.HEAD
        and Membership.objects.filter(
            household=household, end_date__isnull=True, relation=Relation.HEAD
        ).exists()
    ):
        _refuse(Code.HEAD_EXISTS, _("This household already has a head."), "relation")
    membership = Membership(person=person, household=household, relation=relation, start_date=start)
    _save(membership, actor, reason)
    persons_follow_household([person.pk])
    person.household_division_id = household.division_id
    return membership


def persons_follow_household(person_ids) -> None:
    """Copy each person's current household's division onto them (`Person.household_division`,
    None when in no household): the search index's copy (ADR 0751). Every path that opens or
    closes a membership calls it after writing; a queryset update, so no history row."""
    current = Membership.objects.filter(person=OuterRef("pk"), end_date__isnull=True)
    division = Subquery(current.values("household__division_id")[:1])
    ids = sorted(set(person_ids))
    for i in range(0, len(ids), 500):
        Person.objects.filter(pk__in=ids[i : i + 500]).update(household_division=division)


def _next_household_number(division: Division) -> str:
    n = Household.objects.filter(division=division).count() + 1
    while Household.objects.filter(number=f"{division.code}{n:05d}").exists():
        n += 1
    return f"{division.code}{n:05d}"


@transaction.atomic
def household_create(
    *,
    actor: User,
    division: Division | str,
    head: Person | int,
    number: str = "",
    address: str = "",
    is_rural: bool = False,
    start_date: dt.date | None = None,
) -> Household:
    """Create a household in a community of the jurisdiction, with `head` (a person the actor can
    see, not in any household) as its head from `start_date` (default today). Without a number one
    is made: the community code followed by a 5-digit sequence."""
    require(actor, "registry.manage_households")
    division = _community(actor, division, field="division")
    head_obj = _person_for_write(actor, head)
    number = (number or "").strip() or _next_household_number(division)
    if Household.objects.filter(number=number).exists():
        _refuse(
            Code.HOUSEHOLD_NUMBER_TAKEN, _("This household number is already in use."), "number"
        )
    household = Household(
        number=number, division=division, address=(address or "").strip(), is_rural=bool(is_rural)
    )
    _save(household, actor, "household_create")
    _membership_open(
        actor,
        person=head_obj,
        household=household,
        relation=Relation.HEAD,
        start=start_date or _today(),
        reason="household_create",
    )
    return household


@transaction.atomic
def household_add_member(
    *,
    actor: User,
    household: Household | int,
    person: Person | int,
    relation: str,
    start_date: dt.date | None = None,
) -> Membership:
    """Add a person who is in no household to a household, with their relation to the head
    (``head`` only if the household has none; otherwise use household_change_head)."""
    require(actor, "registry.manage_households")
    target = _household_for_write(actor, household)
    obj = _person_for_write(actor, person)
    check_relation(relation)
    return _membership_open(
        actor,
        person=obj,
        household=target,
        relation=relation,
        start=start_date or _today(),
        reason="household_add_member",
    )


def _reassign_relations(actor, household: Household, relations: Mapping, reason: str) -> None:
    """Update relations to the head of current members in place (history keeps the old ones)."""
    if not relations:
        return
    current = {
        m.person_id: m
        for m in Membership.objects.select_for_update().filter(
            household=household, end_date__isnull=True
        )
    }
    for person, relation in relations.items():
        membership = current.get(_pk(person))
        if membership is None:
            _refuse(Code.NOT_A_MEMBER, _("This person is not a member of the household."), "person")
        check_relation(relation)
        if relation == Relation.HEAD:
            _refuse(Code.HEAD_EXISTS, _("A household has one head."), "relation")
        if membership.relation != relation:
            membership.relation = relation
            _save(membership, actor, reason)


def _change_head(actor, household, new_head_pid: int, old_head_relation, relations, reason):
    members = {
        m.person_id: m
        for m in Membership.objects.select_for_update().filter(
            household=household, end_date__isnull=True
        )
    }
    new = members.get(new_head_pid)
    if new is None:
        _refuse(Code.NOT_A_MEMBER, _("The new head is not a member of the household."), "new_head")
    if new.relation == Relation.HEAD:
        _refuse(Code.ALREADY_HEAD, _("This person is already the head."), "new_head")
    old = next((m for m in members.values() if m.relation == Relation.HEAD), None)
    if old is not None:  # first demote (one open head at a time)
        if old_head_relation is None:
            _refuse(
                Code.RELATION_INVALID,
                _("Say what the former head is to the new head."),
                "old_head_relation",
            )
        check_relation(old_head_relation)
        if old_head_relation == Relation.HEAD:
            _refuse(Code.HEAD_EXISTS, _("A household has one head."), "old_head_relation")
        old.relation = old_head_relation
        _save(old, actor, reason)
    new.relation = Relation.HEAD
    _save(new, actor, reason)
    done = {new_head_pid, old.person_id if old is not None else None}
    rest = {p: r for p, r in (relations or {}).items() if _pk(p) not in done}
    _reassign_relations(actor, household, rest, reason)


@transaction.atomic
def household_change_head(
    *,
    actor: User,
    household: Household | int,
    new_head: Person | int,
    old_head_relation: str | None = None,
    relations: Mapping | None = None,
) -> Household:
    """Make a current member the head. The former head (if any, e.g. alive) stays a member with
    `old_head_relation`; `relations` maps other members (person or id) to their new relation."""
    require(actor, "registry.manage_households")
    target = _household_for_write(actor, household)
    _change_head(
        actor, target, _pk(new_head), old_head_relation, relations, "household_change_head"
    )
    return target


@transaction.atomic
def membership_move(
    *,
    actor: User,
    person: Person | int,
    to_household: Household | int,
    relation: str,
    date: dt.date | None = None,
    new_head: Person | int | None = None,
    relations: Mapping | None = None,
) -> Membership:
    """Move a person to another household on `date` (default today): the current membership ends
    on that date and a new one starts on it, so history shows both.

    Moving a head away from a household that keeps other members needs `new_head` (one of them);
    `relations` then maps the members who stay to their relation to the new head. `relation` is
    the moving person's relation in the new household (``head`` only if it has none).
    """
    require(actor, "registry.manage_households")
    date = date or _today()
    obj = _person_for_write(actor, person)
    target = _household_for_write(actor, to_household)
    check_relation(relation)
    check_not_future(date, field="date")
    current = _open_membership(obj.pk)
    if current is None:
        _refuse(
            Code.NOT_IN_HOUSEHOLD,
            _("This person is in no household; add them to one instead."),
            "person",
        )
    if current.household_id == target.pk:
        _refuse(Code.SAME_HOUSEHOLD, _("The person is already in this household."), "to_household")
    if date < current.start_date:
        _refuse(
            Code.DATE_BEFORE_MEMBERSHIP,
            _("The move date is before the person joined their current household (%(date)s).")
            % {"date": current.start_date},
            "date",
        )
    source = _household_for_write(actor, current.household_id)
    if current.relation == Relation.HEAD:
        others = Membership.objects.filter(household=source, end_date__isnull=True).exclude(
            pk=current.pk
        )
        if others.exists():
            if new_head is None:
                _refuse(
                    Code.HEAD_MUST_MOVE_WITH_SUCCESSOR,
                    _("The head cannot leave while others stay: name a new head."),
                    "new_head",
                )
            if not others.filter(person_id=_pk(new_head)).exists():
                _refuse(
                    Code.NOT_A_MEMBER,
                    _("The new head is not a member of the household."),
                    "new_head",
                )
    current.end_date = date
    _save(current, actor, "membership_move")
    if current.relation == Relation.HEAD and new_head is not None:
        _change_head(actor, source, _pk(new_head), None, relations, "membership_move")
    return _membership_open(
        actor, person=obj, household=target, relation=relation, start=date, reason="membership_move"
    )


# --------------------------------------------------------------------------------------------------
# Enrolments in recipient categories


def _check_enrolment_dates(person: Person, start: dt.date, end: dt.date | None) -> None:
    if start < person.birth_date:
        _refuse(Code.DATE_BEFORE_BIRTH, _("The date is before the person's birth."), "start_date")
    if end is not None and end < start:
        _refuse(Code.DATES_ORDER, _("The end date is before the start date."), "end_date")


@transaction.atomic
def enrolment_add(
    *,
    actor: User,
    person: Person | int,
    category: str,
    start_date: dt.date,
    legal_basis: str,
    end_date: dt.date | None = None,
    household: Household | int | None = None,
) -> Enrolment:
    """Enrol a person in a recipient category from `start_date` (and until `end_date` if known),
    citing the legal basis. Periods of the same category for one person never overlap. The
    household defaults to the person's current one."""
    require(actor, "registry.manage_enrolments")
    obj = _person_for_write(actor, person)
    if category not in Category.values:
        _refuse(Code.CATEGORY_INVALID, _("Unknown recipient category."), "category")
    legal_basis = (legal_basis or "").strip()
    if not legal_basis:
        _refuse(Code.LEGAL_BASIS_REQUIRED, _("A legal basis is required."), "legal_basis")
    if start_date is None:
        _refuse(Code.DATES_ORDER, _("A start date is required."), "start_date")
    _check_enrolment_dates(obj, start_date, end_date)
    if household is not None:
        hh = _household_for_write(actor, household)
    else:
        membership = _open_membership(obj.pk)
        hh = membership.household if membership else None
    overlapping = Enrolment.objects.select_for_update().filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date), person=obj, category=category
    )
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    if overlapping.exists():
        _refuse(
            Code.ENROLMENT_OVERLAPS,
            _("The person is already enrolled in this category for part of this period."),
            "start_date",
        )
    enrolment = Enrolment(
        person=obj,
        household=hh,
        category=category,
        start_date=start_date,
        end_date=end_date,
        legal_basis=legal_basis,
    )
    _save(enrolment, actor, "enrolment_add")
    return enrolment


@transaction.atomic
def _enrolment_for_write(actor: User, enrolment: Enrolment | int) -> Enrolment:
    """The enrolment of a person in the actor's jurisdiction, locked; not found outside."""
    try:
        return (
            Enrolment.objects.select_for_update()
            .filter(person__in=persons_visible_to(actor))
            .get(pk=_pk(enrolment))
        )
    except Enrolment.DoesNotExist:
        raise NotFoundError("enrolment") from None


def enrolment_end(*, actor: User, enrolment: Enrolment | int, end_date: dt.date) -> Enrolment:
    """End an open enrolment on `end_date` (on or after its start)."""
    require(actor, "registry.manage_enrolments")
    obj = _enrolment_for_write(actor, enrolment)
    if obj.end_date is not None:
        _refuse(
            Code.ENROLMENT_CLOSED,
            _("This enrolment already ended on %(date)s.") % {"date": obj.end_date},
            "end_date",
        )
    if end_date is None or end_date < obj.start_date:
        _refuse(Code.DATES_ORDER, _("The end date is before the start date."), "end_date")
    obj.end_date = end_date
    _save(obj, actor, "enrolment_end")
    return obj


def enrolment_withdraw(
    *, actor: User, enrolment: Enrolment | int, reason: str, on: dt.date | None = None
) -> None:
    """Withdraw an enrolment that has not started yet (its start date is after `on`, today by
    default): it never took effect, so it is removed — not ended on its first day, which would
    make its first month payable (ADR 0903). The history keeps the row, the actor and the
    reason (`enrolment_withdraw: <reason>`). A started enrolment is ended, never withdrawn."""
    require(actor, "registry.manage_enrolments")
    on = on or _today()
    text = str(reason or "").strip()
    if not text:
        _refuse(Code.LEGAL_BASIS_REQUIRED, _("A reason is required."), "reason")
    obj = _enrolment_for_write(actor, enrolment)
    if obj.start_date <= on:
        _refuse(
            Code.ENROLMENT_STARTED,
            _("This enrolment started on %(date)s: end it instead.") % {"date": obj.start_date},
            "enrolment",
        )
    _stamp(obj, actor, f"enrolment_withdraw: {text}"[:100])
    obj.delete()
