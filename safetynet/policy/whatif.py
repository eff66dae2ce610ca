"""The what-if on the whole city (全市影响试算, ADR 1410): services and selectors.

``whatif_start`` (service) validates a proposal — a pending parameter change, or an ad-hoc set
of values with their dates — against the approved tree, records a :class:`WhatIfRun` and
enqueues :func:`whatif_execute` on the background worker (django-tasks, like the verification
dispatch). The task exports the caseload in force for the month from the database into the
engine's Parquet city (``payments.compute.caseload_export``, every recipient category), runs
the rules' what-if (``safetynet.rules.whatif``: baseline and proposal on DuckDB, or Spark) and
stores the aggregates on the run. Selectors read runs and shape the charts and the briefing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safetynet.accounts.permissions import require
from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError
from safetynet.rules import whatif as rules_whatif
from safetynet.rules.catalog import CATALOG
from safetynet.rules.overlay import Change

from . import selectors
from .models import ChangeStatus, ParameterChange, WhatIfRun, WhatIfStatus

RUN = "policy.run_whatif"
VIEW = "policy.view_whatif"
log = logging.getLogger(__name__)


def _invalid(field: str, message: str, code: str = "invalid") -> ServiceError:
    return ServiceError(code, f"{field}: {message}", [FieldProblem(field, message, code)])


def _proposal(change_id, settings_: Sequence[dict] | None) -> tuple[ParameterChange | None, list]:
    if change_id is not None:
        try:
            row = ParameterChange.objects.get(pk=int(change_id))
        except (ParameterChange.DoesNotExist, ValueError, TypeError):
            raise NotFoundError("parameter change") from None
        if row.status != ChangeStatus.PROPOSED:
            raise _invalid(
                "change",
                _("Change #%(id)s is %(status)s: only a proposed change is tried out.")
                % {"id": row.pk, "status": row.get_status_display()},
                "not_proposed",
            )
        c = selectors.as_change(row)
        return row, [{"name": c.name, "effective": c.effective, "value": c.value, "kind": c.kind}]
    items = list(settings_ or [])
    if not items:
        raise _invalid("change", _("give a proposed change or a value to try"), "required")
    base = rules_whatif.tree(selectors.approved_changes())
    out = []
    for i, s in enumerate(items):
        try:
            c = rules_whatif.adhoc_change(
                base, s.get("name", ""), s.get("value"), s.get("effective"), i
            )
        except rules_whatif.WhatIfError as e:
            raise _invalid(e.field, e.message, e.code) from None
        out.append({"name": c.name, "effective": c.effective, "value": c.value, "kind": c.kind})
    return None, out


def proposal_changes(proposal: Sequence[dict]) -> tuple[Change, ...]:
    """A run's stored proposal as the rules take it."""
    return tuple(
        Change(p["name"], p["effective"], p["value"], p["kind"], "what-if (试算)", id=-(i + 1))
        for i, p in enumerate(proposal)
    )


@transaction.atomic
def whatif_start(
    actor,
    *,
    change_id: int | None = None,
    settings: Sequence[dict] | None = None,
    month: str | None = None,
    engine: str = "duckdb",
) -> WhatIfRun:
    """Record a what-if of a pending change (``change_id``) or of ad-hoc values
    (``settings``: [{name, value, effective}]) and enqueue it on the background worker. The
    proposal is checked now against the approved tree (unknown name, wrong unit, a float for
    money, a bad date → ServiceError naming the field); nothing is written then."""
    require(actor, RUN)
    if engine not in rules_whatif.ENGINES:
        raise _invalid("engine", f"{engine!r}: choose one of {', '.join(rules_whatif.ENGINES)}")
    change, proposal = _proposal(change_id, settings)
    changes = proposal_changes(proposal)
    try:
        rules_whatif.proposal_tree(selectors.approved_changes(), changes)
        month = month or rules_whatif.default_month(changes)
        rules_whatif.parse_month(month)
    except rules_whatif.WhatIfError as e:
        raise _invalid(e.field, e.message, e.code) from None
    except ValueError as e:
        raise _invalid("month", str(e), "bad_month") from None
    run = WhatIfRun.objects.create(
        change=change, proposal=proposal, month=month, engine=engine, requested_by=actor
    )
    from .tasks import whatif_task

    transaction.on_commit(lambda: whatif_task.enqueue(run_id=run.pk))
    return run


