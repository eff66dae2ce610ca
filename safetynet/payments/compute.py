"""The payroll's computation (ADR 0900): the caseload in force for a month, exported from the
database into the rules engine's city Parquet format, run through the engine's batch job in one
call, and turned into candidate payment lines (Arrow). Nothing here computes an amount: the
engine's amounts and funding parts are copied; this module only selects (enrolled for the month,
amount > 0) and attaches the payee, the street and the bank account.

Phases, each a function (the benchmark times them apart):
``caseload_export`` (DB → ``work_dir/*.parquet``) → ``engine_results`` (one batch call) →
``regular_lines`` (Arrow lines of the month).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.db import connection

from safetynet.batch.job import duckdb_connect
from safetynet.rules.catalog import CATALOG
from safetynet.rules.columns import month_str, parse_month
from safetynet.rules.readers import INCOME_COLUMNS

# The monthly programs a payroll pays, and the recipient category (registry Enrolment.category)
# a beneficiary must be enrolled in for the month. The others are one-off (grants, decided
# cases), eligibility only (low-income, illness-expenditure: amount 0) or paid from a confirmed
# list (price subsidy, funeral grants: cases.Grant).
MONTHLY_PROGRAMS: dict[str, str] = {
    "dibao": "dibao",
    "tekun": "tekun",
    "age_allowance": "elderly_80",
    "disability": "disabled",
    "five_elders": "five_elders",
    "silicosis": "silicosis",
    "retired_40pct": "retired_40pct",
}
HOUSEHOLD_PROGRAMS = frozenset({"dibao"})
NO_END = 2**30

LINE_SCHEMA = pa.schema(
    [
        ("beneficiary_key", pa.string()),
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("program", pa.string()),
        ("benefit_month", pa.string()),
        ("kind", pa.string()),
        ("source_ref", pa.string()),
        ("amount_fen", pa.int64()),
        ("city_fen", pa.int64()),
        ("district_fen", pa.int64()),
        ("street_fen", pa.int64()),
        ("division_id", pa.string()),
        ("bank_account_id", pa.int64()),
        ("bank_code", pa.string()),
        ("account_number", pa.string()),
        ("reason_code", pa.string()),
        ("reason", pa.string()),
        ("status", pa.string()),
    ]
)


def month_bounds(month: str) -> tuple[str, dt.date, dt.date]:
    """(canonical 'YYYY-MM', first day, last day). ValueError on a malformed month."""
    ym = parse_month(month)
    month = month_str(ym)
    first = dt.date(ym // 12, ym % 12 + 1, 1)
    nxt = ym + 1
    last = dt.date(nxt // 12, nxt % 12 + 1, 1) - dt.timedelta(days=1)
    return month, first, last


def parameters_digest(month: str) -> str:
    """sha256 over every rules parameter value in force in `month` (dated: on its first day;
    monthly series: that month). A different digest later = a retroactive change (ADR 0901)."""
    from safetynet.rules import load_parameters

    params = load_parameters()
    _, first, _ = month_bounds(month)
    out = {}
    for name in params.names():
        p = params.get(name)
        try:
            v = p.at(first) if p.kind == "dated" else p.month(month)
        except LookupError:
            v = None
        out[name] = None if v is None else repr(v.value)
    return hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest()


# ============================================================================ database reads
def fetch_arrow(sql: str, params: dict, schema: pa.Schema) -> pa.Table:
    """A query's rows as an Arrow table of `schema` (columns in order). PostgreSQL: COPY (query)
    TO STDOUT as CSV, parsed by Arrow; SQLite: the cursor's rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            query = connection.ops.compose_sql(sql, params)
            buf = io.BytesIO()
            with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    buf.write(data)
        if not buf.tell():
            return schema.empty_table()
        buf.seek(0)
        return pacsv.read_csv(
            buf,
            read_options=pacsv.ReadOptions(column_names=schema.names, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types=schema,
                true_values=["t"],
                false_values=["f"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        ).cast(schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = []
    for f, values in zip(schema, cols, strict=True):
        values = list(values)
        if pa.types.is_date(f.type):
            values = [v if v is None or isinstance(v, dt.date) else str(v)[:10] for v in values]
            arr = pa.array(values) if values else pa.array([], pa.string())
            arrays.append(arr.cast(f.type))
        elif pa.types.is_boolean(f.type):
            arrays.append(pa.array([None if v is None else bool(v) for v in values], f.type))
        else:
            arrays.append(pa.array(values, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


# The caseload as three temporary tables (made once, read by the three exports):
# households with a member enrolled, for the month, in a category a monthly program pays (the
# engine's timing, ADR 0903: started by the end of the month, not ended before it); their
# members during the month (a person's latest membership); the amount basis in force for each.
_CASELOAD_TABLES = (
    (
        "payroll_hh",
        """SELECT DISTINCT m.household_id AS household_id
  FROM registry_enrolment e
  JOIN registry_membership m ON m.person_id = e.person_id
    AND m.start_date <= %(last)s AND (m.end_date IS NULL OR m.end_date >= %(first)s)
  WHERE e.category IN ({categories}) AND e.start_date <= %(last)s
    AND (e.end_date IS NULL OR e.end_date >= %(first)s)""",
    ),
    (
        "payroll_mem",
        """SELECT person_id, household_id, relation FROM (
  SELECT m.person_id, m.household_id, m.relation,
    ROW_NUMBER() OVER (PARTITION BY m.person_id ORDER BY m.start_date DESC, m.id DESC) AS rn
  FROM registry_membership m
  WHERE m.household_id IN (SELECT household_id FROM payroll_hh)
    AND m.start_date <= %(last)s AND (m.end_date IS NULL OR m.end_date >= %(first)s)
) x WHERE rn = 1""",
    ),
    (
        "payroll_bf",
        """SELECT b.* FROM payments_amountbasis b
  WHERE b.household_id IN (SELECT household_id FROM payroll_hh) AND b.valid_from <= %(month)s
    AND NOT EXISTS (
      SELECT 1 FROM payments_amountbasis b2
      WHERE b2.household_id = b.household_id AND b2.valid_from <= %(month)s
        AND b2.valid_from > b.valid_from)""",
    ),
)


def _drop_caseload_tables(cursor) -> None:
    for name, _ in reversed(_CASELOAD_TABLES):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _make_caseload_tables(params: dict, categories: str) -> None:
    with connection.cursor() as cursor:
        _drop_caseload_tables(cursor)
        for name, sql in _CASELOAD_TABLES:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {name} AS {sql.format(categories=categories)}", params
            )
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {name}")


PERSONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("relation", pa.string()),
        ("birth_date", pa.date32()),
        ("hukou_division", pa.string()),
        ("disability_grade", pa.int8()),
        ("disability_kind", pa.string()),
        ("death_date", pa.date32()),
        ("selfcare_failed_items", pa.int8()),
        ("has_capable_supporter", pa.bool_()),
        *((c, pa.int64()) for c in INCOME_COLUMNS),
        ("entitled_kind", pa.string()),
        ("tekun_support_form", pa.string()),
        ("unemployment_insurance", pa.bool_()),
        ("is_orphan", pa.bool_()),
    ]
)
HOUSEHOLDS_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),
        ("household_number", pa.string()),
        ("division_code", pa.string()),
        ("street_code", pa.string()),
        ("is_rural", pa.bool_()),
        ("declared_financial_assets_fen", pa.int64()),
        ("declared_vehicles", pa.int8()),
        ("declared_homes", pa.int8()),
        ("declared_businesses", pa.int8()),
        ("medical_oop_12m_fen", pa.int64()),
    ]
)
ENROLMENTS_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("category", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ]
)


