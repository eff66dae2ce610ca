"""The report's figures and conclusion, from the declared snapshot and the sources' records.

Pure computation (no database): `build_figures(declared=..., queries=..., program=..., month=...)`.

1. Per person and source: the records found.
2. The verified situation: the declaration, with every item an answered source covers replaced by
   what the agencies hold. Agency registers reveal what a family has; they cannot prove it has less
   than it declared (cash, informal work, accounts outside the 20 banks), so an item counts at the
   larger of the declared and the found value. A death found in the records always wins.
3. The rules engine (`safetynet.rules.calculate`) on the verified situation: counted income,
   assets, eligibility and reason for the request's program. Never re-implemented here.
4. The comparison with the declaration: each item found above what was declared by more than the
   tolerance (max(ratio × declared, absolute amount), docs/verification.md §Tolerance) is a
   discrepancy.
5. The conclusion: incomplete when a source has not answered, else meets / does not meet, with the
   reasons in Chinese.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.utils import translation

from safetynet.core import labels
from safetynet.rules import SituationError, calculate, load_parameters
from safetynet.rules.catalog import CATALOG, VERIFIED_PROGRAMS
from safetynet.rules.money import div_half_up, yuan

from .policy import (
    DEFAULT_TOLERANCE,
    Tolerance,
    average_wage_of_records,
    default_tolerance,
    tolerance_from_parameters,
)
from .sources.catalog import SOURCES

__all__ = ["DEFAULT_TOLERANCE", "Figures", "QueryData", "Tolerance", "build_figures"]

BANK_PREFIX = "bank_"
INCOME_ITEMS = ("wage_fen", "business_fen", "pension_fen", "property_fen", "transfer_fen")
ASSET_COUNTS = ("vehicles", "homes", "businesses")


# Item names and the rules engine's reasons are in the one label map (ADR 1010): the report is
# stored in Chinese, so it asks for the Chinese label whatever the active language (ADR 1032).
def item_label(item: str) -> str:
    return labels.label_zh("income_item", item)


def reason_text(code: str) -> str:
    return labels.label_zh("reason", code)


# Chinese program names, from the one catalogue
PROGRAM_NAMES = {code: CATALOG[code].name_zh for code in VERIFIED_PROGRAMS}

# The line a program compares income with (the dibao standard for the others): a report cites
# the line it used, by its name.
LINE_NAMES = {"low_income": "低收入标准", "illness_poverty": "因病支出型贫困认定标准"}


# --------------------------------------------------------------------------- tolerance
def tolerance_for(on: dt.date, params=None) -> Tolerance:
    """The bureau's tolerance: the rules parameters `verification.discrepancy_tolerance_ratio` and
    `verification.discrepancy_tolerance_fen` in force on `on` (the first day of the benefit month,
    like every rule) when the parameter tree has them, else the setting
    VERIFICATION_DISCREPANCY_TOLERANCE, else 5% or 100 yuan. The batch reads the same parameters
    (policy.tolerance_from_parameters)."""
    params = params if params is not None else load_parameters()
    found = tolerance_from_parameters(params, on)
    if found is not None:
        return found
    return default_tolerance(getattr(settings, "VERIFICATION_DISCREPANCY_TOLERANCE", {}))


# --------------------------------------------------------------------------- input shapes
@dataclass
class QueryData:
    source: str
    status: str
    records: list[dict] = field(default_factory=list)


@dataclass
class Figures:
    figures: dict[str, Any]
    counted_income_fen: int
    financial_assets_fen: int
    conclusion: str  # Conclusion value
    reasons: list[str]
    discrepancies: list[dict]


def _by_person(queries: Iterable[QueryData]) -> tuple[dict[str, str], dict[str, dict[str, list]]]:
    """(status by source, {id_number: {source: [records]}}) of the current queries."""
    status: dict[str, str] = {}
    found: dict[str, dict[str, list]] = {}
    for q in queries:
        status[q.source] = q.status
        if q.status != "answered":
            continue
        for rec in q.records or []:
            found.setdefault(str(rec.get("id_number", "")).upper(), {}).setdefault(
                q.source, []
            ).append(rec)
    return status, found


def _answered(status: Mapping[str, str], source: str) -> bool:
    return status.get(source) == "answered"


def _month_end(month: str) -> dt.date:
    y, m = (int(x) for x in month.split("-"))
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _sum(records: Iterable[Mapping], key: str, where=lambda r: True) -> int:
    return sum(int(r.get(key) or 0) for r in records if where(r))


# --------------------------------------------------------------------------- the figures
def _person_found(
    recs: Mapping[str, list], status: Mapping[str, str], month: str
) -> dict[str, dict]:
    """Each verifiable item of one person: {item: {"found": value, "sources": [...]}}; only items
    some answered source covers."""
    out: dict[str, dict] = {}
    emp = recs.get("hrss_employment", [])
    tax = recs.get("tax", [])
    if _answered(status, "hrss_employment") or _answered(status, "tax"):
        if _answered(status, "hrss_employment"):
            # POLICY §3: the 6-month average, each month prorated by the days a job covers
            wage = average_wage_of_records(emp, month)
            sources = ["hrss_employment"]
        else:
            wage = div_half_up(
                _sum(tax, "annual_income_fen", lambda r: r.get("income_kind") == "wages"), 12
            )
            sources = ["tax"]
        if _answered(status, "tax"):
            labour = _sum(tax, "annual_income_fen", lambda r: r.get("income_kind") == "labour")
            if labour:
                wage += div_half_up(labour, 12)
                sources.append("tax")
        out["wage_fen"] = {"found": wage, "sources": sorted(set(sources))}
    if _answered(status, "tax"):
        business = _sum(tax, "annual_income_fen", lambda r: r.get("income_kind") == "business")
        out["business_fen"] = {"found": div_half_up(business, 12), "sources": ["tax"]}
    if _answered(status, "hrss_pensions"):
        pension = _sum(
            recs.get("hrss_pensions", []),
            "monthly_amount_fen",
            lambda r: r.get("status", "paying") == "paying",
        )
        out["pension_fen"] = {"found": pension, "sources": ["hrss_pensions"]}
    if _answered(status, "hrss_social_insurance"):
        benefit = _sum(
            recs.get("hrss_social_insurance", []),
            "benefit_monthly_fen",
            lambda r: r.get("scheme") == "unemployment_benefit",
        )
        out["transfer_fen"] = {"found": benefit, "sources": ["hrss_social_insurance"]}
    deaths = [
        str(r["death_date"])
        for s in ("ca_death", "ps_hukou")
        for r in recs.get(s, [])
        if r.get("death_date")
    ]
    if deaths:
        out["death_date"] = {
            "found": min(deaths),
            "sources": [s for s in ("ca_death", "ps_hukou") if recs.get(s)],
        }
    hukou = [r.get("hukou_division") for r in recs.get("ps_hukou", []) if r.get("hukou_division")]
    if hukou:
        out["hukou_division"] = {"found": hukou[0], "sources": ["ps_hukou"]}
    return out


def _household_found(
    found: Mapping[str, Mapping[str, list]], status: Mapping[str, str], ids: list[str]
) -> dict[str, dict]:
    out: dict[str, dict] = {}
    banks = [s for s in SOURCES if s.startswith(BANK_PREFIX)]
    fin_sources = [s for s in [*banks, "securities"] if _answered(status, s)]
    if fin_sources:
        total = 0
        used = set()
        for n in ids:
            for s in fin_sources:
                recs = found.get(n, {}).get(s, [])
                key = "market_value_fen" if s == "securities" else "balance_fen"
                amount = _sum(recs, key)
                if recs:
                    used.add(s)
                total += amount
        out["financial_assets_fen"] = {"found": total, "sources": sorted(used)}
    for item, source, where in (
        ("vehicles", "ps_vehicles", lambda r: r.get("status", "normal") == "normal"),
        ("homes", "land_real_estate", lambda r: True),
        ("businesses", "market_business", lambda r: r.get("status", "active") == "active"),
    ):
        if _answered(status, source):
            count = sum(1 for n in ids for r in found.get(n, {}).get(source, []) if where(r))
            out[item] = {"found": count, "sources": [source]}
    return out


PERSON_KEYS = ("selfcare_failed_items", "has_capable_supporter", "unemployment_insurance")


def situation_person(p: Mapping) -> dict:
    """One member of a declaration (or of the verified figures) as the rules engine's situation
    person (docs/rules-situation-schema.md): the report and a case's proposal build it alike."""
    entry = {
        "id": p["id"],
        "id_number": p["id_number"],
        "name": p["name"],
        "sex": p["sex"],
        "birth_date": p["birth_date"],
        "relation": p["relation"],
        "hukou_division": p.get("hukou_division"),
        "death_date": p.get("death_date"),
        "income": {k: int(v) for k, v in (p.get("income") or {}).items() if int(v)},
    }
    if p.get("disability"):
        entry["disability"] = p["disability"]
    for k in PERSON_KEYS:
        if k in p:
            entry[k] = p[k]
    return entry


