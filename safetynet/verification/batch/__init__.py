"""Batch re-verification of the recipient caseload (`safetynet verify batch`).

Pure Python + DuckDB/Spark + numpy/Arrow: imports no Django. See docs/verification-batch.md.

    from safetynet.verification.batch import verify_batch
    summary = verify_batch(input_dir, "2020-06", out_dir, engine="duckdb")
"""

from .job import (
    CASELOAD_PROGRAMS,
    CHECKED_SCHEMA,
    FINDING_KINDS,
    FINDINGS_SCHEMA,
    BatchParameters,
    caseload_job,
    findings_job,
    verify_batch,
)

__all__ = [
    "CASELOAD_PROGRAMS",
    "CHECKED_SCHEMA",
    "FINDINGS_SCHEMA",
    "FINDING_KINDS",
    "BatchParameters",
    "caseload_job",
    "findings_job",
    "verify_batch",
]