@dataclass
class Caseload:
    month: str
    work_dir: Path
    persons: int = 0
    households: int = 0
    enrolments: int = 0


def caseload_export(
    work_dir: Path, month: str, categories: Iterable[str] | None = None
) -> Caseload:
    """Write the month's caseload as the engine's city (persons, households, enrolments
    .parquet) into `work_dir`, emptied first. Persons: every member of an enrolled household
    during the month, with the registry's facts and the amount basis in force (ADR 0900).
    `categories`: the recipient categories that make a household part of it (default: those
    a monthly program pays; the what-if, ADR 1410, takes every category)."""
    month, first, last = month_bounds(month)
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    wanted = sorted(set(categories or MONTHLY_PROGRAMS.values()))
    if any(not c.replace("_", "").isalnum() for c in wanted):
        raise ValueError(f"categories {wanted} must be plain names")
    categories = ", ".join(f"'{c}'" for c in wanted)
    params = {"first": first, "last": last, "month": month}
    _make_caseload_tables(params, categories)
    incomes = ", ".join(f"COALESCE(bp.{c}, 0)" for c in INCOME_COLUMNS)
    persons = fetch_arrow(
        f"""
SELECT p.id, mem.household_id, mem.relation, p.birth_date, p.hukou_division_id,
  p.disability_grade, NULLIF(p.disability_kind, ''), p.death_date, p.selfcare_failed_items,
  p.has_capable_supporter, {incomes},
  NULLIF(bp.entitled_kind, ''), NULLIF(bp.tekun_support_form, ''),
  COALESCE(bp.unemployment_insurance, {_false()}), COALESCE(bp.is_orphan, {_false()})
FROM payroll_mem mem
JOIN registry_person p ON p.id = mem.person_id
LEFT JOIN payroll_bf bf ON bf.household_id = mem.household_id
LEFT JOIN payments_amountbasisperson bp ON bp.basis_id = bf.id AND bp.person_id = p.id
ORDER BY mem.household_id, p.id""",
        {},
        PERSONS_SCHEMA,
    )
    households = fetch_arrow(
        """
SELECT h.id, h.number, h.division_id, d.parent_id, h.is_rural,
  COALESCE(bf.declared_financial_assets_fen, 0), COALESCE(bf.declared_vehicles, 0),
  COALESCE(bf.declared_homes, 0), COALESCE(bf.declared_businesses, 0),
  COALESCE(bf.medical_oop_12m_fen, 0)
FROM registry_household h
JOIN registry_division d ON d.code = h.division_id
LEFT JOIN payroll_bf bf ON bf.household_id = h.id
WHERE h.id IN (SELECT household_id FROM payroll_hh)
ORDER BY h.id""",
        {},
        HOUSEHOLDS_SCHEMA,
    )
    enrolments = fetch_arrow(
        """
SELECT e.person_id, mem.household_id, e.category, e.start_date, e.end_date
FROM registry_enrolment e
JOIN payroll_mem mem ON mem.person_id = e.person_id
WHERE e.start_date <= %(last)s
ORDER BY e.person_id, e.id""",
        params,
        ENROLMENTS_SCHEMA,
    )
    with connection.cursor() as cursor:
        _drop_caseload_tables(cursor)
    pq.write_table(persons, work_dir / "persons.parquet")
    pq.write_table(households, work_dir / "households.parquet")
    pq.write_table(enrolments, work_dir / "enrolments.parquet")
    return Caseload(month, work_dir, persons.num_rows, households.num_rows, enrolments.num_rows)


