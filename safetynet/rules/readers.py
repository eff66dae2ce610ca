"""Batch input: the generated city's Parquet (docs/data-contract-draft.md) → a :class:`Batch`.

Engines are pluggable: ``READERS[name](input_dir, month) -> Batch``. DuckDB does the column
work (dates → month numbers, codes, enrolment pivot for the month) in SQL and hands numpy
arrays over; a Spark reader can run the same SQL (see ``city_sql``) and collect to Arrow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .batch import Batch, from_columns
from .columns import (
    COUNTED_INCOME,
    DISABILITY_KINDS,
    ENROLMENT_CATEGORIES,
    ENTITLED_KINDS,
    EXCLUDED_INCOME,
    NO_DATE_HIGH,
    NO_DATE_LOW,
    SUPPORT_FORMS,
    parse_month,
)

OPTIONAL_PERSON_COLUMNS = {
    "unemployment_insurance": "false",
    "is_orphan": "false",
    "died_in_xiamen": "true",
    "residence_permit_months": "0",
    "has_funeral_subsidy": "false",
}


def _case(col: str, names: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{n}' THEN {i}" for i, n in enumerate(names) if n)
    return f"CAST(CASE {col} {whens} ELSE 0 END AS TINYINT)"


def _ym(col: str) -> str:
    return f"(year({col}) * 12 + month({col}) - 1)"


def city_sql(input_dir: Path, ym: int, person_cols: set[str]) -> tuple[str, str, str]:
    """(persons, enrolments, households) SQL for month ``ym`` (standard SQL, DuckDB dialect).

    Persons are read in file order (the generator writes them grouped by household; the
    batch sorts them if not); enrolments are pivoted per person for the month (the latest
    enrolment of each category that started by the month) and joined in numpy.
    """
    d = Path(input_dir)
    enr = ",\n".join(
        f"max(s) FILTER (WHERE category = '{c}') AS enr_{c}_start, "
        f"arg_max(e, s) FILTER (WHERE category = '{c}') AS enr_{c}_end"
        for c in ENROLMENT_CATEGORIES
    )
    incomes = ",\n".join(
        f"coalesce({c}, 0)::BIGINT AS {c}" if c in person_cols else f"0::BIGINT AS {c}"
        for c in COUNTED_INCOME + EXCLUDED_INCOME
    )
    optional = ",\n".join(
        f"coalesce({c}, {dflt}) AS {c}" if c in person_cols else f"{dflt} AS {c}"
        for c, dflt in OPTIONAL_PERSON_COLUMNS.items()
    )
    persons = f"""
SELECT person_id::BIGINT AS person_id, household_id::BIGINT AS household_id,
  {_ym("birth_date")}::INTEGER AS birth_ym,
  coalesce(starts_with(hukou_division, '3502'), false) AS hukou_xiamen,
  coalesce(disability_grade, 0)::TINYINT AS disability_grade,
  {_case("disability_kind", DISABILITY_KINDS)} AS disability_kind,
  coalesce({_ym("death_date")}, {int(NO_DATE_HIGH)})::INTEGER AS death_ym,
  {incomes},
  coalesce(selfcare_failed_items, 0)::TINYINT AS selfcare_failed_items,
  coalesce(has_capable_supporter, true) AS has_capable_supporter,
  {_case("entitled_kind", ENTITLED_KINDS)} AS entitled_kind,
  {_case("tekun_support_form", SUPPORT_FORMS)} AS tekun_support_form,
  {optional}
FROM read_parquet('{d / "persons.parquet"}')
"""
    enrolments = f"""
SELECT person_id::BIGINT AS person_id, {enr}
FROM (
  SELECT person_id, category, {_ym("start_date")}::INTEGER AS s,
         coalesce({_ym("end_date")}, {int(NO_DATE_HIGH)})::INTEGER AS e
  FROM read_parquet('{d / "enrolments.parquet"}')
  WHERE {_ym("start_date")} <= {ym}
)
GROUP BY person_id
"""
    households = f"""
