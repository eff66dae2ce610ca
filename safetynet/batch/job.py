"""Batch jobs and the two engines that run them.

DuckDB reads the inputs, runs the query and hands the kernel the whole result in household-aligned
chunks; Spark repartitions the query's result by the key, so that one partition holds whole
households, and runs the same kernel on each partition through `mapInArrow`. The outputs are sorted
by `order_by` so that the two engines' results compare equal row for row.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ENGINES = ("duckdb", "spark")
Kernel = Callable[[pa.Table], pa.Table]


class BatchInputError(ValueError):
    """An input file is missing or unreadable; the message names it."""


@dataclass(frozen=True)
class BatchJob:
    name: str
    inputs: dict[str, str]  # view name -> Parquet path relative to the input directory
    query: str  # one SELECT over the views, in SQL that DuckDB and Spark SQL both accept
    key: str  # partition column: rows sharing it are processed together
    kernel: Kernel
    output_schema: pa.Schema
    order_by: tuple[str, ...]
    # Rows per DuckDB chunk (rounded up to a key boundary); bounds the kernel's peak memory.
    chunk_rows: int = 2_000_000
    params: dict = field(default_factory=dict)


def run_job(job: BatchJob, input_dir: str | Path, *, engine: str = "duckdb") -> pa.Table:
    """Run `job` over the Parquet files in `input_dir`; return its result sorted by `order_by`."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    paths = _input_paths(job, Path(input_dir))
    result = _run_duckdb(job, paths) if engine == "duckdb" else _run_spark(job, paths)
    return result.cast(job.output_schema).sort_by([(c, "ascending") for c in job.order_by])


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Write one result file; deterministic for the same table (no timestamps in the file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)  # never leave a half-written result under the real name


def _input_paths(job: BatchJob, input_dir: Path) -> dict[str, Path]:
    paths = {}
    for view, relative in job.inputs.items():
        path = input_dir / relative
        if not path.is_file():
            raise BatchInputError(f"{job.name}: input {relative!r} not found in {input_dir}")
        paths[view] = path
    return paths


def key_aligned_chunks(table: pa.Table, key: str, chunk_rows: int) -> Iterator[pa.Table]:
    """Slices of a key-sorted table of about `chunk_rows` rows that never split a key."""
    n = table.num_rows
    if n == 0:
        return
    keys = table.column(key).to_numpy()
    start = 0
    while start < n:
        stop = min(start + chunk_rows, n)
        if stop < n:  # move the cut to the first row of the next key
            stop = int(np.searchsorted(keys, keys[stop - 1], side="right"))
        yield table.slice(start, stop - start)
        start = stop


def _run_duckdb(job: BatchJob, paths: dict[str, Path]) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    try:
        for view, path in paths.items():
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{_sql_path(path)}')")
        table = con.sql(f"SELECT * FROM ({job.query}) ORDER BY {job.key}").to_arrow_table()
    except duckdb.Error as exc:
        raise BatchInputError(f"{job.name}: {exc}") from exc
    finally:
        con.close()
    parts = [job.kernel(chunk) for chunk in key_aligned_chunks(table, job.key, job.chunk_rows)]
    if not parts:
        return job.output_schema.empty_table()
    return pa.concat_tables([p.cast(job.output_schema) for p in parts])


def _sql_path(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")


def spark_session():
    """A local Spark session for this machine (a cluster sets SPARK_MASTER instead)."""
    # Spark's Python workers must be this interpreter, not whatever `python3` is on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    logging.getLogger("py4j").setLevel(logging.WARNING)  # it logs every connection close
    return (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName("safetynet")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_PARTITIONS", "4"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "6g"))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def _run_spark(job: BatchJob, paths: dict[str, Path]) -> pa.Table:
    from pyspark.sql.utils import AnalysisException

    spark = spark_session()
    try:
        for view, path in paths.items():
            spark.read.parquet(str(path.resolve())).createOrReplaceTempView(view)
        frame = spark.sql(job.query)
    except AnalysisException as exc:
        raise BatchInputError(f"{job.name}: {exc}") from exc
    partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))
    frame = frame.repartition(partitions, job.key).sortWithinPartitions(job.key)
    kernel, schema = job.kernel, job.output_schema

    def run_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        collected = list(batches)
        if not collected:
            return
        result = kernel(pa.Table.from_batches(collected)).cast(schema)
        yield from result.to_batches()

    from pyspark.sql.pandas.types import from_arrow_schema

    result = frame.mapInArrow(run_partition, from_arrow_schema(schema)).toArrow()
    return result
