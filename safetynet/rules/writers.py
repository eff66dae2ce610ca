"""Batch output: results → Arrow tables → Parquet, one file per program (household rows) and,
for personal benefits, one per program under ``persons/`` (person rows).

``OUT/<program>.parquet``: month, household_id, program, eligible, amount_fen, city_fen,
district_fen, street_fen, reason, then the program's extra columns, one row per household
sorted by household_id. ``OUT/persons/<program>.parquet``: person_id, household_id, eligible,
amount_fen, city_fen, district_fen, street_fen (the person's funding split), reason, extras, one
row per person sorted by (household_id, person_id). ``reason``
is a dictionary column whose dictionary is the sorted reasons present in the file, so a file
does not depend on the order in which a process happened to register reason codes.

Both engines make the files with :func:`result_tables`: the DuckDB fast path on the whole
batch; the batch job's kernel per chunk of households, packed into one long table
(:func:`job_rows`, schema :data:`JOB_SCHEMA`) that :func:`tables_from_job_rows` unpacks into
the same tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .batch import Batch
from .engine import PROGRAMS, REASONS, ProgramResult

REASON_TYPE = pa.dictionary(pa.int16(), pa.string())

# Extra columns per program (declared, so the job's schema is known before any data is seen;
# a program returning an undeclared extra is refused by result_tables).
HOUSEHOLD_EXTRAS: dict[str, dict[str, pa.DataType]] = {"dibao": {"rule_met": pa.bool_()}}
PERSON_EXTRAS: dict[str, dict[str, pa.DataType]] = {
    "tekun": {"selfcare_tier": pa.int8(), "support_form": pa.int8()},
    "five_elders": {"funeral_grant_fen": pa.int64()},
    "disability": {"living_fen": pa.int64(), "nursing_fen": pa.int64()},
}


def household_schema(program: str) -> pa.Schema:
    return pa.schema(
        [
            ("month", pa.string()),
            ("household_id", pa.int64()),
            ("program", pa.string()),
            ("eligible", pa.bool_()),
            ("amount_fen", pa.int64()),
            ("city_fen", pa.int64()),
            ("district_fen", pa.int64()),
            ("street_fen", pa.int64()),
            ("reason", REASON_TYPE),
            *HOUSEHOLD_EXTRAS.get(program, {}).items(),
        ]
    )


def person_schema(program: str) -> pa.Schema:
    return pa.schema(
        [
            ("person_id", pa.int64()),
            ("household_id", pa.int64()),
            ("eligible", pa.bool_()),
            ("amount_fen", pa.int64()),
            ("city_fen", pa.int64()),
            ("district_fen", pa.int64()),
            ("street_fen", pa.int64()),
            ("reason", REASON_TYPE),
            *PERSON_EXTRAS.get(program, {}).items(),
        ]
    )


def household_path(program: str) -> str:
    return f"{program}.parquet"


def person_path(program: str) -> str:
    return f"persons/{program}.parquet"


# ============================================================================ building blocks
def const_strings(value: str, n: int) -> pa.Array:
    """``n`` copies of ``value`` as a string array, built from buffers (no Python objects)."""
    b = value.encode()
    offsets = np.arange(n + 1, dtype=np.int64) * len(b)
    if offsets[-1] < 2**31:
        return pa.Array.from_buffers(
            pa.string(), n, [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(b * n)]
        )
    big = pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(b * n)]
    )
    return big.cast(pa.string())


def _dictionary(indices: np.ndarray, names: list[str] | pa.Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, pa.int16()), pa.array(names, pa.string())
    )


def reasons_from_codes(codes: np.ndarray) -> pa.DictionaryArray:
    """Reason codes of this process (indices into ``REASONS``) as a dictionary column. Not yet
    canonical: :class:`TableSink` rewrites it per row group."""
    return _dictionary(np.asarray(codes, dtype=np.int16), list(REASONS))


def reasons_from_names(values: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """Reason names (string or dictionary column) as a dictionary column."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    if pa.types.is_dictionary(values.type):
        values = values.cast(pa.string())
    enc = pc.dictionary_encode(values)
    return _dictionary(enc.indices.to_numpy(zero_copy_only=False), enc.dictionary)