def situation_household(h: Mapping) -> dict:
    """The household part of the rules engine's situation, from a declaration's household."""
    return {
        "id": h["id"],
        "division_code": h["division_code"],
        "is_rural": bool(h.get("is_rural", False)),
        "financial_assets_fen": int(h.get("financial_assets_fen", 0)),
        "vehicles": int(h.get("vehicles", 0)),
        "homes": int(h.get("homes", 0)),
        "businesses": int(h.get("businesses", 0)),
        "medical_oop_12m_fen": int(h.get("medical_oop_12m_fen", 0)),
    }


def _situation(declared: Mapping, program: str) -> dict:
    return {
        "household": situation_household(declared["household"]),
        "persons": [situation_person(p) for p in declared["persons"]],
        # dibao is always run too: its trace carries the counted household income.
        "programs": sorted({program, "dibao"}),
    }


def _run(situation: Mapping, month: str, program: str) -> dict:
    """The rules engine on a situation: the program's result and its named figures (never the
    trace's labels). dibao always runs: its figures carry the household's counted income."""
    result = calculate(situation, month, trace=True, figures=True)
    trace = result.get("trace", {})
    entry = result["programs"][program]
    fig = entry["figures"]
    household = result["programs"]["dibao"]["figures"]
    return {
        "eligible": bool(entry["eligible"]),
        "reason": entry["reason"],
        "amount_fen": int(entry["amount_fen"]),
        "persons": entry.get("persons", []),
        "members": int(household["members"]),
        "counted_income_fen": int(household["counted_income_fen"]),
        "income_ok": bool(fig["income_ok"]) if "income_ok" in fig else None,
        "standard_fen": int(fig["standard_fen"]),
        "financial_asset_limit_fen": int(fig["financial_asset_limit_fen"]),
        "max_vehicles": int(fig["max_vehicles"]),
        "max_homes": int(fig["max_homes"]),
        "max_businesses": int(fig["max_businesses"]),
        "line_fen": int(fig["line_fen"]),
        "income_limit_fen": int(fig["income_limit_fen"]) if "income_limit_fen" in fig else None,
        "figures": fig,
        "trace_text": trace.get(program, {}).get("text", []),
    }


