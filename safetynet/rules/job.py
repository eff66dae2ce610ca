"""The whole-city run as one batch job on either engine (docs/adr/0004, docs/adr/0101).

``rules_job`` is a :class:`safetynet.batch.BatchJob`: ``readers.city_query`` shapes one row per
person carrying its household's columns and its enrolments for the month, and
:class:`RulesKernel` turns an Arrow chunk of whole households into a ``Batch``, runs every
program and returns the output tables packed in one long table (``writers.JOB_SCHEMA``).
Spark runs it through ``safetynet.batch.run_job``; so can DuckDB (``engine="duckdb-job"``):
the executors write a dataset partitioned by program (docs/adr/1500), which ``run_city``
copies, streaming, into the documented files (or leaves as the output: ``dataset=True``).
The default DuckDB engine reads the Parquet files straight into numpy instead (same batch,
same programs, same output tables; the conformance test checks the files are identical).
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safetynet.batch import BatchJob, JobOutput, run_job
from safetynet.batch.storage import is_uri, join, local_path

from .columns import month_str, parse_month
from .overlay import Change, current_changes, effective_parameters
from .readers import INPUT_FILES, batch_from_rows, check_inputs, city_query, person_file_columns
from .writers import (
    JOB_ORDER,
    JOB_SCHEMA,
    TableSink,
    job_rows,
    result_tables,
    tables_from_job_rows,
)

ENGINES = ("duckdb", "spark", "duckdb-job")


def program_order(programs: Iterable[str] | None) -> list[str]:
    """The programs a run computes: the requested ones (default all) and their dependencies."""
    from .engine import PROGRAMS, _order

    names = list(PROGRAMS) if programs is None else list(programs)
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        raise KeyError(f"unknown program(s) {unknown}; known: {sorted(PROGRAMS)}")
    return _order(names)


@dataclass(frozen=True)
class RulesKernel:
    """Arrow chunk of whole households → the output tables as job rows (picklable)."""

    ym: int
    programs: tuple[str, ...]
    # the approved parameter changes, captured on the driver (executors have no overlay source)
    changes: tuple[Change, ...] = ()

    def __call__(self, table: pa.Table) -> pa.Table:
        from .engine import run_batch

        batch = batch_from_rows(table, self.ym)
        # no changes: the engine's own lookup (the shipped tree where there is no source)
        params = effective_parameters(self.changes) if self.changes else None
        return job_rows(result_tables(run_batch(batch, self.programs, params=params), batch))


def rules_job(input_dir: str | Path, month: str, programs: Iterable[str] | None = None) -> BatchJob:
    ym = parse_month(month)
    order = tuple(program_order(programs))
    return BatchJob(
        name="rules",
        inputs=dict(INPUT_FILES),
        query=city_query(ym, person_file_columns(input_dir)),
        key="household_id",
        kernel=RulesKernel(ym, order, current_changes()),
        output_schema=JOB_SCHEMA,
        order_by=JOB_ORDER,
        chunk_rows=262_144,
        params={"month": month, "programs": list(order)},
        partition_by=("program",),
        size_inputs=("persons",),  # one row per person
    )


@dataclass
class CityRun:
    """What one run wrote, and how long it took."""

    month: str
    engine: str
    persons: int
    households: int
    files: list[Path]
    totals: dict[str, dict[str, int]]  # relative path -> rows, eligible, amount_fen
    seconds: dict[str, float] = field(default_factory=dict)


def run_city(
    input_dir: str | Path,
    month: str,
    out_dir: str | Path,
    *,
    engine: str = "duckdb",
    programs: Iterable[str] | None = None,
    write_workers: int = 2,
    dataset: bool = False,
) -> CityRun:
    """Every program (or ``programs`` and their dependencies) over the city for ``month``,
    written under ``out_dir`` (see ``writers``). Files are encoded on ``write_workers``
    threads while the next chunk is computed; with 0, phases are timed apart (benchmark).
    ``dataset`` (job engines only): leave the job's dataset (``program=<name>/part-NNNNN.parquet``,
    docs/adr/1500) as the output instead of copying it into one file per program."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if dataset and engine == "duckdb":
        raise ValueError("a dataset output comes from the batch job: use spark or duckdb-job")
    if engine != "spark":  # this machine's disk: plain paths and file:// (docs/adr/1501)
        input_dir = local_path(input_dir, engine=engine, what="--input")
        out_dir = local_path(out_dir, engine=engine, what="--out")
    elif is_uri(out_dir) and not dataset:
        raise ValueError(
            f"--out {out_dir}: on shared storage the output is the job's dataset, written by "
            "the executors; add --dataset (one file per program is copied to a local directory)"
        )
    if not is_uri(input_dir):  # a URI input is checked through Spark by the runner
        check_inputs(input_dir)
    order = program_order(programs)
    month = month_str(parse_month(month))
    sink = TableSink(out_dir, workers=write_workers)
    t0 = time.perf_counter()
    if engine == "duckdb":
        from .engine import iter_results
        from .readers import iter_city

        read = compute = write = 0.0
        persons = households = 0
        pieces = iter_city(input_dir, month)
        while True:
            c0 = time.perf_counter()
            batch = next(pieces, None)
            if batch is None:
                break
            c1 = time.perf_counter()
            read += c1 - c0
            persons, households = persons + batch.n_persons, households + batch.n_households
            results = iter_results(batch, order)
            while True:
                c0 = time.perf_counter()
                step = next(results, None)
                if step is None:
                    break
                part, res = step
                c1 = time.perf_counter()
                sink.add(result_tables(res, part))
                compute, write = compute + c1 - c0, write + time.perf_counter() - c1
        c0 = time.perf_counter()
        files = sink.close()
        seconds = {"read": read, "compute": compute, "write": write + time.perf_counter() - c0}
    else:
        job = rules_job(input_dir, month, order)
        runner_engine = "duckdb" if engine == "duckdb-job" else engine
        staging = out_dir if dataset else Path(out_dir) / "_job"
        try:
            output = run_job(job, input_dir, staging, engine=runner_engine)
            t1 = time.perf_counter()
            if dataset:
                sink.close()  # nothing added: stops its threads
                totals = dataset_totals(output, order)
                files = [p if is_uri(p) else Path(p) for p in output.paths]
            else:
                # one program at a time, one file of the dataset at a time: bounded memory
                for name in order:
                    for tables in program_tables(output, month, name):
                        sink.add(tables)
                files = sink.close()
                totals = sink.totals
        finally:
            if not dataset:
                shutil.rmtree(staging, ignore_errors=True)
        seconds = {"job": t1 - t0, "write": time.perf_counter() - t1}
        persons = _persons_count(input_dir)
        households = totals[f"{order[0]}.parquet"]["rows"]
        return CityRun(month, engine, persons, households, files, totals, seconds)
    return CityRun(month, engine, persons, households, files, sink.totals, seconds)


