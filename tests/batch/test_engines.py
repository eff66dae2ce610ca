"""The batch runner gives the same result on DuckDB and Spark, and never splits a household."""

import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safetynet.batch import BatchJob, run_job
from safetynet.batch.job import BatchInputError, key_aligned_chunks

needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")

OUT = pa.schema([("household_id", pa.int64()), ("members", pa.int64()), ("income_fen", pa.int64())])


def household_totals(table: pa.Table) -> pa.Table:
    """Members and total income per household, assuming rows arrive grouped by household."""
    hh = table.column("household_id").to_numpy()
    income = table.column("income_fen").to_numpy()
    starts = np.flatnonzero(np.r_[True, hh[1:] != hh[:-1]])
    sums = np.add.reduceat(income, starts)
    counts = np.diff(np.r_[starts, hh.size])
    return pa.table({"household_id": hh[starts], "members": counts, "income_fen": sums}, schema=OUT)


@pytest.fixture
def city(tmp_path):
    rng = np.random.default_rng(7)
    n = 20_000
    household = np.sort(rng.integers(1, 6_000, n))
    persons = pa.table(
        {
            "person_id": np.arange(n, dtype=np.int64),
            "household_id": household.astype(np.int64),
            "income_fen": rng.integers(0, 500_000, n).astype(np.int64),
            "alive": rng.random(n) > 0.02,
        }
    )
    # Shuffle the file so that the engines, not the input order, do the grouping.
    pq.write_table(persons.take(rng.permutation(n)), tmp_path / "persons.parquet")
    return tmp_path, persons


def make_job(chunk_rows: int = 1_000) -> BatchJob:
    return BatchJob(
        name="household_totals",
        inputs={"persons": "persons.parquet"},
        query="SELECT household_id, income_fen FROM persons WHERE alive",
        key="household_id",
        kernel=household_totals,
        output_schema=OUT,
        order_by=("household_id",),
        chunk_rows=chunk_rows,
    )


def expected_totals(persons: pa.Table) -> dict[int, tuple[int, int]]:
    expected: dict[int, tuple[int, int]] = {}
    for row in persons.filter(persons.column("alive")).to_pylist():
        members, income = expected.get(row["household_id"], (0, 0))
        expected[row["household_id"]] = (members + 1, income + row["income_fen"])
    return expected


def test_duckdb_totals_match_a_plain_python_sum_despite_small_chunks(city):
    input_dir, persons = city
    result = run_job(make_job(chunk_rows=997), input_dir, engine="duckdb")
    got = {r["household_id"]: (r["members"], r["income_fen"]) for r in result.to_pylist()}
    assert got == expected_totals(persons)


@needs_java
@pytest.mark.slow
@pytest.mark.spark
def test_spark_gives_exactly_the_duckdb_result(city):
    input_dir, _ = city
    duck = run_job(make_job(), input_dir, engine="duckdb")
    spark = run_job(make_job(), input_dir, engine="spark")
    assert spark.equals(duck)


def test_chunks_never_split_a_key():
    keys = np.array([1, 1, 1, 2, 3, 3, 4, 4, 4, 4], dtype=np.int64)
    table = pa.table({"k": keys})
    chunks = list(key_aligned_chunks(table, "k", 2))
    assert sum(c.num_rows for c in chunks) == keys.size
    seen: set[int] = set()
    for chunk in chunks:
        chunk_keys = set(chunk.column("k").to_pylist())
        assert not (chunk_keys & seen)
        seen |= chunk_keys


def test_missing_input_names_the_file(tmp_path):
    with pytest.raises(BatchInputError, match=r"persons\.parquet"):
        run_job(make_job(), tmp_path)


def test_unknown_engine_is_refused(city):
    with pytest.raises(ValueError, match="unknown engine"):
        run_job(make_job(), city[0], engine="pandas")