def _false() -> str:
    return "false" if connection.vendor == "postgresql" else "0"


# ============================================================================ the engine
@dataclass
class ProgramOutput:
    """One program's result over the caseload: household rows, and person rows for a
    personal program (the engine's output tables, ``safetynet.rules.writers``)."""

    program: str
    households: pa.Table
    persons: pa.Table | None = None


def engine_results(
    work_dir: Path, month: str, engine: str = "duckdb", programs: list[str] | None = None
) -> Iterator[ProgramOutput]:
    """THE one call of the rules engine: its batch job (`rules_job`) over the exported city, on
    the batch runner (`run_job`, DuckDB or Spark), which writes its result as a dataset under
    ``work_dir/rules`` (ADR 1500); yields each monthly program's tables, read back from the
    dataset one key range at a time. A program's tables are the enrolled caseload's rows — the
    size of the payroll itself, which the run writes to the database from here anyway — never
    the city's."""
    from safetynet.batch import run_job
    from safetynet.rules.engine import PROGRAMS
    from safetynet.rules.job import program_order, program_tables, rules_job
    from safetynet.rules.writers import household_path, person_path

    wanted = list(programs or MONTHLY_PROGRAMS)
    order = program_order(wanted)
    output = run_job(rules_job(work_dir, month, order), work_dir, work_dir / "rules", engine=engine)
    for name in wanted:
        pieces = list(program_tables(output, month, name))
        households = pa.concat_tables([p[household_path(name)] for p in pieces])
        persons = None
        if PROGRAMS[name].level == "person":
            persons = pa.concat_tables([p[person_path(name)] for p in pieces])
        yield ProgramOutput(name, households, persons)


