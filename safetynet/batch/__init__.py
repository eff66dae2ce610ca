"""The engine-agnostic batch runner: the same job on DuckDB (one machine) or Spark (a cluster).

A job is one SQL query over Parquet inputs (in the SQL both engines speak) yielding rows keyed by a
partition column (e.g. `household_id`), and a kernel: a function from an Arrow table holding whole
households (every row of a key together, sorted by the key) to an Arrow table of results.
`run_job(job, input_dir, output_dir, engine=...)` writes the results as a Parquet dataset and
returns a `JobOutput` that reads it file by file (docs/adr/1500). Imports no Django.
"""

from .job import BatchInputError, BatchJob, JobOutput, household_chunks, run_job, write_parquet

__all__ = [
    "BatchInputError",
    "BatchJob",
    "JobOutput",
    "household_chunks",
    "run_job",
    "write_parquet",
]
