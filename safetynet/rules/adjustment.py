"""Dibao-standard adjustment (低保标准调整) and the annual price-subsidy mode.

- ``standard_adjustment_check``: the floor of a new standard from last year's cumulative YoY
  rise of the low-income residents' living-cost index (SCPI) and the food price index
  (seed 二㈠2: the rise must be at least both), and the minimum-wage ratio check.
- ``price_subsidy_annual``: the annual mode (年度) of the price-linked subsidy = the sum of
  the monthly subsidies of the year, each month computed by the monthly program.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import numpy as np

from .batch import Batch
from .columns import ym_of
from .engine import Ctx, Trace, run_batch
from .money import ratio_str
from .parameters import ParameterSet, load_parameters


def _ceil_fen(amount: int, ratio: Fraction) -> int:
    """``amount × ratio`` rounded UP to the fen (a floor must be met, never undershot)."""
    num = amount * ratio.numerator
    return -(-num // ratio.denominator)


def _percent(r: Fraction) -> str:
    """A ratio as a percentage with two decimals, rounded half up (integer arithmetic)."""
    hundredths = (2 * r.numerator * 10000 + r.denominator) // (2 * r.denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def standard_adjustment_check(
    proposed_fen: int,
    effective: dt.date,
    params: ParameterSet | None = None,
    trace: Trace | None = None,
    *,
    scpi_rise: Fraction | None = None,
    food_rise: Fraction | None = None,
    minimum_wage_fen: int | None = None,
) -> dict[str, Any]:
    """Check a proposed dibao standard taking effect on ``effective``.

    floor = current standard × (1 + max(SCPI rise, food rise)), rounded up to the fen, where
    the rises are last year's cumulative YoY figures in force on ``effective``; the ratio
    proposed / minimum wage must lie within [min_wage_ratio_min, min_wage_ratio_max].
    ``scpi_rise``, ``food_rise`` and ``minimum_wage_fen``, when given (the bureau's entered
    indices, read by the caller), replace the parameters' figures; the result says which.
    """
    if not isinstance(proposed_fen, int) or isinstance(proposed_fen, bool) or proposed_fen < 0:
        raise ValueError("proposed_fen must be a non-negative integer (fen)")
    params = params or load_parameters()
    day_before = effective - dt.timedelta(days=1)
    empty = np.zeros(0, dtype=np.int64)
    batch = Batch(ym_of(effective.year, effective.month), {}, {"household_id": empty}, empty)
    ctx = Ctx(params, batch, trace)
    ctx.begin("dibao_adjustment")
    current = ctx.pv_on("dibao.standard", day_before).value
    given = scpi_rise is not None and food_rise is not None
    scpi = scpi_rise if scpi_rise is not None else _rise(ctx, "scpi_annual_yoy", effective)
    food = food_rise if food_rise is not None else _rise(ctx, "food_annual_yoy", effective)
    scpi = ctx.fig("SCPI rise (低收入居民基本生活费用价格指数)", Fraction(scpi), "ratio")
    food = ctx.fig("food price index rise (食品类价格指数)", Fraction(food), "ratio")
    rise = ctx.fig("required rise = max(SCPI rise, food rise)", max(scpi, food), "ratio")
    floor = ctx.fig("floor = current × (1 + rise), rounded up", _ceil_fen(current, 1 + rise))
    if minimum_wage_fen is None:
        min_wage = ctx.pv_on("minimum_wage.monthly", effective).value
    else:
        min_wage = ctx.fig("minimum wage (given)", minimum_wage_fen)
    lo = ctx.pv_on("dibao_adjustment.min_wage_ratio_min", effective).value
    hi = ctx.pv_on("dibao_adjustment.min_wage_ratio_max", effective).value
    ratio = ctx.fig("proposed / minimum wage", Fraction(proposed_fen, min_wage), "ratio")
    meets_floor = proposed_fen >= floor
    ratio_ok = lo <= ratio <= hi
    return {
        "effective": effective.isoformat(),
        "current_fen": current,
        "proposed_fen": proposed_fen,
        "scpi_rise": ratio_str(scpi),
        "food_rise": ratio_str(food),
        "indices_from": "given" if given else "parameters",
        "required_rise": ratio_str(rise),
        "floor_fen": floor,
        "meets_floor": meets_floor,
        "minimum_wage_fen": min_wage,
        "min_wage_ratio": f"{ratio.numerator}/{ratio.denominator}",
        "min_wage_ratio_percent": _percent(ratio),
        "min_wage_ratio_ok": ratio_ok,
        "ok": meets_floor and ratio_ok,
        **({"trace": trace.as_dict()} if trace is not None else {}),
    }


def _rise(ctx: Ctx, name: str, effective: dt.date) -> Fraction:
    return ctx.pv_on(f"price_indices.{name}", effective).value


def price_subsidy_annual(
    batch: Batch, year: int, params: ParameterSet | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Annual mode (年度价格临时补贴): per person and per household, the sum over the 12
    months of ``year`` of the monthly subsidy (same program, month by month)."""
    total_p = np.zeros(batch.n_persons, dtype=np.int64)
    for m in range(1, 13):
        res = run_batch(batch.with_month(ym_of(year, m)), ["price_subsidy"], params=params)
        total_p += res["price_subsidy"].p_amount
    return total_p, batch.hh_sum(total_p)
