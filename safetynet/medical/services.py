"""One-stop settlement services (ADR 1101): settle a bill at discharge, reverse a settlement.

Called by the hospital API (`request.institution` is the hospital) and by tests; never by staff.
Each call is one transaction: refused input changes nothing. The person-year's `AnnualRoom` row
is created if missing (INSERT … ON CONFLICT DO NOTHING) and then locked (SELECT … FOR UPDATE)
before the split is computed, so two settlements of one person run one after the other and the
second sees what the first used: the annual cap holds under any concurrency. On SQLite the
IMMEDIATE transactions serialise every writer, which gives the same guarantee.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from safetynet.registry.ids import IdNumberError, parse_id_number
from safetynet.registry.models import Enrolment, Person
from safetynet.rules import load_parameters
from safetynet.rules.medical import Bill, BillError, YearUsage, settle, settlement_category

from .errors import MedicalError
from .models import AnnualRoom, ReversalReason, Settlement, SettlementStatus

NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$")
FIRST_DATE = dt.date(2016, 1, 1)  # the plan's first year: no parameters before it


@dataclass(frozen=True)
class SettleRequest:
    number: str
    id_number: str
    admitted_on: dt.date | None
    discharged_on: dt.date
    bill: Bill

    def digest(self) -> str:
        """What a replay must repeat exactly (canonical JSON, SHA-256)."""
        canonical = {
            "id_number": self.id_number,
            "admitted_on": self.admitted_on.isoformat() if self.admitted_on else None,
            "discharged_on": self.discharged_on.isoformat(),
            "bill": [
                self.bill.total_fen,
                self.bill.policy_scope_fen,
                self.bill.insurance_paid_fen,
            ],
        }
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    settlement: Settlement
    replayed: bool  # True: the same request again, answered from the stored settlement
    params: Any = None  # the parameter tree the settlement was made with (None: a replay)


def _date(data: Mapping, name: str, *, required: bool) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise MedicalError("date_invalid", name, f"{name} is missing")
        return None
    if not isinstance(value, str):
        raise MedicalError("date_invalid", name, f"{name} must be a date YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise MedicalError("date_invalid", name, f"{name} must be a date YYYY-MM-DD") from None
    if day < FIRST_DATE or day > timezone.localdate():
        raise MedicalError("date_invalid", name, f"{name} must lie between 2016-01-01 and today")
    return day


def parse_request(data: Any) -> SettleRequest:
    """The request body, checked field by field; MedicalError names the first bad field."""
    if not isinstance(data, Mapping):
        raise MedicalError("request_malformed", "<body>", "the body must be a JSON object")
    number = data.get("settlement_number")
    if not isinstance(number, str) or not NUMBER_RE.match(number):
        raise MedicalError(
            "request_malformed",
            "settlement_number",
            "settlement_number must be 1–64 letters, digits or _ . / -",
        )
    raw_id = data.get("id_number")
    if not isinstance(raw_id, str):
        raise MedicalError("id_number_invalid", "id_number", "id_number is missing")
    try:
        id_number = parse_id_number(raw_id).number
    except IdNumberError as exc:
        raise MedicalError("id_number_invalid", "id_number", exc.message) from None
    admitted = _date(data, "admitted_on", required=False)
    discharged = _date(data, "discharged_on", required=True)
    if admitted and admitted > discharged:
        raise MedicalError("date_invalid", "admitted_on", "admitted_on is after discharged_on")
    try:
        bill = Bill.parse(data.get("bill"))
    except BillError as exc:
        raise MedicalError(exc.code, exc.field, exc.message) from None
    return SettleRequest(number, id_number, admitted, discharged, bill)


class _Replay(Exception):
    def __init__(self, settlement: Settlement):
        self.settlement = settlement


def _replay_or_conflict(existing: Settlement, req: SettleRequest) -> Outcome:
    if existing.request_digest != req.digest():
        raise MedicalError("settlement_number_conflict", "settlement_number")
    return Outcome(existing, replayed=True)


def categories_held(person: Person, on: dt.date) -> list[str]:
    """The person's recipient categories in force on `on`."""
    return list(
        Enrolment.objects.filter(person=person, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .values_list("category", flat=True)
    )


def _room_locked(person: Person, year: int) -> AnnualRoom:
    """The person's room of the year, locked (one query once it exists)."""
    rooms = AnnualRoom.objects.select_for_update().filter(person=person, year=year)
    room = rooms.first()
    if room is None:
        AnnualRoom.objects.bulk_create(
            [AnnualRoom(person=person, year=year)], ignore_conflicts=True
        )
        room = rooms.get()
    return room


def settlement_create(*, hospital, data: Any) -> Outcome:
    """Settle one bill for `hospital` (an Institution of kind hospital). Idempotent by the
    hospital's settlement number: the same request again returns the stored settlement; the
    same number with other content is `settlement_number_conflict` and changes nothing."""
    req = parse_request(data)
    # The settlement number is looked up once, under the person's room lock (a replay is rare;
    # a refusal of the person checks it first, so that a replay with other content is a
    # conflict whoever the person): 11 queries for a settlement (ADR 1141).

    def refuse(code: str) -> MedicalError:
        existing = Settlement.objects.filter(hospital=hospital, number=req.number).first()
        if existing is not None:
            _replay_or_conflict(existing, req)  # raises the conflict, or answers the replay
            return _Replay(existing)
        return MedicalError(code, "id_number")

    person = Person.objects.filter(id_number=req.id_number).first()
    try:
        if person is None:
            raise refuse("unknown_person")
        if person.death_date and person.death_date < (req.admitted_on or req.discharged_on):
            raise refuse("person_deceased")
        params = load_parameters()
        category = settlement_category(
            categories_held(person, req.discharged_on), req.discharged_on, params
        )
        if category is None:
            raise refuse("not_eligible")
    except _Replay as replay:
        return Outcome(replay.settlement, replayed=True)
    try:
        with transaction.atomic():
            room = _room_locked(person, req.discharged_on.year)
            # A replay, or one racing its original (it waited for the room lock): found now.
            existing = Settlement.objects.filter(hospital=hospital, number=req.number).first()
            if existing is not None:
                return _replay_or_conflict(existing, req)
            split = settle(
                req.bill,
                category,
                req.discharged_on,
                YearUsage(room.assistance_used_fen, room.deductible_used_fen),
                params,
            )
            division = person.household_division_id or person.hukou_division_id or ""
            # no savepoint: a unique violation (the same number for another person, settled
            # concurrently: its room differs) rolls the whole transaction back, room included
            settlement = Settlement.objects.create(
                hospital=hospital,
                number=req.number,
                request_digest=req.digest(),
                person=person,
                room=room,
                district=division[:6],
                category=category,
                admitted_on=req.admitted_on,
                discharged_on=req.discharged_on,
                total_fen=split.total_fen,
                policy_scope_fen=req.bill.policy_scope_fen,
                insurance_fen=split.insurance_fen,
                assistance_fen=split.assistance_fen,
                patient_fen=split.patient_fen,
                deductible_applied_fen=split.deductible_applied_fen,
                ratio=split.ratio,
                capped=split.capped,
                room_after_fen=split.room_after_fen,
                city_fen=split.city_fen,
                district_fen=split.district_fen,
                street_fen=split.street_fen,
            )
            room.assistance_used_fen += split.assistance_fen
            room.deductible_used_fen += split.deductible_applied_fen
            room.save(update_fields=["assistance_used_fen", "deductible_used_fen", "updated_at"])
    except IntegrityError:
        if transaction.get_connection().in_atomic_block:
            raise  # inside a caller's transaction: it decides (nothing of ours was kept)
        existing = Settlement.objects.filter(hospital=hospital, number=req.number).first()
        if existing is None:
            raise
        return _replay_or_conflict(existing, req)
    return Outcome(settlement, replayed=False, params=params)


def settlement_reverse(*, hospital, number: str, reason: Any, note: Any = "") -> Outcome:
    """Reverse a settlement (refund, re-admission): its assistance and deductible go back to
    the person's annual room. Reversing a reversed settlement returns it unchanged."""
    if reason not in ReversalReason.values:
        raise MedicalError(
            "reason_invalid", "reason", f"reason must be one of {', '.join(ReversalReason.values)}"
        )
    if not isinstance(note, str) or len(note) > 200:
        raise MedicalError("request_malformed", "note", "note must be text of at most 200 chars")
    found = Settlement.objects.filter(hospital=hospital, number=number).only("room_id").first()
    if found is None:
        raise MedicalError("settlement_not_found", "settlement_number")
    with transaction.atomic():
        room = AnnualRoom.objects.select_for_update().get(pk=found.room_id)
        settlement = Settlement.objects.select_for_update().get(pk=found.pk)
        if settlement.status == SettlementStatus.REVERSED:
            return Outcome(settlement, replayed=True)
        settlement.status = SettlementStatus.REVERSED
        settlement.reversed_at = timezone.now()
        settlement.reversal_reason = reason
        settlement.reversal_note = note.strip()
        settlement.save(update_fields=["status", "reversed_at", "reversal_reason", "reversal_note"])
        room.assistance_used_fen -= settlement.assistance_fen
        room.deductible_used_fen -= settlement.deductible_applied_fen
        room.save(update_fields=["assistance_used_fen", "deductible_used_fen", "updated_at"])
    return Outcome(settlement, replayed=False)
