"""YAML scenario tests that live beside the parameters they test.

File ``parameters/<program>/tests/*.yaml``::

    program: dibao                 # default program of the file's scenarios
    defaults:                      # merged into every situation (household/persons[*] keys)
      household: {division_code: "350203001001"}
    scenarios:
      - name: income exactly at the standard is not eligible
        month: 2019-07
        situation: {persons: [{birth_date: 1970-01-01, income: {wage_fen: 80000}}]}
        parameters: {dibao.standard: {2019-03-01: 75000}}   # optional overrides
        expect:                    # compared key by key; persons compared by index
          eligible: false
          amount_fen: 0
          reason: INCOME_AT_OR_ABOVE_STANDARD
        also: {low_income: {eligible: true}}   # optional, other programs

A scenario may instead be ``mode: adjustment`` (``effective``, ``proposed_fen``; expect keys of
``standard_adjustment_check``), ``mode: annual_price_subsidy`` (``year``; expect
``amount_fen`` and optional ``persons_fen``) or ``mode: medical_settlement`` (``discharged``, the
discharge date; ``category`` or ``categories`` held; ``bill``; optional ``used`` of the year;
expect keys of ``medical.Settlement``, or ``error`` and ``field`` of a refused bill), or
``mode: eldercare_credit`` (``month``, ``birth_date``, ``categories``, ``selfcare_failed_items``,
optional ``death_date``; expect keys of ``eldercare.Credit``) or ``mode: eldercare_provider``
(``date``, ``complaints``, ``ratings``; expect ``action``, ``complaints``, ``bad_ratings``,
``reason``).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .parameters import PARAMETERS_DIR, ParameterSet, load_parameters


@dataclass
class Scenario:
    file: Path
    index: int
    program: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        name = self.data.get("name", "")
        return f"{self.file.parent.parent.name}/{self.file.stem}#{self.index}: {name}"


def discover(root: Path = PARAMETERS_DIR) -> Iterator[Scenario]:
    for f in sorted(root.glob("*/tests/*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        defaults = doc.get("defaults", {})
        for i, sc in enumerate(doc["scenarios"]):
            sc = copy.deepcopy(sc)
            if "situation" in sc:
                sc["situation"] = _merge_defaults(sc["situation"], defaults)
            yield Scenario(f, i, sc.get("program", doc.get("program")), sc)


def _merge_defaults(sit: dict[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    sit = copy.deepcopy(sit)
    hd = defaults.get("household", {})
    sit["household"] = {**hd, **sit.get("household", {})}
    pd = defaults.get("person", {})
    sit["persons"] = [{**pd, **p} for p in sit.get("persons", [])]
    return _stringify_dates(sit)


def _stringify_dates(x: Any) -> Any:
    if isinstance(x, dt.date):
        return x.isoformat()
    if isinstance(x, dict):
        return {k: _stringify_dates(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_stringify_dates(v) for v in x]
    return x


def apply_overrides(params: ParameterSet, overrides: Mapping[str, Any] | None) -> ParameterSet:
    for name, values in (overrides or {}).items():
        params = params.with_values(name, values, reference="scenario override")
    return params


def compare(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Differences between an expected (partial) structure and the actual one."""
    errs: list[str] = []
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{path}: expected a mapping, got {actual!r}"]
        for k, v in expected.items():
            if k not in actual:
                errs.append(f"{path}.{k}: missing in result")
            else:
                errs += compare(v, actual[k], f"{path}.{k}")
        return errs
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            errs += compare(e, a, f"{path}[{i}]")
        return errs
    if expected != actual or (
        type(expected) is not type(actual)
        and not (isinstance(expected, int) and isinstance(actual, int))
    ):
        errs.append(f"{path}: expected {expected!r}, got {actual!r}")
    return errs


def run(sc: Scenario, params: ParameterSet | None = None) -> list[str]:
    """Run one scenario; return the list of mismatches (empty = pass)."""
    from .adjustment import price_subsidy_annual, standard_adjustment_check
    from .situation import calculate, situations_to_batch

    params = apply_overrides(params or load_parameters(), sc.data.get("parameters"))
    mode = sc.data.get("mode", "calculate")
    exp = sc.data["expect"]
    if mode == "adjustment":
        eff = sc.data["effective"]
        eff = eff if isinstance(eff, dt.date) else dt.date.fromisoformat(eff)
        got = standard_adjustment_check(sc.data["proposed_fen"], eff, params)
        return compare(exp, got, "adjustment")
    if mode == "annual_price_subsidy":
        batch = situations_to_batch([sc.data["situation"]], f"{sc.data['year']}-01")
        p, h = price_subsidy_annual(batch, int(sc.data["year"]), params)
        got = {"amount_fen": int(h[0]), "persons_fen": [int(x) for x in p]}
        return compare(exp, got, "annual")
    if mode == "medical_settlement":
        return compare(exp, _medical_settlement(sc.data, params), "medical")
    if mode in ("eldercare_credit", "eldercare_provider"):
        return compare(exp, _eldercare(mode, sc.data, params), "eldercare")
    month = str(sc.data["month"])
    out = calculate(sc.data["situation"], month, trace=False, params=params)
    progs = out["programs"]
    errs = compare(exp, progs.get(sc.program), sc.program)
    for other, e in (sc.data.get("also") or {}).items():
        errs += compare(e, progs.get(other), other)
    return errs


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _eldercare(mode: str, data: Mapping[str, Any], params: ParameterSet) -> dict[str, Any]:
    from .eldercare import monthly_credit, provider_verdict

    if mode == "eldercare_provider":
        verdict = provider_verdict(
            complaints=int(data["complaints"]),
            ratings=data.get("ratings") or [],
            on=_date(data["date"]),
            params=params,
        )
        return {
            "action": verdict.action,
            "complaints": verdict.complaints,
            "bad_ratings": verdict.bad_ratings,
            "reason": verdict.reason,
        }
    return monthly_credit(
        month=str(data["month"]),
        birth_date=_date(data["birth_date"]),
        categories=data.get("categories") or [],
        selfcare_failed_items=data.get("selfcare_failed_items"),
        death_date=_date(data.get("death_date")),
        params=params,
    ).as_dict()


def _medical_settlement(data: Mapping[str, Any], params: ParameterSet) -> dict[str, Any]:
    from .medical import Bill, BillError, YearUsage, settle, settlement_category

    on = data["discharged"]
    on = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
    category = data.get("category") or settlement_category(data.get("categories", []), on, params)
    if category is None:
        return {"error": "not_eligible"}
    try:
        bill = Bill.parse(data["bill"])
        return settle(bill, category, on, YearUsage(**data.get("used", {})), params).as_dict()
    except BillError as exc:
        return {"error": exc.code, "field": exc.field}