def work_root() -> Path:
    """Where a run's snapshot is written (and removed once the run is over)."""
    return Path(os.environ.get("SAFETYNET_WHATIF_DIR") or Path(settings.DATA_DIR) / "whatif")


def snapshot(work_dir: Path, month: str) -> dict:
    """The caseload in force for ``month`` as the engine's city under ``work_dir``: every
    household with a member enrolled in a recipient category (``caseload_export``), keeping
    those with an amount basis in force (their incomes and assets are known to the bureau; a
    household without one would be computed as having none). Returns the counts."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from safetynet.payments.compute import caseload_export
    from safetynet.payments.models import AmountBasis

    categories = [e.code for e in CATALOG.values() if e.category and e.code != "deceased"]
    snap = caseload_export(Path(work_dir), month, categories)
    known = pa_ids(
        AmountBasis.objects.filter(valid_from__lte=month)
        .values_list("household_id", flat=True)
        .distinct()
    )
    total = 0
    kept = {}
    for name in ("households", "persons", "enrolments"):
        path = snap.work_dir / f"{name}.parquet"
        table = pq.read_table(path)
        if name == "households":
            total = table.num_rows
        table = table.filter(pc.is_in(table.column("household_id"), value_set=known))
        pq.write_table(table, path)
        kept[name] = table.num_rows
    return {
        "dir": snap.work_dir,
        "persons": kept["persons"],
        "households": kept["households"],
        "without_basis": total - kept["households"],
    }


def pa_ids(values):
    import pyarrow as pa

    return pa.array(sorted(set(values)), pa.int64())


def index_rises(effective: dt.date) -> tuple[dict, dict]:
    """The index rises for the floor check of a standard taking effect on ``effective``, from
    the price-indices selector (the bureau's entered December indices, else the parameters'
    annual figures), and where each came from; ({}, {}) when the selector lacks one (the
    rules then use their parameters)."""
    getter = getattr(selectors, "price_index_rises", None)
    if getter is None:
        return {}, {}
    found = getter(effective) or {}
    if found.get("scpi") is None or found.get("food") is None:
        return {}, {}
    rises = {"scpi_rise": Fraction(found["scpi"]), "food_rise": Fraction(found["food"])}
    return rises, {"scpi": found.get("scpi_source"), "food": found.get("food_source")}


def whatif_execute(run_id: int, *, input_dir: str | Path | None = None) -> WhatIfRun:
    """The background task's work: snapshot, both runs, aggregates, stored on the run. Any
    failure is recorded on the run (status failed, the reason), never half a result."""
    run = WhatIfRun.objects.get(pk=run_id)
    if run.status not in (WhatIfStatus.QUEUED, WhatIfStatus.FAILED):
        return run
    WhatIfRun.objects.filter(pk=run.pk).update(
        status=WhatIfStatus.RUNNING, started_at=timezone.now(), step="snapshot", error=""
    )
    work = work_root() / str(run.pk)
    last = [0.0]

    def progress(step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step != "done" and now - last[0] < 1.0:
            return
        last[0] = now
        WhatIfRun.objects.filter(pk=run.pk).update(step=step, persons_done=done)

    try:
        changes = proposal_changes(run.proposal)
        city = input_dir
        skipped = 0
        if city is None:
            snap = snapshot(work / "snapshot", run.month)
            city, skipped = snap["dir"], snap["without_basis"]
            WhatIfRun.objects.filter(pk=run.pk).update(
                persons_total=snap["persons"], step="compute"
            )
        dibao = [c for c in changes if c.name == "dibao.standard"]
        indices, sources = {}, {}
        if dibao:
            indices, sources = index_rises(dt.date.fromisoformat(str(dibao[-1].effective)))
        result = rules_whatif.run_whatif(
            city,
            changes,
            base_changes=selectors.approved_changes(),
            month=run.month,
            engine=run.engine,
            work_dir=work,
            indices=indices,
            progress=progress,
        )
    except Exception as e:  # recorded on the run, shown on its page
        log.exception("what-if #%s failed", run.pk)
        WhatIfRun.objects.filter(pk=run.pk).update(
            status=WhatIfStatus.FAILED, error=str(e)[:2000], finished_at=timezone.now()
        )
        return WhatIfRun.objects.get(pk=run.pk)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data = result.as_dict()
    data["without_basis"] = skipped
    if data.get("floor_check") and sources:
        data["floor_check"]["index_sources"] = sources
    WhatIfRun.objects.filter(pk=run.pk).update(
        status=WhatIfStatus.DONE,
        result=data,
        step="done",
        persons_done=result.persons,
        persons_total=result.persons,
        finished_at=timezone.now(),
    )
    return WhatIfRun.objects.get(pk=run.pk)


# ============================================================================ selectors
def whatif_runs(actor, change: ParameterChange | None = None):
    require(actor, VIEW)
    qs = WhatIfRun.objects.select_related("change", "requested_by")
    return qs.filter(change=change) if change is not None else qs


def whatif_get(actor, run_id: int) -> WhatIfRun:
    require(actor, VIEW)
    try:
        return WhatIfRun.objects.select_related("change", "requested_by").get(pk=int(run_id))
    except (WhatIfRun.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("what-if") from None


def whatif_progress(run: WhatIfRun) -> dict:
    total = run.persons_total or 0
    done = min(run.persons_done or 0, total) if total else 0
    percent = 100 if run.status == WhatIfStatus.DONE else (done * 100 // total if total else 0)
    return {
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "step": run.step,
        "done": done,
        "total": total,
        "percent": percent,
        "polling": run.status in (WhatIfStatus.QUEUED, WhatIfStatus.RUNNING),
        "error": run.error,
    }


# ============================================================================ the briefing
def _yuan(fen: int) -> str:
    from safetynet.rules.money import yuan

    return yuan(int(fen))


def _district_names(codes) -> dict[int, str]:
    from safetynet.registry.models import Division

    found = dict(
        Division.objects.filter(code__in=[str(c) for c in codes]).values_list("code", "name")
    )
    return {int(c): found.get(str(c), str(c)) for c in codes}


def briefing(run: WhatIfRun) -> dict:
    """A done run's figures as the page, the charts, the Excel and the PDF show them: per
    program, per district (every program together), the distribution, the floor check. Money
    stays fen (shown as yuan by the caller), Chinese names from the catalogue."""
    from safetynet.rules.catalog import name_zh

    r = run.result or {}
    programs = []
    for code, m in (r.get("programs") or {}).items():
        moved = (
            m["gain_households"] or m["lose_households"] or m["change_fen"] or m["up_households"]
        )
        if not (moved or m["base_households"] or m["new_households"]):
            continue
        programs.append({"code": code, "name": name_zh(code), "moved": bool(moved), **m})
    programs.sort(key=lambda p: (not p["moved"], -abs(p["change_fen"]), p["code"]))
    per_district: dict[int, dict[str, int]] = {}
    keys = ("base_fen", "new_fen", "change_fen", "change_yearly_fen")
    keys += tuple(f"change_{lv}_fen" for lv in ("city", "district", "street"))
    keys += tuple(f"change_{lv}_yearly_fen" for lv in ("city", "district", "street"))
    keys += ("gain_households", "lose_households", "up_households", "down_households")
    for code, by_d in (r.get("districts") or {}).items():
        if code == rules_whatif.ALL:
            continue
        for d, m in by_d.items():
            acc = per_district.setdefault(int(d), dict.fromkeys(keys, 0))
            for k in keys:
                acc[k] += m.get(k, 0)
    names = _district_names(per_district)
    districts = [
        {"code": d, "name": names[d] if d else "—", **per_district[d]} for d in sorted(per_district)
    ]
    labels = rules_whatif.bucket_labels()
    counts = (r.get("histogram") or {}).get("counts", {}).get(rules_whatif.ALL, [0] * len(labels))
    totals = r.get("totals") or {}
    proposed = r.get("proposed") or run.proposal
    return {
        "run": run,
        "month": r.get("month", run.month),
        "persons": r.get("persons", 0),
        "households": r.get("households", 0),
        "proposed": proposed,
        "programs": programs,
        "districts": districts,
        "totals": totals,
        "gain_households": sum(p["gain_households"] for p in programs),
        "lose_households": sum(p["lose_households"] for p in programs),
        "histogram": list(zip(labels, counts, strict=False)),
        "floor_check": r.get("floor_check"),
        "charts": {
            "programs": [p["name"] for p in programs if p["moved"]],
            "base": [_yuan(p["base_fen"]).replace(",", "") for p in programs if p["moved"]],
            "new": [_yuan(p["new_fen"]).replace(",", "") for p in programs if p["moved"]],
            "gain": [p["gain_households"] for p in programs if p["moved"]],
            "lose": [p["lose_households"] for p in programs if p["moved"]],
            "up": [p["up_households"] for p in programs if p["moved"]],
            "down": [p["down_households"] for p in programs if p["moved"]],
            "districts": [d["name"] for d in districts],
            "district_city": [_yuan(d["change_city_fen"]).replace(",", "") for d in districts],
            "district_district": [
                _yuan(d["change_district_fen"]).replace(",", "") for d in districts
            ],
            "district_street": [_yuan(d["change_street_fen"]).replace(",", "") for d in districts],
            "buckets": labels,
            "counts": counts,
        },
    }


BRIEF_PROGRAM_HEADER = [
    "项目",
    "调整前户数",
    "调整后户数",
    "新增户数",
    "退出户数",
    "增加户数",
    "减少户数",
    "新增人数",
    "退出人数",
    "调整前月支出（元）",
    "调整后月支出（元）",
    "月增支（元）",
    "年增支（元）",
    "市级年增支（元）",
    "区级年增支（元）",
    "街镇年增支（元）",
]
BRIEF_DISTRICT_HEADER = [
    "区",
    "新增户数",
    "退出户数",
    "调整前月支出（元）",
    "调整后月支出（元）",
    "月增支（元）",
    "年增支（元）",
    "市级年增支（元）",
    "区级年增支（元）",
    "街镇年增支（元）",
]


def _program_cells(b: dict) -> list[list]:
    return [
        [
            p["name"],
            p["base_households"],
            p["new_households"],
            p["gain_households"],
            p["lose_households"],
            p["up_households"],
            p["down_households"],
            p["gain_persons"],
            p["lose_persons"],
            ("fen", p["base_fen"]),
            ("fen", p["new_fen"]),
            ("fen", p["change_fen"]),
            ("fen", p["change_yearly_fen"]),
            ("fen", p["change_city_yearly_fen"]),
            ("fen", p["change_district_yearly_fen"]),
            ("fen", p["change_street_yearly_fen"]),
        ]
        for p in b["programs"]
    ]


def _district_cells(b: dict) -> list[list]:
    return [
        [
            d["name"],
            d["gain_households"],
            d["lose_households"],
            ("fen", d["base_fen"]),
            ("fen", d["new_fen"]),
            ("fen", d["change_fen"]),
            ("fen", d["change_yearly_fen"]),
            ("fen", d["change_city_yearly_fen"]),
            ("fen", d["change_district_yearly_fen"]),
            ("fen", d["change_street_yearly_fen"]),
        ]
        for d in b["districts"]
    ]


def _title(b: dict) -> str:
    return f"调整政策参数全市影响测算（{b['month']}）"


def _proposal_lines(b: dict) -> list[str]:
    from safetynet.core.labels import PARAMETER_NAMES_ZH

    out = []
    for p in b["proposed"]:
        name = PARAMETER_NAMES_ZH.get(p["name"], p["name"])
        out.append(f"{name}：{p['value']}，自 {p['effective']} 起")
    return out


def _totals_line(b: dict) -> str:
    t = b["totals"]
    return (
        f"月支出 {_yuan(t.get('base_fen', 0))} 元 → {_yuan(t.get('new_fen', 0))} 元，"
        f"月增支 {_yuan(t.get('change_fen', 0))} 元，"
        f"年增支 {_yuan(t.get('change_yearly_fen', 0))} 元"
        f"（市级 {_yuan(t.get('change_city_yearly_fen', 0))}，"
        f"区级 {_yuan(t.get('change_district_yearly_fen', 0))}，"
        f"街镇 {_yuan(t.get('change_street_yearly_fen', 0))}）；"
        f"新增保障 {b['gain_households']} 户，退出 {b['lose_households']} 户。"
    )


def _floor_lines(b: dict) -> list[str]:
    fc = b["floor_check"]
    if not fc:
        return []
    if not fc.get("available"):
        return [f"调整标准下限核对：缺少所需指数，无法核对（{fc.get('reason', '')}）"]
    verdict = "低于下限，请审慎研究" if fc["below_floor"] else "不低于下限"
    wage = "在" if fc["min_wage_ratio_ok"] else "不在"
    return [
        f"调整标准下限核对：现行标准 {_yuan(fc['current_fen'])} 元，拟调整为 "
        f"{_yuan(fc['proposed_fen'])} 元；低收入居民基本生活费用价格指数涨幅 {fc['scpi_rise']}，"
        f"食品类价格指数涨幅 {fc['food_rise']}，"
        f"应不低于 {_yuan(fc['floor_fen'])} 元 —— {verdict}。",
        f"与最低工资（{_yuan(fc['minimum_wage_fen'])} 元）之比 {fc['min_wage_ratio_percent']}，"
        f"{wage}规定区间内。",
    ]


def briefing_xlsx(run: WhatIfRun) -> bytes:
    """The one-page briefing as Excel (Chinese; yuan as numbers from the exact fen)."""
    import io
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from safetynet.core.spreadsheet import safe_row

    b = briefing(run)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("全市影响")

    def cells(row):
        out = []
        for v in row:
            if isinstance(v, tuple):
                cell = WriteOnlyCell(ws, value=Decimal(_yuan(v[1]).replace(",", "")))
                cell.number_format = "#,##0.00"
                out.append(cell)
            else:
                out.append(v)
        return safe_row(ws, out)

    ws.append(safe_row(ws, [_title(b)]))
    for line in _proposal_lines(b):
        ws.append(safe_row(ws, [line]))
    ws.append(
        safe_row(ws, [f"测算人口 {b['persons']} 人，{b['households']} 户（在册对象家庭快照）"])
    )
    ws.append(safe_row(ws, [_totals_line(b)]))
    for line in _floor_lines(b):
        ws.append(safe_row(ws, [line]))
    ws.append([])
    ws.append(safe_row(ws, BRIEF_PROGRAM_HEADER))
    for row in _program_cells(b):
        ws.append(cells(row))
    ws.append([])
    ws.append(safe_row(ws, BRIEF_DISTRICT_HEADER))
    for row in _district_cells(b):
        ws.append(cells(row))
    ws.append([])
    ws.append(safe_row(ws, ["每户月变化（元）", "户数"]))
    for label, count in b["histogram"]:
        ws.append(safe_row(ws, [label, count]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def briefing_pdf(run: WhatIfRun) -> bytes:
    """The one-page briefing as PDF (A4 landscape, Chinese)."""
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML  # heavy: imported only when a briefing is rendered

    b = briefing(run)

    def fmt(row):
        return [_yuan(v[1]) if isinstance(v, tuple) else v for v in row]

    context = {
        "title": _title(b),
        "b": b,
        "proposal_lines": _proposal_lines(b),
        "floor_lines": _floor_lines(b),
        "totals_line": _totals_line(b),
        "program_header": BRIEF_PROGRAM_HEADER,
        "program_rows": [fmt(r) for r in _program_cells(b)],
        "district_header": BRIEF_DISTRICT_HEADER,
        "district_rows": [fmt(r) for r in _district_cells(b)],
    }
    with translation.override("zh-hans"):
        html = render_to_string("policy/whatif_briefing_pdf.html", context)
    return HTML(string=html).write_pdf()