def canonical_reasons(pieces: Sequence[pa.DictionaryArray]) -> pa.DictionaryArray:
    """One reason column from pieces with any dictionaries: its dictionary is the sorted
    reasons present, so the bytes written do not depend on how the pieces were encoded."""
    present: list[tuple[pa.DictionaryArray, np.ndarray, list[str]]] = []
    names: set[str] = set()
    for piece in pieces:
        idx = piece.indices.to_numpy(zero_copy_only=False)
        dictionary = piece.dictionary.to_pylist()
        used = np.flatnonzero(np.bincount(idx, minlength=len(dictionary))) if idx.size else []
        names.update(dictionary[i] for i in used)
        present.append((piece, idx, dictionary))
    ordered = sorted(names)
    index = {n: i for i, n in enumerate(ordered)}
    parts = []
    for _, idx, dictionary in present:
        lut = np.array([index.get(n, 0) for n in dictionary] or [0], dtype=np.int16)
        parts.append(lut[idx])
    codes = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    return _dictionary(codes, ordered)


def _person_split(r: ProgramResult) -> list[pa.Array]:
    """A personal benefit's per-person city, district and street/town parts (the street's is
    the rest of the amount, so the three always add up to it)."""
    amount = np.asarray(r.p_amount, dtype=np.int64)
    if r.p_city is None or r.p_district is None:
        z = np.zeros(amount.shape[0], dtype=np.int64)
        return [pa.array(z), pa.array(z), pa.array(amount)]
    city = np.asarray(r.p_city, dtype=np.int64)
    district = np.asarray(r.p_district, dtype=np.int64)
    return [pa.array(city), pa.array(district), pa.array(amount - city - district)]


def _check_extras(r: ProgramResult) -> None:
    for got, declared, level in (
        (r.extra, HOUSEHOLD_EXTRAS, "household"),
        (r.p_extra, PERSON_EXTRAS, "person"),
    ):
        want = declared.get(r.program, {})
        if list(got) != list(want):
            raise ValueError(
                f"{r.program}: {level} extras {list(got)} are not the declared {list(want)} "
                "(declare them in safetynet/rules/writers.py)"
            )


def result_tables(results: Mapping[str, ProgramResult], batch: Batch) -> dict[str, pa.Table]:
    """Output tables by relative path, rows in batch order (households by id, persons by
    household then person id)."""
    n_h, n_p = batch.n_households, batch.n_persons
    month = const_strings(batch.month, n_h)
    h_id = pa.array(batch.h["household_id"])
    p_id = pa.array(batch.p["person_id"])
    p_hid = pa.array(batch.p["household_id"])
    out: dict[str, pa.Table] = {}
    for name, r in results.items():
        _check_extras(r)
        out[household_path(name)] = pa.Table.from_arrays(
            [
                month,
                h_id,
                const_strings(name, n_h),
                pa.array(r.eligible),
                pa.array(r.amount),
                pa.array(r.city),
                pa.array(r.district),
                pa.array(r.street),
                reasons_from_codes(r.reason),
                *(pa.array(v) for v in r.extra.values()),
            ],
            schema=household_schema(name),
        )
        if r.level == "person":
            assert r.p_eligible is not None and r.p_amount is not None and r.p_reason is not None
            out[person_path(name)] = pa.Table.from_arrays(
                [
                    p_id,
                    p_hid,
                    pa.array(r.p_eligible),
                    pa.array(r.p_amount),
                    *_person_split(r),
                    reasons_from_codes(r.p_reason),
                    *(pa.array(v) for v in r.p_extra.values()),
                ],
                schema=person_schema(name),
            )
    assert all(t.num_rows == (n_p if k.startswith("persons/") else n_h) for k, t in out.items())
    return out


# ============================================================================ the job's rows
_EXTRA_FIELDS = [
    *(f for ex in HOUSEHOLD_EXTRAS.values() for f in ex.items()),
    *(f for ex in PERSON_EXTRAS.values() for f in ex.items()),
]
JOB_SCHEMA = pa.schema(
    [
        ("program", pa.string()),
        ("household_id", pa.int64()),
        ("person_id", pa.int64()),  # null on a household row
        ("eligible", pa.bool_()),
        ("amount_fen", pa.int64()),
        ("city_fen", pa.int64()),  # a person row: the person's parts
        ("district_fen", pa.int64()),
        ("street_fen", pa.int64()),
        ("reason", pa.string()),
        *_EXTRA_FIELDS,
    ]
)
JOB_ORDER = ("program", "household_id", "person_id")