def _y(fen: int | None) -> str:
    return "—" if fen is None else yuan(int(fen))


def _reason_sentences(program: str, run: Mapping, verified: Mapping) -> list[str]:
    """Why, in Chinese, with the figures that decided it."""
    out: list[str] = []
    members = run.get("members") or 0
    income = run.get("counted_income_fen")
    standard = run.get("standard_fen")
    if income is not None and members:
        per_capita = div_half_up(income, members)
        line = standard
        line_name = "低保标准"
        if program in LINE_NAMES and run.get("line_fen"):
            line, line_name = run["line_fen"], LINE_NAMES[program]
        out.append(
            f"核实的家庭月计算收入 {_y(income)} 元，家庭成员 {members} 人，"
            f"人均 {_y(per_capita)} 元；{line_name} {_y(line)} 元/人·月。"
        )
    h = verified["household"]
    limit = run.get("financial_asset_limit_fen")
    if limit is not None:
        over = h["financial_assets_fen"] > int(limit)
        out.append(
            f"家庭金融资产 {_y(h['financial_assets_fen'])} 元，限额 {_y(limit)} 元"
            f"{'，超过限额' if over else '，未超过限额'}。"
        )
    for item, cap_key, unit in (
        ("vehicles", "max_vehicles", "辆"),
        ("homes", "max_homes", "套"),
        ("businesses", "max_businesses", "户"),
    ):
        cap = run.get(cap_key)
        if cap is not None and h[item] > int(cap):
            out.append(f"{item_label(item)[:-3]} {h[item]} {unit}，超过上限 {cap} {unit}。")
    if program == "tekun":
        names = {p["id"]: p["name"] for p in verified["persons"]}
        for pe in run.get("persons", []):
            text = reason_text(pe["reason"])
            out.append(f"{names.get(pe['person'], pe['person'])}：{text}。")
    return out


