"""One household's situation as JSON (schema: docs/rules-situation-schema.md) → batch → results.

``calculate(situation, month, trace=False)`` validates the situation, turns it into a
one-household batch and runs the very same vectorized programs as the city-wide batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from .batch import Batch, from_columns
from .columns import (
    COUNTED_INCOME,
    DISABILITY_KINDS,
    DISASTER_KINDS,
    ENROLMENT_CATEGORIES,
    ENTITLED_KINDS,
    EXCLUDED_INCOME,
    NO_DATE_HIGH,
    NO_DATE_LOW,
    SUPPORT_FORMS,
    TEMP_KINDS,
    parse_month,
    ym_of,
)
from .engine import PROGRAMS, Trace, reason_name, run_batch
from .money import yuan
from .parameters import MissingParameterValue, ParameterSet

INCOME_KEYS = tuple(c.removeprefix("income_") for c in COUNTED_INCOME + EXCLUDED_INCOME)


class SituationError(ValueError):
    """Invalid situation input; ``path`` names the field (e.g. ``persons[0].id_number``)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


HOUSEHOLD_KEYS = {
    "id",
    "division_code",
    "is_rural",
    "financial_assets_fen",
    "vehicles",
    "homes",
    "businesses",
    "medical_oop_12m_fen",
}
PERSON_KEYS = {
    "id",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "relation",
    "hukou_division",
    "death_date",
    "disability",
    "income",
    "selfcare_failed_items",
    "has_capable_supporter",
    "entitled_kind",
    "tekun_support_form",
    "unemployment_insurance",
    "is_orphan",
    "died_in_xiamen",
    "residence_permit_months",
    "has_funeral_subsidy",
    "enrolments",
}
TOP_KEYS = {"household", "persons", "requests", "programs", "$schema", "description"}


