"""Reads of parameter changes, and the approved overlay the rules engine takes (ADR 1400)."""

from __future__ import annotations

import threading

from django.db.models import Count, Max, QuerySet

from safetynet.rules.overlay import Change

from .models import (
    ChangeStatus,
    IndexImport,
    ParameterChange,
    ParameterChangeEvent,
    PriceIndex,
    PriceIndexEvent,
)

_lock = threading.Lock()
_cached: tuple[tuple, tuple[Change, ...]] | None = None


def as_change(c: ParameterChange) -> Change:
    """A stored change as the rules take it."""
    return Change(
        name=c.name,
        effective=c.effective,
        value=c.value or None,
        kind=c.kind,
        reference=c.reference,
        id=c.pk,
        approved_at=c.decided_at,
    )


def approved_changes() -> tuple[Change, ...]:
    """Every approved change, in order of approval: the overlay source of the rules.

    Cached per process; each call costs one aggregate query (count and latest decision) that
    tells whether another process approved something since, so no process computes with a
    stale tree and a rolled-back approval is never kept."""
    global _cached
    version = tuple(
        ParameterChange.objects.filter(status=ChangeStatus.APPROVED)
        .aggregate(n=Count("id"), last=Max("decided_at"), top=Max("id"))
        .values()
    ) + tuple(
        # the entered price indices are overlaid too (ADR 1430)
        PriceIndex.objects.aggregate(n=Count("id"), last=Max("entered_at"), top=Max("id")).values()
    )
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = ParameterChange.objects.filter(status=ChangeStatus.APPROVED).order_by("decided_at", "id")
    changes = tuple(as_change(c) for c in rows) + index_overlay()
    with _lock:
        _cached = (version, changes)
    return changes


def invalidate() -> None:
    """Forget the cached overlay (called on approval)."""
    global _cached
    with _lock:
        _cached = None


def changes_list(status: str | None = None) -> QuerySet[ParameterChange]:
    qs = ParameterChange.objects.select_related("author", "approver")
    return qs.filter(status=status) if status else qs


def change_events(change: ParameterChange | None = None) -> QuerySet[ParameterChangeEvent]:
    """The audit trail of parameter changes (all, or one change's)."""
    qs = ParameterChangeEvent.objects.select_related("change", "actor")
    return qs.filter(change=change) if change is not None else qs


def _proposed(shipped, c) -> str:
    """A change's value with its unit (money in yuan, rates in per cent; ADR 1433)."""
    from safetynet.core.labels import parameter_value
    from safetynet.rules.overlay import OverlayError, parse_value

    if not c.value:
        return "—"
    if c.name not in shipped:
        return c.value
    p = shipped.get(c.name)
    try:
        return parameter_value(p.name, p.unit, parse_value(p, c.value))
    except OverlayError:
        return c.value


def change_rows(changes) -> list[dict]:
    """Each change beside the shipped value and the value in force now at its date (the
    parameters page shows proposed, approved and shipped values side by side)."""
    import datetime as dt

    from safetynet.core.labels import parameter_value
    from safetynet.rules.overlay import effective_parameters
    from safetynet.rules.parameters import MissingParameterValue, load_shipped

    shipped, effective = load_shipped(), effective_parameters()

    def shown(params, c) -> str:
        try:
            p = params.get(c.name)
            v = p.month(c.effective) if p.kind == "monthly_series" else None
            if p.kind == "dated":
                v = p.at(dt.date.fromisoformat(c.effective))
        except (MissingParameterValue, ValueError):
            return "—"
        return parameter_value(p.name, p.unit, v.value) if v is not None else "—"

    rows = []
    for c in changes:
        unit = shipped.get(c.name).unit if c.name in shipped else ""
        rows.append(
            {
                "change": c,
                "shipped": shown(shipped, c),
                "in_force": shown(effective, c),
                "proposed": _proposed(shipped, c),
                "unit": unit,
            }
        )
    return rows


# --- price indices (ADR 1430) ----------------------------------------------------------------


def as_entry(i: PriceIndex):
    from safetynet.rules.indices import IndexEntry

    return IndexEntry(i.month, i.kind, i.value, i.cumulative, i.source, i.pk, i.entered_at)


def index_entries(qs=None) -> list:
    """Every entered index (or those of ``qs``) as the rules take them, oldest entry first."""
    qs = PriceIndex.objects.all() if qs is None else qs
    return [as_entry(i) for i in qs.order_by("entered_at", "id")]


