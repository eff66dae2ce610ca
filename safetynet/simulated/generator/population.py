"""Persons and households of the demo city, as numpy arrays (no Python loop per person).

Everything is drawn from child streams of one seed (``rng(seed, stream, block)``) so that adding a
draw to one part does not shift the others, and a block of households is drawn without the blocks
before it (ADR 1510). Dates are int32 days since 1970-01-01; money is int64 fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .divisions import Community
from .tables import (
    DISABILITY_GRADE_PMF,
    DISABILITY_KIND_PMF,
    ENTITLED_KINDS,
    HOUSEHOLD_SIZE_PMF,
)

EPOCH = dt.date(1970, 1, 1)
YEAR = 365.2425
YUAN = 100  # fen per yuan

# Relation codes (index into tables.RELATIONS).
HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, SIBLING, OTHER = range(7)

# The ID number's first six digits are the code of the registering county *as it was in the birth
# year* (python-stdnum checks this): districts created after a person's birth carry the code of
# their predecessor. (district, last birth year, predecessor code), checked in order.
ID_REGION_HISTORY: dict[int, tuple[tuple[int, int], ...]] = {
    350203: ((1982, 350220),),  # 思明区 from 1983; before: 厦门市市区
    350205: ((1982, 350220),),  # 杏林区 1983-2002, then 海沧区 under the same code
    350206: ((1982, 350220), (1986, 350211)),  # 湖里区 from 1987; 1983-86 郊区
    350211: ((1982, 350220),),  # 郊区 1983-86, 集美区 from 1987
    350212: ((1995, 350221),),  # 同安县 until 1996, 同安区 from 1996
    350213: ((1996, 350221), (2002, 350212)),  # 翔安区 split from 同安 in 2003
}

# When every sequence number of a (region, birth date, sex) is taken (499 per sex; a city of tens of
# millions outgrows the old 厦门市市区 code 350220), the next persons were born elsewhere in
# southern Fujian and carry that county's code, as migrants do: (code until 1984, code from 1985),
# tried in order (ADR 1510). Each is valid for its birth years in python-stdnum's table.
MIGRANT_BIRTHPLACES: tuple[tuple[int, int], ...] = (
    (350121, 350121),  # 闽侯县
    (352421, 350521),  # 惠安县 (晋江地区, then 泉州市)
    (352424, 350524),  # 安溪县
    (352425, 350525),  # 永春县
    (352426, 350526),  # 德化县
    (352522, 350622),  # 云霄县 (龙溪地区, then 漳州市)
    (352523, 350623),  # 漳浦县
    (352524, 350624),  # 诏安县
    (352526, 350626),  # 东山县
    (352527, 350627),  # 南靖县
    (352528, 350628),  # 平和县
    (352529, 350629),  # 华安县
)
MIGRANT_CODE_FROM_YEAR = 1985

DIBAO_STANDARD_FEN = ((dt.date(2019, 7, 1), 800 * YUAN), (dt.date(1900, 1, 1), 720 * YUAN))


def day(d: dt.date) -> int:
    return (d - EPOCH).days


def dibao_standard(reference: dt.date) -> int:
    for since, value in DIBAO_STANDARD_FEN:
        if reference >= since:
            return value
    raise AssertionError


def rng(seed: int, stream: int, block: int = 0) -> np.random.Generator:
    """The random stream `stream` of household block `block` (ADR 1510): independent of every other
    block and stream, so that a block can be generated without the ones before it."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block, stream)))


MASK64 = (1 << 64) - 1