def job_rows(tables: Mapping[str, pa.Table]) -> pa.Table:
    """Output tables packed into one long table of :data:`JOB_SCHEMA` (the kernel's result)."""
    parts = []
    for path, t in tables.items():
        n = t.num_rows
        program = path.removeprefix("persons/").removesuffix(".parquet")
        cols = []
        for f in JOB_SCHEMA:
            if f.name == "program":
                cols.append(const_strings(program, n))
            elif f.name == "reason":
                cols.append(t.column("reason").cast(pa.string()))
            elif f.name in t.column_names:
                cols.append(t.column(f.name))
            else:
                cols.append(pa.nulls(n, f.type))
        parts.append(pa.Table.from_arrays(cols, schema=JOB_SCHEMA))
    return pa.concat_tables(parts) if parts else JOB_SCHEMA.empty_table()


def _single(col: pa.ChunkedArray) -> pa.Array:
    return col.combine_chunks() if col.num_chunks else pa.array([], col.type)


def tables_from_job_rows(
    rows: pa.Table, month: str, programs: Iterable[str]
) -> dict[str, pa.Table]:
    """The output tables from the job's long table, sorted by :data:`JOB_ORDER`."""
    out: dict[str, pa.Table] = {}
    program_col = rows.column("program")
    for name in programs:
        mine = rows.filter(pc.equal(program_col, name))
        is_h = pc.is_null(mine.column("person_id"))
        h = mine.filter(is_h)
        n_h = h.num_rows
        out[household_path(name)] = pa.Table.from_arrays(
            [
                const_strings(month, n_h),
                _single(h.column("household_id")),
                const_strings(name, n_h),
                *(_single(h.column(c)) for c in ("eligible", "amount_fen")),
                *(_single(h.column(c)) for c in ("city_fen", "district_fen", "street_fen")),
                reasons_from_names(h.column("reason")),
                *(_single(h.column(c)) for c in HOUSEHOLD_EXTRAS.get(name, {})),
            ],
            schema=household_schema(name),
        )
        if PROGRAMS[name].level == "person":
            p = mine.filter(pc.invert(is_h))
            out[person_path(name)] = pa.Table.from_arrays(
                [
                    *(_single(p.column(c)) for c in ("person_id", "household_id")),
                    *(_single(p.column(c)) for c in ("eligible", "amount_fen")),
                    *(_single(p.column(c)) for c in ("city_fen", "district_fen", "street_fen")),
                    reasons_from_names(p.column("reason")),
                    *(_single(p.column(c)) for c in PERSON_EXTRAS.get(name, {})),
                ],
                schema=person_schema(name),
            )
    return out


# ============================================================================ files
ROW_GROUP_ROWS = 1 << 18  # 262,144 rows: bounded buffers while streaming, parallel reads
# Dictionary encoding only for the string columns (numbers are mostly zeros: plain + zstd is
# smaller and twice as fast to write); min/max statistics only for the keys.
WRITE_OPTIONS = {
    "compression": "zstd",
    "use_dictionary": ["month", "program", "reason"],
    "write_statistics": ["household_id", "person_id"],
}


