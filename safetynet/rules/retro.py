"""Retroactive recomputation (追溯重算): after a parameter is changed for past months, recompute
those months under the old and the new parameters; the difference per household is arrears
(补发, positive) or overpayment (多发, negative)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .batch import Batch
from .columns import month_str, parse_month
from .engine import run_batch
from .parameters import ParameterSet


@dataclass
class Arrears:
    months: list[str]
    household_id: np.ndarray
    by_program: dict[str, np.ndarray]  # int64 fen per household: new − old over the months
    by_month: dict[str, dict[str, np.ndarray]]  # month -> program -> new − old

    @property
    def total(self) -> np.ndarray:
        out = np.zeros(self.household_id.shape[0], dtype=np.int64)
        for v in self.by_program.values():
            out += v
        return out

    def summary(self) -> dict[str, object]:
        t = self.total
        return {
            "months": self.months,
            "households_with_arrears": int((t > 0).sum()),
            "households_overpaid": int((t < 0).sum()),
            "arrears_fen": int(t[t > 0].sum()),
            "overpayment_fen": int(-t[t < 0].sum()),
            "by_program_fen": {k: int(v.sum()) for k, v in self.by_program.items()},
        }


def month_range(first: str, last: str) -> list[str]:
    a, b = parse_month(first), parse_month(last)
    if b < a:
        raise ValueError(f"month range {first}..{last} is empty")
    return [month_str(m) for m in range(a, b + 1)]


def arrears(
    batch: Batch,
    months: Iterable[str],
    old: ParameterSet,
    new: ParameterSet,
    programs: Iterable[str] | None = None,
) -> Arrears:
    """Per household and program, Σ over ``months`` of (amount under ``new`` − under ``old``)."""
    months = list(months)
    progs = list(programs) if programs is not None else None
    by_program: dict[str, np.ndarray] = {}
    by_month: dict[str, dict[str, np.ndarray]] = {}
    for m in months:
        b = batch.with_month(m)
        r_old = run_batch(b, progs, params=old)
        r_new = run_batch(b.with_month(m), progs, params=new)
        by_month[m] = {}
        for name in r_new:
            d = r_new[name].amount - r_old[name].amount
            by_month[m][name] = d
            by_program[name] = by_program.get(name, 0) + d
    return Arrears(months, batch.h["household_id"], by_program, by_month)
