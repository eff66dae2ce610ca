"""The batch runner writes the same data on DuckDB and on a Spark standalone cluster, as a
partitioned dataset of key ranges, and never splits a household (docs/adr/1500)."""

import itertools

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safetynet.batch import BatchJob, JobOutput, household_chunks, run_job
from safetynet.batch.job import BatchInputError

OUT = pa.schema(
    [
        ("band", pa.string()),
        ("household_id", pa.int64()),
        ("members", pa.int64()),
        ("income_fen", pa.int64()),
    ]
)


def household_totals(table: pa.Table) -> pa.Table:
    """Members and total income per household, assuming rows arrive grouped by household; the
    band is "high" from 1,000,000 fen."""
    hh = table.column("household_id").to_numpy()
    income = table.column("income_fen").to_numpy()
    starts = np.flatnonzero(np.r_[True, hh[1:] != hh[:-1]])
    sums = np.add.reduceat(income, starts)
    counts = np.diff(np.r_[starts, hh.size])
    band = np.where(sums >= 1_000_000, "high", "low")
    return pa.table(
        {"band": band, "household_id": hh[starts], "members": counts, "income_fen": sums},
        schema=OUT,
    )


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
    (tmp_path / "in").mkdir()
    pq.write_table(persons.take(rng.permutation(n)), tmp_path / "in" / "persons.parquet")
    return tmp_path / "in", persons


def make_job(chunk_rows: int = 1_000, partition_by: tuple[str, ...] = ()) -> BatchJob:
    return BatchJob(
        name="household_totals",
        inputs={"persons": "persons.parquet"},
        query="SELECT household_id, income_fen FROM persons WHERE alive",
        key="household_id",
        kernel=household_totals,
        output_schema=OUT,
        order_by=(*partition_by, "household_id"),
        chunk_rows=chunk_rows,
        partition_by=partition_by,
    )


def expected_totals(persons: pa.Table) -> dict[int, tuple[int, int]]:
    expected: dict[int, tuple[int, int]] = {}
    for row in persons.filter(persons.column("alive")).to_pylist():
        members, income = expected.get(row["household_id"], (0, 0))
        expected[row["household_id"]] = (members + 1, income + row["income_fen"])
    return expected


def assert_households_whole_and_sorted(output: JobOutput) -> None:
    """Every household in exactly one file; files in name order give sorted keys."""
    for band in output.values("band") if output.partition_by else [None]:
        where = {"band": band} if band else {}
        keys = [t.column("household_id").to_numpy() for t in output.iter_tables(**where)]
        joined = np.concatenate(keys)
        assert np.all(joined[1:] > joined[:-1]), band  # sorted, and no key in two files


def test_duckdb_totals_match_a_plain_python_sum_despite_small_chunks(city, tmp_path):
    input_dir, persons = city
    output = run_job(make_job(chunk_rows=997), input_dir, tmp_path / "out", task_rows=3_000)
    # 20,000 input rows at 3,000 per task: seven key ranges, one file each
    assert output.tasks == 7
    assert output.files == tuple(f"part-{i:05d}.parquet" for i in range(7))
    assert (tmp_path / "out" / "_SUCCESS").is_file()
    assert_households_whole_and_sorted(output)
    result = output.read()
    got = {r["household_id"]: (r["members"], r["income_fen"]) for r in result.to_pylist()}
    assert got == expected_totals(persons)
    assert output.num_rows() == result.num_rows == len(got)
    batches = list(output.iter_batches(batch_rows=500))
    assert max(b.num_rows for b in batches) == 500
    assert pa.Table.from_batches(batches).equals(result)


def test_partitioned_output_has_a_directory_per_value(city, tmp_path):
    input_dir, persons = city
    job = make_job(partition_by=("band",))
    output = run_job(job, input_dir, tmp_path / "out", task_rows=8_000)
    assert output.values("band") == ["high", "low"]
    assert output.select(band="high")[0] == "band=high/part-00000.parquet"
    assert {f.split("/")[0] for f in output.files} == {"band=high", "band=low"}
    assert_households_whole_and_sorted(output)
    high = output.read(band="high")
    assert set(high.column("band").to_pylist()) == {"high"} and high.schema == OUT
    expected = {h for h, (_, income) in expected_totals(persons).items() if income >= 1_000_000}
    assert set(high.column("household_id").to_pylist()) == expected
    # one file with every row of a value, in order
    assert output.to_file(tmp_path / "high.parquet", band="high") == high.num_rows
    assert pq.read_table(tmp_path / "high.parquet").equals(high)


def test_household_chunks_carry_a_household_across_batches():
    keys = [1, 1, 1, 2, 3, 3, 4, 4, 4, 4, 5]
    batches = [
        pa.record_batch({"k": pa.array(keys[i : i + 2], pa.int64())}) for i in range(0, 11, 2)
    ]
    chunks = list(household_chunks(batches, "k", 3))
    assert [c.column("k").to_pylist() for c in chunks] == [
        [1, 1, 1],
        [2, 3, 3],
        [4, 4, 4, 4],
        [5],
    ]