class TableSink:
    """Writes output tables given piece by piece (consecutive rows of each file) as Parquet.

    Every file is cut into row groups of exactly ``ROW_GROUP_ROWS`` rows (the last one
    shorter), each written from single-chunk columns with a canonical reason dictionary, so
    the bytes depend only on the rows, not on how they were produced: the DuckDB fast path
    (one piece per chunk of households) and the batch job (one piece per file) write
    identical files. Row groups are encoded on ``workers`` threads while the caller computes
    the next chunk (``workers=0``: in the caller's thread, for timing phases apart). Files
    appear under their names only when complete (``close``).
    """

    def __init__(self, out_dir: str | Path, workers: int = 2):
        self.workers = workers
        self.out = Path(out_dir)
        self.pending: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.running: dict[str, Future] = {}
        self.pool = ThreadPoolExecutor(max_workers=max(workers, 1))
        self.totals: dict[str, dict[str, int]] = {}

    def add(self, tables: Mapping[str, pa.Table]) -> None:
        for rel, t in tables.items():
            self.pending.setdefault(rel, []).append(t)
            self.rows[rel] = self.rows.get(rel, 0) + t.num_rows
            tot = self.totals.setdefault(rel, {"rows": 0, "eligible": 0, "amount_fen": 0})
            tot["rows"] += t.num_rows
            tot["eligible"] += int(pc.sum(t.column("eligible")).as_py() or 0)
            tot["amount_fen"] += int(pc.sum(t.column("amount_fen")).as_py() or 0)
            if self.rows[rel] >= ROW_GROUP_ROWS:
                self._flush(rel, final=False)

    def _flush(self, rel: str, final: bool) -> None:
        pieces = self.pending.pop(rel, [])
        n = self.rows.pop(rel, 0)
        whole = n - n % ROW_GROUP_ROWS if not final else n
        table = pa.concat_tables(pieces) if pieces else None
        if table is not None and whole < n:
            self.pending[rel] = [table.slice(whole)]
            self.rows[rel] = n - whole
        previous = self.running.get(rel)
        if previous is not None:
            previous.result()  # row groups of one file are written in order
        todo = table.slice(0, whole) if table is not None else None
        if self.workers:
            self.running[rel] = self.pool.submit(self._write, rel, todo, final)
        else:
            self._write(rel, todo, final)

    def _write(self, rel: str, table: pa.Table | None, final: bool) -> None:
        if rel not in self.writers:
            path = self.out / (rel + ".tmp")
            path.parent.mkdir(parents=True, exist_ok=True)
            schema = table.schema if table is not None else None
            assert schema is not None
            self.writers[rel] = pq.ParquetWriter(path, schema, **WRITE_OPTIONS)
        w = self.writers[rel]
        if table is not None:
            for start in range(0, table.num_rows, ROW_GROUP_ROWS):
                w.write_table(_canonical(table.slice(start, ROW_GROUP_ROWS)), ROW_GROUP_ROWS)
        if final:
            w.close()
            (self.out / (rel + ".tmp")).replace(self.out / rel)

    def close(self) -> list[Path]:
        """Write what remains and finish every file; returns their paths."""
        try:
            for rel in list(self.totals):
                if rel not in self.pending:
                    self.pending[rel], self.rows[rel] = [], 0
                started = rel in self.writers or rel in self.running
                if not self.pending[rel] and not started:
                    # an empty file still has its schema
                    self.pending[rel] = [self._empty[rel]]
                self._flush(rel, final=True)
            for f in self.running.values():
                f.result()
        finally:
            self.pool.shutdown(wait=True)
        return [self.out / rel for rel in self.totals]

    @property
    def _empty(self) -> dict[str, pa.Table]:
        out = {}
        for rel in self.totals:
            program = rel.removeprefix("persons/").removesuffix(".parquet")
            schema = (
                person_schema(program) if rel.startswith("persons/") else household_schema(program)
            )
            out[rel] = schema.empty_table()
        return out


def _canonical(table: pa.Table) -> pa.Table:
    """Single-chunk columns, and the reason column with its canonical dictionary."""
    cols = []
    for name, col in zip(table.column_names, table.columns, strict=True):
        if name == "reason":
            cols.append(canonical_reasons(col.chunks))
        else:
            cols.append(col.combine_chunks() if col.num_chunks != 1 else col.chunk(0))
    return pa.Table.from_arrays(cols, schema=table.schema)


def write_tables(tables: Mapping[str, pa.Table], out_dir: str | Path) -> list[Path]:
    """Write whole output tables (see :class:`TableSink`)."""
    sink = TableSink(out_dir)
    sink.add(tables)
    return sink.close()


def write_results(
    results: dict[str, ProgramResult], batch: Batch, out_dir: str | Path
) -> list[Path]:
    return write_tables(result_tables(results, batch), out_dir)
