"""`safetynet rules run` gives the same files on every engine (docs/adr/0101).

The DuckDB engine reads the Parquet files straight into numpy; the Spark engine (and
`duckdb-job`) runs the rules batch job of the shared batch runner. Their output files must be
byte for byte identical.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from safetynet.rules.cli import run_main
from safetynet.rules.job import run_city
from safetynet.simulated.generator import generate, read_manifest

MONTH = "2020-06"


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city")
    generate(out=out, persons=3_000, seed=11)
    return out


def assert_same_files(a: Path, b: Path) -> int:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*.parquet"))
    files_b = sorted(p.relative_to(b) for p in b.rglob("*.parquet"))
    assert files_a == files_b
    for rel in files_a:
        ta, tb = pq.read_table(a / rel), pq.read_table(b / rel)
        assert ta.schema == tb.schema, rel
        assert ta.equals(tb), rel
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    return len(files_a)


def test_duckdb_reader_and_the_batch_job_write_identical_files(city, tmp_path):
    fast = run_city(city, MONTH, tmp_path / "duckdb", engine="duckdb")
    job = run_city(city, MONTH, tmp_path / "job", engine="duckdb-job")
    assert assert_same_files(tmp_path / "duckdb", tmp_path / "job") == 23
    assert fast.totals == job.totals
    households = read_manifest(city)["households"]  # 1,150 for seed 11 (generator version 2)
    assert (fast.persons, fast.households) == (job.persons, job.households) == (3_000, households)
    # not a vacuous comparison: the city has recipients of the main programs
    for program in ("dibao", "tekun", "age_allowance", "low_income"):
        assert fast.totals[f"{program}.parquet"]["eligible"] > 0, program


def test_files_follow_the_documented_layout(city, tmp_path):
    run_city(city, MONTH, tmp_path, engine="duckdb")
    dibao = pq.read_table(tmp_path / "dibao.parquet")
    assert dibao.column_names == [
        "month",
        "household_id",
        "program",
        "eligible",
        "amount_fen",
        "city_fen",
        "district_fen",
        "street_fen",
        "reason",
        "rule_met",
    ]
    assert set(dibao.column("month").to_pylist()) == {MONTH}
    assert set(dibao.column("program").to_pylist()) == {"dibao"}
    hid = dibao.column("household_id").to_numpy()
    assert np.all(hid[1:] > hid[:-1])
    parts = sum(dibao.column(c).to_numpy() for c in ("city_fen", "district_fen", "street_fen"))
    assert np.array_equal(parts, dibao.column("amount_fen").to_numpy())
    reasons = dibao.column("reason").chunk(0)
    assert reasons.dictionary.to_pylist() == sorted(reasons.dictionary.to_pylist())
    tekun = pq.read_table(tmp_path / "persons" / "tekun.parquet")
    assert tekun.column_names == [
        "person_id",
        "household_id",
        "eligible",
        "amount_fen",
        "city_fen",
        "district_fen",
        "street_fen",
        "reason",
        "selfcare_tier",
        "support_form",
    ]
    assert tekun.num_rows == 3_000
    # each person's funding split adds up to the person's amount (ADR 0902), and the
    # household rows are the sums over their persons
    p_parts = sum(tekun.column(c).to_numpy() for c in ("city_fen", "district_fen", "street_fen"))
    assert np.array_equal(p_parts, tekun.column("amount_fen").to_numpy())
    assert (tekun.column("city_fen").to_numpy() >= 0).all()
    h_tekun = pq.read_table(tmp_path / "tekun.parquet")
    assert int(pc.sum(h_tekun.column("city_fen")).as_py() or 0) == int(
        pc.sum(tekun.column("city_fen")).as_py() or 0
    )


def _edge_city(city: Path, out: Path) -> Path:
    """The city with shuffled persons, a household without persons, and two enrolments of the
    same category starting in the same month (the one ending last must win on both paths)."""
    out.mkdir()
    persons = pq.read_table(city / "persons.parquet")
    rng = np.random.default_rng(3)
    pq.write_table(persons.take(rng.permutation(persons.num_rows)), out / "persons.parquet")
    households = pq.read_table(city / "households.parquet")
    empty = households.slice(0, 1).to_pylist()[0]
    empty["household_id"] = int(pc.max(households.column("household_id")).as_py()) + 1
    households = pa.concat_tables(
        [households, pa.Table.from_pylist([empty], schema=households.schema)]
    )
    pq.write_table(households, out / "households.parquet")
    enrolments = pq.read_table(city / "enrolments.parquet")
    first = enrolments.slice(0, 1).to_pylist()[0]
    import datetime as dt

    twin = dict(first, end_date=dt.date(2030, 1, 1))
    early = dict(first, end_date=first["start_date"])
    extra = pa.Table.from_pylist([early, twin], schema=enrolments.schema)
    pq.write_table(pa.concat_tables([extra, enrolments]), out / "enrolments.parquet")
    return out


def test_engines_agree_on_unsorted_inputs_and_edge_cases(city, tmp_path):
    edge = _edge_city(city, tmp_path / "edge")
    run_city(edge, MONTH, tmp_path / "duckdb", engine="duckdb")
    run_city(edge, MONTH, tmp_path / "job", engine="duckdb-job")
    assert_same_files(tmp_path / "duckdb", tmp_path / "job")
    dibao = pq.read_table(tmp_path / "duckdb" / "dibao.parquet")
    # one row per household, and one for the household without persons
    assert dibao.num_rows == read_manifest(city)["households"] + 1
    last = dibao.slice(dibao.num_rows - 1).to_pylist()[0]
    assert last["reason"] == "NO_LIVING_MEMBERS" and not last["eligible"]


def test_files_do_not_depend_on_chunks_and_row_groups(city, tmp_path, monkeypatch):
    from safetynet.rules import engine, writers

    run_city(city, MONTH, tmp_path / "job", engine="duckdb-job")
    # many chunks of households and several row groups per file on the fast path
    monkeypatch.setattr(engine, "CHUNK_PERSONS", 500)
    monkeypatch.setattr(writers, "ROW_GROUP_ROWS", 700)
    run_city(city, MONTH, tmp_path / "duckdb", engine="duckdb")
    tekun = pq.ParquetFile(tmp_path / "duckdb" / "persons" / "tekun.parquet")
    assert tekun.metadata.num_row_groups == 5
    monkeypatch.undo()
    with pytest.raises(AssertionError):
        assert_same_files(tmp_path / "duckdb", tmp_path / "job")  # other row groups
    monkeypatch.setattr(writers, "ROW_GROUP_ROWS", 700)
    run_city(city, MONTH, tmp_path / "job2", engine="duckdb-job")
    assert_same_files(tmp_path / "duckdb", tmp_path / "job2")


@pytest.mark.parametrize("persons, row_group", [(3_000, 500), (80, 3)])
def test_row_group_streaming_reads_the_same_city(city, tmp_path, persons, row_group):
    """The fast path reads the persons one row group at a time; households cut by a row group
    boundary (even across several row groups) must come out whole."""
    source = city if persons == 3_000 else tmp_path / "small"
    if persons != 3_000:
        generate(out=source, persons=persons, seed=5)
    split = tmp_path / "split"
    split.mkdir()
    for name in ("households.parquet", "enrolments.parquet"):
        shutil.copy(source / name, split / name)
    table = pq.read_table(source / "persons.parquet")
    pq.write_table(table, split / "persons.parquet", row_group_size=row_group)
    assert pq.ParquetFile(split / "persons.parquet").metadata.num_row_groups > 1
    run_city(source, MONTH, tmp_path / "whole", engine="duckdb-job")
    run_city(split, MONTH, tmp_path / "streamed", engine="duckdb")
    assert_same_files(tmp_path / "whole", tmp_path / "streamed")


def test_the_cli_writes_the_files_and_a_summary(city, tmp_path, capsys):
    import json

    assert run_main(["--input", str(city), "--month", MONTH, "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["persons"] == 3_000 and summary["engine"] == "duckdb"
    assert (tmp_path / "persons" / "age_allowance.parquet").is_file()
    assert run_main(["--input", str(tmp_path / "nowhere"), "--month", MONTH, "--out", "x"]) == 2


def assert_same_dataset(a, b, programs) -> None:
    """Two job outputs hold the same rows, program by program, in the same order."""
    assert a.values("program") == b.values("program") == sorted(programs)
    for name in programs:
        assert a.read(program=name).equals(b.read(program=name)), name


def test_the_job_dataset_is_the_output_when_asked(city, tmp_path, monkeypatch):
    """dataset=True leaves the job's dataset (program=<name>/part-NNNNN.parquet, several key
    ranges) as the output; it holds exactly the rows of the documented files."""
    monkeypatch.setenv("SAFETYNET_TASK_ROWS", "1000")  # 3,000 persons: three key ranges
    files = run_city(city, MONTH, tmp_path / "files", engine="duckdb")
    run = run_city(city, MONTH, tmp_path / "dataset", engine="duckdb-job", dataset=True)
    assert run.totals == files.totals and run.households == files.households
    names = {p.relative_to(tmp_path / "dataset").as_posix() for p in run.files}
    assert "program=dibao/part-00002.parquet" in names and len(names) == 14 * 3  # 14 programs
    dibao = pq.read_table(tmp_path / "files" / "dibao.parquet")
    parts = [
        pq.read_table(tmp_path / "dataset" / "program=dibao" / f"part-0000{i}.parquet")
        for i in range(3)
    ]
    assert pa.concat_tables(parts).column("household_id").equals(dibao.column("household_id"))
    with pytest.raises(ValueError, match="dataset"):
        run_city(city, MONTH, tmp_path / "x", engine="duckdb", dataset=True)


@pytest.mark.slow
@pytest.mark.spark
def test_spark_writes_exactly_the_duckdb_files(city, tmp_path, monkeypatch):
    """On the standalone cluster, in three key ranges: the same files byte for byte; and the
    job's dataset holds the same rows as DuckDB's, also on unsorted inputs and edge cases."""
    monkeypatch.setenv("SAFETYNET_TASK_ROWS", "1000")
    duck = run_city(city, MONTH, tmp_path / "duckdb", engine="duckdb")
    spark = run_city(city, MONTH, tmp_path / "spark", engine="spark")
    assert assert_same_files(tmp_path / "duckdb", tmp_path / "spark") == 23
    assert spark.totals == duck.totals
    assert spark.totals["dibao.parquet"]["eligible"] > 0
    edge = _edge_city(city, tmp_path / "edge")
    from safetynet.batch import run_job
    from safetynet.rules.job import rules_job

    job = rules_job(edge, MONTH)
    on_duckdb = run_job(job, edge, tmp_path / "edge-duckdb")
    on_spark = run_job(job, edge, tmp_path / "edge-spark", engine="spark")
    assert on_spark.tasks == on_duckdb.tasks == 3
    assert_same_dataset(on_spark, on_duckdb, job.params["programs"])


def test_the_cli_keeps_the_dataset_when_asked(city, tmp_path, capsys):
    argv = ["--input", str(city), "--month", MONTH, "--out", str(tmp_path / "out"), "--dataset"]
    assert run_main([*argv, "--engine", "duckdb-job"]) == 0
    assert (tmp_path / "out" / "program=dibao" / "part-00000.parquet").is_file()
    households = pq.ParquetFile(city / "households.parquet").metadata.num_rows
    assert json.loads(capsys.readouterr().out)["households"] == households
    assert run_main([*argv, "--engine", "duckdb"]) == 2  # the fast path writes files only
    assert "dataset" in capsys.readouterr().err


def test_the_cli_takes_file_uris_on_duckdb_and_names_schemes_it_cannot_reach(
    city, tmp_path, capsys
):
    """`rules run` as a data centre calls it: file:// works on this machine's engines; hdfs://
    and s3a:// need Spark's connectors, and the error says so (exit 2, nothing written)."""
    out = tmp_path / "out"
    argv = ["--input", city.as_uri(), "--month", MONTH, "--out", out.as_uri()]
    assert run_main(argv) == 0
    assert json.loads(capsys.readouterr().out)["persons"] == 3_000
    assert (out / "dibao.parquet").is_file()
    for engine in ("duckdb", "duckdb-job"):
        for flag, uri in (("--input", "hdfs://namenode:8020/city"), ("--out", "s3a://b/out")):
            args = ["--input", str(city), "--month", MONTH, "--out", str(tmp_path / "x")]
            args[args.index(flag) + 1] = uri
            assert run_main([*args, "--engine", engine]) == 2
            err = capsys.readouterr().err
            assert f"{flag} {uri}" in err and "--engine spark" in err, err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.spark
