"""Writes of the one-key emergencies (docs/eldercare-emergency.md). Each service checks the
actor's ability (accounts/permissions.py) and jurisdiction, runs in one transaction, and records
an `EmergencyEvent`.

- `device_register`, `device_deactivate`: the alarm buttons given to elderly persons.
- `signal_receive`: a device's signal (the API, already authenticated by the device's key):
  idempotent by (device, signal_id); opens the person's emergency or is attached to the open one.
- `emergency_open_by_phone`: the operator enters a call (attached, too, when one is open).
- `emergency_assign`, `emergency_arrive`, `emergency_close`: the steps of states.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.registry.models import Person
from safetynet.registry.selectors import persons_visible_to
from safetynet.rules.parameters import load_parameters

from . import clock, keys
from . import errors as E
from .models import (
    AlarmDevice,
    Emergency,
    EmergencyEvent,
    EmergencySignal,
    EventKind,
    Outcome,
    ResponderKind,
    Source,
)
from .selectors import emergencies_visible_to
from .states import OPEN_STATES, Status, TransitionNotAllowed, target

ELDERLY_AGE = 60
SIGNAL_KINDS = ("button", "fall")
_SIGNAL_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_PHONE = re.compile(r"^\+?[0-9][0-9-]{2,19}$")
ABILITY_VIEW = "eldercare_emergency.view_emergencies"
ABILITY_HANDLE = "eldercare_emergency.handle_emergencies"
ABILITY_DEVICES = "eldercare_emergency.manage_devices"


def response_limit_minutes(on: dt.date) -> int:
    """`eldercare.emergency_response_minutes` in force on `on` (POLICY §5 [set])."""
    return int(load_parameters().at("eldercare.emergency_response_minutes", on).value)


def _age(person: Person, on: dt.date) -> int:
    b = person.birth_date
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def _person_in_scope(actor: User, person_id: int) -> Person:
    person = persons_visible_to(actor).filter(pk=person_id).first()
    if person is None:
        raise E.NotFoundError("person")
    return person


def _division_of(person: Person) -> str:
    return person.household_division_id or person.hukou_division_id


# ---------------------------------------------------------------------------------- devices


@dataclass(frozen=True)
class Registered:
    device: AlarmDevice
    key: str  # shown once: only its hash is stored


@transaction.atomic
def device_register(*, actor: User, person_id: int, device_id: str) -> Registered:
    require(actor, ABILITY_DEVICES)
    device_id = (device_id or "").strip()
    if not keys.DEVICE_ID.match(device_id):
        raise E.EmergencyError(E.DEVICE_ID_INVALID, "device_id")
    person = _person_in_scope(actor, person_id)
    if person.death_date is not None:
        raise E.EmergencyError(E.PERSON_DECEASED, "person")
    if _age(person, clock.now().date()) < ELDERLY_AGE:
        raise E.EmergencyError(E.PERSON_NOT_ELDERLY, "person")
    if AlarmDevice.objects.filter(device_id=device_id).exists():
        raise E.EmergencyError(E.DEVICE_EXISTS, "device_id")
    secret = keys.new_secret()
    device = AlarmDevice.objects.create(
        device_id=device_id,
        person=person,
        secret_hash=keys.hash_secret(secret),
        registered_by=actor,
    )
    return Registered(device, keys.make_key(device_id, secret))


def devices_visible_to(actor: User):
    return AlarmDevice.objects.filter(person__in=persons_visible_to(actor))


@transaction.atomic
def device_deactivate(*, actor: User, device_id: str) -> AlarmDevice:
    require(actor, ABILITY_DEVICES)
    device = devices_visible_to(actor).select_for_update().filter(device_id=device_id).first()
    if device is None:
        raise E.NotFoundError("device")
    if not device.is_active:
        raise E.EmergencyError(E.DEVICE_INACTIVE, "device_id")
    device.is_active = False
    device.deactivated_at = clock.now()
    device.save(update_fields=["is_active", "deactivated_at"])
    return device


# ---------------------------------------------------------------------------------- opening


def _open_or_attach(
    *, person: Person, source: str, at: dt.datetime, actor: User | None = None,
    device: AlarmDevice | None = None, caller_phone: str = "", note: str = "",
) -> tuple[Emergency, bool]:  # fmt: skip
    """The person's open emergency (locked; attached: True) or a new one (False). Inside the
    caller's transaction; a concurrent opening for the same person makes the insert fail on the
    one-open-per-person constraint (IntegrityError): the caller retries and attaches."""
    open_one = (
        Emergency.objects.select_for_update()
        .filter(person=person, status__in=sorted(OPEN_STATES))
        .first()
    )
    if open_one is not None:
        Emergency.objects.filter(pk=open_one.pk).update(signals_count=F("signals_count") + 1)
        open_one.signals_count += 1
        EmergencyEvent.objects.create(
            emergency=open_one,
            at=at,
            kind=EventKind.SIGNAL if source == Source.DEVICE else EventKind.CALL,
            actor=actor,
            note=(note or caller_phone or (device.device_id if device else ""))[:500],
        )
        return open_one, True
    limit = response_limit_minutes(at.date())
    with transaction.atomic():  # a savepoint: the constraint's failure leaves the outer usable
        emergency = Emergency.objects.create(
            person=person,
            division_id=_division_of(person),
            source=source,
            device=device,
            status=Status.OPENED,
            caller_phone=caller_phone,
            note=note[:500],
            opened_at=at,
            limit_minutes=limit,
            due_at=at + dt.timedelta(minutes=limit),
            signals_count=1,
        )
    EmergencyEvent.objects.create(
        emergency=emergency,
        at=at,
        kind=EventKind.OPENED,
        actor=actor,
        to_status=Status.OPENED,
        note=note[:500],
    )
    return emergency, False


@dataclass(frozen=True)
class SignalOutcome:
    signal: EmergencySignal
    emergency: Emergency
    replayed: bool  # the same signal again: the stored answer
    attached: bool  # attached to an emergency already open


def _parse_signal(data: Any) -> dict:
    if not isinstance(data, dict):
        raise E.EmergencyError(E.REQUEST_MALFORMED, "", None)
    signal_id = data.get("signal_id")
    if not isinstance(signal_id, str) or not _SIGNAL_ID.match(signal_id):
        raise E.EmergencyError(E.SIGNAL_ID_INVALID, "signal_id")
    kind = data.get("kind", "button")
    if kind not in SIGNAL_KINDS:
        raise E.EmergencyError(E.KIND_INVALID, "kind")
    sent_at = data.get("sent_at")
    if sent_at is not None:
        try:
            sent_at = dt.datetime.fromisoformat(sent_at) if isinstance(sent_at, str) else None
        except ValueError:
            sent_at = None
        if sent_at is None or sent_at.tzinfo is None:
            raise E.EmergencyError(E.SENT_AT_INVALID, "sent_at")
    extra = set(data) - {"signal_id", "kind", "sent_at"}
    if extra:
        raise E.EmergencyError(E.REQUEST_MALFORMED, sorted(extra)[0], "unknown field")
    return {"signal_id": signal_id, "kind": kind, "sent_at": sent_at}


def _content_hash(parsed: dict) -> str:
    body = {**parsed, "sent_at": parsed["sent_at"].isoformat() if parsed["sent_at"] else None}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def signal_receive(*, device: AlarmDevice, data: Any) -> SignalOutcome:
    """A device's signal (the caller authenticated the device by its key). Nothing is written
    for a refused signal. Retried on a concurrent opening (the constraints decide, ADR 1222)."""
    parsed = _parse_signal(data)
    digest = _content_hash(parsed)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _signal_receive(device, parsed, digest)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _signal_receive(device: AlarmDevice, parsed: dict, digest: str) -> SignalOutcome:
    known = (
        EmergencySignal.objects.select_related("emergency")
        .filter(device=device, signal_id=parsed["signal_id"])
        .first()
    )
    if known is not None:
        if known.content_hash != digest:
            raise E.EmergencyError(E.SIGNAL_ID_CONFLICT, "signal_id")
        return SignalOutcome(known, known.emergency, replayed=True, attached=not known.opened)
    person = device.person
    if person.death_date is not None:
        raise E.EmergencyError(E.PERSON_DECEASED, "")
    now = clock.now()
    emergency, attached = _open_or_attach(
        person=person, source=Source.DEVICE, at=now, device=device
    )
    with transaction.atomic():
        signal = EmergencySignal.objects.create(
            device=device,
            signal_id=parsed["signal_id"],
            kind=parsed["kind"],
            sent_at=parsed["sent_at"],
            received_at=now,
            content_hash=digest,
            emergency=emergency,
            opened=not attached,
        )
    AlarmDevice.objects.filter(pk=device.pk).update(last_signal_at=now)
    return SignalOutcome(signal, emergency, replayed=False, attached=attached)


def emergency_open_by_phone(
    *, actor: User, person_id: int, caller_phone: str = "", note: str = ""
) -> tuple[Emergency, bool]:
    """The operator enters a call for help (from the person, a relative, a neighbour). When the
    person has an open emergency the call is attached to it (second return value True). Two
    operators entering calls for one person at the same moment: the one-open-per-person
    constraint refuses the second opening, which is retried and attaches (as signals do)."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _open_by_phone(actor, person_id, caller_phone, note)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _open_by_phone(
    actor: User, person_id: int, caller_phone: str, note: str
) -> tuple[Emergency, bool]:
    require(actor, ABILITY_HANDLE)
    person = _person_in_scope(actor, person_id)
    caller_phone = (caller_phone or "").strip()
    if caller_phone and not _PHONE.match(caller_phone):
        raise E.EmergencyError(E.PHONE_INVALID, "caller_phone")
    if person.death_date is not None:
        raise E.EmergencyError(E.PERSON_DECEASED, "person")
    return _open_or_attach(
        person=person,
        source=Source.PHONE,
        at=clock.now(),
        actor=actor,
        caller_phone=caller_phone,
        note=(note or "").strip(),
    )


