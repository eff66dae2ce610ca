"""The agencies' extracts that verification reads, and the planted discrepancies.

Before planting, every declared fact equals the truth, and every extract is built from the truth:
a verification of an honest household finds exactly what was declared. Planting then gives a known
share of recipient households one undeclared fact each (a hidden wage, deposit, car, home, business,
pension, securities, labour income, or an unreported death). Only the truth changes; the declared
columns and the enrolments stay as they were, so the extracts now disagree with the declaration and
`ground_truth/discrepancies.parquet` says where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from . import strings as s
from .enrolments import CAT, FINANCIAL_ASSET_MONTHS, Enrolments, declared_household
from .population import YEAR, YUAN, Population, add_years, day, dibao_standard, mix, ymd
from .tables import (
    BANK_WEIGHTS,
    BANKS,
    BROKERS,
    BUSINESS_KINDS,
    DISTRICT_PLATE,
    EMPLOYER_KINDS,
    FUNERAL_HOMES,
    PLATE_LETTERS,
)

# kind, primary source (the extract that shows it), other extracts that show it too, weight
PLANT_KINDS: tuple[tuple[str, str, str, float], ...] = (
    ("undeclared_wage", "employment", "social_insurance,tax", 0.25),
    ("undeclared_deposit", "bank_deposits", "", 0.20),
    ("undeclared_vehicle", "vehicles", "", 0.12),
    ("undeclared_property", "real_estate", "", 0.10),
    ("undeclared_business", "businesses", "", 0.08),
    ("undeclared_pension", "pensions", "", 0.08),
    ("undeclared_securities", "securities", "", 0.07),
    ("undeclared_labour_income", "tax", "", 0.05),
    ("unreported_death", "deaths", "", 0.05),
)
KIND = {k[0]: i for i, k in enumerate(PLANT_KINDS)}
DEFAULT_DISCREPANCY_SHARE = 0.10

TRADE_CHARS = "鑫华盛达源通泰恒信诚丰海鹭嘉宏润祥隆安和远新创兴益美优佳金瑞"
DISTRICT_SHORT = {
    350203: "思明",
    350205: "海沧",
    350206: "湖里",
    350211: "集美",
    350212: "同安",
    350213: "翔安",
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])


@dataclass
class Planted:
    household: np.ndarray  # household index
    person: np.ndarray  # person index
    kind: np.ndarray  # index into PLANT_KINDS
    amount: np.ndarray  # fen (monthly for income kinds, stock for assets, annual for labour)
    day: np.ndarray  # death day for unreported deaths, else -1


# --------------------------------------------------------------------------- planting
class PlantQuota:
    """How many households each block plants, and which kinds, so that the city as a whole plants
    round(share x recipients) households whatever its blocks (ADR 1510).

    Kinds follow one sequence over the city: one of each kind first, then each next planted
    household gets the kind furthest below its weighted share (a house-monotone apportionment, so
    the counts of the first K do not depend on how K is split over blocks)."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.recipients = 0
        self.planted = 0
        w = np.array([x[3] for x in PLANT_KINDS])
        self._weights = w / w.sum()
        self._beyond_first = np.zeros(len(PLANT_KINDS), dtype=np.int64)

    def _kind(self, j: int) -> int:
        if j < len(PLANT_KINDS):
            return j
        target = self._weights * (j - len(PLANT_KINDS) + 1)
        k = int(np.argmax(target - self._beyond_first))
        self._beyond_first[k] += 1
        return k

    def take(self, recipients: int) -> np.ndarray:
        """The kinds to plant in a block with `recipients` recipient households."""
        self.recipients += recipients
        total = round(self.share * self.recipients)
        kinds = [self._kind(j) for j in range(self.planted, total)]
        self.planted = total
        return np.array(kinds, dtype=np.int64)


