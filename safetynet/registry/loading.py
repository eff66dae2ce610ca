"""Bulk load of a generated city (safetynet.simulated.generator) into the registry tables.

One transaction for the whole city. PostgreSQL: COPY ... FROM STDIN (CSV written by Arrow);
SQLite: executemany in large batches. Each loaded row gets a simple_history "+" row with the change
reason ``load <directory name>``, so the history timeline starts at the load (ADR 0202).

Re-running is safe: a city already in the database is recognised (by its first and last ID numbers)
and skipped; a registry that holds other persons or households is refused, since the bulk path
writes explicit primary keys into empty tables (ADR 0202).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.module_loading import import_string
from simple_history.utils import bulk_create_with_history

from .city_format import FORMAT, read_manifest
from .models import Division, DivisionLevel, Enrolment, Household, Membership, Person
from .services import division_table_load

BATCH_ROWS = 100_000
# Other apps' parts of a city, loaded in the same transaction after the registry tables: each a
# function (directory, *, stamp, reason, history, progress) -> {table label: rows written}.
CITY_LOAD_HOOKS: tuple[str, ...] = ("safetynet.payments.bank_loading.city_load_bank_accounts",)
REGISTRY_MODELS = (Person, Household, Membership, Enrolment)

# Callback: (table label, rows just written, total rows of that table).
Progress = Callable[[str, int, int], None]


class LoadError(Exception):
    """The city cannot be loaded (bad directory, or a registry that is not empty)."""


@dataclass
class LoadReport:
    directory: str
    skipped: bool = False
    message: str = ""
    rows: dict[str, int] = field(default_factory=dict)  # table label -> rows written
    timings: dict[str, float] = field(default_factory=dict)  # table label -> seconds
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


def _chunks(table: pa.Table, size: int) -> Iterator[pa.Table]:
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)


# ------------------------------------------------------------------------------ backends
def _write_postgres(db_table: str, table: pa.Table, tick: Callable[[int], None]) -> None:
    cols = ", ".join(connection.ops.quote_name(c) for c in table.column_names)
    sql = f"COPY {connection.ops.quote_name(db_table)} ({cols}) FROM STDIN (FORMAT csv)"
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for chunk in _chunks(table, BATCH_ROWS):
            buf = io.BytesIO()
            pacsv.write_csv(chunk, buf, options)
            copy.write(buf.getvalue())
            tick(chunk.num_rows)


def _sqlite_values(table: pa.Table) -> pa.Table:
    """Arrow types SQLite's driver takes fast: dates as ISO text, booleans as 0/1."""
    cols = []
    for col in table.columns:
        if pa.types.is_date(col.type):
            col = pc.cast(col, pa.string())
        elif pa.types.is_boolean(col.type):
            col = pc.cast(col, pa.int8())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def _write_sqlite(db_table: str, table: pa.Table, tick: Callable[[int], None]) -> None:
    cols = ", ".join(connection.ops.quote_name(c) for c in table.column_names)
    marks = ", ".join("%s" for _ in table.column_names)
    sql = f"INSERT INTO {connection.ops.quote_name(db_table)} ({cols}) VALUES ({marks})"
    table = _sqlite_values(table)
    with connection.cursor() as cursor:
        for chunk in _chunks(table, BATCH_ROWS):
            columns = [c.to_pylist() for c in chunk.columns]
            cursor.executemany(sql, list(zip(*columns, strict=True)))
            tick(chunk.num_rows)


def _write(model: type[Model], values: dict[str, pa.Array], tick: Callable[[int], None]) -> int:
    """Insert columns (keyed by field attname) into the model's table; return rows written."""
    opts = model._meta
    table = pa.table(
        {opts.get_field(k).column if k != "history_user_id" else k: v for k, v in values.items()}
    )
    if connection.vendor == "postgresql":
        _write_postgres(opts.db_table, table, tick)
    else:
        _write_sqlite(opts.db_table, table, tick)
    return table.num_rows


# ------------------------------------------------------------------------------ the load
def _const(value, n: int, type_: pa.DataType) -> pa.Array:
    return pa.array([value], type_).take(pa.array(np.zeros(n, dtype=np.int32)))


def _stamp_values(n: int, stamp: str) -> pa.Array:
    return _const(stamp, n, pa.string())


