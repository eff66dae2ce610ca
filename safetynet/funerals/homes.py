"""Funeral homes (殡仪馆) over their API (ADR 1131; docs/funerals.md).

`funeral_service_record(institution=..., data=...)`: the home records a cremation or a sea burial
of a deceased person; the platform answers at once whether the basic funeral fees are waived
(died in Xiamen; Xiamen-registered or a residence permit held ≥ `funeral_exemption.
min_permit_months`; no state or employer funeral subsidy — the rules engine's
`funeral_exemption` for the month of death) and which of the five fees the home provided are
waived, each at `funeral_exemption.fees`; a sea burial is free for a resident
(`funeral_exemption.sea_burial_fee`). One exemption per person and kind: a second record of the
same person (at any home) is answered `ALREADY_EXEMPTED`. Idempotent by the home's record
number (same content: the same answer, `replayed`; other content: `record_number_conflict`).
A death the registry does not hold yet is proposed to the street officer (`DeathReport`).

`funeral_statements_make(actor, month)`: each home's reimbursement of the month — a statement,
booked in the ledger (benefit expense by level ↔ payable); `reimbursement_file_make`: the bank
file with one line per statement to the home's account (treasuries → clearing, the funds'
`post_bank_funding`); `reimbursement_results_import`: the bank's answer (paid: the payable
settled; failed: the money back, the statement waits for the next file) — the same postings as
the payroll's and the hospitals' (medical/reimbursement.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Sum

from safetynet.accounts.permissions import require
from safetynet.core.files import removes_stored_files_on_failure
from safetynet.institutions.errors import InstitutionRequestError
from safetynet.institutions.reimbursement import (
    Program,
    ResultSummary,
    payable_files_make,
    results_import,
)
from safetynet.registry.ids import IdNumberError, parse_id_number
from safetynet.registry.models import Membership, Person
from safetynet.rules import load_parameters, run_batch
from safetynet.rules.batch import from_columns
from safetynet.rules.engine import reason_name, split_by_shares

from .models import (
    FEES,
    FuneralService,
    FuneralStatement,
    ReimbursementFile,
    ServiceKind,
)
from .services import DeathSource, death_report_file

XIAMEN = "3502"
PROGRAM = "funeral_exemption"

# HTTP status of each stable code on the funeral homes' API.
STATUS = {
    "request_malformed": 400,
    "id_number_invalid": 400,
    "date_invalid": 400,
    "fees_invalid": 400,
    "kind_invalid": 400,
    "unknown_person": 422,
    "death_date_mismatch": 422,
    "record_number_conflict": 409,
    "record_not_found": 404,
    "nothing_to_pay": 400,
    "result_file_invalid": 400,
}


class FuneralError(InstitutionRequestError):
    STATUS = STATUS


@dataclass(frozen=True)
class Outcome:
    service: FuneralService
    replayed: bool
    death_reported: bool


def _date(data: dict, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(data.get(name)))
    except ValueError:
        raise FuneralError("date_invalid", name, f"{name} must be a date YYYY-MM-DD") from None


def _bool(data: dict, name: str) -> bool:
    value = data.get(name)
    if not isinstance(value, bool):
        raise FuneralError("request_malformed", name, f"{name} must be true or false")
    return value


def parse(data: Any) -> dict:
    """The request's content, checked field by field (nothing is written before)."""
    if not isinstance(data, dict):
        raise FuneralError("request_malformed", "", "the body must be a JSON object")
    number = str(data.get("record_number") or "").strip()
    if not number or len(number) > 64:
        raise FuneralError("request_malformed", "record_number", "record_number: 1–64 characters")
    kind = data.get("kind")
    if kind not in ServiceKind.values:
        raise FuneralError("kind_invalid", "kind", f"kind must be one of {ServiceKind.values}")
    try:
        id_number = parse_id_number(str(data.get("id_number") or "")).number
    except IdNumberError as exc:
        raise FuneralError("id_number_invalid", "id_number", str(exc)) from None
    death = _date(data, "death_date")
    service = _date(data, "service_date")
    if service < death or service > dt.date.today():
        raise FuneralError(
            "date_invalid", "service_date", "service_date: not before the death, not in the future"
        )
    fees = data.get("fees", [] if kind == ServiceKind.SEA_BURIAL else None)
    if (
        not isinstance(fees, list)
        or len(set(fees)) != len(fees)
        or any(f not in FEES for f in fees)
        or (kind == ServiceKind.CREMATION and not fees)
        or (kind == ServiceKind.SEA_BURIAL and fees)
    ):
        raise FuneralError(
            "fees_invalid",
            "fees",
            f"a cremation lists the basic fees provided, some of {list(FEES)}; a sea burial none",
        )
    months = data.get("residence_permit_months", 0)
    if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 1200:
        raise FuneralError(
            "request_malformed", "residence_permit_months", "a whole number of months, 0–1200"
        )
    return {
        "record_number": number,
        "kind": kind,
        "id_number": id_number,
        "death_date": death.isoformat(),
        "service_date": service.isoformat(),
        "died_in_xiamen": _bool(data, "died_in_xiamen"),
        "residence_permit_months": months,
        "other_funeral_subsidy": _bool(data, "other_funeral_subsidy"),
        "fees": sorted(fees),
    }