def index_overlay() -> tuple[Change, ...]:
    """The entered indices as overlay entries on the rules' ``price_indices.*`` parameters."""
    from safetynet.rules.indices import overlay_changes

    return overlay_changes(index_entries())


def price_indices(
    *, kind: str | None = None, year: int | None = None, month: str | None = None
) -> QuerySet[PriceIndex]:
    """Entered indices, newest month first (filters: kind, year, month)."""
    qs = PriceIndex.objects.select_related("entered_by")
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(month__startswith=f"{int(year):04d}-")
    if month:
        qs = qs.filter(month=month)
    return qs


def month_trigger(month: str, params=None, got: dict | None = None):
    """The price-subsidy decision for ``month`` from the entered CPI and food CPI (falling back
    to the effective tree's series for a month not entered): a ``rules.indices.Trigger``."""
    from safetynet.rules.indices import rise_for_rules, trigger_from_rises
    from safetynet.rules.overlay import effective_parameters

    params = params or effective_parameters()
    if got is None:
        got = {i.kind: i.value for i in PriceIndex.objects.filter(month=month)}

    def rise_of(kind, name):
        if kind in got:
            return rise_for_rules(got[kind])
        v = params.get(name).month(month)
        return None if v is None else v.value

    return trigger_from_rises(
        params,
        month,
        rise_of("cpi", "price_indices.cpi_yoy"),
        rise_of("food_cpi", "price_indices.food_cpi_yoy"),
    )


def index_months(*, year: int | None = None) -> list[dict]:
    """The index screen's rows: one per month entered, the three indices side by side and
    whether the month triggers the price subsidy (with the amount per person)."""
    from safetynet.rules.indices import index_text, percent_text, rise
    from safetynet.rules.money import yuan
    from safetynet.rules.overlay import effective_parameters

    params = effective_parameters()
    months: dict[str, dict] = {}
    for i in price_indices(year=year):
        row = months.setdefault(i.month, {"month": i.month, "indices": {}})
        row["indices"][i.kind] = {
            "index": i,
            "value": index_text(i.value),
            "rise": percent_text(rise(i.value)),
            "cumulative": index_text(i.cumulative) if i.cumulative is not None else "",
        }
    out = []
    for m in sorted(months, reverse=True):
        row = months[m]
        ind = row["indices"]
        t = month_trigger(m, params, {k: v["index"].value for k, v in ind.items()})
        row["trigger"] = t
        row["amount_yuan"] = yuan(t.amount_fen)
        row["cpi"], row["food_cpi"], row["scpi"] = (ind.get(k) for k in ("cpi", "food_cpi", "scpi"))
        out.append(row)
    return out


def price_index_rises(effective) -> dict:
    """What the standard-adjustment floor (seed 二㈠2) needs for a standard taking effect on
    ``effective`` (a date): the previous year's cumulative rises of the low-income residents'
    living-cost index (``scpi``) and the food index (``food``), as exact Fractions (a fall
    counts as 0), each with where it came from: ``entered`` (December's cumulative index
    entered by the bureau) or ``parameters`` (the effective tree's annual figure in force on
    ``effective``, e.g. the shipped series); None where neither has it."""
    from safetynet.rules.indices import ANNUAL_PARAMETER, annual_rises
    from safetynet.rules.overlay import effective_parameters
    from safetynet.rules.parameters import MissingParameterValue

    year = effective.year - 1
    entered = annual_rises(index_entries(PriceIndex.objects.filter(month=f"{year:04d}-12")), year)
    params = effective_parameters()
    out: dict = {"year": year}
    for key, kind in (("scpi", "scpi"), ("food", "food_cpi")):
        if entered[kind] is not None:
            out[key], out[f"{key}_source"] = entered[kind], "entered"
            continue
        out[key], out[f"{key}_source"] = None, None
        try:
            pv = params.at(ANNUAL_PARAMETER[kind], effective)
        except MissingParameterValue:
            continue
        if pv.effective == f"{effective.year:04d}-01-01":  # that year's figure, not an older one
            out[key], out[f"{key}_source"] = pv.value, "parameters"
    return out


def index_events() -> QuerySet[PriceIndexEvent]:
    """The audit trail of index entries and corrections."""
    return PriceIndexEvent.objects.select_related("index", "actor", "source_file")


def index_imports() -> QuerySet[IndexImport]:
    return IndexImport.objects.select_related("imported_by")


def retroactive_assessment(change_id: int):
    """The arrears assessment of an approved change (ADR 1431), or None."""
    from .models import RetroactiveAssessment

    return (
        RetroactiveAssessment.objects.select_related("change").filter(change_id=change_id).first()
    )
