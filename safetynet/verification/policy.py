"""The one verification policy (ADR 0710), shared by the report and the batch. Pure: no Django.

POLICY §2 "verified data is authoritative over declarations", made exact:

- an item an answered source covers is counted at the larger of the declared and the found value
  (registers reveal income and assets; they cannot prove a family has less than it declared);
  a death found in the records always wins;
- the found wage is the 6-month average of POLICY §3 (:func:`average_wages`): the benefit month
  and the five months before it, each month of a job prorated by the days it covers;
- a found amount above the declared one by more than the tolerance (:class:`Tolerance`, the
  parameters ``verification.discrepancy_tolerance_*``) is a discrepancy; counts (vehicles, homes,
  businesses) are discrepancies at any excess;
- eligibility, lines and limits are the rules engine's (``safetynet.rules``), run on the counted
  situation; callers read its named figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from safetynet.rules.columns import parse_month
from safetynet.rules.money import mul_ratio

WINDOW_MONTHS = 6  # POLICY §3: monthly income averaged over the last 6 months
EPOCH = dt.date(1970, 1, 1)
OPEN_END = 2**40  # an open-ended job (no end date), in days since 1970

TOLERANCE_RATIO = "verification.discrepancy_tolerance_ratio"
TOLERANCE_FEN = "verification.discrepancy_tolerance_fen"
DEFAULT_TOLERANCE = {"ratio": "0.05", "absolute_fen": 10_000}


def _first_of(ym: int) -> dt.date:
    return dt.date(ym // 12, ym % 12 + 1, 1)


def window_months(month: str) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each month of the averaging window, oldest first: the benefit
    month and the five before it."""
    ym = parse_month(month)
    out = []
    for m in range(ym - WINDOW_MONTHS + 1, ym + 1):
        out.append((_first_of(m), _first_of(m + 1) - dt.timedelta(days=1)))
    return out


def window_first_day(month: str) -> dt.date:
    return window_months(month)[0][0]


def epoch_day(d: dt.date) -> int:
    return (d - EPOCH).days


def average_wages(
    start_day: np.ndarray, end_day: np.ndarray, monthly_wage: np.ndarray, month: str
) -> np.ndarray:
    """Each job's contribution to the 6-month average wage (fen), vectorized over jobs.

    Days are days since 1970 (``OPEN_END`` for a job without an end date); start and end days
    are both worked. For each month of the window, a job counts ``wage × days covered / days in
    the month`` rounded half up to the fen (a whole month counts the whole wage; a job started
    on the 20th of a 30-day month counts 11/30 of it); the six parts are added and divided by 6,
    rounded half up. A person's found wage is the sum over their jobs.
    """
    start = np.asarray(start_day, dtype=np.int64)
    end = np.asarray(end_day, dtype=np.int64)
    wage = np.asarray(monthly_wage, dtype=np.int64)
    total = np.zeros(wage.shape[0], dtype=np.int64)
    for first, last in window_months(month):
        lo, hi = epoch_day(first), epoch_day(last)
        days_in = hi - lo + 1
        covered = np.clip(np.minimum(end, hi) - np.maximum(start, lo) + 1, 0, days_in)
        total += (2 * wage * covered + days_in) // (2 * days_in)
    return (2 * total + WINDOW_MONTHS) // (2 * WINDOW_MONTHS)


def average_wage_of_records(records, month: str) -> int:
    """The 6-month average wage of one person's employment records (dicts with ``start_date``,
    ``end_date``, ``monthly_wage_fen``; ISO dates or dates) — :func:`average_wages`."""
    starts, ends, wages = [], [], []
    for r in records:
        start, end = r.get("start_date"), r.get("end_date")
        starts.append(epoch_day(_date(start)) if start else -(2**40))
        ends.append(epoch_day(_date(end)) if end else OPEN_END)
        wages.append(int(r.get("monthly_wage_fen") or 0))
    if not wages:
        return 0
    return int(average_wages(np.array(starts), np.array(ends), np.array(wages), month).sum())


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Tolerance:
    """A money difference is a discrepancy when found − declared > max(ratio × declared,
    absolute)."""

    ratio: Fraction
    absolute_fen: int

    def allows(self, declared: int, found: int) -> bool:
        return found - declared <= max(mul_ratio(declared, self.ratio), self.absolute_fen)

    def exceeded(self, declared: np.ndarray, found: np.ndarray) -> np.ndarray:
        """Vectorized ``not allows`` (declared amounts are never negative)."""
        d = np.asarray(declared, dtype=np.int64)
        allowed = np.maximum(mul_ratio(d, self.ratio), self.absolute_fen)
        return (np.asarray(found, dtype=np.int64) - d) > allowed

    def as_dict(self) -> dict:
        return {"ratio": str(self.ratio), "absolute_fen": self.absolute_fen}


def tolerance_from_parameters(params, on: dt.date) -> Tolerance | None:
    """The tolerance parameters in force on ``on``, or None when the tree has none."""
    if TOLERANCE_RATIO in params and TOLERANCE_FEN in params:
        return Tolerance(
            Fraction(params.at(TOLERANCE_RATIO, on).value),
            int(params.at(TOLERANCE_FEN, on).value),
        )
    return None


def default_tolerance(conf: dict | None = None) -> Tolerance:
    c = {**DEFAULT_TOLERANCE, **(conf or {})}
    return Tolerance(Fraction(str(c["ratio"])), int(c["absolute_fen"]))
