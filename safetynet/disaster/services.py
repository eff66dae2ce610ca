"""Disaster-relief writes (㈠5; docs/disaster.md). Each service checks the actor's ability and
jurisdiction, writes in one transaction and records a row of the event's timeline.

- `event_declare`: the district or city declares an event and the divisions it struck.
- `affected_register` / `damage_photo_add`: a community worker registers an affected household
  of a struck division, with the damage, the estimated loss and photos (stored files, ADR 0730).
- `shelter_open`, `shelter_check_in`, `shelter_check_out`: shelters and who stayed there.
- `living_aid_grant`: transitional living aid for a month (persons × days × daily rate).
- `housing_grant_apply`: the housing grant goes through casework (`cases.case_apply`, program
  `disaster_housing`: the engine's caps and full-cost cases); `housing_stage_record`: the
  construction's stages release the approved grant in parts (paid as one-off payroll lines).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.cases import clock
from safetynet.cases import services as cases
from safetynet.cases.models import Case, Decision
from safetynet.core.files import removes_stored_files_on_failure, store_file
from safetynet.core.uploads import FileRefused, scan_type
from safetynet.registry.models import Division, Membership, Person
from safetynet.registry.selectors import household_get, persons_visible_to
from safetynet.rules.relief import STAGES, living_aid_amount, stage_amount
from safetynet.verification.services import number_next

from . import errors as E
from .models import (
    AffectedHousehold,
    Damage,
    DamagePhoto,
    DisasterEvent,
    DisasterEventLog,
    EventKind,
    HousingStage,
    LivingAid,
    Shelter,
    ShelterStay,
    Stage,
)
from .selectors import affected_get, event_get, shelter_get

EVENT_SERIES = "ZH"  # 灾害
AID_DAMAGES = (Damage.COLLAPSED, Damage.SEVERE)


def _log(event: DisasterEvent, kind: str, actor: User, **data: Any) -> None:
    DisasterEventLog.objects.create(event=event, kind=kind, actor=actor, data=data)


def _today() -> dt.date:
    return clock.today()  # the casework's clock: one "today" for the grant and its case


def _text(value: Any, field: str, max_len: int, *, code: str) -> str:
    text = str(value or "").strip()
    if not text or len(text) > max_len:
        E.refuse(code, f"{field} is required (at most {max_len} characters)", field)
    return text


def _fen(value: Any, field: str, *, code: str, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if positive else 0):
        E.refuse(
            code, f"{field} must be a {'positive' if positive else 'non-negative'} integer", field
        )
    return value


@transaction.atomic
def event_declare(
    *, actor: User, name: str, kind: str, occurred_on: dt.date, division_codes: Iterable[str]
) -> DisasterEvent:
    """Declare a disaster event with the divisions it struck (inside the actor's jurisdiction)."""
    require(actor, "disaster.manage_events")
    name = _text(name, "name", 64, code=E.EVENT_INVALID)
    if kind not in EventKind.values:
        E.refuse(E.EVENT_INVALID, f"kind must be one of {EventKind.values}", "kind")
    if not isinstance(occurred_on, dt.date) or occurred_on > _today():
        E.refuse(E.EVENT_INVALID, "the date must be a day not in the future", "occurred_on")
    codes = sorted({str(c).strip() for c in division_codes or () if str(c).strip()})
    if not codes:
        E.refuse(E.EVENT_INVALID, "name at least one affected division", "divisions")
    prefix = actor.scope_prefix or "\x00"
    found = list(Division.objects.filter(code__in=codes, code__startswith=prefix))
    missing = sorted(set(codes) - {d.code for d in found})
    if missing:
        E.refuse(E.EVENT_INVALID, f"unknown or outside division {missing[0]}", "divisions")
    event = DisasterEvent.objects.create(
        number=number_next(series=EVENT_SERIES, year=occurred_on.year),
        name=name,
        kind=kind,
        occurred_on=occurred_on,
        created_by=actor,
    )
    event.divisions.set(found)
    _log(event, "declared", actor, divisions=codes)
    return event


def _photo(affected: AffectedHousehold, upload, title: str, actor: User, field: str) -> DamagePhoto:
    try:
        kind = scan_type(upload, field=field)
    except FileRefused as exc:
        raise E.ServiceError(E.PHOTO_REFUSED, exc.message, exc.problems) from None
    photo = DamagePhoto(affected=affected, kind=kind.ext, title=title[:64], uploaded_by=actor)
    n = affected.photos.count() + 1
    store_file(photo.file, f"ZH-{affected.event_id}-{affected.pk}-{n}.{kind.ext}", upload)
    photo.save()
    return photo


@removes_stored_files_on_failure
@transaction.atomic
def affected_register(
    *,
    actor: User,
    event_id: int,
    household_id: int,
    damage: str,
    loss_fen: int,
    note: str = "",
    photos: Iterable[Any] = (),
) -> AffectedHousehold:
    """Register a household the event struck (its community must be one of the event's
    divisions or under one), with the damage, the estimated loss and photos."""
    require(actor, "disaster.register_damage")
    event = event_get(actor=actor, event_id=event_id)
    household = household_get(actor=actor, household_id=household_id)
    codes = list(event.divisions.values_list("code", flat=True))
    if not any(household.division_id.startswith(c) for c in codes):
        E.refuse(E.OUTSIDE_EVENT, f"{household.number} is outside {event.number}", "household")
    if damage not in Damage.values:
        E.refuse(E.DAMAGE_INVALID, f"damage must be one of {Damage.values}", "damage")
    loss_fen = _fen(loss_fen, "loss_fen", code=E.DAMAGE_INVALID)
    try:
        with transaction.atomic():
            affected = AffectedHousehold.objects.create(
                event=event,
                household=household,
                damage=damage,
                loss_fen=loss_fen,
                note=str(note or "")[:2000],
                registered_by=actor,
                registered_on=_today(),
            )
    except IntegrityError:
        E.refuse(E.ALREADY_REGISTERED, f"{household.number} is registered", "household")
    for i, upload in enumerate(photos or (), start=1):
        _photo(affected, upload, "受灾照片", actor, f"photos[{i}]")
    _log(event, "household_registered", actor, household=household.number, damage=damage,
         loss_fen=loss_fen, photos=affected.photos.count())  # fmt: skip
    return affected


@removes_stored_files_on_failure
@transaction.atomic
def damage_photo_add(*, actor: User, affected_id: int, upload, title: str = "") -> DamagePhoto:
    require(actor, "disaster.register_damage")
    affected = affected_get(actor=actor, affected_id=affected_id)
    photo = _photo(affected, upload, title or "照片", actor, "photo")
    _log(affected.event, "photo_added", actor, affected=affected.pk, photo=photo.pk)
    return photo


@transaction.atomic
def shelter_open(
    *, actor: User, event_id: int, name: str, division_code: str, capacity: int
) -> Shelter:
    require(actor, "disaster.manage_shelters")
    event = event_get(actor=actor, event_id=event_id)
    name = _text(name, "name", 64, code=E.SHELTER_INVALID)
    prefix = actor.scope_prefix or "\x00"
    division = Division.objects.filter(code=division_code, code__startswith=prefix).first()
    if division is None:
        E.refuse(E.SHELTER_INVALID, f"unknown or outside division {division_code}", "division")
    _fen(capacity, "capacity", code=E.SHELTER_INVALID, positive=True)
    try:
        with transaction.atomic():
            shelter = Shelter.objects.create(
                event=event, name=name, division=division, capacity=capacity
            )
    except IntegrityError:
        E.refuse(E.SHELTER_INVALID, f"{event.number} has a shelter named {name}", "name")
    _log(event, "shelter_opened", actor, shelter=name, capacity=capacity)
    return shelter


def _person(actor: User, person_id: int) -> Person:
    person = persons_visible_to(actor).filter(pk=person_id).first()
    if person is None:
        raise E.NotFoundError("person")
    return person


@transaction.atomic
def shelter_check_in(*, actor: User, shelter_id: int, person_id: int, on: dt.date) -> ShelterStay:
    """A person arrives at a shelter (at most one open stay per person; within capacity)."""
    require(actor, "disaster.manage_shelters")
    shelter = shelter_get(actor=actor, shelter_id=shelter_id, for_update=True)
    person = _person(actor, person_id)
    if on < shelter.event.occurred_on or on > _today():
        E.refuse(E.SHELTER_INVALID, "check-in date outside the event", "on")
    if shelter.stays.filter(checked_out_on__isnull=True).count() >= shelter.capacity:
        E.refuse(E.SHELTER_FULL, f"{shelter.name} is full ({shelter.capacity})", "shelter")
    try:
        with transaction.atomic():
            stay = ShelterStay.objects.create(
                shelter=shelter, person=person, checked_in_on=on, recorded_by=actor
            )
    except IntegrityError:
        E.refuse(E.ALREADY_IN_SHELTER, f"person {person.pk} is in a shelter", "person")
    _log(
        shelter.event, "checked_in", actor, shelter=shelter.pk, person=person.pk, on=on.isoformat()
    )
    return stay


@transaction.atomic
def shelter_check_out(*, actor: User, shelter_id: int, person_id: int, on: dt.date) -> ShelterStay:
    require(actor, "disaster.manage_shelters")
    shelter = shelter_get(actor=actor, shelter_id=shelter_id)
    stay = (
        shelter.stays.select_for_update()
        .filter(person_id=person_id, checked_out_on__isnull=True)
        .first()
    )
    if stay is None:
        E.refuse(E.NOT_IN_SHELTER, f"person {person_id} is not in {shelter.name}", "person")
    if on < stay.checked_in_on or on > _today():
        E.refuse(E.SHELTER_INVALID, "check-out before check-in or in the future", "on")
    stay.checked_out_on = on
    stay.save(update_fields=["checked_out_on"])
    _log(
        shelter.event, "checked_out", actor, shelter=shelter.pk, person=person_id, on=on.isoformat()
    )
    return stay


@transaction.atomic
def living_aid_grant(
    *, actor: User, affected_id: int, month: str, persons: int, days: int
) -> LivingAid:
    """Transitional living aid (过渡期生活救助) of a household whose home collapsed or is
    severely damaged, for one month: persons × days × the daily rate in force on the month's
    first day. Paid by the payroll as a one-off line `relief-aid:<id>`."""
    require(actor, "disaster.grant_living_aid")
    affected = affected_get(actor=actor, affected_id=affected_id)
    if affected.damage not in AID_DAMAGES:
        E.refuse(E.AID_NOT_DUE, f"damage {affected.damage}: no transitional aid", "damage")
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        E.refuse(E.AID_INVALID, f"month {month!r} is not YYYY-MM", "month")
    members = Membership.objects.filter(household=affected.household, end_date__isnull=True)
    _fen(persons, "persons", code=E.AID_INVALID, positive=True)
    if persons > members.count():
        E.refuse(E.AID_INVALID, f"persons {persons} > members {members.count()}", "persons")
    _fen(days, "days", code=E.AID_INVALID, positive=True)
    month_days = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
    if days > month_days:
        E.refuse(E.AID_INVALID, f"days {days} > {month_days} in {month}", "days")
    daily, amount = living_aid_amount(persons, days, first)
    try:
        with transaction.atomic():
            aid = LivingAid.objects.create(
                affected=affected,
                month=month,
                persons=persons,
                days=days,
                daily_fen=daily,
                amount_fen=amount,
                granted_by=actor,
                granted_on=_today(),
            )
    except IntegrityError:
        E.refuse(E.AID_TWICE, f"aid for {month} exists", "month")
    _log(affected.event, "living_aid", actor, affected=affected.pk, month=month, amount_fen=amount)
    return aid


@removes_stored_files_on_failure
@transaction.atomic
def housing_grant_apply(
    *,
    actor: User,
    affected_id: int,
    solution: str,
    cost_fen: int,
    authorization_scan,
    signed_by: Any,
    signed_on: dt.date,
    declared_income: Mapping | None = None,
    declared_assets: Mapping[str, int] | None = None,
) -> Case:
    """Apply for the housing grant of an affected household: a `disaster_housing` case
    (rebuild `new_build` or `repair`, with the assessed cost) through the casework, which
    investigates, proposes the engine's amount (caps of §3, full cost where due), publishes the
    notice and has the district decide."""
    require(actor, "disaster.register_damage")
    affected = affected_get(actor=actor, affected_id=affected_id, for_update=True)
    if affected.housing_case_id is not None:
        E.refuse(E.GRANT_EXISTS, f"case {affected.housing_case.number}", "affected")
    case = cases.case_apply(
        actor=actor,
        program="disaster_housing",
        household_id=affected.household_id,
        authorization_scan=authorization_scan,
        signed_by=signed_by,
        signed_on=signed_on,
        declared_income=declared_income,
        declared_assets=declared_assets,
        requests={"disaster_housing": {"kind": solution, "cost_fen": cost_fen}},
    )
    affected.housing_case = case
    affected.save(update_fields=["housing_case"])
    _log(affected.event, "housing_applied", actor, affected=affected.pk, case=case.number,
         solution=solution, cost_fen=cost_fen)  # fmt: skip
    return case


@removes_stored_files_on_failure
@transaction.atomic
def housing_stage_record(
    *,
    actor: User,
    affected_id: int,
    stage: str,
    on: dt.date,
    note: str = "",
    photo=None,
) -> HousingStage:
    """Record a construction stage of an approved housing grant (in order: start, completion,
    inspection) and the part of the grant it releases. The community worker records the start
    and the completion; the inspection (验收) is the street officer's."""
    if stage not in Stage.values:
        E.refuse(E.STAGE_INVALID, f"stage must be one of {Stage.values}", "stage")
    require(
        actor,
        "disaster.inspect_housing" if stage == Stage.INSPECTION else "disaster.record_progress",
    )
    affected = affected_get(actor=actor, affected_id=affected_id, for_update=True)
    decision = Decision.objects.filter(case_id=affected.housing_case_id, outcome="approved").first()
    if decision is None:
        E.refuse(E.GRANT_NOT_APPROVED, "no approved housing grant", "affected")
    done = set(
        HousingStage.objects.filter(case_id=decision.case_id).values_list("stage", flat=True)
    )
    i = STAGES.index(stage)
    if stage in done or set(STAGES[:i]) - done:
        E.refuse(E.STAGE_ORDER, f"{stage} after {sorted(done)}", "stage")
    if not isinstance(on, dt.date) or on > _today() or on < decision.decided_on:
        E.refuse(E.STAGE_INVALID, "date before the decision or in the future", "on")
    amount = stage_amount(int(decision.amount_fen), stage, decision.decided_on)
    saved_photo = _photo(affected, photo, Stage(stage).label, actor, "photo") if photo else None
    row = HousingStage.objects.create(
        case_id=decision.case_id,
        stage=stage,
        on=on,
        amount_fen=amount,
        note=str(note or "")[:2000],
        photo=saved_photo,
        recorded_by=actor,
    )
    _log(
        affected.event,
        "stage_recorded",
        actor,
        affected=affected.pk,
        stage=stage,
        amount_fen=amount,
    )
    return row
