"""Monthly price indices (价格指数) entered by the bureau, and the price-linked subsidy trigger
(价格临时补贴联动机制) — pure functions, no Django (ADR 1430).

An index is stored as the statistics bureau publishes it, *same month of the previous year =
100*, in hundredths, as an exact integer: 102.80 → ``10280``; 98.5 → ``9850``. The year-on-year
rise is then ``(value − 10000) / 10000`` exactly (``10280`` → 0.028). ``cumulative`` is the
1–N-month cumulative index (same period of the previous year = 100) in the same unit; December's
is the year's cumulative rise the standard-adjustment floor uses (seed 二㈠2).

Three kinds:

- ``cpi`` 居民消费价格指数 → the rules' monthly series ``price_indices.cpi_yoy``;
- ``food_cpi`` 食品类居民消费价格指数 → ``price_indices.food_cpi_yoy``, and December's
  cumulative → ``price_indices.food_annual_yoy`` from 1 January of the next year;
- ``scpi`` 低收入居民基本生活费用价格指数 → December's cumulative →
  ``price_indices.scpi_annual_yoy`` from 1 January of the next year.

A fall counts as a rise of 0 in the rules' parameters (ratios are never negative there; a fall
never triggers and never lowers the floor); the entered index keeps the true figure.

Entered indices reach the engine as overlay entries (``Change`` of kind ``index_entry``), so
the monthly payroll, the proactive lists, the trial calculation and the batch jobs all read
them through ``load_parameters()`` like any approved parameter change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .money import mul_ratio, ratio_str
from .overlay import INDEX_KIND, Change
from .parameters import MissingParameterValue, ParameterSet

INDEX_KINDS = ("cpi", "food_cpi", "scpi")
BASE = 10000  # 100.00 in hundredths: the same month of the previous year
# the monthly series each kind feeds (scpi has none: only its annual figure is used)
MONTHLY_PARAMETER = {"cpi": "price_indices.cpi_yoy", "food_cpi": "price_indices.food_cpi_yoy"}
ANNUAL_PARAMETER = {
    "food_cpi": "price_indices.food_annual_yoy",
    "scpi": "price_indices.scpi_annual_yoy",
}
# plausible bounds of an index (same month last year = 100): 50.00 … 200.00
MIN_VALUE, MAX_VALUE = 5000, 20000
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_INDEX_RE = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


class IndexInputError(ValueError):
    """Bad index input; ``field`` names it (month, kind, value, cumulative)."""

    def __init__(self, field: str, message: str, code: str = "invalid"):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code


def parse_month(raw: Any, field: str = "month") -> str:
    """``YYYY-MM`` (also a date or ``YYYY/MM``, ``YYYY年M月``) → ``YYYY-MM``."""
    if isinstance(raw, dt.date):
        return f"{raw.year:04d}-{raw.month:02d}"
    text = str(raw or "").strip().replace("/", "-").replace("年", "-").rstrip("月")
    parts = text.split("-")
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and len(parts[0]) == 4:
        text = f"{parts[0]}-{int(parts[1]):02d}"
    m = _MONTH_RE.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise IndexInputError(field, f"{raw!r} is not a month YYYY-MM", "bad_month")
    return text


def parse_index(raw: Any, field: str = "value") -> int:
    """An index as published (e.g. ``102.8``, same month last year = 100) → hundredths
    (``10280``), exactly. An ``int`` is taken as hundredths already; a float is refused (it may
    not be exact), as is a third decimal."""
    if isinstance(raw, bool) or raw is None:
        raise IndexInputError(field, f"{raw!r} is not an index", "required")
    if isinstance(raw, float):
        raise IndexInputError(
            field, f"{raw!r} is a float; give the index as text (e.g. '102.8')", "float_value"
        )
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not text:
            raise IndexInputError(field, "missing index", "required")
        if not _INDEX_RE.match(text):
            raise IndexInputError(
                field,
                f"{raw!r} is not an index with at most two decimals (same month last year = 100,"
                " e.g. 102.8)",
                "wrong_unit",
            )
        whole, _, cents = text.partition(".")
        value = int(whole) * 100 + int(cents.ljust(2, "0") or 0)
    if not MIN_VALUE <= value <= MAX_VALUE:
        raise IndexInputError(
            field,
            f"{index_text(value)} is outside 50–200 (the index, same month last year = 100,"
            " not the rise)",
            "out_of_range",
        )
    return value


def index_text(value: int) -> str:
    """Hundredths as the published index: 10280 → '102.80'."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    return f"{sign}{v // 100}.{v % 100:02d}"


def rise(value: int) -> Fraction:
    """The year-on-year rise of an index in hundredths: 10280 → 7/250 (0.028); may be < 0."""
    return Fraction(value - BASE, BASE)


def rise_for_rules(value: int) -> Fraction:
    """The rise as the rules' ratio parameters take it: a fall counts as 0."""
    return max(rise(value), Fraction(0))


def percent_text(r: Fraction) -> str:
    """A rise as a percentage (two decimals, exact for hundredths): 0.028 → '2.80%'."""
    hundredths = r * 10000
    sign = "-" if hundredths < 0 else ""
    h = abs(hundredths)
    whole = h.numerator // h.denominator
    return f"{sign}{whole // 100}.{whole % 100:02d}%"


@dataclass(frozen=True)
class IndexEntry:
    """One entered index month (what the policy app stores), as the rules take it."""

    month: str  # YYYY-MM
    kind: str  # cpi | food_cpi | scpi
    value: int  # hundredths, same month last year = 100
    cumulative: int | None = None  # hundredths, same period last year = 100
    source: str = ""
    id: int | None = None
    entered_at: dt.datetime | None = None


def overlay_changes(entries: Iterable[IndexEntry]) -> tuple[Change, ...]:
    """The entered indices as overlay entries on the rules' parameters (ADR 1430): a month's
    rise into the monthly series, December's cumulative rise into the next year's annual
    figure. Ordered by entry time, so the overlay is reproducible "as known on" a moment."""
    out: list[Change] = []
    for e in entries:
        ref = f"{e.source or 'price index'} [index #{e.id}]"
        param = MONTHLY_PARAMETER.get(e.kind)
        if param:
            out.append(
                Change(
                    param,
                    e.month,
                    ratio_str(rise_for_rules(e.value)),
                    INDEX_KIND,
                    ref,
                    e.id,
                    e.entered_at,
                )
            )
        annual = ANNUAL_PARAMETER.get(e.kind)
        if annual and e.cumulative is not None and e.month.endswith("-12"):
            year = int(e.month[:4]) + 1
            out.append(
                Change(
                    annual,
                    f"{year:04d}-01-01",
                    ratio_str(rise_for_rules(e.cumulative)),
                    INDEX_KIND,
                    ref,
                    e.id,
                    e.entered_at,
                )
            )
    return tuple(out)


@dataclass(frozen=True)
class Trigger:
    """Whether a month triggers the price-linked subsidy, with the figures that decide it."""

    month: str
    cpi_rise: Fraction | None
    food_rise: Fraction | None
    cpi_threshold: Fraction
    food_threshold: Fraction
    cpi_triggers: bool
    food_triggers: bool
    rise: Fraction | None  # the triggering rise (the larger if both), None if not triggered
    standard_fen: int  # dibao standard in force on the 1st of the month
    minimum_fen: int
    amount_fen: int  # per covered person for the month; 0 when not triggered

    @property
    def triggered(self) -> bool:
        return self.rise is not None

    def as_dict(self) -> dict[str, Any]:
        def pct(r):
            return percent_text(r) if r is not None else None

        return {
            "month": self.month,
            "triggered": self.triggered,
            "cpi_rise": pct(self.cpi_rise),
            "food_rise": pct(self.food_rise),
            "cpi_threshold": pct(self.cpi_threshold),
            "food_threshold": pct(self.food_threshold),
            "rise": pct(self.rise),
            "standard_fen": self.standard_fen,
            "minimum_fen": self.minimum_fen,
            "amount_fen": self.amount_fen,
        }


def month_trigger(
    params: ParameterSet,
    month: str,
    cpi: int | None = None,
    food_cpi: int | None = None,
) -> Trigger:
    """Does ``month`` trigger the subsidy? ``cpi``/``food_cpi`` are the entered indices in
    hundredths (None: not entered). A month triggers when CPI's rise ≥ the CPI threshold or
    food CPI's rise ≥ the food threshold (发改价格规〔2016〕1835号, dated parameters in force on
    the 1st of the month); the amount per covered person is the dibao standard × the
    triggering rise (the larger if both), rounded half up to the fen, at least the minimum —
    the engine's ``price_subsidy`` program gives the same figure."""
    return trigger_from_rises(
        params,
        month,
        rise_for_rules(cpi) if cpi is not None else None,
        rise_for_rules(food_cpi) if food_cpi is not None else None,
    )


def trigger_from_rises(
    params: ParameterSet, month: str, cpi_r: Fraction | None, food_r: Fraction | None
) -> Trigger:
    """``month_trigger`` from the rises themselves (e.g. the rules' series for a month not
    entered as an index), exactly."""
    month = parse_month(month)
    first = dt.date(int(month[:4]), int(month[5:]), 1)
    cpi_t = params.at("price_subsidy.cpi_threshold", first).value
    food_t = params.at("price_subsidy.food_cpi_threshold", first).value
    cpi_hit = cpi_r is not None and cpi_r >= cpi_t
    food_hit = food_r is not None and food_r >= food_t
    rises = [r for r, hit in ((cpi_r, cpi_hit), (food_r, food_hit)) if hit]
    the_rise = max(rises) if rises else None
    try:
        std = params.at("dibao.standard", first).value
    except MissingParameterValue:
        std = 0
    minimum = params.at("price_subsidy.minimum", first).value
    amount = max(int(mul_ratio(std, the_rise)), minimum) if the_rise is not None else 0
    return Trigger(
        month, cpi_r, food_r, cpi_t, food_t, cpi_hit, food_hit, the_rise, std, minimum, amount
    )


def annual_rises(entries: Iterable[IndexEntry], year: int) -> dict[str, Fraction | None]:
    """``year``'s cumulative rises (December's cumulative index) of the low-income living-cost
    index and the food index, as the standard-adjustment floor takes them (a fall counts as
    0); None where December's cumulative figure is not entered."""
    out: dict[str, Fraction | None] = {"scpi": None, "food_cpi": None}
    want = f"{year:04d}-12"
    for e in entries:
        if e.month == want and e.kind in out and e.cumulative is not None:
            out[e.kind] = rise_for_rules(e.cumulative)
    return out


__all__ = [
    "ANNUAL_PARAMETER",
    "INDEX_KINDS",
    "MONTHLY_PARAMETER",
    "IndexEntry",
    "IndexInputError",
    "Trigger",
    "annual_rises",
    "index_text",
    "month_trigger",
    "overlay_changes",
    "parse_index",
    "parse_month",
    "percent_text",
    "rise",
    "rise_for_rules",
    "trigger_from_rises",
]