def _tables(directory: Path, stamp: str) -> dict[type[Model], dict[str, pa.Array]]:
    persons = pq.read_table(
        directory / "persons.parquet",
        columns=[
            "person_id", "id_number", "name", "sex", "birth_date", "household_id", "relation",
            "hukou_division", "disability_grade", "disability_kind", "death_date",
            "residence_address", "membership_start", "selfcare_failed_items",
            "has_capable_supporter",
        ],
    )  # fmt: skip
    households = pq.read_table(
        directory / "households.parquet",
        columns=["household_id", "household_number", "division_code", "address", "is_rural"],
    )
    enrolments = pq.read_table(directory / "enrolments.parquet")
    n, h, e = persons.num_rows, households.num_rows, enrolments.num_rows
    empty = pa.scalar("", pa.string())
    # Person.household_division: the division of the household whose membership stays open, i.e.
    # none for the deceased (their membership ends on the day of death, below). ADR 0751.
    living_in = pc.take(
        households["division_code"],
        pc.index_in(persons["household_id"], value_set=households["household_id"]),
    )
    living_in = pc.if_else(
        pc.is_null(persons["death_date"]), living_in, pa.nulls(n, living_in.type)
    )
    return {
        Person: {
            "id": persons["person_id"],
            "id_number": persons["id_number"],
            "name": persons["name"],
            "sex": persons["sex"],
            "birth_date": persons["birth_date"],
            "hukou_division_id": persons["hukou_division"],
            "residence_address": pc.fill_null(persons["residence_address"], empty),
            "disability_grade": pc.cast(persons["disability_grade"], pa.int16()),
            "disability_kind": pc.fill_null(persons["disability_kind"], empty),
            "death_date": persons["death_date"],
            "selfcare_failed_items": pc.cast(persons["selfcare_failed_items"], pa.int16()),
            "has_capable_supporter": persons["has_capable_supporter"],
            "household_division_id": living_in,
            "created_at": _stamp_values(n, stamp),
        },
        Household: {
            "id": households["household_id"],
            "number": households["household_number"],
            "division_id": households["division_code"],
            "address": pc.fill_null(households["address"], empty),
            "is_rural": households["is_rural"],
            "created_at": _stamp_values(h, stamp),
        },
        # A deceased person's membership ended on the day of death (heads are never deceased).
        Membership: {
            "id": persons["person_id"],
            "person_id": persons["person_id"],
            "household_id": persons["household_id"],
            "relation": persons["relation"],
            "start_date": persons["membership_start"],
            "end_date": persons["death_date"],
        },
        Enrolment: {
            "id": pa.array(np.arange(1, e + 1, dtype=np.int64)),
            "person_id": enrolments["person_id"],
            "household_id": enrolments["household_id"],
            "category": enrolments["category"],
            "start_date": enrolments["start_date"],
            "end_date": enrolments["end_date"],
            "legal_basis": enrolments["legal_basis"],
        },
    }


def _history(model: type[Model], values: dict[str, pa.Array], stamp: str, reason: str) -> dict:
    n = len(next(iter(values.values())))
    kept = {f.attname for f in model.history.model._meta.concrete_fields}
    return {
        **{name: column for name, column in values.items() if name in kept},
        "history_date": _stamp_values(n, stamp),
        "history_change_reason": _const(reason, n, pa.string()),
        "history_type": _const("+", n, pa.string()),
        "history_user_id": pa.nulls(n, pa.int64()),
    }


def _load_divisions(directory: Path, reason: str) -> int:
    """The shipped table (if missing) and the synthetic communities not yet in the database."""
    written = 0
    table = pq.read_table(directory / "divisions.parquet").to_pylist()
    shipped = [r for r in table if not r["is_synthetic"]]
    have = set(
        Division.objects.filter(code__in=[r["code"] for r in shipped]).values_list(
            "code", flat=True
        )
    )
    if len(have) < len(shipped):
        written += division_table_load()
    existing = set(
        Division.objects.filter(level=DivisionLevel.COMMUNITY).values_list("code", flat=True)
    )
    new = [
        Division(
            code=r["code"],
            name=r["name"],
            level=DivisionLevel.COMMUNITY,
            parent_id=r["parent_code"],
            is_synthetic=True,
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
            table_version=r["table_version"],
        )
        for r in table
        if r["level"] == "community" and r["code"] not in existing
    ]
    bulk_create_with_history(new, Division, batch_size=1000, default_change_reason=reason)
    return written + len(new)


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(
        no_style(), [*REGISTRY_MODELS, *(m.history.model for m in REGISTRY_MODELS)]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class _PostgresBulkMode:
    """Within the load's transaction: drop the secondary indexes and foreign keys of the tables
    being filled (all empty), and re-create them from their exact definitions after the COPY.

    Building an index once over sorted data is far faster than a million random inserts, and
    re-adding a foreign key validates it with one join instead of a deferred check per row. The
    DDL is transactional: a failed load leaves every table and index as it was.
    """

    def __init__(self, tables: list[str]):
        self.tables = tables
        self.restore: list[str] = []

    def __enter__(self):
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Check what is pending (the communities just inserted), so the tables can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
                    self.restore.append(
                        f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}"
                    )
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {q(name)}")
                    self.restore.insert(0, definition)  # indexes before foreign keys
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False  # the transaction rolls back and restores everything
        with connection.cursor() as cursor:
            for sql in self.restore:
                cursor.execute(sql)
            for table in self.tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return False