def program_tables(output: JobOutput, month: str, program: str) -> Iterator[dict[str, pa.Table]]:
    """The documented tables of ``program`` (``<program>.parquet`` and, for a personal program,
    ``persons/<program>.parquet``, as :func:`writers.result_tables` makes them) from the rules
    job's dataset, one key range at a time, in household order; at least one (maybe empty)
    piece. How a consumer (payroll, reports) reads the rules without loading the city."""
    pieces = output.iter_tables(program=program)
    for rows in itertools.chain(pieces, [JOB_SCHEMA.empty_table()]):
        yield tables_from_job_rows(rows, month, [program])


def _persons_count(input_dir: str | Path) -> int:
    """Persons in the input, from the footers (through Spark for shared storage)."""
    if is_uri(input_dir):
        from safetynet.batch.job import spark_session

        return spark_session().read.parquet(join(str(input_dir), INPUT_FILES["persons"])).count()
    return pq.ParquetFile(Path(input_dir) / INPUT_FILES["persons"]).metadata.num_rows


def dataset_totals(output: JobOutput, order: Iterable[str]) -> dict[str, dict[str, int]]:
    """Rows, eligible and amount per output file (as ``TableSink.totals``) of the job's dataset:
    on Spark an aggregation on the executors (the driver gets a few rows per program), on
    DuckDB read one record batch at a time."""
    if output.engine == "spark":
        return _spark_totals(output, order)
    totals: dict[str, dict[str, int]] = {}
    for name in order:
        for batch in output.iter_batches(program=name):
            is_h = pc.is_null(batch.column("person_id"))
            for rel, mask in (
                (f"{name}.parquet", is_h),
                (f"persons/{name}.parquet", pc.invert(is_h)),
            ):
                part = batch.filter(mask)
                if rel.startswith("persons/") and part.num_rows == 0 and rel not in totals:
                    continue
                tot = totals.setdefault(rel, {"rows": 0, "eligible": 0, "amount_fen": 0})
                tot["rows"] += part.num_rows
                tot["eligible"] += int(pc.sum(part.column("eligible")).as_py() or 0)
                tot["amount_fen"] += int(pc.sum(part.column("amount_fen")).as_py() or 0)
        totals.setdefault(f"{name}.parquet", {"rows": 0, "eligible": 0, "amount_fen": 0})
    return totals


def _spark_totals(output: JobOutput, order: Iterable[str]) -> dict[str, dict[str, int]]:
    from pyspark.sql import functions as F

    rows = (
        output.to_spark()
        .groupBy("program", F.col("person_id").isNull().alias("household_row"))
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.sum(F.col("eligible").cast("long")).alias("eligible"),
            F.sum("amount_fen").alias("amount_fen"),
        )
        .collect()  # two rows per program at most
    )
    totals: dict[str, dict[str, int]] = {}
    found = {(r["program"], r["household_row"]): r for r in rows}
    for name in order:
        for rel, household_row in ((f"{name}.parquet", True), (f"persons/{name}.parquet", False)):
            r = found.get((name, household_row))
            if r is None and not household_row:
                continue
            totals[rel] = {
                "rows": int(r["rows"]) if r else 0,
                "eligible": int(r["eligible"] or 0) if r else 0,
                "amount_fen": int(r["amount_fen"] or 0) if r else 0,
            }
    return totals