def _digest(req: dict) -> str:
    return hashlib.sha256(json.dumps(req, sort_keys=True).encode()).hexdigest()


def _ym(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def exemption_check(person: Person, req: dict) -> tuple[bool, str]:
    """The rules engine's `funeral_exemption` for the month of death, on the facts the home
    gives. For a sea burial only the residence counts (the burial is free for residents)."""
    death = dt.date.fromisoformat(req["death_date"])
    sea = req["kind"] == ServiceKind.SEA_BURIAL
    persons = {
        "person_id": np.array([person.pk], dtype=np.int64),
        "household_id": np.array([-person.pk], dtype=np.int64),
        "birth_ym": np.array([_ym(person.birth_date)], dtype=np.int32),
        "death_ym": np.array([_ym(death)], dtype=np.int32),
        "hukou_xiamen": np.array([str(person.hukou_division_id).startswith(XIAMEN)]),
        "died_in_xiamen": np.array([True if sea else req["died_in_xiamen"]]),
        "residence_permit_months": np.array([req["residence_permit_months"]], dtype=np.int16),
        "has_funeral_subsidy": np.array([False if sea else req["other_funeral_subsidy"]]),
    }
    b = from_columns(f"{death:%Y-%m}", persons, {"household_id": np.array([-person.pk])})
    res = run_batch(b, ["funeral_exemption"])["funeral_exemption"]
    eligible = bool(res.p_eligible[0])
    return eligible, "ELIGIBLE" if eligible else reason_name(res.p_reason[0])


def _district_of(person: Person) -> str:
    m = (
        Membership.objects.filter(person=person)
        .select_related("household")
        .order_by("-start_date")
        .first()
    )
    return (m.household.division_id if m else person.hukou_division_id)[:6]


@transaction.atomic
def funeral_service_record(*, institution, data: Any) -> Outcome:
    """Record a funeral home's cremation or sea burial and answer the fees waived (see the
    module's docstring). Bad input: a `FuneralError` naming the field; nothing written."""
    req = parse(data)
    digest = _digest(req)
    existing = FuneralService.objects.filter(
        institution=institution, record_number=req["record_number"]
    ).first()
    if existing is not None:
        if existing.digest != digest:
            raise FuneralError(
                "record_number_conflict",
                "record_number",
                "this record number was used for a different record; nothing changed",
            )
        return Outcome(existing, replayed=True, death_reported=False)
    person = Person.objects.filter(id_number=req["id_number"]).first()
    if person is None:
        raise FuneralError("unknown_person", "id_number", "the ID number is not in the registry")
    death = dt.date.fromisoformat(req["death_date"])
    if person.death_date is not None and person.death_date != death:
        raise FuneralError(
            "death_date_mismatch",
            "death_date",
            f"the registry records the death on {person.death_date.isoformat()}",
        )
    on = dt.date.fromisoformat(req["service_date"])
    params = load_parameters()
    eligible, reason = exemption_check(person, req)
    done = FuneralService.objects.filter(
        person=person, kind=req["kind"], eligible=True, cancelled_at__isnull=True
    )
    if eligible and done.exists():  # once per person and kind, at whichever home
        eligible, reason = False, "ALREADY_EXEMPTED"
    if eligible and req["kind"] == ServiceKind.SEA_BURIAL:
        waived = {"sea_burial": int(params.at("funeral_exemption.sea_burial_fee", death).value)}
    elif eligible:
        schedule = params.at("funeral_exemption.fees", death).value
        waived = {fee: int(schedule[fee]) for fee in req["fees"]}
    else:
        waived = {}
    total = sum(waived.values())
    shares = dict(params.at("funeral_exemption.funding", death).value)
    city, district, street = (int(x) for x in split_by_shares(total, shares))
    try:
        with transaction.atomic():
            service = FuneralService.objects.create(
                institution=institution,
                record_number=req["record_number"],
                digest=digest,
                kind=req["kind"],
                person=person,
                death_date=death,
                service_date=on,
                died_in_xiamen=req["died_in_xiamen"],
                residence_permit_months=req["residence_permit_months"],
                other_funeral_subsidy=req["other_funeral_subsidy"],
                eligible=eligible,
                reason=reason,
                fees=req["fees"],
                waived=waived,
                waived_fen=total,
                city_fen=city,
                district_fen=district,
                street_fen=street,
                district=_district_of(person),
            )
    except IntegrityError:  # the same record number at the same moment: answer as a replay
        return funeral_service_record(institution=institution, data=data)
    _, reported = death_report_file(
        person=person,
        death_date=death,
        source=DeathSource.FUNERAL_HOME,
        source_ref=f"{institution.code}:{req['record_number']}",
    )
    return Outcome(service, replayed=False, death_reported=reported)


# --------------------------------------------------------------------------- reimbursement
def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise FuneralError("date_invalid", "month", f"month {month!r} is not YYYY-MM") from None
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def _rows(services) -> list[dict]:
    """The services' funding split per district (the funds' posting rows)."""
    rows = services.values("district").annotate(
        c=Sum("city_fen"), d=Sum("district_fen"), s=Sum("street_fen")
    )
    return [
        {"program": PROGRAM, "district": r["district"], "city_fen": int(r["c"]),
         "district_fen": int(r["d"]), "street_fen": int(r["s"])}
        for r in rows
    ]  # fmt: skip


@transaction.atomic
def funeral_statements_make(*, actor, month: str, today: dt.date | None = None) -> list:
    """Each funeral home's statement of a month that is over: its eligible services of the month
    not yet stated, booked at once (each level's expense ↔ the payable)."""
    from safetynet.funds import chart
    from safetynet.funds.services import Leg, journal_post, splits_of

    require(actor, "funerals.reimburse_homes")
    first, last = _month_bounds(month)
    today = today or dt.date.today()
    if last >= today:
        raise FuneralError("date_invalid", "month", f"{month} is not over")
    due = FuneralService.objects.filter(
        eligible=True,
        cancelled_at__isnull=True,
        statement__isnull=True,
        service_date__gte=first,
        service_date__lte=last,
    )
    # lock the rows (a concurrent run waits), then aggregate without the lock (PostgreSQL
    # refuses FOR UPDATE with GROUP BY)
    locked = list(due.select_for_update().values_list("pk", flat=True))
    pending = FuneralService.objects.filter(pk__in=locked)
    made = []
    for inst_id in sorted(set(pending.values_list("institution_id", flat=True))):
        services = pending.filter(institution_id=inst_id)
        rows = _rows(services)
        statement = FuneralStatement.objects.create(
            institution_id=inst_id,
            month=month,
            services_count=services.count(),
            amount_fen=sum(r["city_fen"] + r["district_fen"] + r["street_fen"] for r in rows),
            city_fen=sum(r["city_fen"] for r in rows),
            district_fen=sum(r["district_fen"] for r in rows),
            street_fen=sum(r["street_fen"] for r in rows),
            made_on=today,
            made_by=actor,
        )
        legs = []
        for split in splits_of(rows):
            for level, fen in split.by_level().items():
                if fen:
                    where = "" if level == "city" else split.district
                    spec = chart.benefit_expense(level, where, PROGRAM)
                    legs.append(Leg(spec, fen, split.district))
            legs.append(Leg(chart.payable(PROGRAM), -split.amount_fen, split.district))
        journal_post(
            actor=actor,
            on=today,
            memo=f"殡葬费用免除 {month} 殡仪馆结算 {statement.institution.name}",
            source=f"approval:funeral-statement:{statement.pk}",
            postings=legs,
        )
        services.update(statement=statement)
        made.append(statement)
    return made


def _statement_rows(statements) -> list[dict]:
    return _rows(FuneralService.objects.filter(statement__in=list(statements)))


PAYABLE = Program(
    statement_model=FuneralStatement,
    file_model=ReimbursementFile,
    payee="institution",
    prefix="BZ",
    ledger="funerals",
    memo="殡葬费用免除 殡仪馆报销",
    error=FuneralError,
    rows_of=_statement_rows,
    file_fields=lambda today: {"made_on": today},
)


@removes_stored_files_on_failure
@transaction.atomic
def reimbursement_file_make(*, actor, month: str, fmt: str = "xlsx", today=None) -> list:
    """The bank files paying the statements of `month` (and earlier ones whose line failed):
    one per bank, one line per statement to the home's settlement account
    (institutions/reimbursement.py, shared with the hospitals)."""
    require(actor, "funerals.reimburse_homes")
    _month_bounds(month)
    statements = list(
        FuneralStatement.objects.select_for_update(of=("self",))
        .filter(month__lte=month, bank_file__isnull=True, paid_on__isnull=True)
        .select_related("institution")
        .order_by("institution__bank_code", "institution__code", "month")
    )
    return payable_files_make(
        program=PAYABLE,
        actor=actor,
        month=month,
        statements=statements,
        fmt=fmt,
        today=today or dt.date.today(),
    )


@transaction.atomic
def reimbursement_results_import(*, actor, content: bytes, today=None) -> ResultSummary:
    """The bank's result file of a reimbursement file, all or nothing: paid lines settle the
    payable; failed lines return the money to the treasuries and wait for the next file.
    Returns (paid, failed)."""
    require(actor, "funerals.reimburse_homes")
    return results_import(
        program=PAYABLE, actor=actor, content=content, today=today or dt.date.today()
    )
