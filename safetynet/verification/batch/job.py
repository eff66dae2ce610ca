"""The re-verification batch: the caseload against the agencies' extracts, as two BatchJobs.

`findings_job` is one SQL query (DuckDB and Spark SQL alike) that lays out, per caseload household,
one "person" row per member (declared income, registry death date, the household's declarations and
programs) and one row per agency record of a member (employment, pension, tax, deposit, securities,
vehicle, property, business, death), all keyed by `household_id`; and one numpy kernel that, for
whole households, recomputes counted income and assets from the records (verified data is
authoritative over declarations) and writes one row per finding. `caseload_job` lists the households
checked. The rules (lines, limits, counted income) come from `safetynet.rules`; see
docs/verification-batch.md.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from safetynet.batch import BatchJob, JobOutput, run_job
from safetynet.batch.job import BatchInputError
from safetynet.batch.storage import is_uri, join, local_path, spark_write_bytes
from safetynet.rules import load_parameters, run_batch
from safetynet.rules.batch import from_columns
from safetynet.rules.catalog import VERIFIED_PROGRAMS
from safetynet.rules.columns import COUNTED_INCOME, NO_DATE_HIGH, parse_month
from safetynet.rules.money import mul_ratio

from ..policy import (
    OPEN_END,
    Tolerance,
    average_wages,
    default_tolerance,
    tolerance_from_parameters,
    window_first_day,
)

# Household programs whose recipients are re-verified (POLICY §1 targets), in the order findings
# name them. tekun is tested per person (own income), the others per household.
CASELOAD_PROGRAMS = ("tekun", "dibao", "low_income", "illness_poverty")
assert set(CASELOAD_PROGRAMS) == set(VERIFIED_PROGRAMS)

# Finding kinds (the values of verification.models.FindingKind).
INCOME_ABOVE_LINE = "income_above_line"
ASSETS_ABOVE_LIMIT = "assets_above_limit"
UNDECLARED_INCOME = "undeclared_income"
UNDECLARED_ASSETS = "undeclared_assets"
NEW_VEHICLE = "new_vehicle"
NEW_PROPERTY = "new_property"
NEW_BUSINESS = "new_business"
DEATH = "death"
DUPLICATE_ENROLMENT = "duplicate_enrolment"
FINDING_KINDS = (
    INCOME_ABOVE_LINE,
    ASSETS_ABOVE_LIMIT,
    UNDECLARED_INCOME,
    UNDECLARED_ASSETS,
    NEW_VEHICLE,
    NEW_PROPERTY,
    NEW_BUSINESS,
    DEATH,
    DUPLICATE_ENROLMENT,
)

# How each counted income column (the rules engine's COUNTED_INCOME) is found in the records:
# (row kind of the records that show it, mode). The column counts at the larger of declared and
# found (ADR 0710, policy.py). "average": the 6-month average of the jobs (policy.average_wages);
# "annual": a year's income / 12 (rounded half up); "monthly": the monthly amounts; None: no
# source, declared.
INCOME_SOURCES: dict[str, tuple[str | None, str]] = {
    "income_wage_fen": ("employment", "average"),
    "income_business_fen": ("tax_business", "annual"),
    "income_pension_fen": ("pensions", "monthly"),
    "income_transfer_fen": ("social_insurance", "monthly"),
    "income_property_fen": (None, "declared"),
}
# Records of income with no declared column of its own, added to a counted column: labour
# remuneration (劳务报酬) from the tax bureau counts as wage income.
EXTRA_INCOME: dict[str, str] = {"tax_labour": "income_wage_fen"}
if set(INCOME_SOURCES) != set(COUNTED_INCOME):  # the rules engine decides what is counted
    raise ImportError(
        "verification.batch: INCOME_SOURCES must cover exactly rules.columns.COUNTED_INCOME "
        f"{COUNTED_INCOME}; got {tuple(INCOME_SOURCES)}"
    )

# Row kind -> the extract (source) it comes from, as findings name it.
SOURCE_OF = {
    "employment": "employment",
    "social_insurance": "social_insurance",
    "pensions": "pensions",
    "tax_labour": "tax",
    "tax_business": "tax",
    "bank_deposits": "bank_deposits",
    "securities": "securities",
    "vehicles": "vehicles",
    "real_estate": "real_estate",
    "businesses": "businesses",
    "deaths": "deaths",
}
FINANCIAL = ("bank_deposits", "securities")
# row kind -> (finding kind, declared-count column)
COUNTED_ASSETS = {
    "vehicles": (NEW_VEHICLE, "decl_vehicles", "max_vehicles"),
    "real_estate": (NEW_PROPERTY, "decl_homes", "max_homes"),
    "businesses": (NEW_BUSINESS, "decl_businesses", "max_businesses"),
}

FINDINGS_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("household_number", pa.string()),
        ("division_code", pa.string()),
        ("person_id", pa.int64()),
        ("id_number", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        ("source_record", pa.string()),
        ("program", pa.string()),
        ("verified_fen", pa.int64()),
        ("declared_fen", pa.int64()),
        ("limit_fen", pa.int64()),
        ("detail", pa.string()),
    ]
)
FINDINGS_ORDER = ("household_id", "kind", "source", "source_record", "person_id", "program")

CHECKED_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("household_number", pa.string()),
        ("division_code", pa.string()),
        ("programs", pa.string()),
        ("members", pa.int64()),
    ]
)

INPUTS = {
    "persons": "persons.parquet",
    "households": "households.parquet",
    "enrolments": "enrolments.parquet",
    "employment": "agencies/employment.parquet",
    "social_insurance": "agencies/social_insurance.parquet",
    "pensions": "agencies/pensions.parquet",
    "tax": "agencies/tax.parquet",
    "bank_deposits": "agencies/bank_deposits.parquet",
    "securities": "agencies/securities.parquet",
    "vehicles": "agencies/vehicles.parquet",
    "real_estate": "agencies/real_estate.parquet",
    "businesses": "agencies/businesses.parquet",
    "deaths": "agencies/deaths.parquet",
}

# Record statuses that mean the record no longer holds (anything else counts).
ENDED_STATUSES = {
    "vehicles": ("scrapped", "deregistered", "written_off", "transferred"),
    "businesses": ("cancelled", "revoked", "deregistered", "closed"),
    "pensions": ("stopped", "suspended", "terminated"),
}


# ============================================================================ parameters
@dataclass(frozen=True)
class BatchParameters:
    """The month and every rule value the batch applies, read from the rules engine's tree."""

    month: str
    first_day: dt.date
    last_day: dt.date
    dibao_standard: int
    low_income_line: int
    illness_line: int
    illness_window: int
    dibao_asset_months: int
    low_income_asset_months: int
    max_vehicles: int
    max_homes: int
    max_businesses: int
    window_first_day: dt.date = dt.date(1970, 1, 1)  # the 6-month income window (ADR 0710)
    tolerance: Tolerance = field(default_factory=default_tolerance)
    references: tuple[tuple[str, str], ...] = ()

    @classmethod
    def for_month(cls, month: str, params=None) -> BatchParameters:
        ym = parse_month(month)  # ValueError on a malformed month
        first = dt.date(ym // 12, ym % 12 + 1, 1)
        nxt = ym + 1
        last = dt.date(nxt // 12, nxt % 12 + 1, 1) - dt.timedelta(days=1)
        params = params or load_parameters()
        used: list[tuple[str, str]] = []

        def p(name: str):
            v = params.at(name, first)  # in force on the first day of the month, like the rules
            used.append((name, f"{v.value} (from {v.effective}; {v.reference}; {v.status})"))
            return v.value

        std = p("dibao.standard")
        tolerance = tolerance_from_parameters(params, first) or default_tolerance()
        used.append(("verification.discrepancy_tolerance", str(tolerance.as_dict())))
        return cls(
            month=month,
            first_day=first,
            last_day=last,
            dibao_standard=std,
            low_income_line=int(mul_ratio(std, p("low_income.multiplier"))),
            illness_line=int(mul_ratio(std, p("illness_poverty.line_multiplier"))),
            illness_window=p("illness_poverty.window_months"),
            dibao_asset_months=p("dibao.financial_assets_months"),
            low_income_asset_months=p("low_income.financial_assets_months"),
            max_vehicles=p("dibao.max_vehicles"),
            max_homes=p("dibao.max_homes"),
            max_businesses=p("dibao.max_businesses"),
            window_first_day=window_first_day(month),
            tolerance=tolerance,
            references=tuple(used),
        )

    def as_dict(self) -> dict:
        d = asdict(self)
        d["first_day"] = self.first_day.isoformat()
        d["last_day"] = self.last_day.isoformat()
        d["window_first_day"] = self.window_first_day.isoformat()
        d["tolerance"] = self.tolerance.as_dict()
        d["references"] = dict(self.references)
        return d


# ============================================================================ SQL
# The long layout: (name, SQL type). Person rows fill the person/household columns, record rows
# the record columns; the rest are typed NULLs so that both engines agree on the union's types.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("household_id", "BIGINT"),
    ("rk", "STRING"),  # row kind: 'person' or a record kind (see SOURCE_OF)
    ("person_id", "BIGINT"),
    ("id_number", "STRING"),
    ("rec", "STRING"),  # the record's key in its source
    ("amount", "BIGINT"),  # fen: wage, pension, annual income, balance, value, capital
    ("day", "DATE"),  # registry death date (person) / registration or death date (record)
    ("day2", "DATE"),  # a job's end date (employment records)
    ("note", "STRING"),
    *((f"d_{c}", "BIGINT") for c in COUNTED_INCOME),
    ("tekun", "BIGINT"),
    ("dup_households", "BIGINT"),
    ("dup_first", "STRING"),
    ("dup_last", "STRING"),
    ("dup_districts", "BIGINT"),
    ("household_number", "STRING"),
    ("division_code", "STRING"),
    ("decl_fin", "BIGINT"),
    ("decl_vehicles", "BIGINT"),
    ("decl_homes", "BIGINT"),
    ("decl_businesses", "BIGINT"),
    ("oop", "BIGINT"),
    *((f"prog_{c}", "BIGINT") for c in CASELOAD_PROGRAMS),
)


def _branch(values: dict[str, str], from_: str) -> str:
    cols = []
    for name, type_ in COLUMNS:
        expr = values.get(name)
        cols.append(f"CAST({expr if expr is not None else 'NULL'} AS {type_}) AS {name}")
    return "SELECT " + ", ".join(cols) + "\n" + from_


def _ctes(prm: BatchParameters) -> str:
    cats = ", ".join(f"'{c}'" for c in CASELOAD_PROGRAMS)
    flags = ",\n    ".join(
        f"MAX(CASE WHEN category = '{c}' THEN 1 ELSE 0 END) AS prog_{c}" for c in CASELOAD_PROGRAMS
    )
    return f"""WITH enr AS (
  SELECT person_id, household_id, category FROM enrolments
  WHERE category IN ({cats})
    AND start_date <= DATE '{prm.last_day.isoformat()}'
    AND (end_date IS NULL OR end_date >= DATE '{prm.first_day.isoformat()}')
), hh AS (
  SELECT household_id,
    {flags}
  FROM enr GROUP BY household_id
), ch AS (
  -- the caseload's households: the joins below build hash tables of the caseload only,
  -- never of the city's households (bounded memory at province scale)
  SELECT h.household_id, h.household_number, h.division_code,
    h.declared_financial_assets_fen, h.declared_vehicles, h.declared_homes,
    h.declared_businesses, h.medical_oop_12m_fen
  FROM households h WHERE h.household_id IN (SELECT household_id FROM hh)
), cp AS (
  SELECT p.person_id, p.id_number, p.household_id
  FROM persons p JOIN hh ON p.household_id = hh.household_id
), ep AS (
  -- the enrolled persons' ID numbers (a person may be enrolled in a household not theirs)
  SELECT p.person_id, p.id_number
  FROM persons p WHERE p.person_id IN (SELECT person_id FROM enr)
), pe AS (
  SELECT person_id, household_id, MAX(CASE WHEN category = 'tekun' THEN 1 ELSE 0 END) AS tekun
  FROM enr GROUP BY person_id, household_id
), dup AS (
  SELECT p.id_number,
    COUNT(DISTINCT enr.household_id) AS n_households,
    MIN(h.household_number) AS first_hh,
    MAX(h.household_number) AS last_hh,
    COUNT(DISTINCT SUBSTR(h.division_code, 1, 6)) AS n_districts
  FROM enr JOIN ep p ON enr.person_id = p.person_id
  JOIN ch h ON enr.household_id = h.household_id
  GROUP BY p.id_number
  HAVING COUNT(DISTINCT enr.household_id) > 1
)
"""


def _not_ended(alias: str, source: str) -> str:
    statuses = ENDED_STATUSES.get(source)
    if not statuses:
        return "TRUE"
    listed = ", ".join(f"'{s}'" for s in statuses)
    return f"({alias}.status IS NULL OR {alias}.status NOT IN ({listed}))"


def findings_query(prm: BatchParameters) -> str:
    last = f"DATE '{prm.last_day.isoformat()}'"
    person = {
        "household_id": "p.household_id",
        "rk": "'person'",
        "person_id": "p.person_id",
        "id_number": "p.id_number",
        "day": "p.death_date",
        **{f"d_{c}": f"COALESCE(p.{c}, 0)" for c in COUNTED_INCOME},
        "tekun": "COALESCE(pe.tekun, 0)",
        "dup_households": "dup.n_households",
        "dup_first": "dup.first_hh",
        "dup_last": "dup.last_hh",
        "dup_districts": "dup.n_districts",
        "household_number": "h.household_number",
        "division_code": "h.division_code",
        "decl_fin": "COALESCE(h.declared_financial_assets_fen, 0)",
        "decl_vehicles": "COALESCE(h.declared_vehicles, 0)",
        "decl_homes": "COALESCE(h.declared_homes, 0)",
        "decl_businesses": "COALESCE(h.declared_businesses, 0)",
        "oop": "COALESCE(h.medical_oop_12m_fen, 0)",
        **{f"prog_{c}": f"hh.prog_{c}" for c in CASELOAD_PROGRAMS},
    }
    branches = [
        _branch(
            person,
            "FROM persons p JOIN hh ON p.household_id = hh.household_id\n"
            "JOIN ch h ON p.household_id = h.household_id\n"
            "LEFT JOIN pe ON p.person_id = pe.person_id AND p.household_id = pe.household_id\n"
            "LEFT JOIN dup ON p.id_number = dup.id_number",
        )
    ]

    # Every agency's records of the month, unioned first and joined to the caseload's persons
    # once: one hash table of the caseload (not one per agency, all alive at once), which kept
    # the query's memory growing with the caseload (ADR 1502).
    records: list[str] = []

    def record(
        rk: str, view: str, rec: str, amount: str, day: str, note: str, where: str, day2="NULL"
    ) -> None:
        records.append(
            f"SELECT CAST('{rk}' AS STRING) AS rk, r.id_number AS id_number, "
            f"CAST({rec} AS STRING) AS rec, CAST({amount} AS BIGINT) AS amount, "
            f"CAST({day} AS DATE) AS day, CAST({day2} AS DATE) AS day2, "
            f"CAST({note} AS STRING) AS note\nFROM {view} r WHERE {where}"
        )

    tax_year = prm.first_day.year - 1  # the last complete tax year
    window = f"DATE '{prm.window_first_day.isoformat()}'"  # jobs held in the 6-month window
    record(
        "employment", "employment", "r.employer_uscc", "r.monthly_wage_fen", "r.start_date",
        "r.employer_name",
        f"r.start_date <= {last} AND (r.end_date IS NULL OR r.end_date >= {window})",
        day2="r.end_date",
    )  # fmt: skip
    record(
        "social_insurance", "social_insurance", "r.scheme", "r.benefit_monthly_fen", "NULL",
        "r.paid_through", "r.scheme = 'unemployment_benefit' AND r.benefit_monthly_fen IS NOT NULL",
    )  # fmt: skip
    record(
        "pensions", "pensions", "r.pension_kind", "r.monthly_amount_fen", "r.start_date",
        "r.status", f"r.start_date <= {last} AND {_not_ended('r', 'pensions')}",
    )  # fmt: skip
    for kind in ("labour", "business"):
        record(
            f"tax_{kind}", "tax", "CONCAT(CAST(r.tax_year AS STRING), '/', r.income_kind)",
            "r.annual_income_fen", "NULL", "r.income_kind",
            f"r.tax_year = {tax_year} AND r.income_kind = '{kind}'",
        )  # fmt: skip
    record(
        "bank_deposits", "bank_deposits", "r.account_number", "r.balance_fen", "r.as_of",
        "r.bank_name", "TRUE",
    )  # fmt: skip
    record(
        "securities", "securities", "r.account_number", "r.market_value_fen", "r.as_of", "r.broker",
        "TRUE",
    )  # fmt: skip
    record(
        "vehicles", "vehicles", "r.plate", "r.estimated_value_fen", "r.registration_date",
        "r.vehicle_kind", f"r.registration_date <= {last} AND {_not_ended('r', 'vehicles')}",
    )  # fmt: skip
    record(
        "real_estate", "real_estate", "r.certificate_number", "r.estimated_value_fen",
        "r.registration_date", "r.address", f"r.registration_date <= {last}",
    )  # fmt: skip
    record(
        "businesses", "businesses", "r.uscc", "r.registered_capital_fen", "r.registration_date",
        "r.name", f"r.registration_date <= {last} AND {_not_ended('r', 'businesses')}",
    )  # fmt: skip
    record(
        "deaths", "deaths", "CONCAT(r.reported_by, ':', CAST(r.death_date AS STRING))", "NULL",
        "r.death_date", "r.reported_by", f"r.death_date <= {last}",
    )  # fmt: skip
    values = {
        "household_id": "cp.household_id",
        "person_id": "cp.person_id",
        "id_number": "cp.id_number",
        **{c: f"r.{c}" for c in ("rk", "rec", "amount", "day", "day2", "note")},
    }
    union = "\nUNION ALL\n".join(records)
    branches.append(_branch(values, f"FROM ({union}) r\nJOIN cp ON r.id_number = cp.id_number"))
    return _ctes(prm) + "\nUNION ALL\n".join(branches)


def caseload_query(prm: BatchParameters) -> str:
    flags = ", ".join(f"hh.prog_{c}" for c in CASELOAD_PROGRAMS)
    return (
        _ctes(prm)
        + f"""SELECT h.household_id, h.household_number, h.division_code, {flags},
  CAST(COUNT(p.person_id) AS BIGINT) AS members
FROM hh JOIN households h ON hh.household_id = h.household_id
LEFT JOIN persons p ON p.household_id = h.household_id
  AND (p.death_date IS NULL OR p.death_date > DATE '{prm.last_day.isoformat()}')
GROUP BY h.household_id, h.household_number, h.division_code, {flags}"""
    )


# ============================================================================ kernels
def _np(table: pa.Table, name: str, fill=0) -> np.ndarray:
    col = table.column(name)
    if col.null_count:
        col = pc.fill_null(col, fill)
    return col.to_numpy()


def _days(col: pa.ChunkedArray, fill: int) -> np.ndarray:
    """date32 as int days since 1970, nulls as `fill`."""
    days = pc.cast(pc.cast(col, pa.int32()), pa.int64())
    if days.null_count:
        days = pc.fill_null(days, fill)
    return days.to_numpy()


def _epoch_day(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _iso(day: int | None) -> str | None:
    if day is None:
        return None
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _dumps(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


NO_DAY = 2**40


def caseload_kernel(table: pa.Table) -> pa.Table:
    progs = [_np(table, f"prog_{c}").astype(bool) for c in CASELOAD_PROGRAMS]
    names = [
        ",".join(c for c, f in zip(CASELOAD_PROGRAMS, row, strict=True) if f)
        for row in zip(*progs, strict=True)
    ]
    return pa.table(
        {
            "household_id": table.column("household_id"),
            "household_number": table.column("household_number"),
            "division_code": table.column("division_code"),
            "programs": pa.array(names, pa.string()),
            "members": table.column("members"),
        },
        schema=CHECKED_SCHEMA,
    )


class _Kernel:
    """Findings for whole households (picklable for Spark's mapInArrow)."""

    def __init__(self, prm: BatchParameters, params=None):
        self.prm = prm
        self.params = params

    def __call__(self, table: pa.Table) -> pa.Table:
        return findings_kernel(table, self.prm, self.params)


def _run_programs(
    prm: BatchParameters,
    params,
    hh_ids: np.ndarray,
    hidx_p: np.ndarray,
    pid_p: np.ndarray,
    death_day: np.ndarray,
    counted: dict[str, np.ndarray],
    fin: np.ndarray,
    counts: dict[str, np.ndarray],
    oop: np.ndarray,
) -> tuple[dict, np.ndarray, np.ndarray]:
    """The rules engine's verified programs on the counted situation of every household, with
    their named figures. Returns (results, person order of the engine's batch, alive in the
    engine's order): engine person j is kernel person ``order[j]``; households keep their rows."""
    order = np.argsort(hidx_p, kind="stable")  # the engine groups persons by household
    dd = death_day[order]
    death_ym = np.full(dd.shape[0], NO_DATE_HIGH, dtype=np.int32)
    has = dd < NO_DAY
    if has.any():
        months = np.asarray(dd[has], dtype="datetime64[D]").astype("datetime64[M]")
        death_ym[has] = months.astype(np.int64) + 1970 * 12
    persons = {
        "person_id": pid_p[order],
        "household_id": hh_ids[hidx_p[order]],
        "death_ym": death_ym,
        **{c: v[order] for c, v in counted.items()},
    }
    households = {
        "household_id": hh_ids,
        "declared_financial_assets_fen": fin,
        "medical_oop_12m_fen": oop,
        **{f"declared_{k}": np.minimum(counts[kind], 127) for kind, k in _COUNT_COLUMNS.items()},
    }
    batch = from_columns(prm.month, persons, households)
    results = run_batch(batch, CASELOAD_PROGRAMS, params=params or load_parameters(), figures=True)
    return results, order, batch.alive


_COUNT_COLUMNS = {"vehicles": "vehicles", "real_estate": "homes", "businesses": "businesses"}


def findings_kernel(t: pa.Table, prm: BatchParameters, params=None) -> pa.Table:
    if t.num_rows == 0:
        return FINDINGS_SCHEMA.empty_table()
    rk = t.column("rk")
    is_p = pc.equal(rk, "person").to_numpy(zero_copy_only=False)
    P = np.flatnonzero(is_p)
    n_p = P.size
    pid_all = _np(t, "person_id")
    hid_all = _np(t, "household_id")
    amount_all = _np(t, "amount")
    day_all = _days(t.column("day"), NO_DAY)
    last_day = _epoch_day(prm.last_day)

    # persons: index by person_id; households: index by household_id
    pid_p = pid_all[P]
    by_pid = np.argsort(pid_p, kind="stable")
    sorted_pid = pid_p[by_pid]
    hh_ids, first_row, hidx_p = np.unique(hid_all[P], return_index=True, return_inverse=True)
    n_h = hh_ids.size
    hrow = P[first_row]  # a person row of each household (they all carry the household columns)

    def h_int(name: str) -> np.ndarray:
        return _np(t, name)[hrow].astype(np.int64)

    def rows_of(kind: str) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(pc.equal(rk, kind).to_numpy(zero_copy_only=False))
        return rows, by_pid[np.searchsorted(sorted_pid, pid_all[rows])]

    def per_person(kind: str) -> tuple[np.ndarray, np.ndarray]:
        rows, idx = rows_of(kind)
        total = np.zeros(n_p, dtype=np.int64)
        np.add.at(total, idx, amount_all[rows])
        return total, np.bincount(idx, minlength=n_p)

    def per_household(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n_h, dtype=np.int64)
        np.add.at(out, hidx_p, values.astype(np.int64))
        return out

    # ---- deaths: the registry's death date, overridden by an earlier agency death record
    alive_declared = day_all[P] > last_day
    death_rows, death_idx = rows_of("deaths")
    died = np.bincount(death_idx, minlength=n_p) > 0
    unreported_death = alive_declared & died
    death_day = day_all[P].copy()
    np.minimum.at(death_day, death_idx, day_all[death_rows])

    # ---- income per counted column (ADR 0710): found from the records, counted at the larger
    # of declared and found; a discrepancy beyond the tolerance names its source
    tol = prm.tolerance
    declared: dict[str, np.ndarray] = {}
    found: dict[str, np.ndarray] = {}
    counted: dict[str, np.ndarray] = {}
    rise: dict[str, np.ndarray] = {}  # record kind -> found above declared, per person
    flagged_col: dict[str, np.ndarray] = {}
    emp_rows, emp_idx = rows_of("employment")
    emp_avg = np.zeros(n_p, dtype=np.int64)
    if emp_rows.size:
        per_job = average_wages(
            day_all[emp_rows], _days(t.column("day2"), OPEN_END)[emp_rows],
            amount_all[emp_rows], prm.month,
        )  # fmt: skip
        np.add.at(emp_avg, emp_idx, per_job)
    for col in COUNTED_INCOME:
        kind, mode = INCOME_SOURCES[col]
        d = _np(t, f"d_{col}")[P].astype(np.int64)
        declared[col] = d
        if kind is None:
            counted[col] = d
            continue
        if kind == "employment":
            total = emp_avg
        else:
            total, _count = per_person(kind)
            if mode == "annual":
                total = mul_ratio(total, Fraction(1, 12))
        f = total.copy()
        for extra_kind, extra_col in EXTRA_INCOME.items():
            if extra_col == col:
                annual, _ = per_person(extra_kind)
                monthly = mul_ratio(annual, Fraction(1, 12))
                f = f + monthly
                rise[extra_kind] = monthly
        found[col] = f
        counted[col] = np.maximum(d, f)
        flag = tol.exceeded(d, f) & alive_declared
        flagged_col[col] = flag
        rise[kind] = np.where(flag, np.maximum(total - d, 0), 0)
    for extra_kind, extra_col in EXTRA_INCOME.items():
        rise[extra_kind] = np.where(flagged_col[extra_col], rise[extra_kind], 0)
    income_d_p = sum(declared.values()) * alive_declared
    members_d = per_household(alive_declared)
    income_d = per_household(income_d_p)
    undeclared_income = np.zeros(n_p, dtype=bool)
    for r in rise.values():
        undeclared_income |= r > 0

    # ---- assets: financial at the larger of declared and found, flagged beyond the tolerance;
    # counts at the larger, flagged at any excess
    fin_v = np.zeros(n_h, dtype=np.int64)
    for kind in FINANCIAL:
        total, _ = per_person(kind)
        fin_v += per_household(total)
    fin_d = h_int("decl_fin")
    fin_flag = tol.exceeded(fin_d, fin_v)
    counts_v, counts_d = {}, {}
    for kind, (_f, decl_col, _max) in COUNTED_ASSETS.items():
        _, count = per_person(kind)
        counts_v[kind] = per_household(count)
        counts_d[kind] = h_int(decl_col)

    # ---- the programs, by the rules engine on the counted situation (never re-implemented)
    prog = {c: h_int(f"prog_{c}").astype(bool) for c in CASELOAD_PROGRAMS}
    oop = h_int("oop")
    results, order, alive_e = _run_programs(
        prm, params, hh_ids, hidx_p, pid_p, death_day, counted, np.maximum(fin_d, fin_v),
        {k: np.maximum(counts_d[k], counts_v[k]) for k in COUNTED_ASSETS}, oop,
    )  # fmt: skip
    fig = {c: results[c].figures for c in CASELOAD_PROGRAMS}
    val = {c: results[c].values for c in CASELOAD_PROGRAMS}
    members_v = fig["dibao"]["members"]
    income_v = fig["dibao"]["counted_income_fen"]
    has_members = members_v > 0

    def h_of(c: str, name: str) -> np.ndarray:
        return fig[c][name]

    tests: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    # program -> (income over the line, income limit, fin limit, fin over limit), per household
    for c in CASELOAD_PROGRAMS:
        on = prog[c] & has_members
        over = on & ~h_of(c, "income_ok") if c != "tekun" else np.zeros(n_h, dtype=bool)
        limit = h_of(c, "financial_asset_limit_fen")
        threshold = (
            h_of(c, "income_limit_fen")
            if c != "tekun"
            else np.full(n_h, val[c]["line_fen"], dtype=np.int64)
        )
        tests[c] = (over, threshold, limit, on & ~h_of(c, "financial_assets_ok"))
    # tekun is tested per person (own income), on the enrolled members
    income_ok_p = np.empty(n_p, dtype=bool)
    income_ok_p[order] = results["tekun"].p_figures["income_ok"]
    income_v_p = np.empty(n_p, dtype=np.int64)
    income_v_p[order] = results["tekun"].p_figures["own_income_fen"]
    alive_p = np.empty(n_p, dtype=bool)
    alive_p[order] = alive_e
    tekun_over_p = _np(t, "tekun")[P].astype(bool) & alive_p & ~income_ok_p
    tests["tekun"] = (per_household(tekun_over_p) > 0, *tests["tekun"][1:])
    std = int(val["dibao"]["standard_fen"])
    w = int(val["illness_poverty"]["window_months"])
    maxima = {
        f"max_{k}": int(val["dibao"][f"max_{k}"]) for k in ("vehicles", "homes", "businesses")
    }
    lines = {c: int(val[c]["line_fen"]) for c in CASELOAD_PROGRAMS}
    asset_months = {c: int(val[c]["financial_assets_months"]) for c in CASELOAD_PROGRAMS}
    alive = alive_p

    dup_p = _np(t, "dup_households")[P] > 1
    flagged = np.zeros(n_h, dtype=bool)
    for over, _th, _lim, fin_over in tests.values():
        flagged |= over | fin_over
    flagged |= fin_flag
    for kind, (_f, _d, max_name) in COUNTED_ASSETS.items():
        flagged |= (counts_v[kind] > counts_d[kind]) | (counts_v[kind] > maxima[max_name])
    for mask in (undeclared_income, unreported_death, dup_p):
        flagged[hidx_p[mask]] = True
    if not flagged.any():
        return FINDINGS_SCHEMA.empty_table()

    # ---- assemble the findings of the flagged households (few) in Python
    hidx_all = np.searchsorted(hh_ids, hid_all)
    keep = np.flatnonzero(flagged[hidx_all])
    keep = keep[np.argsort(hidx_all[keep], kind="stable")]
    sub = t.take(pa.array(keep))
    cols = {
        name: sub.column(name).to_pylist()
        for name in ("rk", "person_id", "id_number", "rec", "note", "dup_first", "dup_last")
    }
    cols["amount"] = amount_all[keep].tolist()
    cols["day"] = day_all[keep].tolist()
    cols["dup_districts"] = _np(sub, "dup_districts").tolist()
    cols["dup_households"] = _np(sub, "dup_households").tolist()
    sub_h = hidx_all[keep]
    bounds = np.searchsorted(sub_h, np.flatnonzero(flagged))
    bounds = np.r_[bounds, keep.size]
    pindex = {int(p): i for i, p in enumerate(pid_p)}
    hnum = t.column("household_number").take(pa.array(hrow)).to_pylist()
    hdiv = t.column("division_code").take(pa.array(hrow)).to_pylist()

    out: list[tuple] = []
    for j, h in enumerate(np.flatnonzero(flagged)):
        h = int(h)
        lo, hi = int(bounds[j]), int(bounds[j + 1])
        ctx = _Household(h, int(hh_ids[h]), hnum[h], hdiv[h], out)
        persons: dict[int, tuple[int, str]] = {}
        records: dict[str, list[tuple]] = {}
        for i in range(lo, hi):
            kind, pid = cols["rk"][i], cols["person_id"][i]
            if kind == "person":
                persons[pid] = (i, cols["id_number"][i])
            else:
                records.setdefault(kind, []).append(
                    (pid, cols["id_number"][i], cols["rec"][i], cols["amount"][i], cols["day"][i],
                     cols["note"][i])
                )  # fmt: skip
        for rows in records.values():
            rows.sort(key=lambda r: (r[0], r[2] or "", r[3] or 0))

        # deaths and duplicate enrolments, per person
        for pid in sorted(persons):
            i, idn = persons[pid]
            k = pindex[pid]
            if unreported_death[k]:
                for r in records.get("deaths", []):
                    if r[0] == pid:
                        ctx.add(
                            pid, idn, DEATH, "deaths", r[2], None, None, None, None,
                            {"death_date": _iso(r[4]), "reported_by": r[5],
                             "registry": "alive"},
                        )  # fmt: skip
            if cols["dup_households"][i] > 1:
                own = hnum[h]
                other = cols["dup_last"][i] if cols["dup_first"][i] == own else cols["dup_first"][i]
                ctx.add(
                    pid, idn, DUPLICATE_ENROLMENT, "enrolments", other, None, None, None, None,
                    {"households": cols["dup_households"][i],
                     "districts": cols["dup_districts"][i], "other_household": other},
                )  # fmt: skip

        # undeclared income, per person and source
        for kind, r in rise.items():
            for pid in sorted(persons):
                k = pindex[pid]
                if not (alive[k] and r[k] > 0):
                    continue
                mine = [x for x in records.get(kind, []) if x[0] == pid]
                best = max(mine, key=lambda x: (x[3] or 0, x[2] or ""))
                col = EXTRA_INCOME.get(kind) or next(
                    c for c, (src, _m) in INCOME_SOURCES.items() if src == kind
                )
                ctx.add(
                    pid, persons[pid][1], UNDECLARED_INCOME, SOURCE_OF[kind], best[2], None,
                    int(counted[col][k]) if kind not in EXTRA_INCOME else int(r[k]),
                    int(declared[col][k]) if kind not in EXTRA_INCOME else 0, None,
                    {"income_column": col, "monthly_rise_fen": int(r[k]),
                     "records": [{"record": x[2], "amount_fen": x[3], "note": x[5]} for x in mine]},
                )  # fmt: skip

        # income above the line, per program
        top_source = _top_income_source(rise, persons, pindex, alive, records)
        if top_source is None and members_v[h] < members_d[h]:
            dead = [r for r in records.get("deaths", []) if unreported_death[pindex[r[0]]]]
            top_source = ("deaths", dead[0][2] if dead else None)
        src, rec = top_source or ("declaration", None)
        base = {
            "members_declared": int(members_d[h]), "members_verified": int(members_v[h]),
            "income_declared_fen": int(income_d[h]), "income_verified_fen": int(income_v[h]),
        }  # fmt: skip
        for c in ("dibao", "low_income", "illness_poverty"):
            over, threshold, _limit, _fo = tests[c]
            if over[h]:
                detail = dict(base, line_fen=lines[c])
                if c == "illness_poverty":
                    detail |= {"window_months": w, "medical_oop_fen": int(oop[h])}
                ctx.add(
                    None, None, INCOME_ABOVE_LINE, src, rec or hnum[h], c, int(income_v[h]),
                    int(income_d[h]), int(threshold[h]), detail,
                )  # fmt: skip
        for pid in sorted(persons):
            k = pindex[pid]
            if tekun_over_p[k]:
                ctx.add(
                    pid, persons[pid][1], INCOME_ABOVE_LINE, src, rec or hnum[h], "tekun",
                    int(income_v_p[k]), int(income_d_p[k]), std,
                    dict(base, line_fen=std, own_income_verified_fen=int(income_v_p[k])),
                )  # fmt: skip

        # financial assets
        fin_records = sorted(
            ((*x, kind) for kind in FINANCIAL for x in records.get(kind, [])),
            key=lambda x: (-(x[3] or 0), x[6], x[2] or ""),
        )
        by_source = {kind: sum(x[3] or 0 for x in records.get(kind, [])) for kind in FINANCIAL}
        excess = int(fin_v[h] - fin_d[h])
        named = _excess_records(fin_records, excess) if fin_flag[h] else []
        if fin_flag[h]:
            for x in named:
                ctx.add(
                    x[0], x[1], UNDECLARED_ASSETS, x[6], x[2], None, int(fin_v[h]), int(fin_d[h]),
                    None,
                    {"excess_fen": excess, "record_fen": x[3], "by_source_fen": by_source,
                     "institution": x[5]},
                )  # fmt: skip
        for c in CASELOAD_PROGRAMS:
            if tests[c][3][h]:
                lead = (named or fin_records)[0]
                ctx.add(
                    None, None, ASSETS_ABOVE_LIMIT, lead[6], lead[2], c, int(fin_v[h]),
                    int(fin_d[h]), int(tests[c][2][h]),
                    {"by_source_fen": by_source, "members_verified": int(members_v[h]),
                     "months": asset_months[c], "line_fen": lines[c]},
                )  # fmt: skip

        # vehicles, homes, businesses
        for kind, (fkind, _d, max_name) in COUNTED_ASSETS.items():
            nv, nd, mx = int(counts_v[kind][h]), int(counts_d[kind][h]), maxima[max_name]
            recs = sorted(records.get(kind, []), key=lambda x: (-x[4], x[2] or ""))
            if nv > nd:
                for x in recs[: nv - nd]:  # the most recently registered are taken as new
                    ctx.add(
                        x[0], x[1], fkind, SOURCE_OF[kind], x[2], None, nv, nd, mx,
                        {"registered": _iso(x[4]), "value_fen": x[3], "note": x[5],
                         "over_limit": nv > mx},
                    )  # fmt: skip
            elif nv > mx:
                x = recs[0]
                ctx.add(
                    None, None, ASSETS_ABOVE_LIMIT, SOURCE_OF[kind], x[2], None, nv, nd, mx,
                    {"count_verified": nv, "count_declared": nd, "max": mx},
                )  # fmt: skip

    if not out:
        return FINDINGS_SCHEMA.empty_table()
    columns = list(zip(*out, strict=True))
    return pa.table(
        {f.name: pa.array(columns[i], f.type) for i, f in enumerate(FINDINGS_SCHEMA)},
        schema=FINDINGS_SCHEMA,
    )


class _Household:
    def __init__(self, h: int, household_id: int, number: str, division: str, out: list):
        self.household_id, self.number, self.division = household_id, number, division
        self.out = out

    def add(self, pid, idn, kind, source, record, program, verified, declared, limit, detail):
        self.out.append(
            (
                self.household_id, self.number, self.division, pid, idn, kind, source,
                record or "", program, verified, declared, limit, _dumps(detail),
            )
        )  # fmt: skip


def _top_income_source(rise, persons, pindex, alive, records) -> tuple[str, str] | None:
    """The source that raised the household's income most (ties: by name), and its record that
    raised it most."""
    totals: dict[str, int] = {}
    best: dict[str, tuple[int, str]] = {}
    for kind, r in rise.items():
        src = SOURCE_OF[kind]
        for p in persons:
            k = pindex[p]
            if not alive[k] or r[k] <= 0:
                continue
            totals[src] = totals.get(src, 0) + int(r[k])
            recs = sorted(x[2] or "" for x in records.get(kind, []) if x[0] == p)
            cand = (int(r[k]), recs[0] if recs else "")
            # the largest rise; on a tie, the smallest record key
            if src not in best or (-cand[0], cand[1]) < (-best[src][0], best[src][1]):
                best[src] = cand
    if not totals:
        return None
    src = max(sorted(totals), key=lambda s: totals[s])
    return src, best[src][1]


def _excess_records(records: list[tuple], excess: int) -> list[tuple]:
    """The records that account for an excess over the declared total: one whose amount equals
    the excess exactly (a wholly undeclared account), else the largest ones until they cover it."""
    exact = [x for x in records if x[3] == excess]
    if exact:
        return exact[:1]
    named, covered = [], 0
    for x in records:
        if covered >= excess:
            break
        named.append(x)
        covered += x[3] or 0
    return named


# ============================================================================ jobs and the run
def findings_job(prm: BatchParameters, params=None) -> BatchJob:
    return BatchJob(
        name="verify_findings",
        inputs=INPUTS,
        query=findings_query(prm),
        key="household_id",
        kernel=_Kernel(prm, params),
        output_schema=FINDINGS_SCHEMA,
        order_by=FINDINGS_ORDER,
        params=prm.as_dict(),
        # one row per member and one per agency record
        size_inputs=tuple(k for k in INPUTS if k not in ("households", "enrolments")),
    )


def caseload_job(prm: BatchParameters) -> BatchJob:
    inputs = {k: INPUTS[k] for k in ("persons", "households", "enrolments")}
    return BatchJob(
        name="verify_caseload",
        inputs=inputs,
        query=caseload_query(prm),
        key="household_id",
        kernel=caseload_kernel,
        output_schema=CHECKED_SCHEMA,
        order_by=("household_id",),
        params=prm.as_dict(),
        size_inputs=("persons",),  # at most one row per person
    )


def verify_batch(
    input_dir: str | Path,
    month: str,
    out_dir: str | Path,
    *,
    engine: str = "duckdb",
    params=None,
    clock: Callable[[], dt.datetime] | None = None,
    dataset: bool = False,
) -> dict:
    """Re-verify the caseload of `month` in `input_dir`; write findings.parquet, checked.parquet
    and summary.json into `out_dir`; return the summary. With `dataset`, the jobs' datasets are
    the output instead (`findings/part-NNNNN.parquet`, `checked/part-NNNNN.parquet`, written by
    the executors; docs/spark.md). On Spark, `input_dir` and `out_dir` may be URIs of shared
    storage (hdfs://, s3a://, file://), which then needs `dataset` (docs/adr/1501)."""
    if engine == "duckdb":  # this machine's disk: plain paths and file://
        input_dir = local_path(input_dir, what="--input")
        out_dir = local_path(out_dir, what="--out")
    elif is_uri(out_dir) and not dataset:
        raise BatchInputError(
            f"--out {out_dir}: on shared storage the output is the jobs' datasets, written by "
            "the executors; add --dataset (the single files are written to a local directory)"
        )
    if not is_uri(input_dir):  # a URI input is checked through Spark by the runner
        input_dir = Path(input_dir)
        if not input_dir.is_dir():
            raise BatchInputError(f"input directory {input_dir} does not exist")
    prm = BatchParameters.for_month(month, params)
    if not is_uri(input_dir):
        absent = [rel for rel in INPUTS.values() if not (input_dir / rel).is_file()]
        if absent:
            raise BatchInputError(f"{input_dir}: input(s) not found: {', '.join(absent)}")
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    started = now()
    t0 = time.perf_counter()
    out = str(out_dir)
    # the jobs' datasets: the output itself, or staged, copied into the two files and removed
    staging = out if dataset else join(out, "_jobs")
    try:
        checked = run_job(caseload_job(prm), input_dir, join(staging, "checked"), engine=engine)
        findings = run_job(
            findings_job(prm, params), input_dir, join(staging, "findings"), engine=engine
        )
        seconds = time.perf_counter() - t0
        finished = now()
        if not dataset:
            findings.to_file(Path(out) / "findings.parquet")
            checked.to_file(Path(out) / "checked.parquet")
        counts = _output_counts(findings, checked)
    finally:
        if not dataset:
            shutil.rmtree(staging, ignore_errors=True)
    files = {"findings": "findings.parquet", "checked": "checked.parquet"}
    if dataset:
        files = {"findings": "findings/", "checked": "checked/"}
    summary = {
        "format": "safetynet-verify-batch/1",
        "month": month,
        "engine": engine,
        "input": str(input_dir) if is_uri(input_dir) else str(Path(input_dir).resolve()),
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "seconds": round(seconds, 3),
        **counts,
        "parameters": prm.as_dict(),
        "files": files,
    }
    text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    if is_uri(out):
        from safetynet.batch.job import spark_session

        spark_write_bytes(spark_session(), join(out, "summary.json"), text.encode("utf-8"))
    else:
        (Path(out) / "summary.json").write_text(text, encoding="utf-8")
    return summary


def _output_counts(findings: JobOutput, checked: JobOutput) -> dict:
    """The summary's counts, read from the outputs one record batch at a time (the files are
    sorted by household, so households with findings are counted as runs)."""
    kinds: dict[str, int] = {}
    households, last = 0, None
    for batch in findings.iter_batches():
        for vc in pc.value_counts(batch.column("kind")).to_pylist():
            kinds[vc["values"]] = kinds.get(vc["values"], 0) + vc["counts"]
        hh = batch.column("household_id").to_numpy()
        if hh.size:
            households += int(np.count_nonzero(hh[1:] != hh[:-1])) + int(hh[0] != last)
            last = hh[-1]
    rows = persons = 0
    by_program: dict[str, int] = {}
    for batch in checked.iter_batches():
        rows += batch.num_rows
        persons += int(pc.sum(batch.column("members")).as_py() or 0)
        for vc in pc.value_counts(batch.column("programs")).to_pylist():
            for c in vc["values"].split(","):
                by_program[c] = by_program.get(c, 0) + vc["counts"]
    return {
        "households_checked": rows,
        "households_by_program": dict(sorted(by_program.items())),
        "persons_checked": persons,
        "findings": sum(kinds.values()),
        "households_with_findings": households,
        "findings_by_kind": {k: kinds[k] for k in FINDING_KINDS if k in kinds},
    }