# ============================================================================ lines
@dataclass
class MonthLines:
    """The regular lines of a month, and what the run reports beside them."""

    month: str
    lines: pa.Table
    needs_review: list[dict] = field(default_factory=list)  # enrolled, engine amount 0
    needs_review_count: int = 0
    engine_total_fen: dict[str, int] = field(default_factory=dict)  # enrolled caseload


def _enrolled(con: duckdb.DuckDBPyConnection, ym: int) -> None:
    """Table `enrolled(person_id, household_id, category)`: the engine's timing for the month —
    the latest enrolment of the category started by the month (on equal starts, the one ending
    last), payable when not ended before the month (ADR 0903: start month through end month)."""
    con.sql(
        f"""
CREATE OR REPLACE TEMP TABLE enrolled AS
WITH e AS (
  SELECT person_id, household_id, category,
    year(start_date) * 12 + month(start_date) - 1 AS s,
    COALESCE(year(end_date) * 12 + month(end_date) - 1, {NO_END}) AS t
  FROM enr
), last AS (
  SELECT person_id, household_id, category, s, t,
    ROW_NUMBER() OVER (PARTITION BY person_id, category ORDER BY s DESC, t DESC) AS rn
  FROM e WHERE s <= {ym}
)
SELECT person_id, household_id, category FROM last WHERE rn = 1 AND s <= {ym} AND t >= {ym}
"""
    )


def _bank_accounts(person_ids: pa.Array) -> pa.Table:
    schema = pa.schema(
        [
            ("person_id", pa.int64()),
            ("bank_account_id", pa.int64()),
            ("bank_code", pa.string()),
            ("account_number", pa.string()),
        ]
    )
    del person_ids  # the current accounts of everyone: one scan, joined in DuckDB
    return fetch_arrow(
        "SELECT person_id, id, bank_code, account_number FROM payments_bankaccount "
        "WHERE valid_to IS NULL",
        {},
        schema,
    )


