"""Batch jobs and the two engines that run them (docs/adr/0004, docs/adr/1500).

A job is one SQL query over Parquet inputs and a kernel over whole households. `run_job` runs it
and writes its result as a partitioned Parquet dataset; the caller gets a `JobOutput` naming the
files and reading them lazily, never the data itself:

- DuckDB streams the query's rows ordered by the key, in record batches, to the kernel in
  household-aligned chunks, and writes the result file by file (bounded memory).
- Spark range-partitions the query's rows by the key into as many partitions as the data needs
  (`task_rows` input rows each, a household never split), sorts each partition by the key, runs
  the kernel through `mapInArrow` on household-aligned chunks of the partition's record batches,
  and the executors write the result with Spark's own Parquet writer (any storage Spark reaches:
  a local or shared disk, HDFS, an object store). The driver receives file names, never rows.

Both write `<output>/<col>=<value>/part-NNNNN.parquet` (or `<output>/part-NNNNN.parquet` for a job
without `partition_by`): part N holds the N-th range of keys, every file is sorted by `order_by`,
so reading the files of one partition value in name order gives its rows sorted by `order_by` on
both engines. Imports no Django.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .storage import BatchInputError, is_uri, join, local_path, spark_list

if TYPE_CHECKING:
    import duckdb

ENGINES = ("duckdb", "spark")
Kernel = Callable[[pa.Table], pa.Table]

# Input rows per task (Spark partition, DuckDB part file) unless SAFETYNET_TASK_ROWS says otherwise.
DEFAULT_TASK_ROWS = 500_000
# Rows per record batch DuckDB hands out while streaming the query's result.
STREAM_BATCH_ROWS = 65_536
# Rows per row group when a dataset is copied into one file (JobOutput.to_file).
FILE_ROW_GROUP_ROWS = 1 << 20
# DuckDB's memory limit unless SAFETYNET_DUCKDB_MEMORY says otherwise.
DUCKDB_MEMORY = "2GB"
SUCCESS = "_SUCCESS"
_PART = re.compile(r"part-(\d+)(?:-.*)?\.parquet")


@dataclass(frozen=True)
class BatchJob:
    name: str
    inputs: dict[str, str]  # view name -> Parquet path relative to the input directory
    query: str  # one SELECT over the views, in SQL that DuckDB and Spark SQL both accept
    key: str  # partition column: rows sharing it are processed together (never split)
    kernel: Kernel
    output_schema: pa.Schema
    # Sort order of the output: the partition_by columns, then the key, then tie-breakers.
    order_by: tuple[str, ...]
    # Rows per kernel call (rounded up to a key boundary); bounds the kernel's peak memory.
    chunk_rows: int = 500_000
    params: dict = field(default_factory=dict)
    # String columns of the output that name its sub-directories (`col=value/`), e.g. program.
    partition_by: tuple[str, ...] = ()
    # Inputs whose row counts add up to (about) the query's rows, to size the partitions
    # (default: every input).
    size_inputs: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        lead = (*self.partition_by, self.key)
        if tuple(self.order_by[: len(lead)]) != lead:
            raise ValueError(
                f"{self.name}: order_by {self.order_by} must start with the partition columns "
                f"and the key {lead}"
            )
        for col in self.partition_by:
            if not pa.types.is_string(self.output_schema.field(col).type):
                raise ValueError(f"{self.name}: partition column {col!r} must be a string")
        unknown = set(self.size_inputs or ()) - set(self.inputs)
        if unknown:
            raise ValueError(f"{self.name}: size_inputs {sorted(unknown)} are not inputs")


def duckdb_connect(config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection without the progress bar: DuckDB draws one on stdout for queries
    over 2 s, which would corrupt the commands' output (it did the 5M bench-spark figures)."""
    import duckdb

    con = duckdb.connect(config=config or {})
    con.execute("SET enable_progress_bar = false")
    return con