def test_the_cli_runs_on_shared_storage_named_by_uri(city, tmp_path, capsys, monkeypatch):
    """On the standalone cluster with input and output named by URI (file:// here, hdfs:// or
    s3a:// in a data centre): the executors write the dataset there, the summary's counts are
    aggregated by Spark, and a consumer reading the URI output (through Spark) gets the rows of
    DuckDB's documented files."""
    from safetynet.batch import run_job
    from safetynet.rules.job import program_tables, rules_job
    from safetynet.rules.writers import person_path

    monkeypatch.setenv("SAFETYNET_TASK_ROWS", "1000")
    duck = run_city(city, MONTH, tmp_path / "duckdb", engine="duckdb")
    out = (tmp_path / "shared").as_uri()
    argv = ["--input", city.as_uri(), "--month", MONTH, "--out", out, "--engine", "spark"]
    assert run_main(argv) == 2  # one file per program is written locally only
    assert "add --dataset" in capsys.readouterr().err
    assert run_main([*argv, "--dataset"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["persons"] == duck.persons and summary["households"] == duck.households
    assert summary["programs"]["dibao"]["amount_fen"] == duck.totals["dibao.parquet"]["amount_fen"]
    assert (tmp_path / "shared" / "program=dibao" / "part-00002.parquet").is_file()
    output = run_job(rules_job(city.as_uri(), MONTH), city.as_uri(), out, engine="spark")
    for name in ("dibao", "age_allowance"):
        pieces = list(program_tables(output, MONTH, name))
        for rel in {f"{name}.parquet", person_path(name)} & set(pieces[0]):
            got = pa.concat_tables([p[rel] for p in pieces])
            assert decoded(got).equals(decoded(pq.read_table(tmp_path / "duckdb" / rel))), rel


def decoded(table: pa.Table) -> pa.Table:
    """The table with dictionary columns decoded (a file's `reason` dictionary is per row
    group, ADR 0101: the same values may be coded differently)."""
    cols = [
        c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns
    ]
    return pa.table(cols, names=table.column_names)
