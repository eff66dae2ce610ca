"""Batch input: the generated city's Parquet (docs/data-contract-draft.md) → a :class:`Batch`.

Two ways in, one result (docs/adr/0101-rules-on-the-shared-batch-runner.md):

- :func:`city_query` + :func:`batch_from_rows`: the rules batch job (``safetynet.rules.job``)
  runs one SQL query, in the SQL both DuckDB and Spark accept, that shapes one row per person
  carrying its household's columns and its enrolments for the month; the job's kernel turns an
  Arrow chunk of whole households into a ``Batch``. This is how ``--engine spark`` runs.
- :func:`read_city`: the DuckDB engine's fast path. pyarrow reads only the needed columns
  straight into numpy (zero-copy where the file allows), strings as dictionaries (codes are
  computed on the few distinct values), dates through a day → month table, and the enrolments
  are pivoted in numpy. The conformance test (tests/rules/test_engines.py) proves it gives
  exactly the job's result.

Both apply the same conversions: dates → month numbers (``ym``), missing values → the column
defaults of ``columns.PERSON_COLUMNS`` / ``HOUSEHOLD_COLUMNS``, string kinds → indices into
their tables (unknown → 0), and per person and enrolment category the latest enrolment that
started by the month (on equal start months, the one ending last).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safetynet.batch.storage import is_uri, join

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

INPUT_FILES = {
    "persons": "persons.parquet",
    "households": "households.parquet",
    "enrolments": "enrolments.parquet",
}

# person columns that are string kinds in the file and int8 codes in a batch
CODED_PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "disability_kind": DISABILITY_KINDS,
    "entitled_kind": ENTITLED_KINDS,
    "tekun_support_form": SUPPORT_FORMS,
}
# columns a city may lack: (default, SQL type)
OPTIONAL_PERSON_COLUMNS: dict[str, tuple[object, str]] = {
    "unemployment_insurance": (False, "BOOLEAN"),
    "is_orphan": (False, "BOOLEAN"),
    "died_in_xiamen": (True, "BOOLEAN"),
    "residence_permit_months": (0, "SMALLINT"),
    "has_funeral_subsidy": (False, "BOOLEAN"),
}
INCOME_COLUMNS = COUNTED_INCOME + EXCLUDED_INCOME
XIAMEN_PREFIX = "3502"

# An enrolment for the month is packed in one int64: start month × 2**31 + end month, so that
# the latest start (then the latest end) is a plain MAX in SQL and in numpy.
ENROLMENT_PACK = 2**31
NO_ENROLMENT = -1


def check_inputs(input_dir: str | Path) -> Path:
    d = Path(input_dir)
    for f in INPUT_FILES.values():
        if not (d / f).is_file():
            raise FileNotFoundError(f"{d / f} is missing (see docs/data-contract-draft.md)")
    return d


def person_file_columns(input_dir: str | Path) -> set[str]:
    """The persons file's columns, from its footer: by pyarrow for a path, through Spark's
    connectors for shared storage named by URI (docs/adr/1501)."""
    if is_uri(input_dir):
        from safetynet.batch.job import spark_session

        uri = join(str(input_dir), INPUT_FILES["persons"])
        try:
            return set(spark_session().read.parquet(uri).columns)
        except Exception as exc:  # Spark's AnalysisException: missing or not Parquet
            raise FileNotFoundError(f"{uri} is missing or unreadable: {exc}") from None
    return set(pq.read_schema(Path(input_dir) / INPUT_FILES["persons"]).names)


def unpack_enrolment(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start ym, end ym) from packed enrolments; ``NO_ENROLMENT`` → (no start, no end)."""
    has = packed >= 0
    start = np.where(has, packed // ENROLMENT_PACK, NO_DATE_LOW).astype(np.int32)
    end = np.where(has, packed % ENROLMENT_PACK, NO_DATE_HIGH).astype(np.int32)
    return start, end


def district_of(division_code: str | None) -> int:
    """The first six digits of a division code as an integer, 0 when they are not digits
    (the SQL's ``TRY_CAST(substr(code, 1, 6) AS INTEGER)``)."""
    if division_code is None:
        return 0
    head = division_code[:6]
    return int(head) if re.fullmatch(r"[0-9]+", head) else 0


def is_xiamen(division_code: str | None) -> bool:
    return division_code is not None and division_code[:4] == XIAMEN_PREFIX


# ============================================================================ the job's SQL
def _sql_ym(col: str) -> str:
    return f"(year({col}) * 12 + month({col}) - 1)"


def _sql_case(col: str, names: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{n}' THEN {i}" for i, n in enumerate(names) if n)
    return f"CAST(CASE {col} {whens} ELSE 0 END AS TINYINT)"


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def city_query(ym: int, person_cols: set[str]) -> str:
    """One row per person with its household's columns and its enrolments for month ``ym``.

    Views ``persons``, ``households`` and ``enrolments``; SQL that DuckDB and Spark both accept.
    A household without persons gives one row with a null ``person_id``; a person whose
    household is missing gives a null ``h_household_id`` (the kernel refuses it).
    """
    incomes = ",\n  ".join(
        f"CAST(COALESCE({c}, 0) AS BIGINT) AS {c}"
        if c in person_cols
        else f"CAST(0 AS BIGINT) AS {c}"
        for c in INCOME_COLUMNS
    )
    optional = ",\n  ".join(
        f"CAST(COALESCE({c}, {_sql_literal(d)}) AS {t}) AS {c}"
        if c in person_cols
        else f"CAST({_sql_literal(d)} AS {t}) AS {c}"
        for c, (d, t) in OPTIONAL_PERSON_COLUMNS.items()
    )
    codes = ",\n  ".join(
        f"{_sql_case(c, names)} AS {c}" for c, names in CODED_PERSON_COLUMNS.items()
    )
    enr = ",\n  ".join(
        f"MAX(CASE WHEN category = '{c}' THEN k END) AS enr_{c}" for c in ENROLMENT_CATEGORIES
    )
    enr_cols = ", ".join(
        f"COALESCE(e.enr_{c}, {NO_ENROLMENT}) AS enr_{c}" for c in ENROLMENT_CATEGORIES
    )
    h_cols = _H_ROW_COLUMNS
    p_cols = (
        "person_id",
        "birth_ym",
        "hukou_xiamen",
        "disability_grade",
        "death_ym",
        *INCOME_COLUMNS,
        "selfcare_failed_items",
        "has_capable_supporter",
        *CODED_PERSON_COLUMNS,
        *OPTIONAL_PERSON_COLUMNS,
    )
    return f"""WITH p AS (
SELECT CAST(person_id AS BIGINT) AS person_id, CAST(household_id AS BIGINT) AS household_id,
  CAST(COALESCE({_sql_ym("birth_date")}, 0) AS INTEGER) AS birth_ym,
  COALESCE(substr(hukou_division, 1, 4) = '{XIAMEN_PREFIX}', false) AS hukou_xiamen,
  CAST(COALESCE(disability_grade, 0) AS TINYINT) AS disability_grade,
  CAST(COALESCE({_sql_ym("death_date")}, {int(NO_DATE_HIGH)}) AS INTEGER) AS death_ym,
  {incomes},
  CAST(COALESCE(selfcare_failed_items, 0) AS TINYINT) AS selfcare_failed_items,
  COALESCE(has_capable_supporter, true) AS has_capable_supporter,
  {codes},
  {optional}
FROM persons
), h AS (
SELECT CAST(household_id AS BIGINT) AS household_id,
  COALESCE(substr(division_code, 1, 4) = '{XIAMEN_PREFIX}', false) AS division_xiamen,
  COALESCE(TRY_CAST(substr(division_code, 1, 6) AS INTEGER), 0) AS district_code,
  COALESCE(is_rural, false) AS is_rural,
  CAST(COALESCE(declared_financial_assets_fen, 0) AS BIGINT) AS declared_financial_assets_fen,
  CAST(COALESCE(declared_vehicles, 0) AS TINYINT) AS declared_vehicles,
  CAST(COALESCE(declared_homes, 0) AS TINYINT) AS declared_homes,
  CAST(COALESCE(declared_businesses, 0) AS TINYINT) AS declared_businesses,
  CAST(COALESCE(medical_oop_12m_fen, 0) AS BIGINT) AS medical_oop_12m_fen
FROM households
), e AS (
SELECT person_id,
  {enr}
FROM (
  SELECT CAST(person_id AS BIGINT) AS person_id, category,
    CAST({_sql_ym("start_date")} AS BIGINT) * {ENROLMENT_PACK}
      + COALESCE({_sql_ym("end_date")}, {int(NO_DATE_HIGH)}) AS k
  FROM enrolments
  WHERE {_sql_ym("start_date")} <= {int(ym)}
) x
GROUP BY person_id
)
SELECT COALESCE(h.household_id, p.household_id) AS household_id,
  h.household_id AS h_household_id,
  {", ".join(f"h.{c}" for c in h_cols)},
  {", ".join(f"p.{c}" for c in p_cols)},
  {enr_cols}
FROM h FULL OUTER JOIN p ON p.household_id = h.household_id
LEFT JOIN e ON e.person_id = p.person_id"""


_H_ROW_COLUMNS = (
    "division_xiamen",
    "district_code",
    "is_rural",
    "declared_financial_assets_fen",
    "declared_vehicles",
    "declared_homes",
    "declared_businesses",
    "medical_oop_12m_fen",
)


def batch_from_rows(table: pa.Table, ym: int) -> Batch:
    """The batch of an Arrow chunk of :func:`city_query` rows holding whole households."""
    if table.column("h_household_id").null_count:
        bad = pc.filter(table.column("household_id"), pc.is_null(table.column("h_household_id")))
        raise ValueError(
            f"persons of household(s) {sorted(set(bad.to_pylist()))[:5]} have no row in "
            "households.parquet"
        )
    hid = table.column("household_id").to_numpy()
    order = None
    if hid.size > 1 and not np.all(hid[1:] >= hid[:-1]):
        order = np.argsort(hid, kind="stable")
        table = table.take(order)
        hid = hid[order]
    starts = np.flatnonzero(np.r_[True, hid[1:] != hid[:-1]]) if hid.size else hid
    h = {"household_id": hid[starts]}
    for c in _H_ROW_COLUMNS:
        h[c] = table.column(c).to_numpy()[starts]
    pid = table.column("person_id")
    if pid.null_count:  # households without persons
        table = table.filter(pc.is_valid(pid))
    p = {"household_id": table.column("household_id").to_numpy()}
    for c in (
        "person_id",
        "birth_ym",
        "hukou_xiamen",
        "disability_grade",
        "death_ym",
        *INCOME_COLUMNS,
        "selfcare_failed_items",
        "has_capable_supporter",
        *CODED_PERSON_COLUMNS,
        *OPTIONAL_PERSON_COLUMNS,
    ):
        p[c] = table.column(c).to_numpy()
    for c in ENROLMENT_CATEGORIES:
        p[f"enr_{c}_start"], p[f"enr_{c}_end"] = unpack_enrolment(
            table.column(f"enr_{c}").to_numpy()
        )
    return from_columns(ym, p, h)


# ============================================================================ the fast path
def _filled(col: pa.ChunkedArray, fill: object) -> pa.ChunkedArray:
    if col.null_count:
        col = pc.fill_null(col, pa.scalar(fill, col.type))
    return col


def _numeric(table: pa.Table, name: str, dtype: type, fill: object, n: int) -> np.ndarray:
    """A column as numpy (zero-copy for one chunk without nulls), ``fill`` for nulls."""
    if name not in table.column_names:
        return np.full(n, fill, dtype=dtype)
    col = _filled(table.column(name), fill)
    arr = col.to_numpy() if col.num_chunks != 1 else col.chunk(0).to_numpy(zero_copy_only=False)
    return arr.astype(dtype, copy=False)


_EPOCH_YM = 1970 * 12


def _days_to_ym(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 → ym (int32), through a table of the days in range."""
    if days.size == 0:
        return days.astype(np.int32)
    lo, hi = int(days.min()), int(days.max())
    if hi - lo < 1 << 22:
        span = np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]")
        table = (span.astype("datetime64[M]").astype(np.int64) + _EPOCH_YM).astype(np.int32)
        return table[days - lo] if lo else table[days]
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return (months + _EPOCH_YM).astype(np.int32)


def _ym(table: pa.Table, name: str, fill: int, n: int) -> np.ndarray:
    """A date32 column as month numbers (int32), ``fill`` for nulls."""
    if name not in table.column_names:
        return np.full(n, fill, dtype=np.int32)
    col = pc.cast(table.column(name), pa.int32())
    if not col.null_count:
        return _days_to_ym(col.to_numpy())
    valid = pc.is_valid(col).to_numpy()
    ym = _days_to_ym(_filled(col, 0).to_numpy())
    return np.where(valid, ym, np.int32(fill)).astype(np.int32, copy=False)


def _mapped(
    table: pa.Table, name: str, fn: Callable[[str | None], object], dtype: type, n: int
) -> np.ndarray:
    """A string column mapped value by value through ``fn`` (called once per distinct value);
    strings are read as dictionaries, so this is a gather of a small lookup table."""
    if name not in table.column_names:
        return np.full(n, fn(None), dtype=dtype)
    parts = []
    for chunk in table.column(name).chunks:
        if not pa.types.is_dictionary(chunk.type):
            chunk = pc.dictionary_encode(chunk)
        values = chunk.dictionary.to_pylist()
        lut = np.array([fn(v) for v in values] + [fn(None)], dtype=dtype)
        idx = chunk.indices
        if idx.null_count:
            idx = pc.fill_null(idx, len(values))
        parts.append(lut[idx.to_numpy(zero_copy_only=False)])
    if not parts:
        return np.zeros(0, dtype=dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _code_of(names: Sequence[str]) -> Callable[[str | None], int]:
    index = {n: i for i, n in enumerate(names) if n}
    return lambda v: index.get(v, 0) if v is not None else 0


def _read(path: Path, wanted: Sequence[str], dictionaries: Sequence[str]) -> pa.Table:
    present = set(pq.read_schema(path).names)
    cols = [c for c in wanted if c in present]
    return pq.read_table(
        path,
        columns=cols,
        read_dictionary=[c for c in dictionaries if c in present],
        use_threads=True,
        memory_map=True,
    )


_PERSON_READ = (
    "person_id",
    "household_id",
    "birth_date",
    "hukou_division",
    "disability_grade",
    "death_date",
    *INCOME_COLUMNS,
    "selfcare_failed_items",
    "has_capable_supporter",
    *CODED_PERSON_COLUMNS,
    *OPTIONAL_PERSON_COLUMNS,
)
_HOUSEHOLD_READ = (
    "household_id",
    "division_code",
    "is_rural",
    "declared_financial_assets_fen",
    "declared_vehicles",
    "declared_homes",
    "declared_businesses",
    "medical_oop_12m_fen",
)


_PERSON_DICTIONARIES = ("hukou_division", *CODED_PERSON_COLUMNS)


def _persons(path: Path) -> dict[str, np.ndarray]:
    return _person_arrays(_read(path, _PERSON_READ, _PERSON_DICTIONARIES))


def _person_arrays(t: pa.Table) -> dict[str, np.ndarray]:
    n = t.num_rows
    p: dict[str, np.ndarray] = {
        "person_id": _numeric(t, "person_id", np.int64, 0, n),
        "household_id": _numeric(t, "household_id", np.int64, 0, n),
        "birth_ym": _ym(t, "birth_date", 0, n),
        "hukou_xiamen": _mapped(t, "hukou_division", is_xiamen, np.bool_, n),
        "disability_grade": _numeric(t, "disability_grade", np.int8, 0, n),
        "death_ym": _ym(t, "death_date", int(NO_DATE_HIGH), n),
    }
    for c in INCOME_COLUMNS:
        p[c] = _numeric(t, c, np.int64, 0, n)
    p["selfcare_failed_items"] = _numeric(t, "selfcare_failed_items", np.int8, 0, n)
    p["has_capable_supporter"] = _numeric(t, "has_capable_supporter", np.bool_, True, n)
    for c, names in CODED_PERSON_COLUMNS.items():
        p[c] = _mapped(t, c, _code_of(names), np.int8, n)
    for c, (dflt, sql_type) in OPTIONAL_PERSON_COLUMNS.items():
        p[c] = _numeric(t, c, np.bool_ if sql_type == "BOOLEAN" else np.int16, dflt, n)
    return p


def _households(path: Path) -> dict[str, np.ndarray]:
    t = _read(path, _HOUSEHOLD_READ, ("division_code",))
    n = t.num_rows
    return {
        "household_id": _numeric(t, "household_id", np.int64, 0, n),
        "division_xiamen": _mapped(t, "division_code", is_xiamen, np.bool_, n),
        "district_code": _mapped(t, "division_code", district_of, np.int32, n),
        "is_rural": _numeric(t, "is_rural", np.bool_, False, n),
        "declared_financial_assets_fen": _numeric(
            t, "declared_financial_assets_fen", np.int64, 0, n
        ),
        "declared_vehicles": _numeric(t, "declared_vehicles", np.int8, 0, n),
        "declared_homes": _numeric(t, "declared_homes", np.int8, 0, n),
        "declared_businesses": _numeric(t, "declared_businesses", np.int8, 0, n),
        "medical_oop_12m_fen": _numeric(t, "medical_oop_12m_fen", np.int64, 0, n),
    }


def _enrolments(path: Path, ym: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person_id, category index, packed) of the latest enrolment per person and category
    that started by month ``ym``."""
    t = _read(path, ("person_id", "category", "start_date", "end_date"), ("category",))
    n = t.num_rows
    start = _ym(t, "start_date", -1, n).astype(np.int64)
    cat = _mapped(t, "category", _code_of(("", *ENROLMENT_CATEGORIES)), np.int8, n)
    keep = (start >= 0) & (start <= ym) & (cat > 0)
    if "person_id" in t.column_names and t.column("person_id").null_count:
        keep &= pc.is_valid(t.column("person_id")).to_numpy()
    pid = _numeric(t, "person_id", np.int64, 0, n)[keep]
    cat = cat[keep] - 1
    packed = start[keep] * ENROLMENT_PACK + _ym(t, "end_date", int(NO_DATE_HIGH), n)[keep]
    order = np.lexsort((packed, pid, cat))
    pid, cat, packed = pid[order], cat[order], packed[order]
    last = np.r_[(pid[1:] != pid[:-1]) | (cat[1:] != cat[:-1]), True] if pid.size else pid
    return pid[last], cat[last], packed[last]


def _attach_enrolments(
    p: dict[str, np.ndarray], epid: np.ndarray, ecat: np.ndarray, packed: np.ndarray
) -> None:
    """Enrolment start/end columns by person (``unpack_enrolment`` of the packed values,
    written straight into sentinel-filled columns: most persons have no enrolment)."""
    pid = p["person_id"]
    n = pid.shape[0]
    order = None if n < 2 or np.all(pid[1:] > pid[:-1]) else np.argsort(pid, kind="stable")
    sorted_pid = pid if order is None else pid[order]
    pos = np.minimum(np.searchsorted(sorted_pid, epid), max(n - 1, 0))
    found = sorted_pid[pos] == epid if n else np.zeros(epid.shape[0], dtype=bool)
    rows = pos[found] if order is None else order[pos[found]]
    ecat, packed = ecat[found], packed[found]
    starts, ends = unpack_enrolment(packed)
    for i, c in enumerate(ENROLMENT_CATEGORIES):
        sel = ecat == i
        start = np.full(n, NO_DATE_LOW, dtype=np.int32)
        end = np.full(n, NO_DATE_HIGH, dtype=np.int32)
        start[rows[sel]] = starts[sel]
        end[rows[sel]] = ends[sel]
        p[f"enr_{c}_start"], p[f"enr_{c}_end"] = start, end


def read_city(input_dir: str | Path, month: str | int) -> Batch:
    """The city in ``input_dir`` for one month, read with pyarrow straight into numpy."""
    d = check_inputs(input_dir)
    ym = parse_month(month) if isinstance(month, str) else int(month)
    with ThreadPoolExecutor(max_workers=2) as pool:
        households = pool.submit(_households, d / INPUT_FILES["households"])
        enrolments = pool.submit(_enrolments, d / INPUT_FILES["enrolments"], ym)
        persons = _persons(d / INPUT_FILES["persons"])
        h = households.result()
        epid, ecat, packed = enrolments.result()
    _attach_enrolments(persons, epid, ecat, packed)
    return from_columns(ym, persons, h, order_persons=True)


def iter_city(input_dir: str | Path, month: str | int) -> Iterator[Batch]:
    """The city as consecutive batches of whole households, one Parquet row group of persons
    at a time (a household cut by a row group boundary is a small batch of its own), so memory
    stays bounded and is reused. Together the batches hold exactly :func:`read_city`'s
    households and persons, in the same order. Needs the persons file's row groups in household
    order (the generator writes them so); otherwise yields the whole ``read_city`` batch."""
    d = check_inputs(input_dir)
    ym = parse_month(month) if isinstance(month, str) else int(month)
    present = set(pq.read_schema(d / INPUT_FILES["persons"]).names)
    dictionaries = [c for c in _PERSON_DICTIONARIES if c in present]
    pf = pq.ParquetFile(d / INPUT_FILES["persons"], memory_map=True, read_dictionary=dictionaries)
    if pf.metadata.num_row_groups < 2 or not _row_groups_in_household_order(pf):
        yield read_city(d, ym)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        enrolments = pool.submit(_enrolments, d / INPUT_FILES["enrolments"], ym)
        h = _households(d / INPUT_FILES["households"])
        epid, ecat, packed = enrolments.result()
    if h["household_id"].size > 1 and not np.all(h["household_id"][1:] > h["household_id"][:-1]):
        order = np.argsort(h["household_id"], kind="stable")
        h = {k: v[order] for k, v in h.items()}
    order = np.argsort(epid, kind="stable")
    epid, ecat, packed = epid[order], ecat[order], packed[order]
    columns = [c for c in _PERSON_READ if c in present]
    h_done = 0

    def piece(t: pa.Table, last: bool) -> Batch:
        nonlocal h_done
        p = _person_arrays(t)
        pid = p["person_id"]
        if pid.size:
            lo = np.searchsorted(epid, pid.min(), side="left")
            hi = np.searchsorted(epid, pid.max(), side="right")
        else:
            lo = hi = 0
        _attach_enrolments(p, epid[lo:hi], ecat[lo:hi], packed[lo:hi])
        hid = h["household_id"]
        h_end = hid.size if last else int(np.searchsorted(hid, p["household_id"].max(), "right"))
        part = {k: v[h_done:h_end] for k, v in h.items()}
        h_done = h_end
        return from_columns(ym, p, part, order_persons=True)

    carry: pa.Table | None = None  # persons of a household that may continue
    for i in range(pf.metadata.num_row_groups):
        t = pf.read_row_group(i, columns=columns, use_threads=True)
        t = _sorted_by_household(t)
        hid = t.column("household_id").to_numpy()
        if carry is not None:
            carried = carry.column("household_id")[0].as_py()
            head = int(np.searchsorted(hid, carried, side="right"))
            if head == t.num_rows:  # the whole row group is the same household
                carry = pa.concat_tables([carry, t])
                continue
            yield piece(pa.concat_tables([carry, t.slice(0, head)]).combine_chunks(), False)
            t, hid = t.slice(head), hid[head:]
        cut = int(np.searchsorted(hid, hid[-1], side="left")) if hid.size else 0
        if cut:
            yield piece(t.slice(0, cut), False)
        carry = t.slice(cut)
    yield piece(
        carry.combine_chunks() if carry is not None else pf.schema_arrow.empty_table(), True
    )


def _row_groups_in_household_order(pf: pq.ParquetFile) -> bool:
    """Row group statistics say each row group's households come after the previous one's."""
    index = pf.schema_arrow.get_field_index("household_id")
    previous = None
    for i in range(pf.metadata.num_row_groups):
        col = pf.metadata.row_group(i).column(index)
        stats = col.statistics
        if stats is None or not stats.has_min_max:
            return False
        if previous is not None and stats.min < previous:
            return False
        previous = stats.max
    return True


def _sorted_by_household(t: pa.Table) -> pa.Table:
    hid = t.column("household_id").to_numpy()
    if hid.size < 2 or np.all(hid[1:] >= hid[:-1]):
        return t
    return t.take(np.lexsort((t.column("person_id").to_numpy(), hid)))
