"""The proposal (审核意见): the rules engine's result for a case's household, on the verified
figures of its verification report, frozen as JSON on the case — eligibility, amount in fen, the
reason code and sentences, the named figures, the readable trace and the versions (effective
dates) of the parameters read. No Django model is written here."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from safetynet.registry.models import Enrolment
from safetynet.rules import SituationError, calculate, load_parameters
from safetynet.rules.catalog import CATALOG
from safetynet.rules.money import div_half_up, yuan
from safetynet.verification.report import reason_text, situation_household, situation_person

from . import deadlines
from . import errors as E
from .models import MEDICAL_ASSISTANCE, program_label

# Medical assistance (POLICY §9) has no rules-engine program: a household qualifies through the
# recipient databases it rests on.
MEDICAL_BASIS = ("tekun", "dibao", "low_income", "illness_poverty")


def verified_situation(*, declared: Mapping, report_figures: Mapping) -> dict:
    """The declaration with each item replaced by what the report counted (larger of declared
    and found, POLICY §2: verified data is authoritative)."""
    verified = copy.deepcopy(dict(declared))
    by_id = {p["id"]: p for p in report_figures.get("persons", [])}
    for p in verified["persons"]:
        found = by_id.get(p["id"])
        if found is None:
            continue
        p["income"] = {
            c["item"]: int(c["counted"]) for c in found.get("income", []) if int(c["counted"] or 0)
        }
        if found.get("death_date"):
            p["death_date"] = found["death_date"]
    h = verified["household"]
    for item in report_figures.get("household", []):
        if item["item"] != "counted_income_fen":
            h[item["item"]] = int(item["counted"])
    return verified


def _situation(verified: Mapping, programs: list[str], requests: Mapping, on: dt.date) -> dict:
    h = verified["household"]
    enrolments: dict[int, list[dict]] = {}
    ids = [p["id"] for p in verified["persons"]]
    for e in Enrolment.objects.filter(person_id__in=ids, start_date__lte=on).exclude(
        end_date__lt=on
    ):
        enrolments.setdefault(e.person_id, []).append(
            {
                "category": e.category,
                "start_date": e.start_date.isoformat(),
                "end_date": e.end_date.isoformat() if e.end_date else None,
                "legal_basis": e.legal_basis,
            }
        )
    persons = []
    for p in verified["persons"]:
        entry = situation_person(p)
        # at most one per category (the one in force)
        seen: dict[str, dict] = {}
        for e in enrolments.get(p["id"], []):
            seen.setdefault(e["category"], e)
        if seen:
            entry["enrolments"] = list(seen.values())
        persons.append(entry)
    situation = {
        "household": situation_household(h),
        "persons": persons,
        "programs": programs,
    }
    wanted = {k: v for k, v in (requests or {}).items() if k in programs}
    if wanted:
        situation["requests"] = wanted
    return situation


def _parameter_versions(prefixes: set[str], on: dt.date) -> dict[str, dict]:
    params = load_parameters()
    out = {}
    for name in params.names():
        if name.split(".", 1)[0] not in prefixes:
            continue
        p = params.get(name)
        if p.kind != "dated":
            continue
        try:
            v = p.at(on)
        except LookupError:
            continue
        out[name] = {"effective": v.effective, "status": v.status, "reference": v.reference}
    return out


def _sentences(program: str, eligible: bool, reason: str, dibao_fig: Mapping, fig: Mapping):
    name = program_label(program)
    why = reason_text(reason)
    out = [f"经审核，{'符合' if eligible else '不符合'}{name}条件：{why}。"]
    members = int(dibao_fig.get("members") or 0)
    income = dibao_fig.get("counted_income_fen")
    if income is not None and members:
        line, line_name = dibao_fig.get("standard_fen"), "低保标准"
        if program in ("low_income", "illness_poverty") and fig.get("line_fen"):
            line, line_name = fig["line_fen"], "认定标准"
        out.append(
            f"核实的家庭月计算收入 {yuan(int(income))} 元，家庭成员 {members} 人，"
            f"人均 {yuan(int(div_half_up(int(income), members)))} 元；"
            f"{line_name} {yuan(int(line or 0))} 元/人·月。"
        )
    return out


def build_proposal(*, case, report, on: dt.date) -> dict[str, Any]:
    """Run the engine for the case's program on the report's verified figures, for the first
    benefit month (the month after `on`)."""
    month = deadlines.start_month_after(on)
    first_day = dt.date.fromisoformat(f"{month}-01")
    verified = verified_situation(declared=case.declared, report_figures=report.figures)
    program = case.program
    engine_programs = list(MEDICAL_BASIS) if program == MEDICAL_ASSISTANCE else [program]
    programs = sorted({*engine_programs, "dibao"})
    situation = _situation(verified, programs, case.declared.get("requests") or {}, first_day)
    try:
        result = calculate(situation, month, trace=True, figures=True)
    except SituationError as exc:
        raise E.ServiceError(E.RULES_REFUSED, f"{exc.path}: {exc.message}") from None
    entries = result["programs"]
    dibao_fig = entries["dibao"].get("figures", {})
    trace = result.get("trace", {})
    if program == MEDICAL_ASSISTANCE:
        basis = [p for p in MEDICAL_BASIS if entries[p]["eligible"]]
        enrolled = {
            c
            for p in situation["persons"]
            for c in (e["category"] for e in p.get("enrolments", []))
        }
        basis = sorted(set(basis) | (set(MEDICAL_BASIS) & enrolled))
        eligible = bool(basis)
        reason = "ELIGIBLE" if eligible else "NO_ELIGIBLE_MEMBER"
        amount = 0  # settled per hospital bill (POLICY §9)
        fig: Mapping = {"basis": basis}
        persons: list = []
        funding: Mapping = {}
        trace_text = [line for p in MEDICAL_BASIS for line in trace.get(p, {}).get("text", [])]
        trace_steps = [trace.get(p, {}) for p in MEDICAL_BASIS]
    else:
        entry = entries[program]
        eligible = bool(entry["eligible"])
        reason = entry["reason"]
        amount = int(entry["amount_fen"])
        fig = entry.get("figures", {})
        persons = entry.get("persons", [])
        funding = entry.get("funding", {})
        trace_text = trace.get(program, {}).get("text", [])
        trace_steps = [trace.get(program, {})]
    prefixes = {*programs, "casework"}
    return {
        "program": program,
        "program_zh": program_label(program),
        "title": CATALOG[program].title if program in CATALOG else "Medical assistance (医疗救助)",
        "month": month,
        "eligible": eligible,
        "reason": reason,
        "reasons": _sentences(program, eligible, reason, dibao_fig, fig),
        "amount_fen": amount,
        "amount_yuan": yuan(amount),
        "funding": funding,
        "figures": _jsonable(fig),
        "household_figures": _jsonable(dibao_fig),
        "persons": _jsonable(persons),
        "trace": list(trace_text),
        # the trace's parameters and figures, for sentences in the reader's language (ADR 1010)
        "trace_steps": _jsonable(
            [{k: v for k, v in t.items() if k != "text"} for t in trace_steps]
        ),
        "parameters": _parameter_versions(prefixes, first_day),
        "report": report.number,
        "report_conclusion": report.conclusion,
        "situation": situation,
    }


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | str | float) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return str(value)
