"""The engine-agnostic batch runner: the same job on DuckDB (one machine) or Spark (a cluster).

A job is one SQL query over Parquet inputs (in the SQL both engines speak) yielding rows keyed by a
partition column (e.g. `household_id`), and a kernel: a function from an Arrow table holding whole
partitions (every row of a household together, sorted by the key) to an Arrow table of results.
Imports no Django.
"""

from .job import BatchJob, run_job, write_parquet

__all__ = ["BatchJob", "run_job", "write_parquet"]
