"""Names and resident ID numbers (GB 11643), vectorised."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import strings as s
from .population import (
    CHILD,
    GRANDCHILD,
    HEAD,
    MIGRANT_BIRTHPLACES,
    MIGRANT_CODE_FROM_YEAR,
    PARENT,
    Population,
    mix,
    ymd,
)
from .tables import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
SEQ_SLOTS = 499  # per (region, birth date, sex): sequence numbers 001..997 (men) / 002..998


class IdSequences:
    """The sequence numbers given so far per (region, birth date, sex), over the blocks written.

    An ID number's sequence is unique within its (region, birth date, sex); blocks are drawn one
    at a time, so the count of each key is carried from block to block (a dense int16 table,
    40 MB, whatever the city's size) and the key's starting offset is a hash of the seed and the
    key rather than a draw (ADR 1510)."""

    REGION_BASE = 350200  # the city's own region codes are 3502xx: slots 0..99
    MIGRANT_CODES = np.unique(np.array(MIGRANT_BIRTHPLACES).ravel())  # slots 100..
    DAY0 = -40_000  # 1860-06-27: the oldest birth date the table can hold
    DAYS = 80_000

    def __init__(self, seed: int) -> None:
        self.seed = seed
        regions = 100 + self.MIGRANT_CODES.size
        self.used = np.zeros(regions * self.DAYS * 2, dtype=np.int16)

    def keys(self, region: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
        region = region.astype(np.int64)
        own = region // 100 == self.REGION_BASE // 100
        slot = np.where(
            own,
            region - self.REGION_BASE,
            100 + np.searchsorted(self.MIGRANT_CODES, region),
        )
        when = birth.astype(np.int64) - self.DAY0
        if when.size and (when.min() < 0 or when.max() >= self.DAYS):
            raise ValueError("a birth date outside the ID number table's range")
        return (slot * self.DAYS + when) * 2 + male.astype(np.int64)


def id_numbers(p: Population, sequences: IdSequences) -> pa.StringArray:
    """Unique ID numbers: region (as in the birth year), birth date, sequence (odd: men), check.

    Persons whose (region, birth date, sex) has no sequence number left take the next migrant
    birthplace (MIGRANT_BIRTHPLACES) instead of the city's code."""
    n = p.n
    y, m, d = ymd(p.birth)
    date8 = y * 10000 + m * 100 + d
    region = p.id_region.astype(np.int64).copy()
    slot = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    for attempt in range(len(MIGRANT_BIRTHPLACES) + 1):
        key = sequences.keys(region[todo], p.birth[todo], p.male[todo])
        order = np.argsort(key, kind="stable")
        sk = key[order]
        new = np.empty(sk.size, dtype=bool)
        new[:1] = True
        new[1:] = sk[1:] != sk[:-1]
        first = np.maximum.accumulate(np.where(new, np.arange(sk.size), 0))
        rank = np.arange(sk.size) - first + sequences.used[sk]  # after the earlier blocks
        fits = rank < SEQ_SLOTS
        starts = np.flatnonzero(new)
        given = sequences.used[sk[starts]] + np.diff(np.r_[starts, sk.size])
        sequences.used[sk[starts]] = np.minimum(given, SEQ_SLOTS).astype(np.int16)
        offset = (mix(sequences.seed, sk[fits]) % np.uint64(SEQ_SLOTS)).astype(np.int64)
        slot[todo[order[fits]]] = (offset + rank[fits] * 173) % SEQ_SLOTS
        todo = np.sort(todo[order[~fits]])
        if not todo.size:
            break
        if attempt == len(MIGRANT_BIRTHPLACES):
            raise ValueError("too many persons share a birth date for unique ID numbers")
        before, since = MIGRANT_BIRTHPLACES[attempt]
        region[todo] = np.where(y[todo] < MIGRANT_CODE_FROM_YEAR, before, since)
    seq = np.where(p.male, 2 * slot + 1, 2 * slot + 2)
    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, 0:6] = s.digits(region, 6)
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