def task_rows_from_env() -> int:
    """Input rows per task: SAFETYNET_TASK_ROWS, else DEFAULT_TASK_ROWS."""
    raw = os.environ.get("SAFETYNET_TASK_ROWS", "")
    try:
        value = int(raw) if raw else DEFAULT_TASK_ROWS
    except ValueError:
        raise ValueError(f"SAFETYNET_TASK_ROWS={raw!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"SAFETYNET_TASK_ROWS={raw!r} must be at least 1")
    return value


# ============================================================================ the output
@dataclass(frozen=True)
class JobOutput:
    """What `run_job` wrote: a Parquet dataset at `path`, read file by file on demand.

    `files` are relative to `path`, sorted: `<col>=<value>/part-NNNNN.parquet`. Within one
    partition value, part N holds the N-th key range and every file is sorted by `order_by`, so
    the files in this order give the rows sorted. The partition columns are not stored in the
    files (they are the directory names); the readers below put them back, so every table they
    return has exactly `schema`.
    """

    job: str
    engine: str
    path: str  # a local directory (or a URI pyarrow.fs understands: hdfs://, s3://)
    schema: pa.Schema
    partition_by: tuple[str, ...]
    files: tuple[str, ...]
    tasks: int  # the number of key ranges (Spark partitions, DuckDB parts)

    @property
    def paths(self) -> list[str]:
        """The files' full paths, in order."""
        return [join(self.path, f) for f in self.files]

    def values(self, column: str) -> list[str]:
        """The values of partition column `column` present in the output, sorted."""
        index = self.partition_by.index(column)
        return sorted({_partition_values(f)[index][1] for f in self.files})

    def select(self, **where: str) -> list[str]:
        """The files (relative, in order) whose partition values match `where`."""
        unknown = set(where) - set(self.partition_by)
        if unknown:
            raise ValueError(f"{self.job}: {sorted(unknown)} are not partition columns")
        out = []
        for f in self.files:
            values = dict(_partition_values(f))
            if all(values[k] == v for k, v in where.items()):
                out.append(f)
        return out

    def iter_tables(self, **where: str) -> Iterator[pa.Table]:
        """One table per file (at most one task's rows), in order, with the full schema."""
        for rel in self.select(**where):
            yield self._complete(self._read_file(rel), rel)

    def iter_batches(
        self, batch_rows: int = STREAM_BATCH_ROWS, **where: str
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of at most `batch_rows` rows, in order, with the full schema."""
        for rel in self.select(**where):
            if is_uri(self.path):  # through Spark: one file at a time
                yield from self._complete(self._read_file(rel), rel).to_batches(batch_rows)
                continue
            with pq.ParquetFile(join(self.path, rel)) as handle:
                for batch in handle.iter_batches(batch_size=batch_rows):
                    table = self._complete(pa.Table.from_batches([batch]), rel)
                    yield from table.to_batches()

    def read(self, **where: str) -> pa.Table:
        """The whole output (or the files matching `where`) as one table: for small results."""
        tables = list(self.iter_tables(**where))
        return pa.concat_tables(tables) if tables else self.schema.empty_table()

    def num_rows(self, **where: str) -> int:
        """Rows in the matching files, from their footers."""
        files = [join(self.path, rel) for rel in self.select(**where)]
        if is_uri(self.path):
            return _spark_files(files, self._file_schema()).count() if files else 0
        return sum(pq.ParquetFile(f).metadata.num_rows for f in files)

    def to_spark(self):
        """The whole output as a Spark DataFrame of `schema` (partition columns from the
        directory names), for aggregations that run on the executors: at province scale the
        driver takes only their small results (docs/spark.md)."""
        from pyspark.sql.pandas.types import from_arrow_schema

        spark = spark_session()
        if not self.files:
            return spark.createDataFrame([], from_arrow_schema(self.schema))
        return (
            spark.read.schema(from_arrow_schema(self.schema))
            .option("basePath", self.path)
            .parquet(*self.paths)
        )

    def _file_schema(self) -> pa.Schema:
        return pa.schema([f for f in self.schema if f.name not in self.partition_by])

    def _read_file(self, rel: str) -> pa.Table:
        """One file of the output. A plain path is read by pyarrow; a URI (hdfs://, s3a://,
        file://, ...) through Spark's connectors with the cluster's configuration
        (docs/adr/1501): one file is at most one task's rows, far below the driver's limit."""
        full = join(self.path, rel)
        if not is_uri(self.path):
            return pq.read_table(full)
        return _spark_files([full], self._file_schema()).toArrow()

    def to_file(self, path: str | Path, **where: str) -> int:
        """Copy the matching rows, in order, into one local Parquet file (row groups of
        FILE_ROW_GROUP_ROWS rows, so the bytes depend only on the rows, not on how the engine
        cut them into files); memory is bounded by one file and one row group. Returns rows."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        rows = 0
        try:
            with pq.ParquetWriter(tmp, self.schema, compression="zstd") as writer:
                pending: list[pa.Table] = []
                n = 0
                for table in self.iter_tables(**where):
                    pending.append(table)
                    n += table.num_rows
                    while n >= FILE_ROW_GROUP_ROWS:
                        whole = pa.concat_tables(pending)
                        _write_group(writer, whole.slice(0, FILE_ROW_GROUP_ROWS))
                        rest = whole.slice(FILE_ROW_GROUP_ROWS)
                        pending, n = [rest], rest.num_rows
                        rows += FILE_ROW_GROUP_ROWS
                if n or not rows:
                    _write_group(writer, pa.concat_tables(pending or [self.schema.empty_table()]))
                    rows += n
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        tmp.replace(path)  # never a half-written file under the real name
        return rows

    def _complete(self, table: pa.Table, rel: str) -> pa.Table:
        values = dict(_partition_values(rel))
        n = table.num_rows
        cols = []
        for f in self.schema:
            if f.name in values:  # a constant column, built in C (no Python list of n)
                codes = pa.array(np.zeros(n, dtype=np.int32))
                const = pa.DictionaryArray.from_arrays(codes, pa.array([values[f.name]], f.type))
                cols.append(const.cast(f.type))
            else:
                cols.append(table.column(f.name).cast(f.type))
        return pa.Table.from_arrays(cols, schema=self.schema)


def _write_group(writer: pq.ParquetWriter, table: pa.Table) -> None:
    writer.write_table(table.combine_chunks(), row_group_size=max(table.num_rows, 1))


def _partition_values(rel: str) -> list[tuple[str, str]]:
    parts = rel.split("/")[:-1]
    return [(unquote(k), unquote(v)) for k, v in (p.split("=", 1) for p in parts)]


def _spark_files(files: list[str], schema: pa.Schema):
    """Output files on shared storage as a DataFrame of `schema`, read by Spark (the job's own
    session if it is alive, else one for SPARK_MASTER)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return spark_session().read.schema(from_arrow_schema(schema)).parquet(*files)


# ============================================================================ running a job
def run_job(
    job: BatchJob,
    input_dir: str | Path,
    output_dir: str | Path,
    *,
    engine: str = "duckdb",
    task_rows: int | None = None,
) -> JobOutput:
    """Run `job` over the Parquet files under `input_dir` and write its result as a dataset
    under `output_dir` (replaced if it holds a previous output). `task_rows`: input rows per
    task (default SAFETYNET_TASK_ROWS or DEFAULT_TASK_ROWS); the number of tasks is the
    input's rows divided by it, rounded up. Returns the output's description; no rows."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    task_rows = task_rows or task_rows_from_env()
    if engine == "duckdb":  # this machine's disk: plain paths and file:// only
        input_dir = local_path(input_dir, what="input")
        output_dir = local_path(output_dir, what="output")
    out = str(output_dir)
    if engine == "duckdb":
        sources = _input_sources(job, str(input_dir))
        out = str(Path(out).resolve())
        _clear_output(Path(out))
        files, tasks = _run_duckdb(job, sources, Path(out), task_rows)
    else:
        if not is_uri(out):
            out = str(Path(out).resolve())  # executors have working directories of their own
            _clear_output(Path(out))
        files, tasks = _run_spark(job, str(input_dir), out, task_rows)
    return JobOutput(job.name, engine, out, job.output_schema, job.partition_by, files, tasks)


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Write one result file; deterministic for the same table (no timestamps in the file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)  # never leave a half-written result under the real name


def _input_sources(job: BatchJob, input_dir: str, spark=None) -> dict[str, str]:
    """The inputs' full paths (resolved) or URIs; a missing one raises BatchInputError
    naming it (URIs are checked through Spark's connectors)."""
    from .storage import spark_is_file

    sources = {}
    for view, relative in job.inputs.items():
        if is_uri(input_dir):
            source = join(input_dir, relative)  # a file, or a directory of part files
            found = spark_is_file(spark, source) or bool(spark_list(spark, source))
        else:
            path = Path(input_dir) / relative
            source, found = str(path.resolve()), path.is_file()
        if not found:
            raise BatchInputError(f"{job.name}: input {relative!r} not found in {input_dir}")
        sources[view] = source
    return sources


def _clear_uri_output(spark, out: str) -> None:
    """Spark's 'overwrite' deletes whatever is at `out`: refuse unless it is empty, absent or a
    previous job output (a mistyped --out must not delete a city on shared storage)."""
    names = spark_list(spark, out)
    if names and SUCCESS not in names and "_temporary" not in names:
        raise BatchInputError(f"output {out} is not empty and holds no previous job output")


def _clear_output(out: Path) -> None:
    """Remove a previous output at `out`; refuse to remove anything else."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BatchInputError(f"output {out} exists and is not a directory")
    entries = list(out.iterdir())
    if entries and not (out / SUCCESS).exists() and not (out / "_temporary").exists():
        raise BatchInputError(f"output {out} is not empty and holds no previous job output")
    shutil.rmtree(out)


def household_chunks(
    batches: Iterable[pa.RecordBatch] | pa.Table, key: str, chunk_rows: int
) -> Iterator[pa.Table]:
    """Record batches sorted by `key` regrouped into tables of about `chunk_rows` rows that never
    split a key: the rows of the last key seen are carried over to the next chunk (a key with
    more than `chunk_rows` rows makes one larger chunk). Holds one chunk at a time."""
    if isinstance(batches, pa.Table):
        batches = batches.to_batches()
    pending: list[pa.RecordBatch] = []
    n = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch)
        n += batch.num_rows
        if n < chunk_rows:
            continue
        table = pa.Table.from_batches(pending)
        keys = table.column(key).combine_chunks().to_numpy(zero_copy_only=False)
        start = 0
        while keys.size - start >= chunk_rows:
            # the chunk ends after the last row of the key at its chunk_rows-th row
            stop = int(np.searchsorted(keys, keys[start + chunk_rows - 1], side="right"))
            if stop == keys.size:
                break  # that key may go on in the next batch: carry it over
            yield table.slice(start, stop - start)
            start = stop
        rest = table.slice(start)
        pending, n = rest.to_batches(), rest.num_rows
    if pending:
        yield pa.Table.from_batches(pending)


def key_aligned_chunks(table: pa.Table, key: str, chunk_rows: int) -> Iterator[pa.Table]:
    """Slices of a key-sorted table of about `chunk_rows` rows that never split a key."""
    return household_chunks(table, key, chunk_rows)


def _kernel_output(job: BatchJob, chunk: pa.Table) -> pa.Table:
    """The kernel's result for one chunk in the job's schema; without partition columns, sorted
    by `order_by` (nulls last). Chunks come in key order, so sorted chunks make sorted files."""
    result = job.kernel(chunk).cast(job.output_schema)
    if job.partition_by:
        return result  # sorted per partition value by the writer (Spark: by its sort)
    return _sorted(result, job.order_by)


def _sorted(table: pa.Table, order_by: Iterable[str]) -> pa.Table:
    return table.sort_by([(c, "ascending") for c in order_by])


def _split(table: pa.Table, job: BatchJob) -> Iterator[tuple[tuple[str, ...], pa.Table]]:
    """The rows of each partition value (values in sorted order), without the partition
    columns, sorted by the rest of `order_by`."""
    cols = list(job.partition_by)
    rest = job.order_by[len(cols) :]
    combos = table.select(cols).group_by(cols).aggregate([]).to_pylist()
    for values in sorted(tuple(row[c] for c in cols) for row in combos):
        mask = None
        for c, v in zip(cols, values, strict=True):
            eq = pc.equal(table.column(c), v)
            mask = eq if mask is None else pc.and_(mask, eq)
        yield values, _sorted(table.filter(mask).drop_columns(cols), rest)


def _input_rows(job: BatchJob, sources: dict[str, str], frames: dict | None = None) -> int:
    """Rows of the job's size_inputs, from the Parquet footers (no data read): by pyarrow for
    local files, by Spark (a count answered from the footers) for URIs."""
    total = 0
    for view in job.size_inputs or tuple(job.inputs):
        if frames is not None and is_uri(sources[view]):
            total += frames[view].count()
        else:
            total += pq.ParquetFile(sources[view]).metadata.num_rows
    return total


def _task_count(rows: int, task_rows: int) -> int:
    return max(1, math.ceil(rows / task_rows))


def _part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


# ============================================================================ DuckDB
class _PartWriter:
    """DuckDB's writer: one file per partition value and part, opened on first rows."""

    def __init__(self, root: Path, job: BatchJob):
        self.root, self.job = root, job
        self.file_schema = pa.schema(
            [f for f in job.output_schema if f.name not in job.partition_by]
        )
        self.part = 0
        self.open: dict[tuple[str, ...], pq.ParquetWriter] = {}
        self.files: list[str] = []

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if not self.job.partition_by:
            self._writer(()).write_table(table)
            return
        for values, piece in _split(table, self.job):
            self._writer(values).write_table(piece)

    def _writer(self, values: tuple[str, ...]) -> pq.ParquetWriter:
        if values not in self.open:
            dirs = [
                f"{quote(c, safe='')}={quote(v, safe='')}"
                for c, v in zip(self.job.partition_by, values, strict=True)
            ]
            rel = "/".join([*dirs, _part_name(self.part)])
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            self.open[values] = pq.ParquetWriter(path, self.file_schema, compression="zstd")
            self.files.append(rel)
        return self.open[values]

    def next_part(self) -> None:
        self.close()
        self.part += 1

    def close(self) -> None:
        for w in self.open.values():
            w.close()
        self.open = {}


def _run_duckdb(
    job: BatchJob, sources: dict[str, str], out: Path, task_rows: int
) -> tuple[tuple[str, ...], int]:
    import duckdb

    staging = out / "_temporary"
    staging.mkdir(parents=True)
    config = {
        "temp_directory": str(staging / "spill"),
        # beyond this the query's joins and sort spill to disk: memory bounded at any size
        "memory_limit": os.environ.get("SAFETYNET_DUCKDB_MEMORY") or DUCKDB_MEMORY,
    }
    con = duckdb_connect(config)
    writer = _PartWriter(staging / "data", job)
    try:
        for view, path in sources.items():
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{_sql(path)}')")
        rows = _input_rows(job, sources)
        task_rows = max(task_rows, math.ceil(rows / _task_count(rows, task_rows)))  # even parts
        query = f"SELECT * FROM ({job.query}) ORDER BY {job.key}"
        reader = con.sql(query).to_arrow_reader(STREAM_BATCH_ROWS)
        in_part = 0
        for chunk in household_chunks(reader, job.key, min(job.chunk_rows, task_rows)):
            if in_part and in_part + chunk.num_rows > task_rows:
                writer.next_part()
                in_part = 0
            writer.write(_kernel_output(job, chunk))
            in_part += chunk.num_rows
        writer.close()
    except duckdb.Error as exc:
        writer.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise BatchInputError(f"{job.name}: {exc}") from exc
    except BaseException:
        writer.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        con.close()
    for rel in writer.files:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (staging / "data" / rel).replace(out / rel)
    shutil.rmtree(staging)
    (out / SUCCESS).touch()
    return tuple(sorted(writer.files)), writer.part + 1


def _sql(path: str) -> str:
    return path.replace("'", "''")


# ============================================================================ Spark
def spark_settings() -> dict[str, str]:
    """Spark settings from the environment (docs/spark.md): SPARK_MASTER (default local[2]),
    SPARK_DRIVER_MEMORY, SPARK_EXECUTOR_MEMORY, SPARK_EXECUTOR_CORES, SPARK_CORES_MAX,
    SPARK_SHUFFLE_PARTITIONS; anything else through Spark's own conf/spark-defaults.conf."""
    master = os.environ.get("SPARK_MASTER", "local[2]")
    local = master.startswith("local")
    conf = {
        "spark.master": master,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        # local mode runs every task inside the driver; on a cluster the driver holds no data
        "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "6g" if local else "1g"),
        "spark.sql.shuffle.partitions": os.environ.get(
            "SPARK_SHUFFLE_PARTITIONS", os.environ.get("SPARK_PARTITIONS", "16")
        ),
    }
    for env, key in (
        ("SPARK_EXECUTOR_MEMORY", "spark.executor.memory"),
        ("SPARK_EXECUTOR_CORES", "spark.executor.cores"),
        ("SPARK_CORES_MAX", "spark.cores.max"),
        ("SPARK_DRIVER_HOST", "spark.driver.host"),
    ):
        if os.environ.get(env):
            conf[key] = os.environ[env]
    return conf


def spark_session():
    """The Spark session for SPARK_MASTER (local mode by default), configured from the env."""
    # Spark's Python workers must be this interpreter, not whatever `python3` is on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    logging.getLogger("py4j").setLevel(logging.WARNING)  # it logs every connection close
    builder = SparkSession.builder.appName(os.environ.get("SPARK_APP_NAME", "safetynet"))
    for key, value in spark_settings().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _run_spark(
    job: BatchJob, input_dir: str, out: str, task_rows: int
) -> tuple[tuple[str, ...], int]:
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.utils import AnalysisException

    spark = spark_session()
    sources = _input_sources(job, input_dir, spark)
    if is_uri(out):
        _clear_uri_output(spark, out)
    try:
        frames = {view: _spark_read(spark, src) for view, src in sources.items()}
        for view, frame in frames.items():
            frame.createOrReplaceTempView(view)
        rows = _input_rows(job, sources, frames)
        frame = spark.sql(job.query)
    except AnalysisException as exc:
        raise BatchInputError(f"{job.name}: {exc}") from exc
    tasks = _task_count(rows, task_rows)
    frame = frame.repartitionByRange(tasks, F.col(job.key)).sortWithinPartitions(job.key)
    chunk_rows = min(job.chunk_rows, task_rows)

    def run_partition(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for chunk in household_chunks(batches, job.key, chunk_rows):
            yield from _kernel_output(job, chunk).to_batches()

    result = frame.mapInArrow(run_partition, from_arrow_schema(job.output_schema))
    writer_frame = result
    if job.partition_by:
        # The writer needs each task's rows grouped by the partition columns; sorting by the
        # whole order (spilling to disk if needed) keeps every file sorted.
        writer_frame = result.sortWithinPartitions(*(F.asc_nulls_last(c) for c in job.order_by))
    writer = (
        writer_frame.write.mode("overwrite")
        .option("compression", "zstd")
        .option("maxRecordsPerFile", 0)
    )
    if job.partition_by:
        writer = writer.partitionBy(*job.partition_by)
    writer.parquet(out)
    return _name_spark_files(spark, out), tasks


def _spark_read(spark, source: str):
    """A Parquet input as a DataFrame. For a plain path the schema comes from the footer by
    pyarrow: Spark would otherwise run a job per input just to infer it."""
    if not is_uri(source):
        from pyspark.sql.pandas.types import from_arrow_schema

        try:
            schema = from_arrow_schema(pq.read_schema(source))
        except (TypeError, ValueError, NotImplementedError):
            schema = None  # a type Spark's Arrow bridge does not map: let Spark infer it
        if schema is not None:
            return spark.read.schema(schema).parquet(source)
    return spark.read.parquet(source)


def _name_spark_files(spark, out: str) -> tuple[str, ...]:
    """Rename Spark's `part-NNNNN-<uuid>.c000.zstd.parquet` to `part-NNNNN.parquet` (NNNNN is
    the task's key range) through Hadoop's FileSystem, so it works on every storage Spark
    reaches; return the relative names."""
    jvm = spark._jvm
    Path_ = jvm.org.apache.hadoop.fs.Path
    root = Path_(out)
    fs = root.getFileSystem(spark._jsc.hadoopConfiguration())
    prefix = fs.makeQualified(root).toString().rstrip("/") + "/"
    found, paths = fs.listFiles(root, True), []
    while found.hasNext():
        paths.append(found.next().getPath())
    names = []
    for path in paths:
        match = _PART.fullmatch(path.getName())
        if not match:
            continue
        target = Path_(path.getParent(), _part_name(int(match[1])))
        if path.getName() != target.getName() and not fs.rename(path, target):
            raise OSError(f"could not rename {path.toString()} to {target.toString()}")
        names.append(fs.makeQualified(target).toString().removeprefix(prefix))
    return tuple(sorted(names))