def build_figures(
    *,
    declared: Mapping,
    queries: Iterable[QueryData],
    program: str,
    month: str,
    tolerance: Tolerance | None = None,
    source_labels: Mapping[str, str] | None = None,
) -> Figures:
    queries = list(queries)
    first_day = _month_end(month).replace(day=1)
    tolerance = tolerance or tolerance_for(first_day)
    status, found = _by_person(queries)
    ids = [str(p["id_number"]).upper() for p in declared["persons"]]

    verified = copy.deepcopy(dict(declared))
    verified["persons"] = [dict(p) for p in declared["persons"]]
    discrepancies: list[dict] = []
    persons_out: list[dict] = []
    for p, n in zip(verified["persons"], ids, strict=True):
        recs = found.get(n, {})
        items = _person_found(recs, status, month)
        income = dict(p.get("income") or {})
        p["income"] = income
        compared = []
        for item in INCOME_ITEMS:
            d = int(income.get(item, 0))
            if item not in items:
                compared.append({"item": item, "declared": d, "found": None, "counted": d})
                continue
            f = int(items[item]["found"])
            counted = max(d, f)
            income[item] = counted
            flagged = not tolerance.allows(d, f)
            compared.append(
                {
                    "item": item,
                    "declared": d,
                    "found": f,
                    "counted": counted,
                    "flagged": flagged,
                    "sources": items[item]["sources"],
                }
            )
            if flagged:
                discrepancies.append(
                    {
                        "scope": "person",
                        "person_id": p["id"],
                        "name": p["name"],
                        "item": item,
                        "label": item_label(item),
                        "unit": "fen_per_month",
                        "declared": d,
                        "found": f,
                        "difference": f - d,
                        "sources": items[item]["sources"],
                    }
                )
        if "death_date" in items and not p.get("death_date"):
            p["death_date"] = items["death_date"]["found"]
            discrepancies.append(
                {
                    "scope": "person",
                    "person_id": p["id"],
                    "name": p["name"],
                    "item": "death",
                    "label": item_label("death"),
                    "unit": "date",
                    "declared": None,
                    "found": items["death_date"]["found"],
                    "difference": None,
                    "sources": items["death_date"]["sources"],
                }
            )
        if "hukou_division" in items:
            p["hukou_division"] = items["hukou_division"]["found"]
        persons_out.append(
            {
                "id": p["id"],
                "name": p["name"],
                "id_number": p["id_number"],
                "relation": p["relation"],
                "death_date": p.get("death_date"),
                "records": {s: recs[s] for s in sorted(recs)},
                "income": compared,
            }
        )

    h = verified["household"] = dict(declared["household"])
    hitems = _household_found(found, status, ids)
    household_out = []
    for item in ("financial_assets_fen", *ASSET_COUNTS):
        d = int(h.get(item, 0))
        if item not in hitems:
            household_out.append({"item": item, "declared": d, "found": None, "counted": d})
            continue
        f = int(hitems[item]["found"])
        counted = max(d, f)
        h[item] = counted
        flagged = (not tolerance.allows(d, f)) if item.endswith("_fen") else f > d
        household_out.append(
            {
                "item": item,
                "declared": d,
                "found": f,
                "counted": counted,
                "flagged": flagged,
                "sources": hitems[item]["sources"],
            }
        )
        if flagged:
            discrepancies.append(
                {
                    "scope": "household",
                    "person_id": None,
                    "name": "",
                    "item": item,
                    "label": item_label(item),
                    "unit": "fen" if item.endswith("_fen") else "count",
                    "declared": d,
                    "found": f,
                    "difference": f - d,
                    "sources": hitems[item]["sources"],
                }
            )

    try:
        run_verified = _run(_situation(verified, program), month, program)
        run_declared = _run(_situation(declared, program), month, program)
    except SituationError as e:
        from .errors import RULES_REFUSED_SITUATION, ServiceError

        raise ServiceError(RULES_REFUSED_SITUATION, f"{e.path}: {e.message}") from e

    if run_verified["counted_income_fen"] is not None and run_declared["counted_income_fen"]:
        d, f = run_declared["counted_income_fen"], run_verified["counted_income_fen"]
        household_out.insert(
            0,
            {
                "item": "counted_income_fen",
                "declared": d,
                "found": f,
                "counted": f,
                "flagged": not tolerance.allows(d, f),
                "sources": [],
            },
        )

    missing = sorted(s for s, st in status.items() if st != "answered")
    labels = source_labels or {code: s.name_zh for code, s in SOURCES.items()}
    program_name = PROGRAM_NAMES.get(program, program)
    sentences = _reason_sentences(program, run_verified, verified)
    if missing:
        conclusion = "incomplete"
        names = "、".join(labels.get(s, s) for s in missing)
        would = "符合" if run_verified["eligible"] else "不符合"
        reasons = [
            f"以下 {len(missing)} 个数据来源未返回结果：{names}。核对不完整，不能作出结论。",
            f"按已获取的数据，{would}{program_name}条件（仅供参考）。",
            *sentences,
        ]
    elif run_verified["eligible"]:
        conclusion = "meets"
        reasons = [f"经核对，符合{program_name}条件。", *sentences]
    else:
        conclusion = "does_not_meet"
        why = reason_text(run_verified["reason"])
        reasons = [f"经核对，不符合{program_name}条件：{why}。", *sentences]
    if discrepancies:
        reasons.append(f"核对发现 {len(discrepancies)} 项与申报不符（见差异表）。")

    figures = {
        "program": program,
        "month": month,
        "tolerance": tolerance.as_dict(),
        "sources": [
            {
                "source": q.source,
                "label": labels.get(q.source, q.source),
                "status": q.status,
                "records": len(q.records or []),
            }
            for q in sorted(queries, key=lambda q: q.source)
        ],
        "missing_sources": missing,
        "persons": persons_out,
        "household": household_out,
        "verified": {
            "eligible": run_verified["eligible"],
            "reason": run_verified["reason"],
            "amount_fen": run_verified["amount_fen"],
            "members": run_verified["members"],
            "counted_income_fen": run_verified["counted_income_fen"],
            "standard_fen": run_verified["standard_fen"],
            "line_fen": run_verified["line_fen"],
            "financial_asset_limit_fen": run_verified["financial_asset_limit_fen"],
            "persons": run_verified["persons"],
            "trace": run_verified["trace_text"],
        },
        "declared": {
            "eligible": run_declared["eligible"],
            "reason": run_declared["reason"],
            "counted_income_fen": run_declared["counted_income_fen"],
        },
    }
    return Figures(
        figures=figures,
        counted_income_fen=int(run_verified["counted_income_fen"] or 0),
        financial_assets_fen=int(verified["household"]["financial_assets_fen"]),
        conclusion=conclusion,
        reasons=reasons,
        discrepancies=discrepancies,
    )


