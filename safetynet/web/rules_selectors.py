"""Reads of the rules engine for the screens and the API: policy parameters and trial calculations.

The engine (`safetynet.rules`) is pure Python and reads no database; this module only shapes what
it returns. Money is integer fen throughout and is formatted to yuan with integer arithmetic.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safetynet.core import labels
from safetynet.rules import SituationError, calculate, load_parameters
from safetynet.rules.parameters import MissingParameterValue

from .trial_selectors import TrialError, TrialResult, shape_result

STATUSES = ("seed", "published", "default-to-confirm")
TO_CONFIRM = "default-to-confirm"
# Parameter groups (the first part of a parameter's name) in the order of POLICY §3; their labels,
# and every other code on these pages, from the one label map (safetynet.core.labels, ADR 1010).
PROGRAM_ORDER = (
    "dibao",
    "dibao_adjustment",
    "price_subsidy",
    "price_indices",
    "minimum_wage",
    "low_income",
    "illness_poverty",
    "tekun",
    "temporary_assistance",
    "disaster_housing",
    "five_elders",
    "entitled_groups",
    "age_allowance",
    "disability",
    "funeral_exemption",
    "silicosis",
    "retired_40pct",
    "verification",
    "casework",
    "payments",
)

EXAMPLE_SITUATION = Path(__file__).parent / "templates" / "web" / "rules" / "dibao-two-persons.json"
EXAMPLE_MONTH = "2019-07"


class UnknownProgram(ValueError):
    """A parameter filter naming no group of parameters."""


# --------------------------------------------------------------------------------------------------
# Formatting (exact: integer fen, never float)


# --------------------------------------------------------------------------------------------------
# Parameters


def program_of(name: str) -> str:
    return name.split(".", 1)[0]


def _source(path: str) -> str:
    """The YAML file relative to the parameters tree (never the server's absolute path)."""
    root = Path(load_parameters().root)
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).name


def _in_force(kind: str, values: list[dict], on: dt.date) -> dict | None:
    """The value in force on `on`: the last dated value effective on or before it; for a monthly
    series, the value of `on`'s month (a month without a key has none)."""
    if kind == "monthly_series":
        month = f"{on:%Y-%m}"
        return next((v for v in values if v["effective"] == month), None)
    current = None
    for v in sorted(values, key=lambda v: v["effective"]):
        if v["effective"] <= on.isoformat():
            current = v
    return current


def parameter_list(*, program: str | None = None, on: dt.date) -> list[dict[str, Any]]:
    """Every parameter (or those of one program) with its dated values and the one in force on
    `on`. JSON-ready (values as `describe()` gives them: fen integers, ratios as strings)."""
    described = load_parameters().describe()
    programs = {program_of(p["name"]) for p in described}
    if program is not None and program not in programs:
        raise UnknownProgram(program)
    out = []
    for p in described:
        group = program_of(p["name"])
        if program is not None and group != program:
            continue
        values = [dict(v) for v in p["values"]]
        current = _in_force(p["kind"], values, on)
        out.append(
            {
                "name": p["name"],
                "program": group,
                "description": p["description"],
                "unit": p["unit"],
                "kind": p["kind"],
                "source": _source(p["source"]),
                "statuses": sorted({v["status"] for v in values}, key=STATUSES.index),
                "in_force": current,
                "values": values,
            }
        )
    return out


def parameter_programs() -> list[tuple[str, str]]:
    """(program, label) of every group of parameters, in POLICY order."""
    names = {program_of(p) for p in load_parameters().names()}
    ordered = [p for p in PROGRAM_ORDER if p in names] + sorted(names - set(PROGRAM_ORDER))
    return [(p, labels.label("parameter_group", p)) for p in ordered]


@dataclass
class ParameterValueRow:
    effective: str
    display: str
    reference: str
    status: str
    status_label: str
    note: str = ""

    @property
    def to_confirm(self) -> bool:
        return self.status == TO_CONFIRM