def plant(p: Population, e: Enrolments, quota: PlantQuota) -> Planted:
    g = p.rng(40)
    ref = day(p.reference)
    std = dibao_standard(p.reference)
    recipients = np.flatnonzero(e.household_program >= 0)
    kinds = quota.take(recipients.size)
    chosen = np.sort(g.permutation(recipients)[: kinds.size])
    kind_h = np.full(p.h, -1, dtype=np.int64)
    kind_h[chosen] = g.permutation(kinds)

    alive = p.alive
    adult = alive & (p.age >= 18)
    retired = alive & np.where(p.male, p.age >= 60, p.age >= 55)
    ok = adult.copy()
    kp = kind_h[p.hh]
    wage_kind = kp == KIND["undeclared_wage"]
    ok[wage_kind] = (adult & (p.age < 60) & ~p.formal_job)[wage_kind]
    pension_kind = kp == KIND["undeclared_pension"]
    ok[pension_kind] = (retired & (p.income["income_pension_fen"] < 1000 * YUAN))[pension_kind]
    death_kind = kp == KIND["unreported_death"]
    ok[death_kind] = alive[death_kind]

    def pick(mask: np.ndarray) -> np.ndarray:
        idx = np.flatnonzero(mask)
        order = np.lexsort((g.random(idx.size), p.hh[idx]))
        idx = idx[order]
        first = np.ones(idx.size, dtype=bool)
        first[1:] = p.hh[idx][1:] != p.hh[idx][:-1]
        return idx[first]

    person_h = np.full(p.h, -1, dtype=np.int64)
    got = pick(ok & (kp >= 0))
    person_h[p.hh[got]] = got
    missing = chosen[person_h[chosen] < 0]  # no one fits: plant a deposit on an adult instead
    kind_h[missing] = KIND["undeclared_deposit"]
    again = pick(adult & np.isin(p.hh, missing))
    person_h[p.hh[again]] = again
    chosen = chosen[person_h[chosen] >= 0]

    person = person_h[chosen]
    kind = kind_h[chosen]
    u = g.random(chosen.size)
    members = np.maximum(declared_household(p)["members"][chosen], 1)
    amount = np.zeros(chosen.size, dtype=np.int64)
    yuan = lambda lo, hi: (np.round(lo + u * (hi - lo)) * YUAN).astype(np.int64)  # noqa: E731
    sel = {name: kind == i for name, i in KIND.items()}
    amount[sel["undeclared_wage"]] = yuan(2500, 8000)[sel["undeclared_wage"]]
    deposit = FINANCIAL_ASSET_MONTHS * std * members + yuan(50_000, 300_000)
    amount[sel["undeclared_deposit"]] = deposit[sel["undeclared_deposit"]]
    amount[sel["undeclared_vehicle"]] = yuan(80_000, 250_000)[sel["undeclared_vehicle"]]
    amount[sel["undeclared_property"]] = yuan(600_000, 3_000_000)[sel["undeclared_property"]]
    amount[sel["undeclared_business"]] = yuan(50_000, 1_000_000)[sel["undeclared_business"]]
    amount[sel["undeclared_pension"]] = yuan(2500, 5000)[sel["undeclared_pension"]]
    amount[sel["undeclared_securities"]] = yuan(100_000, 600_000)[sel["undeclared_securities"]]
    amount[sel["undeclared_labour_income"]] = yuan(40_000, 150_000)[sel["undeclared_labour_income"]]
    death = np.full(chosen.size, -1, dtype=np.int64)
    dd = ref - 30 - np.floor(u * 150).astype(np.int64)
    death[sel["unreported_death"]] = dd[sel["unreported_death"]]
    order = np.argsort(chosen, kind="stable")
    return Planted(chosen[order], person[order], kind[order], amount[order], death[order])


