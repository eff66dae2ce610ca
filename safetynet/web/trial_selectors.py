"""The trial calculation (试算) started from a household: the form's prefill from the registry
and the household's latest verification report, the situation built from the form, and the
results shaped for a caseworker (names, yuan, Chinese sentences). Reads only; nothing is saved
(ADR 1011)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from safetynet.accounts.models import User
from safetynet.core import labels
from safetynet.registry.models import Enrolment
from safetynet.registry.selectors import household_get
from safetynet.rules import SituationError
from safetynet.rules.money import yuan

INCOME_ITEMS = ("wage_fen", "business_fen", "pension_fen", "property_fen", "transfer_fen")
ASSET_COUNTS = ("vehicles", "homes", "businesses")


@dataclass
class TrialPrefill:
    """What the form starts with: the household's facts, one row per living member, and where
    the figures came from (the registry alone, or a report's verified figures)."""

    household_id: int | None
    household_number: str = ""
    head_name: str = ""
    division_code: str = ""
    is_rural: bool = False
    financial_assets_fen: int = 0
    medical_oop_12m_fen: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ASSET_COUNTS, 0))
    members: list[dict[str, Any]] = field(default_factory=list)
    report_number: str = ""
    report_date: dt.date | None = None


def _latest_report(actor: User, household_id: int):
    """The household's latest report, if the actor may see verification data (the access is
    logged like any report view); None otherwise."""
    if not actor.has_perm("verification.view_verification"):
        return None
    from safetynet.verification import selectors as vsel
    from safetynet.verification.models import Report

    report = (
        Report.objects.filter(request__household_id=household_id)
        .filter(request__in=vsel.request_list(actor=actor, household_id=household_id))
        .order_by("-created_at", "-pk")
        .first()
    )
    return vsel.report_get(actor=actor, report_id=report.pk) if report else None


def trial_prefill(*, actor: User, household_id: int) -> TrialPrefill:
    """The trial form of a household the actor may see (NotFoundError otherwise): members by
    name from the registry, incomes and assets from the latest report's verified figures (the
    larger of declared and found, as the report counted them), else zero."""
    household = household_get(actor=actor, household_id=household_id)
    members = sorted(household.current_members, key=lambda m: (m.relation != "head", m.pk))
    out = TrialPrefill(
        household_id=household.pk,
        household_number=household.number,
        division_code=household.division_id,
        is_rural=household.is_rural,
    )
    head = next((m for m in members if m.relation == "head"), None)
    out.head_name = head.person.name if head else ""
    incomes: dict[int, dict[str, int]] = {}
    report = _latest_report(actor, household.pk)
    if report is not None:
        from safetynet.cases.proposal import verified_situation

        verified = verified_situation(
            declared=report.request.declared, report_figures=report.figures
        )
        h = verified.get("household", {})
        out.financial_assets_fen = int(h.get("financial_assets_fen", 0) or 0)
        out.medical_oop_12m_fen = int(h.get("medical_oop_12m_fen", 0) or 0)
        out.counts = {k: int(h.get(k, 0) or 0) for k in ASSET_COUNTS}
        incomes = {int(p["id"]): p.get("income") or {} for p in verified.get("persons", [])}
        out.report_number = report.number
        out.report_date = timezone.localtime(report.created_at).date()
    for m in members:
        p = m.person
        if p.death_date:
            continue
        income = incomes.get(p.pk, {})
        out.members.append(
            {
                "person_id": p.pk,
                "name": p.name,
                "relation": m.relation,
                "sex": p.sex,
                "birth_date": p.birth_date,
                "registered": bool(p.hukou_division_id),
                "disability_grade": p.disability_grade,
                "disability_kind": p.disability_kind or "",
                "selfcare_failed_items": p.selfcare_failed_items or 0,
                "has_capable_supporter": p.has_capable_supporter,
                **{k: int(income.get(k, 0) or 0) for k in INCOME_ITEMS},
            }
        )
    return out


def _enrolments(person_ids: list[int], on: dt.date) -> dict[int, list[dict]]:
    out: dict[int, dict[str, dict]] = {}
    for e in Enrolment.objects.filter(person_id__in=person_ids, start_date__lte=on).exclude(
        end_date__lt=on
    ):
        out.setdefault(e.person_id, {}).setdefault(
            e.category,
            {
                "category": e.category,
                "start_date": e.start_date.isoformat(),
                "end_date": e.end_date.isoformat() if e.end_date else None,
                "legal_basis": e.legal_basis,
            },
        )
    return {pid: list(by_cat.values()) for pid, by_cat in out.items()}