@dataclass
class ParameterRow:
    name: str
    description: str
    unit: str
    kind: str
    source: str
    current: ParameterValueRow | None
    history: list[ParameterValueRow]

    @property
    def to_confirm(self) -> bool:
        return self.current is not None and self.current.to_confirm


@dataclass
class ParameterGroup:
    program: str
    label: str
    parameters: list[ParameterRow] = field(default_factory=list)

    @property
    def to_confirm(self) -> int:
        return sum(p.to_confirm for p in self.parameters)


def _row(name: str, unit: str, v: dict) -> ParameterValueRow:
    return ParameterValueRow(
        effective=v["effective"],
        display=labels.parameter_value(name, unit, v["value"]),
        reference=labels.legal_reference(v["reference"], v["status"]),
        status=v["status"],
        status_label=labels.label("parameter_status", v["status"]),
        note=labels.developer_note(v.get("note", "")),
    )


def parameter_groups(*, program: str | None = None, on: dt.date) -> list[ParameterGroup]:
    """The parameters page: parameters grouped by program, each with its value in force on `on`
    (formatted) and its whole dated history, newest first."""
    groups = {p: ParameterGroup(p, label) for p, label in parameter_programs()}
    for p in parameter_list(program=program, on=on):
        current = p["in_force"]
        groups[p["program"]].parameters.append(
            ParameterRow(
                name=p["name"],
                description=labels.label("parameter", p["name"]),
                unit=p["unit"],
                kind=p["kind"],
                source=p["source"],
                current=_row(p["name"], p["unit"], current) if current else None,
                history=[_row(p["name"], p["unit"], v) for v in reversed(p["values"])],
            )
        )
    return [g for g in groups.values() if g.parameters]


# --------------------------------------------------------------------------------------------------
# Trial calculation


def example_situation() -> str:
    """The example household of docs/examples/rules/dibao-two-persons.json, as JSON text."""
    return EXAMPLE_SITUATION.read_text(encoding="utf-8")


def rules_calculate(*, situation: Any, month: str, trace: bool = False) -> dict[str, Any]:
    """One household's results (and trace) for `month`; raises SituationError naming the field.

    Two engine failures that are the caller's input, not a fault, become SituationError too: a
    month before a parameter's first value (`month`), and a number too large for int64 fen."""
    try:
        return calculate(situation, month, trace=trace)
    except MissingParameterValue as e:
        raise SituationError("month", f"no parameter value in force for this month: {e}") from None
    except OverflowError:
        raise SituationError(
            "situation", "a number is too large (amounts must fit in 64-bit integer fen)"
        ) from None


def trial_calculation(*, text: str, month: str) -> TrialResult | TrialError:
    """The trial calculation page: parse the pasted JSON, run the engine with a trace, and shape
    the results for display (amounts in yuan from fen)."""
    from safetynet.core.hardening import json_depth_exceeds

    depth = settings.API_MAX_JSON_DEPTH
    if json_depth_exceeds(text.encode(), depth):  # json.loads would recurse past Python's limit
        message = _("nested deeper than %(depth)d levels") % {"depth": depth}
        return TrialError(field="situation", message=str(message))
    try:
        situation = json.loads(text)
    except json.JSONDecodeError as e:
        message = _("not valid JSON (line %(line)s, column %(col)s): %(msg)s") % {
            "line": e.lineno,
            "col": e.colno,
            "msg": e.msg,
        }
        return TrialError(field="situation", message=str(message))
    try:
        out = rules_calculate(situation=situation, month=month, trace=True)
    except SituationError as e:
        return TrialError(field=e.path, message=labels.situation_message(e.message))
    names = [
        str(p.get("name") or p.get("id") or i)
        for i, p in enumerate(situation.get("persons", []) or [], 1)
        if isinstance(p, dict)
    ]
    return shape_result(out, names)