# --------------------------------------------------------------------------- display
SOURCE_STATUS_ZH = {
    "pending": "等待中",
    "answered": "已返回",
    "failed": "失败",
    "unavailable": "不可用",
}
CONCLUSION_ZH = {
    "meets": "符合条件",
    "does_not_meet": "不符合条件",
    "incomplete": "核对不完整",
}
RELATION_ZH = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙子女",
    "sibling": "兄弟姐妹",
    "other": "其他",
}
CHOICE_ZH = {
    "small_car": "小型汽车",
    "truck": "货车",
    "employee": "职工社保",
    "unemployment_benefit": "失业保险金",
    "resident_basic": "城乡居民基本养老",
    "employee_basic": "职工基本养老",
    "paying": "发放中",
    "marriage": "结婚",
    "divorce": "离婚",
    "hospital": "医院",
    "home": "家中",
    "other": "其他",
    "individual": "个体工商户",
    "company": "公司",
    "legal_representative": "法定代表人",
    "active": "存续",
    "normal": "正常",
    "residential": "住宅",
    "executing": "执行中",
    "closed": "已结案",
    "wages": "工资薪金",
    "business": "经营所得",
    "labour": "劳务报酬",
    "civil_affairs_funeral": "民政殡葬",
    "public_security": "公安",
}