@pytest.mark.parametrize("seed", range(5))
def test_household_chunks_never_split_a_key_whatever_the_batches(seed):
    rng = np.random.default_rng(seed)
    keys = np.sort(rng.integers(0, 300, 2_000))
    cuts = np.unique(rng.integers(1, keys.size, 40))
    batches = [pa.record_batch({"k": pa.array(part, pa.int64())}) for part in np.split(keys, cuts)]
    largest = int(np.bincount(keys).max())
    chunks = list(household_chunks(batches, "k", 50))
    assert np.array_equal(np.concatenate([c.column("k").to_numpy() for c in chunks]), keys)
    for before, after in itertools.pairwise(chunks):
        assert before.column("k")[-1].as_py() < after.column("k")[0].as_py()
    assert all(c.num_rows < 50 + largest for c in chunks)


def test_a_failing_kernel_leaves_no_output(city, tmp_path):
    def broken(table: pa.Table) -> pa.Table:
        raise RuntimeError("kernel failed")

    job = BatchJob(**{**make_job().__dict__, "kernel": broken})
    with pytest.raises(RuntimeError, match="kernel failed"):
        run_job(job, city[0], tmp_path / "out")
    assert list((tmp_path / "out").rglob("*")) == []


def test_missing_input_names_the_file(tmp_path):
    with pytest.raises(BatchInputError, match=r"persons\.parquet"):
        run_job(make_job(), tmp_path, tmp_path / "out")


def test_an_output_directory_with_other_files_is_not_removed(city, tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep")
    with pytest.raises(BatchInputError, match="holds no previous job output"):
        run_job(make_job(), city[0], tmp_path / "precious")
    assert (tmp_path / "precious" / "notes.txt").read_text() == "keep"
    run_job(make_job(), city[0], tmp_path / "out")
    run_job(make_job(), city[0], tmp_path / "out")  # a previous output is replaced


def test_unknown_engine_is_refused(city, tmp_path):
    with pytest.raises(ValueError, match="unknown engine"):
        run_job(make_job(), city[0], tmp_path / "out", engine="pandas")


def test_order_must_start_with_the_partition_columns_and_the_key():
    with pytest.raises(ValueError, match="must start with"):
        BatchJob(**{**make_job(partition_by=("band",)).__dict__, "order_by": ("household_id",)})


@pytest.mark.slow
@pytest.mark.spark
def test_the_spark_cluster_writes_the_duckdb_data(city, tmp_path, spark_cluster):
    input_dir, _ = city
    for partition_by in ((), ("band",)):
        job = make_job(partition_by=partition_by)
        duck = run_job(job, input_dir, tmp_path / "duck", task_rows=6_000)
        spark = run_job(job, input_dir, tmp_path / "spark", engine="spark", task_rows=6_000)
        assert spark.tasks == duck.tasks == 4
        assert all(f.rsplit("/", 1)[-1].startswith("part-") for f in spark.files)
        assert_households_whole_and_sorted(spark)
        # the same rows in the same order (the engines cut the key ranges differently)
        assert spark.read().equals(duck.read())
    # Storage named by URI (as hdfs:// or s3a:// would be): Spark reads and writes it, Hadoop's
    # FileSystem renames the files, and JobOutput reads them back through Spark too.
    uri = run_job(
        job, input_dir.as_uri(), (tmp_path / "uri").as_uri(), engine="spark", task_rows=6_000
    )
    assert uri.path.startswith("file://") and uri.files == spark.files
    assert uri.read().equals(duck.read())
    assert uri.num_rows(band="high") == duck.num_rows(band="high") > 0
    batches = list(uri.iter_batches(batch_rows=500, band="low"))
    assert max(b.num_rows for b in batches) == 500
    assert pa.Table.from_batches(batches).equals(duck.read(band="low"))
    # a mistyped --out on shared storage is not deleted by Spark's overwrite
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "persons.parquet").write_bytes(b"keep")
    with pytest.raises(BatchInputError, match="holds no previous job output"):
        run_job(job, input_dir.as_uri(), precious.as_uri(), engine="spark")
    assert (precious / "persons.parquet").read_bytes() == b"keep"
    # a missing input on shared storage is named
    with pytest.raises(BatchInputError, match=r"'persons\.parquet' not found"):
        run_job(job, (tmp_path / "nowhere").as_uri(), (tmp_path / "y").as_uri(), engine="spark")


def test_duckdb_takes_file_uris_and_names_the_schemes_it_cannot_reach(city, tmp_path):
    input_dir, _ = city
    job = make_job()
    by_path = run_job(job, input_dir, tmp_path / "path", task_rows=6_000)
    by_uri = run_job(job, input_dir.as_uri(), (tmp_path / "uri").as_uri(), task_rows=6_000)
    assert not by_uri.path.startswith("file:") and by_uri.read().equals(by_path.read())
    for where in ("input", "output"):
        args = [input_dir, tmp_path / "x"]
        args[where == "output"] = "hdfs://namenode:8020/city"
        with pytest.raises(BatchInputError, match=f"{where} hdfs://namenode:8020/city: the duckdb"):
            run_job(job, *args)
    with pytest.raises(BatchInputError, match="s3a:// storage is reached through Spark"):
        run_job(job, "s3a://bucket/city", tmp_path / "x")
    assert not (tmp_path / "x").exists()