class _SqliteBulkMode:
    """SQLite: the same idea for indexes (foreign keys are checked cheaply per row there): drop
    the explicit indexes of the empty tables and re-create them from sqlite_master after the
    inserts. Indexes that back UNIQUE/PRIMARY KEY clauses (sqlite_autoindex_*) stay."""

    def __init__(self, tables: list[str]):
        self.tables = tables
        self.restore: list[str] = []

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1048576")  # KiB: up to 1 GiB for this load
            for table in self.tables:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                    "AND sql IS NOT NULL ORDER BY name",
                    [table],
                )
                for name, sql in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    self.restore.append(sql)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        with connection.cursor() as cursor:
            for sql in self.restore:
                cursor.execute(sql)
            for table in self.tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        return False


def already_loaded(manifest: dict) -> bool:
    return (
        Person.objects.filter(
            id_number__in=[manifest["first_id_number"], manifest["last_id_number"]]
        ).count()
        == 2
    )


def city_load(
    directory: Path | str,
    *,
    history: bool = True,
    progress: Progress | None = None,
) -> LoadReport:
    """Load the generated city in `directory` into the registry (one transaction)."""
    directory = Path(directory)
    started = time.perf_counter()
    report = LoadReport(directory=str(directory))
    try:
        manifest = read_manifest(directory)
    except FileNotFoundError:
        raise LoadError(f"{directory} is not a generated city: manifest.json is missing") from None
    if manifest.get("format") != FORMAT:
        raise LoadError(
            f"{directory}: unknown format {manifest.get('format')!r}, expected {FORMAT}"
        )

    if already_loaded(manifest):
        report.skipped = True
        report.message = (
            f"Already loaded: the registry holds this city ({manifest['persons']:,} persons, "
            f"seed {manifest['seed']}); nothing done."
        )
        report.seconds = time.perf_counter() - started
        return report
    busy = {m._meta.verbose_name_plural: m.objects.count() for m in REGISTRY_MODELS}
    busy = {k: v for k, v in busy.items() if v}
    if busy:
        held = ", ".join(f"{v:,} {k}" for k, v in busy.items())
        raise LoadError(
            f"The registry is not empty ({held}) and does not hold this city. The bulk load "
            "fills an empty registry only; load into a fresh database."
        )

    reason = f"load {directory.resolve().name}"[:100]
    now = timezone.now()
    stamp = (
        now.isoformat()
        if connection.vendor == "postgresql"
        else str(connection.ops.adapt_datetimefield_value(now))
    )
    tables = _tables(directory, stamp)
    labels = {
        Person: "persons",
        Household: "households",
        Membership: "memberships",
        Enrolment: "enrolments",
    }

    with transaction.atomic():
        report.rows["divisions"] = _load_divisions(directory, reason)
        steps = []
        for model, values in tables.items():
            label = labels[model]
            steps.append((label, model, values))
            if history:
                steps.append(
                    (
                        f"{label} history",
                        model.history.model,
                        _history(model, values, stamp, reason),
                    )
                )
        db_tables = [target._meta.db_table for _, target, _ in steps]
        bulk = (
            _PostgresBulkMode(db_tables)
            if connection.vendor == "postgresql"
            else _SqliteBulkMode(db_tables)
            if connection.vendor == "sqlite"
            else nullcontext()
        )
        with bulk:
            for step_label, target, cols in steps:
                total = len(next(iter(cols.values())))

                def tick(k: int, step_label: str = step_label, total: int = total) -> None:
                    if progress:
                        progress(step_label, k, total)

                t0 = time.perf_counter()
                report.rows[step_label] = _write(target, cols, tick)
                report.timings[step_label] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            if progress:
                progress("indexes, checks", 0, 1)
        _reset_sequences()
        if progress:
            progress("indexes, checks", 1, 1)
        report.timings["indexes, checks"] = round(time.perf_counter() - t0, 2)
        for hook in CITY_LOAD_HOOKS:
            t0 = time.perf_counter()
            written = import_string(hook)(
                directory, stamp=stamp, reason=reason, history=history, progress=progress
            )
            report.rows.update(written)
            for label in written:
                report.timings[label] = round(time.perf_counter() - t0, 2)
    report.seconds = time.perf_counter() - started
    report.message = (
        f"Loaded {manifest['persons']:,} persons and {manifest['households']:,} households "
        f"in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)."
    )
    return report


def bulk_insert(
    model: type[Model], values: dict[str, pa.Array], tick: Callable[[int], None] | None = None
) -> int:
    """Insert columns (keyed by field attname) into `model`'s table in bulk — COPY on
    PostgreSQL, executemany in batches on SQLite — inside the caller's transaction; no history
    rows. For other apps' bulk writers (the payroll's lines, the amount basis)."""
    return _write(model, values, tick or (lambda k: None))


def db_timestamp(now) -> str:
    """A timestamp as the bulk writers pass it to the database (ISO on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return now.isoformat()
    return str(connection.ops.adapt_datetimefield_value(now))


def constant_column(value, n: int, type_: pa.DataType) -> pa.Array:
    return _const(value, n, type_)