def mix(seed: int, values: np.ndarray) -> np.ndarray:
    """A counter-based hash (splitmix64) of each value under the seed: uint64 values that depend on
    nothing else, for attributes a block needs without drawing them in order (ADR 1510)."""
    with np.errstate(over="ignore"):
        z = np.asarray(values).astype(np.uint64) + np.uint64(
            ((seed + 1) * 0x9E3779B97F4A7C15) & MASK64
        )
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def id_region(district: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    region = district.astype(np.int32).copy()
    for code, steps in ID_REGION_HISTORY.items():
        here = district == code
        # Later steps first so that the earliest matching step wins.
        for last_year, predecessor in reversed(steps):
            region[here & (birth_year <= last_year)] = predecessor
    return region


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    return (
        y.astype(np.int64) + 1970,
        (m - y.astype("datetime64[M]")).astype(np.int64) + 1,
        (d - m.astype("datetime64[D]")).astype(np.int64) + 1,
    )


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """The date `years` after each date (29 Feb -> 28 Feb), as days."""
    y, m, d = ymd(days)
    y = y + years
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    d = np.where((m == 2) & (d == 29) & ~leap, 28, d)
    month = (y - 1970) * 12 + (m - 1)
    return (month.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + d - 1).astype(
        np.int32
    )


def _within(g: np.random.Generator, x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Keep ages in [lo, hi) without piling them up on one birth date at the bounds."""
    x = x.copy()
    low, high = x < lo, x >= hi
    x[low] = lo + g.random(int(low.sum()))
    x[high] = hi - g.random(int(high.sum()))
    return x


def _band_ages(g: np.random.Generator, n: int, bands: list[tuple[int, int, float]]) -> np.ndarray:
    lo = np.array([b[0] for b in bands], dtype=np.float64)
    hi = np.array([b[1] for b in bands], dtype=np.float64)
    p = np.array([b[2] for b in bands], dtype=np.float64)
    k = g.choice(len(bands), size=n, p=p / p.sum())
    return lo[k] + g.random(n) * (hi[k] - lo[k])


SINGLE_HEAD_AGES = [
    (18.1, 30, 0.22), (30, 45, 0.20), (45, 60, 0.17), (60, 70, 0.15), (70, 80, 0.13),
    (80, 90, 0.085), (90, 100, 0.013), (100, 105, 0.0003),
]  # fmt: skip
FAMILY_HEAD_AGES = [
    (22, 30, 0.08), (30, 40, 0.25), (40, 50, 0.24), (50, 60, 0.20), (60, 70, 0.13),
    (70, 80, 0.07), (80, 90, 0.022), (90, 100, 0.0025), (100, 104, 0.00003),
]  # fmt: skip


@dataclass
class Population:
    reference: dt.date
    seed: int
    communities: list[Community]
    # households (H)
    hh_size: np.ndarray
    hh_start: np.ndarray  # index of the head in the person arrays
    hh_community: np.ndarray  # index into communities
    hh_rural: np.ndarray
    hh_poor: np.ndarray
    hh_established: np.ndarray  # day the household was registered
    # persons (N), ordered by household then position (the head first)
    hh: np.ndarray  # household index of each person
    pos: np.ndarray
    relation: np.ndarray
    male: np.ndarray
    birth: np.ndarray
    age: np.ndarray  # completed years at the reference date (at death for the deceased)
    death: np.ndarray  # day of death or -1
    district: np.ndarray
    id_region: np.ndarray
    disability_grade: np.ndarray  # 0 none, 1..4
    disability_kind: np.ndarray  # index into DISABILITY_KINDS, -1 none
    selfcare_failed: np.ndarray
    has_supporter: np.ndarray
    entitled_kind: np.ndarray  # -1 none
    income: dict[str, np.ndarray] = field(default_factory=dict)  # declared = true (before planting)
    unemployment_insurance: np.ndarray | None = None
    formal_job: np.ndarray | None = None  # the wage is from a registered employer
    # household assets (true = declared before planting)
    deposits: np.ndarray | None = None  # per person, fen
    securities: np.ndarray | None = None  # per person, fen
    vehicles: np.ndarray | None = None  # per person count
    homes: np.ndarray | None = None  # per person count
    businesses: np.ndarray | None = None  # per person count (legal representative)
    medical_oop: np.ndarray | None = None  # per household, fen over 12 months
    block: int = 0  # the household block this population is (ADR 1510)
    person_offset: int = 0  # persons in the blocks before this one
    household_offset: int = 0  # households in the blocks before this one

    @property
    def n(self) -> int:
        return int(self.hh.shape[0])

    @property
    def h(self) -> int:
        return int(self.hh_size.shape[0])

    @property
    def alive(self) -> np.ndarray:
        return self.death < 0

    def rng(self, stream: int) -> np.random.Generator:
        return rng(self.seed, stream, self.block)

    def per_household(self, values: np.ndarray) -> np.ndarray:
        """Exact int64 sum of a person array per household."""
        return np.add.reduceat(values.astype(np.int64), self.hh_start)


def make_households(
    seed: int, n: int, communities: list[Community], block: int = 0
) -> tuple[np.ndarray, ...]:
    g = rng(seed, 1, block)
    pmf = np.array(HOUSEHOLD_SIZE_PMF)
    mean = float((np.arange(1, 7) * pmf).sum())
    sizes = np.empty(0, dtype=np.int64)
    while sizes.sum() < n:
        more = g.choice(6, size=int(n / mean * 1.05) + 16, p=pmf) + 1
        sizes = np.concatenate([sizes, more])
    cum = np.cumsum(sizes)
    h = int(np.searchsorted(cum, n)) + 1
    sizes = sizes[:h].copy()
    sizes[-1] -= int(cum[h - 1] - n)
    weights = np.array([c.weight for c in communities])
    community = g.choice(len(communities), size=h, p=weights / weights.sum())
    # Households in a community are numbered in order: sort so that numbering is contiguous.
    community = np.sort(community, kind="stable")
    g.shuffle(sizes)  # the sort above must not correlate size and community
    return sizes, community


def build(
    *, n: int, seed: int, reference: dt.date, communities: list[Community], block: int = 0
) -> Population:
    """The persons of one household block (the whole city when there is one block)."""
    if n < 1:
        raise ValueError("a city has at least one person")
    ref = day(reference)
    sizes, community = make_households(seed, n, communities, block)
    h = sizes.shape[0]
    start = np.zeros(h, dtype=np.int64)
    start[1:] = np.cumsum(sizes)[:-1]
    hh = np.repeat(np.arange(h, dtype=np.int64), sizes)
    pos = np.arange(n, dtype=np.int64) - start[hh]
    size_p = sizes[hh]
    rural_c = np.array([c.is_rural for c in communities])
    district_c = np.array([int(c.district_code) for c in communities], dtype=np.int32)
    hh_rural = rural_c[community]

    # ---- ages and relations --------------------------------------------------------------
    g = rng(seed, 2, block)
    single = sizes == 1
    head_age = np.where(
        single,
        _band_ages(g, h, SINGLE_HEAD_AGES),
        _band_ages(g, h, FAMILY_HEAD_AGES),
    )
    has_spouse = (sizes >= 2) & (g.random(h) < 0.85)
    up_gen = (sizes >= 3) & (head_age < 50) & (g.random(h) < 0.22)  # parents live with them
    ha = head_age[hh]
    u = g.random(n)
    relation = np.full(n, CHILD, dtype=np.int8)
    relation[pos == 0] = HEAD
    relation[(pos == 1) & has_spouse[hh]] = SPOUSE
    elder_head = ha >= 58
    first_free = np.where(has_spouse[hh], 2, 1)
    relation[(pos >= first_free) & up_gen[hh] & (pos < first_free + 2)] = PARENT
    relation[(pos > first_free) & elder_head] = GRANDCHILD
    others = (pos >= 1) & (relation != SPOUSE) & (u < 0.03)
    relation[others & (u < 0.015)] = SIBLING
    relation[others & (u >= 0.015)] = OTHER

    age = np.empty(n, dtype=np.float64)
    age[pos == 0] = head_age
    r = g.random(n)
    is_ = relation == SPOUSE
    age[is_] = _within(g, ha[is_] + g.normal(-1.5, 3.5, size=int(is_.sum())), 18, 105)
    is_ = relation == CHILD
    gap = 21 + r[is_] * 17
    child = ha[is_] - gap
    young = child < 0
    child[young] = r[is_][young] * np.maximum(ha[is_][young] - 20, 0.5)
    age[is_] = child
    is_ = relation == PARENT
    age[is_] = _within(g, ha[is_] + 22 + r[is_] * 12, 18, 105)
    is_ = relation == GRANDCHILD
    age[is_] = np.maximum(ha[is_] - 46 - r[is_] * 20, r[is_] * 6)
    is_ = (relation == SIBLING) | (relation == OTHER)
    age[is_] = _within(g, ha[is_] + g.normal(0, 8, size=int(is_.sum())), 0, 100)

    male = np.empty(n, dtype=bool)
    head_male_p = np.where(single & (head_age >= 70), 0.40, np.where(single, 0.55, 0.72))
    head_male = g.random(h) < head_male_p
    male[:] = g.random(n) < 0.51
    male[pos == 0] = head_male
    male[relation == SPOUSE] = ~head_male[hh[relation == SPOUSE]]

    birth = (ref - np.floor(age * YEAR)).astype(np.int32)
    by, bm, bd = ymd(birth)
    ry, rm, rd = reference.year, reference.month, reference.day
    completed = ry - by - ((bm > rm) | ((bm == rm) & (bd > rd))).astype(np.int64)

    # ---- deaths in the last 12 months (not of heads: the head's household would be cancelled)
    g = rng(seed, 3, block)
    q = np.minimum(0.0005 * np.exp(0.088 * (age - 30)), 0.6)
    dies = (relation != HEAD) & (g.random(n) < q)
    death = np.full(n, -1, dtype=np.int32)
    death_day = ref - g.integers(0, 365, size=n)
    death[dies] = np.maximum(death_day[dies], birth[dies])

    # ---- disability ------------------------------------------------------------------------
    g = rng(seed, 4, block)
    p_dis = 0.04 + 0.25 / (1 + np.exp(-(age - 74) / 7))
    disabled = g.random(n) < p_dis
    grade = np.zeros(n, dtype=np.int8)
    grade[disabled] = g.choice(4, size=int(disabled.sum()), p=DISABILITY_GRADE_PMF) + 1
    kind = np.full(n, -1, dtype=np.int8)
    kind[disabled] = g.choice(7, size=int(disabled.sum()), p=DISABILITY_KIND_PMF)
    severe = (grade == 1) | (grade == 2)
    frail = (age >= 80) | severe
    failed = np.zeros(n, dtype=np.int8)
    fail_draw = g.choice(7, size=n, p=[0.45, 0.12, 0.1, 0.08, 0.1, 0.08, 0.07]).astype(np.int8)
    failed[frail] = fail_draw[frail]
    failed[grade == 1] = np.maximum(failed[grade == 1], 2)

    # ---- supporters, entitled groups --------------------------------------------------------
    g = rng(seed, 5, block)
    has_supporter = np.ones(n, dtype=bool)
    lone = single[hh] & ((age >= 60) | severe)
    has_supporter[lone & (g.random(n) < 0.55)] = False
    entitled = np.full(n, -1, dtype=np.int8)
    ent = (age >= 40) & (g.random(n) < np.where(male, 0.004, 0.001))
    entitled[ent] = g.choice(len(ENTITLED_KINDS), size=int(ent.sum()), p=[0.2, 0.15, 0.55, 0.1])

    # ---- households: poverty, established date ---------------------------------------------
    g = rng(seed, 6, block)
    hh_disabled = np.add.reduceat(severe.astype(np.int64), start) > 0
    p_poor = (
        0.018
        + 0.03 * hh_rural
        + 0.07 * (single & (head_age >= 65))
        + 0.05 * hh_disabled
        + 0.02 * (sizes >= 5)
    )
    hh_poor = g.random(h) < p_poor
    oldest_adult_age = head_age - 18
    established = (ref - np.floor(g.random(h) * np.minimum(oldest_adult_age, 40) * YEAR)).astype(
        np.int32
    )

    pop = Population(
        reference=reference,
        seed=seed,
        communities=communities,
        hh_size=sizes,
        hh_start=start,
        hh_community=community,
        hh_rural=hh_rural,
        hh_poor=hh_poor,
        hh_established=established,
        hh=hh,
        pos=pos,
        relation=relation,
        male=male,
        birth=birth,
        age=completed,
        death=death,
        district=district_c[community][hh],
        id_region=id_region(district_c[community][hh], by),
        disability_grade=grade,
        disability_kind=kind,
        selfcare_failed=failed,
        has_supporter=has_supporter,
        entitled_kind=entitled,
        block=block,
    )
    del size_p
    _economy(pop)
    return pop


def _lognormal_yuan(g: np.random.Generator, n: int, median: float, sigma: float) -> np.ndarray:
    return np.round(g.lognormal(np.log(median), sigma, size=n)) * YUAN


def _economy(p: Population) -> None:
    """Declared monthly income (6-month average) and assets. Before planting, declared = true."""
    g = p.rng(7)
    n = p.n
    poor = p.hh_poor[p.hh]
    rural = p.hh_rural[p.hh]
    age = p.age
    alive = p.alive
    severe = (p.disability_grade == 1) | (p.disability_grade == 2)
    working_age = (age >= 18) & (age < 60) & ~severe
    retired = np.where(p.male, age >= 60, age >= 55)

    emp_p = np.where(poor, 0.22, np.where(age < 23, 0.25, 0.80))
    employed = working_age & alive & (g.random(n) < emp_p)
    formal = employed & ~poor
    wage = np.zeros(n, dtype=np.int64)
    wage[formal] = np.maximum(
        _lognormal_yuan(g, int(formal.sum()), 6000, 0.55), 1800 * YUAN
    ).astype(np.int64)
    informal = employed & poor
    wage[informal] = (300 + np.round(g.random(int(informal.sum())) * 900)).astype(np.int64) * YUAN

    self_employed = working_age & alive & ~employed & ~poor & (g.random(n) < 0.12)
    business = np.zeros(n, dtype=np.int64)
    business[self_employed] = _lognormal_yuan(g, int(self_employed.sum()), 7000, 0.6)

    pension = np.zeros(n, dtype=np.int64)
    gets = retired & alive
    employee_pension = gets & ~poor & (g.random(n) < np.where(rural, 0.3, 0.8))
    pension[employee_pension] = _lognormal_yuan(g, int(employee_pension.sum()), 3200, 0.35)
    resident = gets & ~employee_pension & (g.random(n) < 0.92)
    pension[resident] = (150 + np.round(g.random(int(resident.sum())) * 330)).astype(
        np.int64
    ) * YUAN

    prop = np.zeros(n, dtype=np.int64)
    has_prop = alive & (age >= 25) & ~poor & (g.random(n) < 0.08)
    prop[has_prop] = _lognormal_yuan(g, int(has_prop.sum()), 1800, 0.7)

    transfer = np.zeros(n, dtype=np.int64)
    ui = working_age & alive & ~employed & ~self_employed & ~poor & (g.random(n) < 0.05)
    transfer[ui] = 1620 * YUAN  # unemployment insurance benefit, 90% of the minimum wage
    support = alive & poor & (age >= 18) & (g.random(n) < 0.15)
    transfer[support] += (100 + np.round(g.random(int(support.sum())) * 300)).astype(
        np.int64
    ) * YUAN

    # Excluded by policy (POLICY §3): the categories that pay them are set from enrolments later.
    zeros = np.zeros(n, dtype=np.int64)
    age_allowance = (
        np.where(
            alive & (age >= 100),
            1100,
            np.where(alive & (age >= 90), 200, np.where(alive & (age >= 80), 100, 0)),
        ).astype(np.int64)
        * YUAN
    )
    entitled_pension = np.where(alive & (p.entitled_kind >= 0), 1500 * YUAN, 0).astype(np.int64)
    disability_subsidy = np.where(alive & severe, 100 * YUAN, 0).astype(np.int64)
    award = np.zeros(n, dtype=np.int64)
    student = alive & (age >= 12) & (age < 22) & (g.random(n) < 0.02)
    award[student] = 50 * YUAN * g.integers(1, 11, size=int(student.sum()))
    p.income = {
        "income_wage_fen": wage,
        "income_business_fen": business,
        "income_pension_fen": pension,
        "income_property_fen": prop,
        "income_transfer_fen": transfer,
        "income_five_elder_subsidy_fen": zeros.copy(),
        "income_entitled_pension_fen": entitled_pension,
        "income_age_allowance_fen": age_allowance,
        "income_disability_subsidy_fen": disability_subsidy,
        "income_temporary_aid_fen": zeros.copy(),
        "income_award_fen": award,
    }
    p.unemployment_insurance = ui
    p.formal_job = formal

    # ---- assets, assigned to the head (and spouse) -----------------------------------------
    g = p.rng(8)
    h = p.h
    hh_income = p.per_household(wage + business + pension + prop)
    poor_h = p.hh_poor
    fin = np.where(
        poor_h,
        np.round(g.random(h) * 15000) * YUAN,
        np.round(g.lognormal(np.log(60000), 1.0, size=h) * (1 + hh_income / (20000 * YUAN))) * YUAN,
    ).astype(np.int64)
    sec_h = np.where(
        ~poor_h & (g.random(h) < 0.12), np.round(g.lognormal(np.log(80000), 0.9, size=h)) * YUAN, 0
    ).astype(np.int64)
    veh_h = np.where(poor_h, 0, (g.random(h) < 0.42).astype(np.int64) + (g.random(h) < 0.08))
    home_h = np.where(
        poor_h,
        (g.random(h) < 0.55).astype(np.int64),
        1 + (g.random(h) < 0.15).astype(np.int64) - (g.random(h) < 0.08).astype(np.int64),
    )
    head = p.hh_start
    spouse_of = np.full(h, -1, dtype=np.int64)
    sp = np.flatnonzero(p.relation == SPOUSE)
    spouse_of[p.hh[sp]] = sp
    has_sp = spouse_of >= 0
    # A living spouse holds part of the deposits and sometimes the car.
    sp_alive = has_sp & (p.death[np.maximum(spouse_of, 0)] < 0)
    share = np.where(sp_alive, 0.4, 0.0)
    deposits = np.zeros(n, dtype=np.int64)
    sp_part = (np.round(fin * share / YUAN) * YUAN).astype(np.int64)
    deposits[head] = fin - sp_part
    deposits[spouse_of[sp_alive]] = sp_part[sp_alive]
    securities = np.zeros(n, dtype=np.int64)
    securities[head] = sec_h
    vehicles = np.zeros(n, dtype=np.int64)
    to_spouse = sp_alive & (veh_h == 2)
    vehicles[head] = veh_h - to_spouse
    vehicles[spouse_of[to_spouse]] += 1
    homes = np.zeros(n, dtype=np.int64)
    homes[head] = home_h
    p.deposits = deposits
    p.securities = securities
    p.vehicles = vehicles
    p.homes = homes
    p.businesses = (business > 0).astype(np.int64)
    oop = np.round(g.lognormal(np.log(1500), 1.1, size=h)) * YUAN
    sick = g.random(h) < 0.06
    oop[sick] = np.round(20000 + g.random(int(sick.sum())) * 180000) * YUAN
    p.medical_oop = oop.astype(np.int64)