def _check_keys(obj: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for k in obj:
        if k not in allowed:
            raise SituationError(f"{path}.{k}" if path else k, "unknown field")


def _map(v: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise SituationError(path, "must be an object")
    return v


def _int(v: Any, path: str, lo: int | None = 0, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise SituationError(path, f"must be an integer, got {v!r}")
    if lo is not None and v < lo:
        raise SituationError(
            path, f"must not be below {lo}, got {v}" if lo else "must not be negative"
        )
    if hi is not None and v > hi:
        raise SituationError(path, f"must not be above {hi}, got {v}")
    return v


def _bool(v: Any, path: str) -> bool:
    if not isinstance(v, bool):
        raise SituationError(path, f"must be true or false, got {v!r}")
    return v


def _date(v: Any, path: str) -> dt.date:
    if isinstance(v, dt.date):
        return v
    if not isinstance(v, str):
        raise SituationError(path, f"must be a date YYYY-MM-DD, got {v!r}")
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise SituationError(path, f"impossible or malformed date {v!r}") from None


def _choice(v: Any, path: str, choices: Sequence[str]) -> int:
    if v is None or v == "":
        return 0
    if v not in choices[1:]:
        raise SituationError(path, f"{v!r} is not one of {list(choices[1:])}")
    return choices.index(v)


def _division(v: Any, path: str) -> str:
    if not isinstance(v, str) or len(v) != 12 or not v.isdigit():
        raise SituationError(path, "must be a 12-digit division code")
    return v


def _ym(d: dt.date) -> int:
    return ym_of(d.year, d.month)


def validate(situation: Any) -> dict[str, Any]:
    """Check a situation; return column dicts. Raises SituationError naming the field."""
    s = _map(situation, "<situation>")
    _check_keys(s, TOP_KEYS, "")
    h = _map(s.get("household"), "household")
    _check_keys(h, HOUSEHOLD_KEYS, "household")
    if "division_code" not in h:
        raise SituationError("household.division_code", "is required")
    hdiv = _division(h["division_code"], "household.division_code")
    hh: dict[str, Any] = {
        "temp_kind": 0,
        "temp_requested_fen": 0,
        "disaster_kind": 0,
        "disaster_cost_fen": 0,
        "division_xiamen": hdiv.startswith("3502"),
        "district_code": int(hdiv[:6]),
        "is_rural": _bool(h.get("is_rural", False), "household.is_rural"),
        "declared_financial_assets_fen": _int(
            h.get("financial_assets_fen", 0), "household.financial_assets_fen"
        ),
        "declared_vehicles": _int(h.get("vehicles", 0), "household.vehicles", 0, 100),
        "declared_homes": _int(h.get("homes", 0), "household.homes", 0, 100),
        "declared_businesses": _int(h.get("businesses", 0), "household.businesses", 0, 100),
        "medical_oop_12m_fen": _int(
            h.get("medical_oop_12m_fen", 0), "household.medical_oop_12m_fen"
        ),
    }
    req = _map(s.get("requests", {}), "requests")
    _check_keys(req, {"temporary_assistance", "disaster_housing"}, "requests")
    if "temporary_assistance" in req:
        t = _map(req["temporary_assistance"], "requests.temporary_assistance")
        _check_keys(t, {"kind", "requested_fen"}, "requests.temporary_assistance")
        hh["temp_kind"] = _choice(t.get("kind"), "requests.temporary_assistance.kind", TEMP_KINDS)
        hh["temp_requested_fen"] = _int(
            t.get("requested_fen", 0), "requests.temporary_assistance.requested_fen"
        )
    if "disaster_housing" in req:
        d = _map(req["disaster_housing"], "requests.disaster_housing")
        _check_keys(d, {"kind", "cost_fen"}, "requests.disaster_housing")
        hh["disaster_kind"] = _choice(
            d.get("kind"), "requests.disaster_housing.kind", DISASTER_KINDS
        )
        hh["disaster_cost_fen"] = _int(d.get("cost_fen", 0), "requests.disaster_housing.cost_fen")

    persons = s.get("persons")
    if not isinstance(persons, list) or not persons:
        raise SituationError("persons", "must be a non-empty list")
    cols: dict[str, list[Any]] = {}
    ids: list[Any] = []
    for i, raw in enumerate(persons):
        path = f"persons[{i}]"
        p = _map(raw, path)
        _check_keys(p, PERSON_KEYS, path)
        row = _person(p, path, hdiv)
        ids.append(p.get("id", i + 1))
        for k, v in row.items():
            cols.setdefault(k, []).append(v)
    if len(set(map(str, ids))) != len(ids):
        raise SituationError("persons", "person ids must be unique")
    programs = s.get("programs")
    if programs is not None:
        if not isinstance(programs, list):
            raise SituationError("programs", "must be a list of program names")
        for j, name in enumerate(programs):
            if name not in PROGRAMS:
                raise SituationError(
                    f"programs[{j}]", f"unknown program {name!r}; known: {sorted(PROGRAMS)}"
                )
    return {
        "household": hh,
        "persons": cols,
        "person_ids": ids,
        "household_id": h.get("id", 1),
        "programs": programs,
    }


def _check_id_number(value: str, path: str) -> str:
    """GB 11643 format, birth date and check digit (python-stdnum ``cn.ric``).

    The region code is not checked against the birth year: ``ric.validate`` rejects e.g. a
    思明区 (350203, created 1983) number of a person born in 1970, which real IDs have.
    """
    num = ric.compact(value)
    if len(num) != 18 or not num[:17].isdigit() or not (num[17].isdigit() or num[17] == "X"):
        raise SituationError(path, "a resident ID number is 17 digits and a digit or X")
    try:
        ric.get_birth_date(num)
    except ValidationError:
        raise SituationError(path, "the birth date in the ID number does not exist") from None
    if ric.calc_check_digit(num) != num[17]:
        raise SituationError(path, "the ID number's check digit is wrong (GB 11643 checksum)")
    return num


def _person(p: Mapping[str, Any], path: str, hdiv: str) -> dict[str, Any]:
    if "birth_date" not in p:
        raise SituationError(f"{path}.birth_date", "is required")
    birth = _date(p["birth_date"], f"{path}.birth_date")
    if "id_number" in p and p["id_number"] is not None:
        num = p["id_number"]
        if not isinstance(num, str):
            raise SituationError(f"{path}.id_number", "must be a string")
        num = _check_id_number(num, f"{path}.id_number")
        if ric.get_birth_date(num) != birth:
            raise SituationError(
                f"{path}.id_number", f"birth date in the ID number differs from birth_date {birth}"
            )
    row: dict[str, Any] = {"birth_ym": _ym(birth)}
    hukou = p.get("hukou_division", hdiv)
    if hukou in (None, ""):
        row["hukou_xiamen"] = False
    else:
        row["hukou_xiamen"] = _division(hukou, f"{path}.hukou_division").startswith("3502")
    death = p.get("death_date")
    if death is not None:
        dd = _date(death, f"{path}.death_date")
        if dd < birth:
            raise SituationError(f"{path}.death_date", "is before the birth date")
        row["death_ym"] = _ym(dd)
    else:
        row["death_ym"] = int(NO_DATE_HIGH)
    dis = p.get("disability")
    row["disability_grade"], row["disability_kind"] = 0, 0
    if dis is not None:
        dm = _map(dis, f"{path}.disability")
        _check_keys(dm, {"grade", "kind"}, f"{path}.disability")
        row["disability_grade"] = _int(dm.get("grade"), f"{path}.disability.grade", 1, 4)
        row["disability_kind"] = _choice(
            dm.get("kind"), f"{path}.disability.kind", DISABILITY_KINDS
        )
        if row["disability_kind"] == 0:
            raise SituationError(f"{path}.disability.kind", "is required with a grade")
    inc = _map(p.get("income", {}), f"{path}.income")
    _check_keys(inc, set(INCOME_KEYS), f"{path}.income")
    for k in INCOME_KEYS:
        row[f"income_{k}"] = _int(inc.get(k, 0), f"{path}.income.{k}")
    row["selfcare_failed_items"] = _int(
        p.get("selfcare_failed_items", 0), f"{path}.selfcare_failed_items", 0, 6
    )
    for k, default in (
        ("has_capable_supporter", True),
        ("unemployment_insurance", False),
        ("is_orphan", False),
        ("died_in_xiamen", True),
        ("has_funeral_subsidy", False),
    ):
        row[k] = _bool(p.get(k, default), f"{path}.{k}")
    row["residence_permit_months"] = _int(
        p.get("residence_permit_months", 0), f"{path}.residence_permit_months", 0, 1200
    )
    row["entitled_kind"] = _choice(p.get("entitled_kind"), f"{path}.entitled_kind", ENTITLED_KINDS)
    row["tekun_support_form"] = _choice(
        p.get("tekun_support_form"), f"{path}.tekun_support_form", SUPPORT_FORMS
    )
    if p.get("sex") not in (None, "M", "F"):
        raise SituationError(f"{path}.sex", "must be 'M' or 'F'")
    for c in ENROLMENT_CATEGORIES:
        row[f"enr_{c}_start"] = int(NO_DATE_LOW)
        row[f"enr_{c}_end"] = int(NO_DATE_HIGH)
    enrs = p.get("enrolments", [])
    if not isinstance(enrs, list):
        raise SituationError(f"{path}.enrolments", "must be a list")
    for j, e in enumerate(enrs):
        ep = f"{path}.enrolments[{j}]"
        em = _map(e, ep)
        _check_keys(em, {"category", "start_date", "end_date", "legal_basis"}, ep)
        cat = em.get("category")
        if cat not in ENROLMENT_CATEGORIES:
            raise SituationError(f"{ep}.category", f"unknown category {cat!r}")
        if "start_date" not in em:
            raise SituationError(f"{ep}.start_date", "is required")
        start = _date(em["start_date"], f"{ep}.start_date")
        end = em.get("end_date")
        end_ym = int(NO_DATE_HIGH)
        if end is not None:
            ed = _date(end, f"{ep}.end_date")
            if ed < start:
                raise SituationError(f"{ep}.end_date", "is before the start date")
            end_ym = _ym(ed)
        if row[f"enr_{cat}_start"] != int(NO_DATE_LOW):
            raise SituationError(
                f"{ep}.category", f"a second {cat!r} enrolment; give one per category"
            )
        row[f"enr_{cat}_start"] = _ym(start)
        row[f"enr_{cat}_end"] = end_ym
    return row


def situations_to_batch(situations: Sequence[Mapping[str, Any]], month: str) -> Batch:
    """Many validated situations as one batch (household ids 1..n, in order)."""
    parse_month(month)
    pcols: dict[str, list[Any]] = {}
    hcols: dict[str, list[Any]] = {}
    pid = 0
    for n, s in enumerate(situations, start=1):
        v = validate(s)
        k = len(v["person_ids"])
        for name, vals in v["persons"].items():
            pcols.setdefault(name, []).extend(vals)
        pcols.setdefault("person_id", []).extend(range(pid + 1, pid + k + 1))
        pcols.setdefault("household_id", []).extend([n] * k)
        pid += k
        for name, val in v["household"].items():
            hcols.setdefault(name, []).append(val)
        hcols.setdefault("household_id", []).append(n)
    return from_columns(
        month,
        {k: np.asarray(v) for k, v in pcols.items()},
        {k: np.asarray(v) for k, v in hcols.items()},
    )


def calculate(
    situation: Mapping[str, Any],
    month: str,
    trace: bool = False,
    params: ParameterSet | None = None,
    figures: bool = False,
) -> dict[str, Any]:
    """Results (and optionally a trace) for one household situation in month ``YYYY-MM``.

    With ``figures`` each program's entry carries ``figures``: its named figures for the
    household (``counted_income_fen``, ``income_ok``, ``line_fen``…, docs/rules.md "Named
    figures"), and each person entry its person-level ones."""
    try:
        parse_month(month)
    except ValueError as e:
        raise SituationError("month", str(e)) from None
    try:
        v = validate(situation)
    except RecursionError:
        raise SituationError("situation", "nested too deeply") from None
    tr = Trace() if trace else None
    try:
        batch = situations_to_batch([situation], month)
        results = run_batch(batch, v["programs"], params=params, trace=tr, figures=figures)
    except MissingParameterValue as e:
        # the caller's month, not a fault: before a parameter's first value
        raise SituationError("month", f"no parameter value in force for this month: {e}") from None
    except OverflowError:
        raise SituationError(
            "situation", "a number is too large (amounts must fit in 64-bit integer fen)"
        ) from None
    return format_results(
        batch, results, v["person_ids"], v["household_id"], month, tr, figures=figures
    )


def format_results(
    batch: Batch,
    results: Mapping[str, Any],
    person_ids: Sequence[Any],
    household_id: Any,
    month: str,
    trace: Trace | None = None,
    row: int = 0,
    figures: bool = False,
) -> dict[str, Any]:
    """JSON-ready results of household ``row`` of a batch (with its named figures)."""
    lo, hi = int(batch.bounds[row]), int(batch.bounds[row + 1])
    out: dict[str, Any] = {"month": month, "household_id": household_id, "programs": {}}
    for name, r in results.items():
        amount = int(r.amount[row])
        entry: dict[str, Any] = {
            "title": PROGRAMS[name].title,
            "level": r.level,
            "eligible": bool(r.eligible[row]),
            "amount_fen": amount,
            "amount_yuan": yuan(amount),
            "funding": {
                "city_fen": int(r.city[row]),
                "district_fen": int(r.district[row]),
                "street_fen": int(r.street[row]),
            },
            "reason": reason_name(r.reason[row]),
        }
        for k, arr in r.extra.items():
            if k != "rule_met":
                entry[k] = arr[row].item()
        if figures:
            entry["figures"] = {
                **r.values,
                **{k: arr[row].item() for k, arr in r.figures.items()},
            }
        if r.level == "person":
            persons = []
            for j, i in enumerate(range(lo, hi)):
                pe = {
                    "person": person_ids[j],
                    "eligible": bool(r.p_eligible[i]),
                    "amount_fen": int(r.p_amount[i]),
                    "reason": reason_name(r.p_reason[i]),
                }
                for k, arr in r.p_extra.items():
                    pe[k] = arr[i].item()
                if figures:
                    pe["figures"] = {k: arr[i].item() for k, arr in r.p_figures.items()}
                persons.append(pe)
            entry["persons"] = persons
        out["programs"][name] = entry
    if trace is not None:
        out["trace"] = trace.as_dict()
    return out
