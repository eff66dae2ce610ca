"""Names and resident ID numbers (GB 11643), vectorised."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import strings as s
from .population import CHILD, GRANDCHILD, HEAD, PARENT, Population, mix, ymd
from .tables import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
SEQ_SLOTS = 499  # per (region, birth date, sex): sequence numbers 001..997 (men) / 002..998


class IdSequences:
    """The sequence numbers given so far per (region, birth date, sex), over the blocks written.

    An ID number's sequence is unique within its (region, birth date, sex); blocks are drawn one
    at a time, so the count of each key is carried from block to block (a dense int16 table,
    32 MB, whatever the city's size) and the key's starting offset is a hash of the seed and the
    key rather than a draw (ADR 1510)."""

    REGION_BASE = 350200  # every region code of the city is 3502xx
    DAY0 = -40_000  # 1860-06-27: the oldest birth date the table can hold
    DAYS = 80_000

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.used = np.zeros(100 * self.DAYS * 2, dtype=np.int16)

    def keys(self, p: Population) -> np.ndarray:
        region = p.id_region.astype(np.int64) - self.REGION_BASE
        when = p.birth.astype(np.int64) - self.DAY0
        if p.n and (region.min() < 0 or region.max() >= 100):
            raise ValueError("an ID region code outside 3502xx")
        if p.n and (when.min() < 0 or when.max() >= self.DAYS):
            raise ValueError("a birth date outside the ID number table's range")
        return (region * self.DAYS + when) * 2 + p.male.astype(np.int64)


def id_numbers(p: Population, sequences: IdSequences) -> pa.StringArray:
    """Unique ID numbers: region (as in the birth year), birth date, sequence (odd: men), check."""
    n = p.n
    y, m, d = ymd(p.birth)
    date8 = y * 10000 + m * 100 + d
    key = sequences.keys(p)
    order = np.argsort(key, kind="stable")
    sk = key[order]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    new[1:] = sk[1:] != sk[:-1]
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    rank = np.arange(n) - first + sequences.used[sk]  # after the blocks before this one
    if n and rank.max() >= SEQ_SLOTS:
        raise ValueError("too many persons share a birth date and region for unique ID numbers")
    starts = np.flatnonzero(new)
    sequences.used[sk[starts]] += np.diff(np.r_[starts, n]).astype(np.int16)
    offset = (mix(sequences.seed, sk) % np.uint64(SEQ_SLOTS)).astype(np.int64)
    slot_sorted = (offset + rank * 173) % SEQ_SLOTS
    slot = np.empty(n, dtype=np.int64)
    slot[order] = slot_sorted
    seq = np.where(p.male, 2 * slot + 1, 2 * slot + 2)
    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, 0:6] = s.digits(p.id_region, 6)
    mat[:, 6:14] = s.digits(date8, 8)
    mat[:, 14:17] = s.digits(seq, 3)
    total = ((mat[:, :17].astype(np.int64) - 48) * ID_WEIGHTS).sum(axis=1) % 11
    mat[:, 17] = ID_CHECK[total]
    return s.fixed_width(mat)


def names(p: Population) -> pa.Array:
    g = p.rng(31)
    n = p.n
    surnames = [x[0] for x in SURNAMES]
    w = np.array([x[1] for x in SURNAMES])
    sur = g.choice(len(surnames), size=n, p=w / w.sum())
    # Children and grandchildren mostly carry the head's surname; so does the head's father.
    head_sur = sur[p.hh_start][p.hh]
    inherit = (
        (p.relation == CHILD) | (p.relation == GRANDCHILD) | ((p.relation == PARENT) & p.male)
    ) & (g.random(n) < 0.9)
    sur = np.where(inherit, head_sur, sur)
    sur[p.relation == HEAD] = head_sur[p.relation == HEAD]

    given_m = g.integers(0, len(GIVEN_MALE), size=(n, 2))
    given_f = g.integers(0, len(GIVEN_FEMALE), size=(n, 2))
    two = g.random(n) < 0.8
    first = np.where(p.male, given_m[:, 0], given_f[:, 0] + len(GIVEN_MALE))
    second = np.where(p.male, given_m[:, 1], given_f[:, 1] + len(GIVEN_MALE))
    chars = list(GIVEN_MALE) + list(GIVEN_FEMALE) + [""]
    second = np.where(two, second, len(chars) - 1)
    return s.join(s.take(surnames, sur), s.take(chars, first), s.take(chars, second))