def situation_from_form(
    *,
    actor: User,
    household: dict[str, Any],
    members: list[dict[str, Any]],
    month: str,
    requests: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The rules engine's situation (docs/rules-situation-schema.md) from the form's cleaned
    data (amounts already in fen). A member row carrying a registry person's id gets that
    person's categories in force on the month's first day, if the actor may see the person."""
    from safetynet.registry.selectors import persons_visible_to

    first = dt.date.fromisoformat(f"{month}-01")
    ids = [int(m["person_id"]) for m in members if m.get("person_id")]
    visible = set(persons_visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    enrolments = _enrolments(sorted(visible), first)
    persons = []
    for i, m in enumerate(members, start=1):
        pid = int(m["person_id"]) if m.get("person_id") else None
        entry: dict[str, Any] = {
            "id": str(i),
            "name": m["name"],
            "sex": m["sex"],
            "relation": m["relation"],
            "birth_date": m["birth_date"].isoformat(),
            "hukou_division": household["division_code"] if m.get("registered") else "",
            "income": {k: int(m.get(k) or 0) for k in INCOME_ITEMS if m.get(k)},
            "selfcare_failed_items": int(m.get("selfcare_failed_items") or 0),
            "has_capable_supporter": bool(m.get("has_capable_supporter")),
        }
        if m.get("disability_grade") and m.get("disability_kind"):
            entry["disability"] = {
                "grade": int(m["disability_grade"]),
                "kind": m["disability_kind"],
            }
        if pid in visible and enrolments.get(pid):
            entry["enrolments"] = enrolments[pid]
        persons.append(entry)
    return {
        "household": {
            "division_code": household["division_code"],
            "is_rural": bool(household.get("is_rural")),
            "financial_assets_fen": int(household.get("financial_assets_fen") or 0),
            "medical_oop_12m_fen": int(household.get("medical_oop_12m_fen") or 0),
            **{k: int(household.get(k) or 0) for k in ASSET_COUNTS},
        },
        "persons": persons,
        **({"requests": requests} if requests else {}),
    }


@dataclass
class TrialProgram:
    name: str
    title: str
    level: str
    eligible: bool
    amount_fen: int
    amount: str
    city: str
    district: str
    street: str
    reason: str  # the reason's label
    reason_code: str
    persons: list[dict[str, Any]]
    trace: list[str]


@dataclass
class TrialResult:
    month: str
    household_id: Any
    programs: list[TrialProgram]


@dataclass
class TrialError:
    field: str
    message: str


def shape_result(out: dict[str, Any], names: list[str]) -> TrialResult:
    """The engine's answer for a page: programs in Chinese, amounts in yuan from fen, persons by
    name, the trace as sentences (values, dates and legal references of the parameters)."""
    trace = out.get("trace", {})
    programs = []
    for name, r in out["programs"].items():
        persons = []
        for idx, p in enumerate(r.get("persons", []) or []):
            who = names[idx] if idx < len(names) else str(p.get("person", ""))
            persons.append(
                {
                    "name": who,
                    "eligible": p.get("eligible"),
                    "amount": yuan(p.get("amount_fen", 0)),
                    "reason": labels.label("reason", p.get("reason")),
                }
            )
        programs.append(
            TrialProgram(
                name=name,
                title=labels.label("program", name),
                level=r["level"],
                eligible=r["eligible"],
                amount_fen=r["amount_fen"],
                amount=yuan(r["amount_fen"]),
                city=yuan(r["funding"]["city_fen"]),
                district=yuan(r["funding"]["district_fen"]),
                street=yuan(r["funding"]["street_fen"]),
                reason=labels.label("reason", r["reason"]),
                reason_code=r["reason"],
                persons=persons,
                trace=labels.trace_sentences(trace.get(name, {}), names),
            )
        )
    return TrialResult(month=out["month"], household_id=out["household_id"], programs=programs)


def trial_run(*, situation: dict[str, Any], month: str) -> TrialResult | TrialError:
    """Run the engine on a situation with its trace; a refusal names the field."""
    from .rules_selectors import rules_calculate

    try:
        out = rules_calculate(situation=situation, month=month, trace=True)
    except SituationError as e:
        return TrialError(field=e.path, message=labels.situation_message(e.message))
    names = [p.get("name") or str(i) for i, p in enumerate(situation.get("persons", []), 1)]
    return shape_result(out, names)


def _yuan_text(value_fen: int) -> str:
    """Fen as the text of a yuan input (no thousands separator): 123456 → "1234.56"."""
    return yuan(value_fen).replace(",", "")


def form_initial(
    prefill: TrialPrefill | None, *, month: str, choices: list[tuple[str, str]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The household form's and the member rows' initial values (amounts as yuan text)."""
    if prefill is None:
        first = choices[0][0] if choices else ""
        member = {"relation": "head", "registered": True, "has_capable_supporter": True}
        return {"month": month, "division_code": first}, [member]
    initial = {
        "month": month,
        "household": prefill.household_id,
        "division_code": prefill.division_code,
        "is_rural": prefill.is_rural,
        "financial_assets": _yuan_text(prefill.financial_assets_fen),
        "medical_oop_12m": _yuan_text(prefill.medical_oop_12m_fen),
        **prefill.counts,
    }
    rows = []
    for m in prefill.members:
        row = {k: v for k, v in m.items() if not k.endswith("_fen")}
        for key in INCOME_ITEMS:
            row[key.removesuffix("_fen")] = _yuan_text(m.get(key, 0))
        rows.append(row)
    return initial, rows


_FIELD_LABELS = {
    "birth_date": "Birth date",
    "death_date": "Death date",
    "disability": "Disability",
    "division_code": "Community",
    "id_number": "ID number",
}


def field_error(error: TrialError, situation: dict[str, Any]) -> TrialError:
    """The engine's refusal as a caseworker reads it: the member by name and the field's label
    (the form checked the rest before the engine ran)."""
    from django.utils.translation import gettext as _

    m = re.match(r"persons\[(\d+)\]\.?(\w*)", error.field)
    if error.field == "month":
        return TrialError(_("Benefit month"), _("No policy value is in force for this month."))
    if m:
        persons = situation.get("persons", [])
        i = int(m.group(1))
        who = persons[i]["name"] if i < len(persons) else str(i + 1)
        what = _(_FIELD_LABELS.get(m.group(2), "Member"))
        return TrialError(f"{who} · {what}", _("This value is not accepted."))
    return TrialError(_("Household"), _("This value is not accepted."))