def regular_lines(
    work_dir: Path, month: str, outputs: list[ProgramOutput], *, review_sample: int = 200
) -> MonthLines:
    """The month's regular lines from the engine's outputs: a line per beneficiary enrolled in
    the program's category for the month with an amount > 0 (household programs: `H<id>`, paid
    to the head; personal: `P<id>`), with the engine's funding parts, the household's street and
    the payee's current bank account (none: `held_no_account`). Enrolled with amount 0: listed
    as needing review."""
    month, _, _ = month_bounds(month)
    ym = parse_month(month)
    con = duckdb_connect()
    persons = pq.read_table(work_dir / "persons.parquet")
    households = pq.read_table(work_dir / "households.parquet")
    con.register("persons", persons)
    con.register("households", households)
    con.register("enr", pq.read_table(work_dir / "enrolments.parquet"))
    _enrolled(con, ym)
    con.sql(
        """
CREATE OR REPLACE TEMP TABLE payee AS
SELECT household_id,
  COALESCE(MIN(person_id) FILTER (WHERE relation = 'head'), MIN(person_id)) AS person_id
FROM persons GROUP BY household_id"""
    )
    parts = []
    engine_total: dict[str, int] = {}
    review_count = 0
    review: list[dict] = []
    for out in outputs:
        category = MONTHLY_PROGRAMS[out.program]
        name_zh = CATALOG[out.program].name_zh
        if out.program in HOUSEHOLD_PROGRAMS:
            con.register("res", out.households)
            base = f"""
SELECT 'H' || CAST(r.household_id AS VARCHAR) AS beneficiary_key, py.person_id,
  r.household_id, r.amount_fen, r.city_fen, r.district_fen, r.street_fen,
  CAST(r.reason AS VARCHAR) AS reason_code
FROM res r
JOIN payee py ON py.household_id = r.household_id
WHERE r.household_id IN (SELECT household_id FROM enrolled WHERE category = '{category}')"""
        else:
            con.register("res", out.persons)
            base = f"""
SELECT 'P' || CAST(r.person_id AS VARCHAR) AS beneficiary_key, r.person_id,
  r.household_id, r.amount_fen, r.city_fen, r.district_fen, r.street_fen,
  CAST(r.reason AS VARCHAR) AS reason_code
FROM res r
WHERE r.person_id IN (SELECT person_id FROM enrolled WHERE category = '{category}')"""
        con.sql(f"CREATE OR REPLACE TEMP TABLE cand AS {base}")
        total, zero = con.sql(
            "SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) FILTER (WHERE amount_fen <= 0) FROM cand"
        ).fetchall()[0]
        engine_total[out.program] = int(total)
        review_count += int(zero)
        if zero and len(review) < review_sample:
            for key, code in con.sql(
                "SELECT beneficiary_key, reason_code FROM cand WHERE amount_fen <= 0 "
                f"ORDER BY beneficiary_key LIMIT {review_sample - len(review)}"
            ).fetchall():
                review.append({"beneficiary_key": key, "program": out.program, "reason": code})
        parts.append(
            con.sql(
                f"""
SELECT c.beneficiary_key, c.person_id, c.household_id, '{out.program}' AS program,
  '{month}' AS benefit_month, 'regular' AS kind, '' AS source_ref,
  c.amount_fen, c.city_fen, c.district_fen, c.street_fen,
  h.street_code AS division_id, c.reason_code,
  '{name_zh} {month} 按月发放' AS reason
FROM cand c JOIN households h ON h.household_id = c.household_id
WHERE c.amount_fen > 0
ORDER BY c.beneficiary_key"""
            ).to_arrow_table()
        )
        con.unregister("res")
    lines = pa.concat_tables(parts) if parts else None
    lines = attach_accounts(lines, con) if lines is not None else LINE_SCHEMA.empty_table()
    con.close()
    return MonthLines(month, lines, review, review_count, engine_total)


def attach_accounts(lines: pa.Table, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """Lines (without account columns) + the payee's current bank account and the status
    (`pending`, or `held_no_account`), in LINE_SCHEMA."""
    own = con is None
    con = con or duckdb_connect()
    con.register("new_lines", lines)
    con.register("acc", _bank_accounts(lines.column("person_id")))
    out = con.sql(
        """
SELECT l.beneficiary_key, l.person_id, l.household_id, l.program, l.benefit_month, l.kind,
  l.source_ref, l.amount_fen, l.city_fen, l.district_fen, l.street_fen, l.division_id,
  a.bank_account_id, COALESCE(a.bank_code, '') AS bank_code,
  COALESCE(a.account_number, '') AS account_number, l.reason_code, l.reason,
  CASE WHEN a.bank_account_id IS NULL THEN 'held_no_account' ELSE 'pending' END AS status
FROM new_lines l LEFT JOIN acc a ON a.person_id = l.person_id
ORDER BY l.benefit_month, l.kind, l.program, l.beneficiary_key, l.source_ref"""
    ).to_arrow_table()
    con.unregister("new_lines")
    con.unregister("acc")
    if own:
        con.close()
    return out.cast(LINE_SCHEMA)