def _cell(f, value) -> str:
    """One field of a source's record, as the Chinese report shows it: yuan, 是/否, the sources'
    own choices, then the one label map (relations, categories, programs), division names."""
    if value is None or value == "":
        return "—"
    if getattr(f, "type", None) is not None and f.type.value == "fen":
        return yuan(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    if text in CHOICE_ZH:
        return CHOICE_ZH[text]
    name = getattr(f, "name", "")
    if ("division" in name or name == "district_code") and text.isdigit():
        return labels.division_name(text)
    if getattr(f, "name", "") == "sex" and text in ("M", "F"):
        return labels.label_zh("sex", text)
    with translation.override("zh-hans"):
        return labels.value_label(text)


def _amount(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("fen", "fen_per_month") or unit.endswith("_fen"):
        return yuan(int(value))
    return str(value)


def report_context(report) -> dict:
    """What the report page and the PDF show, shaped for templates (money in yuan, Chinese
    labels, one table per person and source)."""
    from safetynet.core.masking import mask_field
    from safetynet.registry.ids import mask_id_number

    figures = report.figures or {}
    request = report.request
    persons = []
    for p in figures.get("persons", []):
        tables = []
        for code, records in p.get("records", {}).items():
            source = SOURCES.get(code)
            fields = list(source.fields) if source else []
            tables.append(
                {
                    "source": code,
                    "label": source.name_zh if source else code,
                    "department": source.department.name_zh if source else "",
                    "headers": [f.name_zh for f in fields],
                    "rows": [
                        [_cell(f, mask_field(f.name, r.get(f.name))) for f in fields]
                        for r in records
                    ],
                }
            )
        income = [
            {
                "label": item_label(row["item"]),
                "declared": _amount(row["declared"], "fen"),
                "found": _amount(row["found"], "fen"),
                "counted": _amount(row["counted"], "fen"),
                "flagged": row.get("flagged", False),
                "sources": "、".join(
                    SOURCES[s].name_zh if s in SOURCES else s for s in row.get("sources", [])
                ),
            }
            for row in p.get("income", [])
        ]
        persons.append(
            {
                "name": p["name"],
                "id_number": mask_id_number(p["id_number"]),
                "relation": RELATION_ZH.get(p.get("relation"), p.get("relation")),
                "death_date": p.get("death_date"),
                "tables": tables,
                "income": income,
            }
        )
    household = [
        {
            "label": item_label(row["item"]),
            "declared": _amount(row["declared"], row["item"]),
            "found": _amount(row["found"], row["item"]),
            "counted": _amount(row["counted"], row["item"]),
            "flagged": row.get("flagged", False),
            "sources": "、".join(
                SOURCES[s].name_zh if s in SOURCES else s for s in row.get("sources", [])
            ),
        }
        for row in figures.get("household", [])
    ]
    discrepancies = [
        {
            "who": d.get("name") or "家庭",
            "label": d["label"],
            "declared": _amount(d["declared"], d["unit"]) if d["unit"] != "date" else "在世",
            "found": _amount(d["found"], d["unit"])
            if d["unit"] != "date"
            else f"死亡 {d['found']}",
            "difference": _amount(d["difference"], d["unit"])
            if d["difference"] is not None
            else "",
            "sources": "、".join(SOURCES[s].name_zh if s in SOURCES else s for s in d["sources"]),
        }
        for d in report.discrepancies or []
    ]
    sources = [
        {
            "label": s["label"],
            "status": s["status"],
            "status_zh": SOURCE_STATUS_ZH.get(s["status"], s["status"]),
            "records": s["records"],
            "mode": "人工"
            if SOURCES.get(s["source"]) and not SOURCES[s["source"]].automatic
            else "自动",
        }
        for s in figures.get("sources", [])
    ]
    tol = figures.get("tolerance", {})
    verified = figures.get("verified", {})
    return {
        "report": report,
        "vrequest": request,
        "household": request.household,
        "program_zh": PROGRAM_NAMES.get(request.program, request.program),
        "conclusion_zh": CONCLUSION_ZH.get(report.conclusion, report.conclusion),
        "persons": persons,
        "household_rows": household,
        "discrepancies": discrepancies,
        "sources": sources,
        "reasons": report.reasons,
        "counted_income": yuan(report.counted_income_fen),
        "financial_assets": yuan(report.financial_assets_fen),
        "members": verified.get("members"),
        "standard": _amount(verified.get("standard_fen"), "fen"),
        # the line the program compared income with: a low-income report cites 低收入标准
        "line_name": LINE_NAMES.get(request.program, "低保标准")
        if verified.get("line_fen") is not None
        else "低保标准",
        "line": _amount(
            verified.get("line_fen")
            if verified.get("line_fen") is not None and request.program in LINE_NAMES
            else verified.get("standard_fen"),
            "fen",
        ),
        "tolerance_percent": f"{Fraction(tol.get('ratio', '0')) * 100:g}" if tol else "",
        "tolerance_yuan": _amount(tol.get("absolute_fen"), "fen") if tol else "",
        "recheck_of": request.recheck_of,
    }