# ---------------------------------------------------------------------------------- steps


def _locked(actor: User, emergency_id: int) -> Emergency:
    require(actor, ABILITY_HANDLE)
    emergency = (
        emergencies_visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk=emergency_id)
        .first()
    )
    if emergency is None:
        raise E.NotFoundError("emergency")
    return emergency


def _move(emergency: Emergency, action: str) -> Status:
    try:
        return target(action, emergency.status)
    except TransitionNotAllowed:
        raise E.EmergencyError(E.TRANSITION_NOT_ALLOWED, "status") from None


def _event(emergency, kind, actor, from_status, note="") -> None:
    EmergencyEvent.objects.create(
        emergency=emergency,
        at=clock.now(),
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=emergency.status,
        note=(note or "")[:500],
    )


@transaction.atomic
def emergency_assign(
    *, actor: User, emergency_id: int, responder_kind: str, responder_name: str = "",
    responder_phone: str = "", responder_user_id: int | None = None, note: str = "",
) -> Emergency:  # fmt: skip
    """Assign (or reassign) the responder. The response time is measured to the first
    assignment: the call has reached a responder (POLICY §5)."""
    emergency = _locked(actor, emergency_id)
    to = _move(emergency, "assign")
    if responder_kind not in ResponderKind.values:
        raise E.EmergencyError(E.RESPONDER_KIND_INVALID, "responder_kind")
    responder_name = (responder_name or "").strip()[:64]
    responder_phone = (responder_phone or "").strip()
    user = None
    if responder_user_id:
        user = User.objects.filter(pk=responder_user_id, is_active=True).first()
        if user is None:
            raise E.EmergencyError(E.RESPONDER_REQUIRED, "responder_user")
        responder_name = responder_name or user.get_full_name() or user.username
    if not responder_name:
        raise E.EmergencyError(E.RESPONDER_REQUIRED, "responder_name")
    if responder_phone and not _PHONE.match(responder_phone):
        raise E.EmergencyError(E.PHONE_INVALID, "responder_phone")
    before = emergency.status
    emergency.status = to
    emergency.responder_kind = responder_kind
    emergency.responder_name = responder_name
    emergency.responder_phone = responder_phone
    emergency.responder_user = user
    if emergency.assigned_at is None:
        emergency.assigned_at = clock.now()
    emergency.save()
    label = f"{ResponderKind(responder_kind).label} {responder_name} {responder_phone}".strip()
    _event(emergency, EventKind.ASSIGNED, actor, before, f"{label}；{note}" if note else label)
    return emergency


@transaction.atomic
def emergency_arrive(*, actor: User, emergency_id: int, note: str = "") -> Emergency:
    """The responder reports being with the person."""
    emergency = _locked(actor, emergency_id)
    to = _move(emergency, "arrive")
    before = emergency.status
    emergency.status = to
    emergency.on_scene_at = clock.now()
    emergency.save(update_fields=["status", "on_scene_at"])
    _event(emergency, EventKind.ARRIVED, actor, before, note)
    return emergency


@transaction.atomic
def emergency_close(*, actor: User, emergency_id: int, outcome: str, note: str = "") -> Emergency:
    emergency = _locked(actor, emergency_id)
    to = _move(emergency, "close")
    if outcome not in Outcome.values:
        raise E.EmergencyError(E.OUTCOME_INVALID, "outcome")
    before = emergency.status
    emergency.status = to
    emergency.outcome = outcome
    emergency.closing_note = (note or "").strip()[:500]
    emergency.closed_at = clock.now()
    emergency.save(update_fields=["status", "outcome", "closing_note", "closed_at"])
    _event(emergency, EventKind.CLOSED, actor, before, emergency.closing_note)
    return emergency