@dataclass
class Serials:
    """Running numbers over the blocks written so far, so that account numbers, plates, certificate
    numbers and credit codes stay unique in the city whatever its blocks (ADR 1510)."""

    employers: int  # the size of the city's pool of registered employers
    bank_accounts: int = 0
    securities_accounts: int = 0
    vehicles: int = 0
    businesses: int = 0
    # certificates given per registration year (index: year - 1900)
    certificates: np.ndarray = field(default_factory=lambda: np.zeros(300, dtype=np.int64))

    @staticmethod
    def for_city(persons: int) -> Serials:
        return Serials(employers=max(20, persons // 50))

    def take(self, name: str, count: int) -> np.ndarray:
        """The next `count` serials of one counter."""
        first = getattr(self, name)
        setattr(self, name, first + count)
        return np.arange(first, first + count, dtype=np.int64)

    def certificate_numbers(self, year: np.ndarray) -> np.ndarray:
        """Certificate numbers unique within each registration year, after the earlier blocks."""
        index = year.astype(np.int64) - 1900
        order = np.argsort(index, kind="stable")
        si = index[order]
        new = np.ones(si.size, dtype=bool)
        new[1:] = si[1:] != si[:-1]
        first = np.maximum.accumulate(np.where(new, np.arange(si.size), 0))
        rank = np.empty(si.size, dtype=np.int64)
        rank[order] = np.arange(si.size) - first + self.certificates[si]
        np.add.at(self.certificates, index, 1)
        if rank.size and rank.max() >= 10**7:
            raise ValueError(
                "too many homes registered in one year for 7-digit certificate numbers"
            )
        return (rank * 7919 + 11) % 10**7


# --------------------------------------------------------------------------- helpers
def _date(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null)


def _uscc(p: Population, serial: np.ndarray, region: np.ndarray, org_type: np.ndarray) -> pa.Array:
    """Valid unified social credit codes: '9' + type + region + 9-char organisation code + check."""
    n = serial.shape[0]
    org8 = (serial.astype(np.int64) * 7919 + 10_000_019) % 100_000_000
    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, 0] = ord("9")
    mat[:, 1] = 48 + org_type
    mat[:, 2:8] = s.digits(region, 6)
    mat[:, 8:16] = s.digits(org8, 8)
    c9 = 11 - ((mat[:, 8:16].astype(np.int64) - 48) * ORG_WEIGHTS).sum(axis=1) % 11
    mat[:, 16] = np.where(c9 == 10, ord("X"), np.where(c9 == 11, ord("0"), 48 + c9))
    value = np.full(256, -1, dtype=np.int64)
    for i, ch in enumerate(USCC_ALPHABET):
        value[ord(ch)] = i
    total = (value[mat[:, :17]] * USCC_WEIGHTS).sum(axis=1)
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    mat[:, 17] = alphabet[(31 - total % 31) % 31]
    return s.fixed_width(mat)


def _employers(p: Population, employer: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(credit code, name) of each employer index: a pure function of the seed and the index, so
    every block names the city's employer pool the same way (ADR 1510). Computed once per
    distinct employer of the block."""
    employer, back = np.unique(employer, return_inverse=True)
    h = [mix(p.seed, employer * 4 + k) for k in range(4)]
    region = np.array(list(DISTRICT_SHORT))[(h[0] % np.uint64(6)).astype(np.int64)]
    code = _uscc(p, employer, region, np.ones(employer.size, dtype=np.int64))
    chars = list(TRADE_CHARS)
    n_chars = np.uint64(len(chars))
    name = s.join(
        "厦门",
        s.take(chars, (h[1] % n_chars).astype(np.int64)),
        s.take(chars, (h[2] % n_chars).astype(np.int64)),
        s.take(EMPLOYER_KINDS, (h[3] % np.uint64(len(EMPLOYER_KINDS))).astype(np.int64)),
        "（演示）",
    )
    back = pa.array(back.astype(np.int64))
    return code.take(back), name.take(back)


def _trade_name(g: np.random.Generator, n: int) -> pa.Array:
    chars = list(TRADE_CHARS)
    return s.join(
        s.take(chars, g.integers(0, len(chars), n)), s.take(chars, g.integers(0, len(chars), n))
    )


def _split(
    g: np.random.Generator, total: np.ndarray, parts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Split each total into `parts` positive pieces summing exactly to it.

    Returns (owner index, amount) per piece."""
    owner = np.repeat(np.arange(total.shape[0]), parts)
    w = g.random(owner.size) + 0.2
    starts = np.zeros(total.shape[0], dtype=np.int64)
    starts[1:] = np.cumsum(parts)[:-1]
    wsum = np.add.reduceat(w, starts)
    amount = np.floor(total[owner] * (w / wsum[owner])).astype(np.int64)
    amount[starts] += total - np.add.reduceat(amount, starts)
    return owner, amount


def _table(columns: dict[str, pa.Array]) -> pa.Table:
    return pa.table(columns)


# --------------------------------------------------------------------------- extracts
def extracts(
    p: Population,
    e: Enrolments,
    planted: Planted,
    ids: pa.Array,
    names: pa.Array,
    serials: Serials,
) -> dict[str, pa.Table]:
    ref = day(p.reference)
    g = p.rng(50)
    n = p.n
    alive = p.alive
    kinds = {name: planted.kind == i for name, i in KIND.items()}

    def plant_of(kind: str) -> tuple[np.ndarray, np.ndarray]:
        m = kinds[kind]
        return planted.person[m], planted.amount[m]

    def by_person(person: np.ndarray, cols: dict[str, pa.Array | np.ndarray]) -> pa.Table:
        """Rows sorted by person (agencies answer by ID number), id_number first."""
        order = np.argsort(person, kind="stable")
        out = {"id_number": ids.take(pa.array(person[order]))}
        for k, v in cols.items():
            arr = v if isinstance(v, pa.Array | pa.ChunkedArray) else pa.array(v)
            out[k] = arr.take(pa.array(order))
        return _table(out)

    tables: dict[str, pa.Table] = {}

    # ---- employers: the city's pool of registered companies (a few big ones, many small ones)
    n_emp = serials.employers

    # ---- employment: formal jobs + planted hidden wages
    hidden_person, hidden_wage = plant_of("undeclared_wage")
    worker = np.concatenate([np.flatnonzero(p.formal_job), hidden_person])
    wage = np.concatenate([p.income["income_wage_fen"][p.formal_job], hidden_wage])
    employer = np.floor(n_emp * g.random(worker.size) ** 2.5).astype(np.int64)
    worker_uscc, worker_employer = _employers(p, employer)
    years = np.minimum(np.maximum(p.age[worker] - 18, 0), 20) + 0.1
    start = ref - 30 - np.floor(g.random(worker.size) * years * YEAR).astype(np.int64)
    # a planted hidden job is held through the whole 6-month averaging window (POLICY §3)
    hidden = slice(worker.size - hidden_person.size, None)
    start[hidden] = np.minimum(start[hidden], ref - 7 * 31)
    tables["employment"] = by_person(
        worker,
        {
            "employer_uscc": worker_uscc,
            "employer_name": worker_employer,
            "start_date": _date(start),
            "end_date": _date(np.zeros(worker.size), np.ones(worker.size, dtype=bool)),
            "monthly_wage_fen": wage.astype(np.int64),
        },
    )

    # ---- social insurance: every employee contributes; unemployment benefit recipients
    base = np.clip(wage, 1800 * YUAN, 21_000 * YUAN)
    ui = np.flatnonzero(p.unemployment_insurance)
    si_person = np.concatenate([worker, ui])
    m_si = worker.size
    null_ui = np.r_[np.zeros(m_si, bool), np.ones(ui.size, bool)]
    ref_month = f"{p.reference.year:04d}-{p.reference.month:02d}"
    tables["social_insurance"] = by_person(
        si_person,
        {
            "scheme": s.take(("employee", "unemployment_benefit"), null_ui.astype(np.int64)),
            "employer_uscc": pa.concat_arrays([worker_uscc, pa.nulls(ui.size, pa.string())]),
            "contribution_base_fen": pa.array(
                np.r_[base, np.zeros(ui.size, np.int64)], mask=null_ui
            ),
            "benefit_monthly_fen": pa.array(
                np.r_[np.zeros(m_si, np.int64), p.income["income_transfer_fen"][ui]], mask=~null_ui
            ),
            "paid_through": pa.array([ref_month] * si_person.size, pa.string()),
        },
    )

    # ---- housing provident fund: most formal employees
    hf = g.random(worker.size) < 0.62
    deposit = (np.round(base[hf] * 0.24 / YUAN) * YUAN).astype(np.int64)
    months = g.integers(3, 180, size=int(hf.sum()))
    tables["housing_fund"] = by_person(
        worker[hf],
        {
            "employer_uscc": worker_uscc.filter(pa.array(hf)),
            "monthly_deposit_fen": deposit,
            "balance_fen": deposit * months,
            "status": pa.array(["normal"] * int(hf.sum()), pa.string()),
        },
    )

    # ---- tax (manual): 2019 annual wages and business income, planted labour income
    labour_person, labour = plant_of("undeclared_labour_income")
    biz = np.flatnonzero(p.income["income_business_fen"] > 0)
    tax_person = np.concatenate([worker, biz, labour_person])
    annual = np.concatenate([wage * 12, p.income["income_business_fen"][biz] * 12, labour])
    tax_kind = np.r_[np.zeros(worker.size), np.ones(biz.size), np.full(labour.size, 2)].astype(
        np.int64
    )
    taxable = np.maximum(annual - 60_000 * YUAN - annual // 5, 0)
    tax = np.where(
        taxable <= 36_000 * YUAN, taxable * 3 // 100, taxable // 10 - 2520 * YUAN
    ).astype(np.int64)
    tables["tax"] = by_person(
        tax_person,
        {
            "tax_year": np.full(tax_person.size, p.reference.year - 1, dtype=np.int16),
            "income_kind": s.take(("wages", "business", "labour"), tax_kind),
            "annual_income_fen": annual.astype(np.int64),
            "tax_paid_fen": tax,
        },
    )

    # ---- pensions
    pension = p.income["income_pension_fen"].copy()
    pp, pamount = plant_of("undeclared_pension")
    employee = pension >= 1000 * YUAN
    pension[pp] = pamount
    employee[pp] = True
    pensioner = np.flatnonzero((pension > 0) & alive)
    retire_age = np.where(p.male[pensioner], 60, 55)
    pstart = np.minimum(
        add_years(p.birth[pensioner], 60) - np.where(retire_age == 55, 1826, 0), ref
    )
    tables["pensions"] = by_person(
        pensioner,
        {
            "pension_kind": s.take(
                ("resident_basic", "employee_basic"), employee[pensioner].astype(np.int64)
            ),
            "monthly_amount_fen": pension[pensioner],
            "start_date": _date(pstart),
            "status": pa.array(["paying"] * pensioner.size, pa.string()),
        },
    )

    # ---- bank deposits (20 banks): declared deposits split over 1-3 accounts + planted accounts
    dp, damount = plant_of("undeclared_deposit")
    holder = np.flatnonzero(p.deposits > 0)
    total = p.deposits[holder]
    parts = np.where(total > 20_000 * YUAN, g.integers(1, 4, holder.size), 1)
    owner, amount = _split(g, total, parts)
    acc_person = np.concatenate([holder[owner], dp])
    acc_amount = np.concatenate([amount, damount])
    bw = np.array(BANK_WEIGHTS, dtype=np.float64)
    bank = g.choice(len(BANKS), size=acc_person.size, p=bw / bw.sum())
    serial = (serials.take("bank_accounts", acc_person.size) * 7_919_003 + 17) % 10**13
    acc = np.empty((acc_person.size, 19), dtype=np.uint8)
    acc[:, 0:6] = s.digits(622_100 + bank * 37, 6)
    acc[:, 6:19] = s.digits(serial, 13)
    tables["bank_deposits"] = by_person(
        acc_person,
        {
            "bank_code": s.take([b[0] for b in BANKS], bank),
            "bank_name": s.take([b[1] for b in BANKS], bank),
            "account_number": s.fixed_width(acc),
            "balance_fen": acc_amount,
            "as_of": _date(np.full(acc_person.size, ref)),
        },
    )

    # ---- securities (manual)
    sp, samount = plant_of("undeclared_securities")
    sholder = np.flatnonzero(p.securities > 0)
    sec_person = np.concatenate([sholder, sp])
    broker = g.integers(0, len(BROKERS), sec_person.size)
    tables["securities"] = by_person(
        sec_person,
        {
            "broker": s.take(BROKERS, broker),
            "account_number": s.zero_padded(
                (serials.take("securities_accounts", sec_person.size) * 7919 + 3) % 10**12, 12
            ),
            "market_value_fen": np.concatenate([p.securities[sholder], samount]),
            "as_of": _date(np.full(sec_person.size, ref)),
        },
    )

    # ---- vehicles
    vp, vamount = plant_of("undeclared_vehicle")
    owners = np.repeat(np.arange(n), p.vehicles)
    veh_person = np.concatenate([owners, vp])
    m_v = veh_person.size
    value = np.concatenate(
        [np.round(g.lognormal(np.log(120_000), 0.5, owners.size)) * YUAN, vamount]
    ).astype(np.int64)
    code = (serials.take("vehicles", m_v) * 7919 + 101) % (34**5)
    if serials.vehicles > 34**5:
        raise ValueError("too many vehicles for unique 5-character plates")
    alphabet = np.frombuffer(("0123456789" + PLATE_LETTERS).encode(), dtype=np.uint8)
    plate = np.empty((m_v, 5), dtype=np.uint8)
    plate[:, 0] = np.frombuffer(PLATE_LETTERS.encode(), dtype=np.uint8)[code % 24]
    rest = code // 24
    for col in range(1, 5):
        plate[:, col] = alphabet[rest % 34]
        rest //= 34
    vkind = np.where(g.random(m_v) < 0.93, 0, 1)
    tables["vehicles"] = by_person(
        veh_person,
        {
            "plate": s.join(DISTRICT_PLATE, s.fixed_width(plate)),
            "vehicle_kind": s.take(("small_car", "truck"), vkind),
            "registration_date": _date(ref - 30 - np.floor(g.random(m_v) * 12 * YEAR)),
            "estimated_value_fen": value,
            "status": pa.array(["normal"] * m_v, pa.string()),
        },
    )

    # ---- real estate
    hp, hamount = plant_of("undeclared_property")
    howners = np.repeat(np.arange(n), p.homes)
    home_person = np.concatenate([howners, hp])
    m_h = home_person.size
    area = np.clip(np.round(g.lognormal(np.log(90), 0.35, m_h)), 20, 400).astype(np.int32)
    hvalue = np.concatenate(
        [
            area[: howners.size].astype(np.int64)
            * np.round(g.lognormal(np.log(40_000), 0.3, howners.size))
            * YUAN,
            hamount,
        ]
    ).astype(np.int64)
    reg = (ref - 60 - np.floor(g.random(m_h) * 20 * YEAR)).astype(np.int64)
    reg_year = ymd(reg)[0]
    cert_no = serials.certificate_numbers(reg_year)
    comm_names = pa.array([c.name for c in p.communities], pa.string())
    home_comm = p.hh_community[p.hh[home_person]]
    other = np.r_[np.zeros(howners.size, bool), np.ones(hp.size, bool)]  # planted: elsewhere
    home_comm = np.where(other, g.integers(0, len(p.communities), m_h), home_comm)
    tables["real_estate"] = by_person(
        home_person,
        {
            "certificate_number": s.join(
                "闽(", s.int_str(reg_year), ")厦门市不动产权第", s.zero_padded(cert_no, 7), "号"
            ),
            "address": s.join(
                comm_names.take(pa.array(home_comm)),
                s.int_str(g.integers(1, 300, m_h)),
                "号",
                s.int_str(g.integers(1, 33, m_h) * 100 + g.integers(1, 7, m_h)),
                "室",
            ),
            "usage": pa.array(["residential"] * m_h, pa.string()),
            "area_m2": area,
            "estimated_value_fen": hvalue,
            "registration_date": _date(reg),
        },
    )

    # ---- businesses (market supervision): self-employed persons' businesses + planted ones
    bp, bamount = plant_of("undeclared_business")
    brep = np.flatnonzero(p.businesses > 0)
    bus_person = np.concatenate([brep, bp])
    m_b = bus_person.size
    company = g.random(m_b) < 0.2
    capital = (
        np.where(
            company,
            np.round(g.lognormal(np.log(500_000), 0.8, m_b)),
            np.round(g.lognormal(np.log(50_000), 0.7, m_b)),
        ).astype(np.int64)
        * YUAN
    )
    capital[brep.size :] = bamount
    bdistrict = p.district[bus_person].astype(np.int64)
    dnames = np.array([DISTRICT_SHORT[int(d)] for d in DISTRICT_SHORT])
    dindex = np.searchsorted(np.array(list(DISTRICT_SHORT)), bdistrict)
    bkind = g.integers(0, len(BUSINESS_KINDS), m_b)
    tables["businesses"] = by_person(
        bus_person,
        {
            "uscc": _uscc(
                p, n_emp + serials.take("businesses", m_b), bdistrict, np.where(company, 1, 2)
            ),
            "name": s.join(
                "厦门市",
                s.take(list(dnames), dindex),
                "区",
                _trade_name(g, m_b),
                s.take(BUSINESS_KINDS, bkind),
                "（演示）",
            ),
            "entity_kind": s.take(("individual", "company"), company.astype(np.int64)),
            "role": pa.array(["legal_representative"] * m_b, pa.string()),
            "registered_capital_fen": capital,
            "registration_date": _date(ref - 30 - np.floor(g.random(m_b) * 10 * YEAR)),
            "status": pa.array(["active"] * m_b, pa.string()),
            "district_code": s.int_str(bdistrict),
        },
    )

    # ---- deaths (public security and civil affairs funeral records) + unreported deaths
    m_d = kinds["unreported_death"]
    dead = np.flatnonzero(~alive)
    death_person = np.concatenate([dead, planted.person[m_d]])
    death_day = np.concatenate([p.death[dead], planted.day[m_d]])
    m_dd = death_person.size
    tables["deaths"] = by_person(
        death_person,
        {
            "death_date": _date(death_day),
            "reported_by": s.take(
                ("civil_affairs_funeral", "public_security"),
                (g.random(m_dd) < 0.3).astype(np.int64),
            ),
            "place": s.take(("hospital", "home", "other"), g.choice(3, m_dd, p=[0.7, 0.27, 0.03])),
            "cremated": g.random(m_dd) < 0.97,
            "funeral_home": s.take(FUNERAL_HOMES, g.choice(3, m_dd, p=[0.7, 0.15, 0.15])),
        },
    )

    # ---- marriages: head and spouse, one row per partner
    sp = np.flatnonzero(p.relation == 1)
    hd = p.hh_start[p.hh[sp]]
    younger = np.maximum(p.birth[sp], p.birth[hd])
    wed = np.minimum(
        add_years(younger, 22) + np.floor(g.random(sp.size) * 8 * YEAR).astype(np.int64), ref - 1
    )
    office = s.join(
        s.take(list(dnames), np.searchsorted(np.array(list(DISTRICT_SHORT)), p.district[hd])),
        "区民政局婚姻登记处",
    )
    mp = np.concatenate([hd, sp])
    tables["marriages"] = by_person(
        mp,
        {
            "spouse_id_number": ids.take(pa.array(np.concatenate([sp, hd]))),
            "event": pa.array(["marriage"] * mp.size, pa.string()),
            "event_date": _date(np.concatenate([wed, wed])),
            "registry_office": pa.concat_arrays([office, office]),
        },
    )

    # ---- court enforcement (查控): judgment debtors, background only
    debtor = np.flatnonzero(
        alive & (p.age >= 20) & (g.random(n) < np.where(p.hh_poor[p.hh], 0.002, 0.004))
    )
    m_c = debtor.size
    filing = ref - 30 - np.floor(g.random(m_c) * 4 * YEAR).astype(np.int64)
    fyear = ymd(filing)[0]
    cd = p.district[debtor].astype(np.int64)
    tables["court_enforcement"] = by_person(
        debtor,
        {
            "case_number": s.join(
                "（",
                s.int_str(fyear),
                "）闽",
                s.int_str(cd % 10000),
                "执",
                s.int_str(g.integers(1, 9999, m_c)),
                "号",
            ),
            "court": s.join(
                s.take(list(dnames), np.searchsorted(np.array(list(DISTRICT_SHORT)), cd)),
                "区人民法院",
            ),
            "filing_date": _date(filing),
            "amount_fen": (np.round(g.lognormal(np.log(50_000), 1.0, m_c)) * YUAN).astype(np.int64),
            "status": s.take(("executing", "closed"), (g.random(m_c) < 0.4).astype(np.int64)),
            "dishonest": g.random(m_c) < 0.3,
        },
    )
    del names
    return tables


def ground_truth(
    p: Population, e: Enrolments, planted: Planted, ids: pa.Array, hh_numbers: pa.Array
) -> pa.Table:
    d = declared_household(p)
    hh = planted.household
    person = planted.person
    kind = planted.kind
    declared = np.zeros(hh.size, dtype=np.int64)
    actual = planted.amount.copy()
    unit = np.zeros(hh.size, dtype=np.int64)  # 0 fen/month, 1 fen, 2 count, 3 fen/year, 4 date
    sel = {name: kind == i for name, i in KIND.items()}
    m = sel["undeclared_wage"]
    declared[m] = p.income["income_wage_fen"][person[m]]
    m = sel["undeclared_pension"]
    declared[m] = p.income["income_pension_fen"][person[m]]
    for k in ("undeclared_deposit", "undeclared_securities"):
        m = sel[k]
        declared[m] = d["financial_assets"][hh[m]]
        actual[m] = declared[m] + planted.amount[m]
        unit[m] = 1
    for k, col in (
        ("undeclared_vehicle", "vehicles"),
        ("undeclared_property", "homes"),
        ("undeclared_business", "businesses"),
    ):
        m = sel[k]
        declared[m] = d[col][hh[m]]
        actual[m] = declared[m] + 1
        unit[m] = 2
    m = sel["undeclared_labour_income"]
    unit[m] = 3
    m = sel["unreported_death"]
    unit[m] = 4
    actual[m] = 1  # the registry says alive (0); the death records say deceased (1)
    program = e.household_program[hh]
    from .enrolments import CATEGORIES

    return pa.table(
        {
            "household_id": pa.array(hh + 1 + p.household_offset),
            "household_number": hh_numbers.take(pa.array(hh)),
            "person_id": pa.array(person + 1 + p.person_offset),
            "id_number": ids.take(pa.array(person)),
            "program": s.take(CATEGORIES, program),
            "kind": s.take([k[0] for k in PLANT_KINDS], kind),
            "source": s.take([k[1] for k in PLANT_KINDS], kind),
            "also_in": s.take([k[2] for k in PLANT_KINDS], kind),
            "declared_value": pa.array(declared),
            "actual_value": pa.array(actual),
            "unit": s.take(
                ("fen_per_month", "fen", "count", "fen_per_year", "deceased_flag"), unit
            ),
            "amount_fen": pa.array(np.where(sel["unreported_death"], 0, planted.amount)),
            "death_date": _date(np.maximum(planted.day, 0), planted.day < 0),
        }
    )


__all__ = [
    "CAT",
    "PLANT_KINDS",
    "PlantQuota",
    "Planted",
    "Serials",
    "extracts",
    "ground_truth",
    "plant",
]