SELECT household_id::BIGINT AS household_id,
  coalesce(starts_with(division_code, '3502'), false) AS division_xiamen,
  coalesce(TRY_CAST(substr(division_code, 1, 6) AS INTEGER), 0) AS district_code,
  coalesce(is_rural, false) AS is_rural,
  coalesce(declared_financial_assets_fen, 0)::BIGINT AS declared_financial_assets_fen,
  coalesce(declared_vehicles, 0)::TINYINT AS declared_vehicles,
  coalesce(declared_homes, 0)::TINYINT AS declared_homes,
  coalesce(declared_businesses, 0)::TINYINT AS declared_businesses,
  coalesce(medical_oop_12m_fen, 0)::BIGINT AS medical_oop_12m_fen
FROM read_parquet('{d / "households.parquet"}')
"""
    return persons, enrolments, households


def attach_enrolments(persons: dict[str, np.ndarray], enr: dict[str, np.ndarray]) -> None:
    """Put the pivoted enrolment columns on the persons (by person_id), defaults elsewhere."""
    pid = persons["person_id"]
    n = pid.shape[0]
    order = None if n < 2 or np.all(pid[1:] > pid[:-1]) else np.argsort(pid, kind="stable")
    sorted_pid = pid if order is None else pid[order]
    epid = enr["person_id"]
    pos = np.searchsorted(sorted_pid, epid)
    pos = np.minimum(pos, max(n - 1, 0))
    found = (sorted_pid[pos] == epid) if n else np.zeros(0, dtype=bool)
    rows = pos[found] if order is None else order[pos[found]]
    for c in ENROLMENT_CATEGORIES:
        for suffix, dflt in (("start", NO_DATE_LOW), ("end", NO_DATE_HIGH)):
            name = f"enr_{c}_{suffix}"
            col = np.full(n, dflt, dtype=np.int32)
            vals = enr[name][found]
            if np.ma.isMaskedArray(vals):
                ok = ~np.ma.getmaskarray(vals)
                col[rows[ok]] = vals.data[ok]
            else:
                col[rows] = vals
            persons[name] = col


def read_city_duckdb(input_dir: str | Path, month: str) -> Batch:
    """Read a generated city with DuckDB for one month."""
    import duckdb

    ym = parse_month(month)
    d = Path(input_dir)
    for f in ("persons.parquet", "households.parquet", "enrolments.parquet"):
        if not (d / f).exists():
            raise FileNotFoundError(f"{d / f} is missing (see docs/data-contract-draft.md)")
    con = duckdb.connect()
    try:
        cols = {
            r[0]
            for r in con.sql(
                f"DESCRIBE SELECT * FROM read_parquet('{d / 'persons.parquet'}')"
            ).fetchall()
        }
        psql, esql, hsql = city_sql(d, ym, cols)
        persons = _to_numpy(con.sql(psql).to_arrow_table())
        enr = con.sql(esql).fetchnumpy()
        households = _to_numpy(con.sql(hsql).to_arrow_table())
    finally:
        con.close()
    attach_enrolments(persons, enr)
    return from_columns(ym, persons, households)


def _to_numpy(table) -> dict[str, np.ndarray]:
    import pyarrow as pa

    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    out = {}
    for name in table.column_names:
        col = table.column(name)
        out[name] = col.to_numpy()  # ChunkedArray.to_numpy concatenates (copy for bools)
    return out


def read_city_spark(input_dir: str | Path, month: str) -> Batch:  # pragma: no cover
    """Seam for ``--engine spark`` (not implemented here: pyspark is not a dependency).

    Implementation plan: run ``city_sql`` through Spark SQL (replace ``read_parquet('x')`` by
    temp views, ``starts_with`` by ``startswith``), ``toArrow()`` the results and call
    ``from_columns``; the programs are unchanged. The conformance test compares both engines.
    """
    raise NotImplementedError("the spark engine is not implemented yet; use --engine duckdb")


READERS: dict[str, Callable[[str | Path, str], Batch]] = {
    "duckdb": read_city_duckdb,
    "spark": read_city_spark,
}
