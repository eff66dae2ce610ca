"""A batch: person and household columns for one benefit month, grouped by household.

Persons are sorted by household so that household sums are exact int64 prefix-sum
differences (no float ``bincount``) and household → person broadcasting is a gather.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .columns import (
    COUNTED_INCOME,
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    month_str,
    parse_month,
)


@dataclass
class Batch:
    """Columns of ``P`` persons in ``H`` households for one month ``ym``."""

    ym: int
    p: dict[str, np.ndarray]
    h: dict[str, np.ndarray]
    hh: np.ndarray  # person -> household row (int64, non-decreasing)
    cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def month(self) -> str:
        return month_str(self.ym)

    @property
    def date(self) -> dt.date:
        """First day of the benefit month: the date on which parameters are looked up."""
        return dt.date(self.ym // 12, self.ym % 12 + 1, 1)

    @property
    def n_persons(self) -> int:
        return int(self.hh.shape[0])

    @property
    def n_households(self) -> int:
        return int(self.h["household_id"].shape[0])

    # ----- grouping helpers -------------------------------------------------------------
    @cached_property
    def bounds(self) -> np.ndarray:
        """Offsets: persons of household i are ``[bounds[i], bounds[i+1])``."""
        bounds = np.zeros(self.n_households + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.hh, minlength=self.n_households), out=bounds[1:])
        return bounds

    def hh_sum(self, x: np.ndarray) -> np.ndarray:
        """Exact int64 sum of a person column per household (a bool column: a count)."""
        n = x.shape[0]
        if x.dtype == np.bool_ and n >= 64:
            true = int(np.count_nonzero(x))
            if true * 4 < n:  # few true: count them
                return np.bincount(self.hh[x], minlength=self.n_households)
            if (n - true) * 4 < n:  # few false: household size minus them
                false = np.bincount(self.hh[~x], minlength=self.n_households)
                return np.diff(self.bounds) - false
        if x.dtype != np.int64:
            x = x.astype(np.int64)  # cumsum casting on the fly is several times slower
        cs = np.empty(n + 1, dtype=np.int64)
        cs[0] = 0
        np.cumsum(x, out=cs[1:])
        return np.diff(cs[self.bounds])

    def hh_any(self, mask: np.ndarray) -> np.ndarray:
        return self.hh_sum(mask) > 0

    def to_person(self, x: np.ndarray) -> np.ndarray:
        return np.take(x, self.hh)

    # ----- derived columns for the month (computed once, shared by programs) -------------
    @cached_property
    def alive(self) -> np.ndarray:
        """Born by the end of the month and not dead before it (the death month counts)."""
        return (self.p["birth_ym"] <= self.ym) & (self.p["death_ym"] >= self.ym)

    @cached_property
    def members(self) -> np.ndarray:
        """Household size for the month (living members; a member dying this month counts)."""
        return self.hh_sum(self.alive)

    @cached_property
    def counted_income_p(self) -> np.ndarray:
        """Per-person counted monthly income (计入收入); POLICY §3 exclusions left out."""
        total = self.p[COUNTED_INCOME[0]].astype(np.int64)  # a copy
        for c in COUNTED_INCOME[1:]:
            total += self.p[c]
        total *= self.alive
        return total

    @cached_property
    def counted_income_h(self) -> np.ndarray:
        return self.hh_sum(self.counted_income_p)

    @cached_property
    def months_since_birth(self) -> np.ndarray:
        """0 in the birth month; 960 in the month of the 80th birthday (int32, like months)."""
        return np.int32(self.ym) - self.p["birth_ym"]

    @cached_property
    def age(self) -> np.ndarray:
        """Whole years completed by the end of the previous month, a birthday counting as
        reached in its month (docs/rules.md, "Time rules")."""
        return (self.months_since_birth - 1) // 12

    @cached_property
    def alive_registered(self) -> np.ndarray:
        """Alive this month and registered in Xiamen (户籍)."""
        return self.alive & self.p["hukou_xiamen"]

    def enrolment(self, category: str) -> tuple[np.ndarray, np.ndarray]:
        """(has a record, payable by timing) per person for an enrolment category.

        Timing (ADR 0903): an enrolment's start date is the first day of its first benefit month;
        it is payable from the start month through the end month, both inclusive.
        """
        key = f"enr:{category}"
        if key not in self.cache:
            start = self.p[f"enr_{category}_start"]
            end = self.p[f"enr_{category}_end"]
            has = start >= 0
            self.cache[key] = has
            self.cache[key + ":pay"] = has & (start <= self.ym) & (end >= self.ym)
        return self.cache[key], self.cache[key + ":pay"]

    def with_month(self, month: str | int) -> Batch:
        """The same people for another month (derived columns recomputed)."""
        ym = parse_month(month) if isinstance(month, str) else int(month)
        return Batch(ym, self.p, self.h, self.hh)

    def household_slice(self, first: int, last: int) -> Batch:
        """Households ``[first, last)`` and their persons, as views (no copy of columns)."""
        b = self.bounds
        lo, hi = int(b[first]), int(b[last])
        p = {k: v[lo:hi] for k, v in self.p.items()}
        h = {k: v[first:last] for k, v in self.h.items()}
        part = Batch(self.ym, p, h, self.hh[lo:hi] - first)
        part.__dict__["bounds"] = b[first : last + 1] - lo  # the cached property, already known
        return part

    def chunks(self, persons_per_chunk: int) -> list[tuple[int, int]]:
        """Household ranges of about ``persons_per_chunk`` persons (a household is never split)."""
        b = self.bounds
        cuts = np.searchsorted(b, np.arange(0, self.n_persons, persons_per_chunk), side="right") - 1
        cuts = np.unique(np.concatenate([cuts, [self.n_households]]))
        return [(int(a), int(z)) for a, z in itertools.pairwise(cuts) if z > a]

    def take_households(self, rows: np.ndarray) -> Batch:
        """A batch of just the given household rows (in the given order)."""
        rows = np.asarray(rows, dtype=np.int64)
        b = self.bounds
        pidx = np.concatenate([np.arange(b[r], b[r + 1]) for r in rows]) if len(rows) else []
        pidx = np.asarray(pidx, dtype=np.int64)
        counts = (b[rows + 1] - b[rows]).astype(np.int64)
        hh = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
        p = {k: v[pidx] for k, v in self.p.items()}
        h = {k: v[rows] for k, v in self.h.items()}
        return Batch(self.ym, p, h, hh)


def from_columns(
    month: str | int,
    persons: Mapping[str, np.ndarray],
    households: Mapping[str, np.ndarray],
    *,
    order_persons: bool = False,
) -> Batch:
    """Build a batch from column arrays keyed by ``household_id``; fills optional columns.

    Households are sorted by id and persons by household (stable). With ``order_persons``
    persons are sorted by (household, person_id), the order of the batch output files, which
    then does not depend on the input's row order. Arrays already of the right dtype and order
    are used as they are (no copy).
    """
    ym = parse_month(month) if isinstance(month, str) else int(month)
    n_p = len(persons["person_id"])
    n_h = len(households["household_id"])
    p: dict[str, np.ndarray] = {}
    for name, (dtype, default) in PERSON_COLUMNS.items():
        p[name] = (
            np.asarray(persons[name], dtype=dtype)
            if name in persons
            else np.full(n_p, default, dtype=dtype)
        )
    h: dict[str, np.ndarray] = {}
    for name, (dtype, default) in HOUSEHOLD_COLUMNS.items():
        h[name] = (
            np.asarray(households[name], dtype=dtype)
            if name in households
            else np.full(n_h, default, dtype=dtype)
        )
    hid = h["household_id"]
    if n_h > 1 and not np.all(hid[1:] > hid[:-1]):
        order = np.argsort(hid, kind="stable")
        h = {k: v[order] for k, v in h.items()}
        hid = h["household_id"]
    p_hid = p["household_id"]
    if n_p > 1 and np.all(p_hid[1:] >= p_hid[:-1]):
        pass  # already grouped by household
    elif n_p > 1:
        order = (
            np.lexsort((p["person_id"], p_hid))
            if order_persons
            else np.argsort(p_hid, kind="stable")
        )
        p = {k: v[order] for k, v in p.items()}
        p_hid = p["household_id"]
    if order_persons and n_p > 1:
        pid = p["person_id"]
        same = p_hid[1:] == p_hid[:-1]
        if np.any(same & (pid[1:] < pid[:-1])):
            order = np.lexsort((pid, p_hid))
            p = {k: v[order] for k, v in p.items()}
            p_hid = p["household_id"]
    # persons are grouped by household now: look up each run of persons' household once
    runs = np.flatnonzero(np.r_[True, p_hid[1:] != p_hid[:-1]]) if n_p else np.zeros(0, np.int64)
    run_hid = p_hid[runs]
    run_rows = np.searchsorted(hid, run_hid)
    if n_p and (run_rows.max() >= n_h or not np.array_equal(hid[run_rows], run_hid)):
        raise ValueError("every person's household_id must be a row of the households")
    hh = np.repeat(run_rows.astype(np.int64), np.diff(np.r_[runs, n_p]))
    return Batch(ym, p, h, hh)
