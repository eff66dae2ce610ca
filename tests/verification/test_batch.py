"""Batch re-verification: every planted discrepancy is found, nothing on honest households, the
rules engine's parameters and income definitions are used, and Spark agrees with DuckDB."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from safetynet.batch import run_job
from safetynet.rules import load_parameters
from safetynet.simulated.generator import generate
from safetynet.verification.batch import (
    FINDING_KINDS,
    BatchParameters,
    findings_job,
    verify_batch,
)
from safetynet.verification.models import FindingKind

MONTH = "2020-06"  # the generated city's reference month

# ground-truth kind -> the finding kind that must report it (with the ground truth's source)
EXPECTED_KIND = {
    "undeclared_wage": "undeclared_income",
    "undeclared_pension": "undeclared_income",
    "undeclared_labour_income": "undeclared_income",
    "undeclared_deposit": "undeclared_assets",
    "undeclared_securities": "undeclared_assets",
    "undeclared_vehicle": "new_vehicle",
    "undeclared_property": "new_property",
    "undeclared_business": "new_business",
    "unreported_death": "death",
}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("verify-city")
    generate(out=out, persons=20_000, seed=3)
    return out


@pytest.fixture(scope="module")
def batch(city, tmp_path_factory) -> tuple[dict, list[dict]]:
    out = tmp_path_factory.mktemp("verify-out")
    summary = verify_batch(city, MONTH, out)
    return summary, pq.read_table(out / "findings.parquet").to_pylist()


def copy_city(city: Path, to: Path) -> Path:
    shutil.copytree(city, to)
    return to


def test_finding_kinds_are_the_apps_kinds():
    assert set(FINDING_KINDS) <= set(FindingKind.values)


def test_every_planted_discrepancy_is_found(city, batch):
    _, findings = batch
    truth = pq.read_table(city / "ground_truth" / "discrepancies.parquet").to_pylist()
    assert truth, "the generator planted nothing"
    kinds = {t["kind"] for t in truth}
    assert kinds <= set(EXPECTED_KIND) and len(kinds) >= 7
    found = {(f["household_id"], f["kind"], f["source"]) for f in findings}
    missed = [
        t for t in truth if (t["household_id"], EXPECTED_KIND[t["kind"]], t["source"]) not in found
    ]
    assert missed == []
    # the finding names the planted person too (deaths, undeclared income)
    by_person = {(f["household_id"], f["person_id"], f["kind"]) for f in findings}
    for t in truth:
        if t["kind"] in ("unreported_death", "undeclared_wage", "undeclared_pension"):
            assert (t["household_id"], t["person_id"], EXPECTED_KIND[t["kind"]]) in by_person


def test_no_finding_on_honest_households(city, batch):
    summary, findings = batch
    planted = set(
        pq.read_table(city / "ground_truth" / "discrepancies.parquet")["household_id"].to_pylist()
    )
    assert [f for f in findings if f["household_id"] not in planted] == []
    assert summary["households_with_findings"] == len(planted)
    assert summary["households_checked"] > 10 * len(planted) / 2


def test_findings_name_their_source_record_and_amounts(batch):
    _, findings = batch
    for f in findings:
        assert f["source_record"], f
        assert f["household_number"] and len(f["division_code"]) == 12
    deaths = [f for f in findings if f["kind"] == "death"]
    assert deaths and all(f["source"] == "deaths" and f["person_id"] for f in deaths)
    over = [f for f in findings if f["kind"] == "income_above_line"]
    assert over and all(
        f["verified_fen"] >= f["limit_fen"] for f in over if f["program"] != "illness_poverty"
    )


def test_summary_counts(batch):
    summary, findings = batch
    assert summary["findings"] == len(findings)
    assert sum(summary["findings_by_kind"].values()) == len(findings)
    assert (
        summary["parameters"]["dibao_standard"]
        == load_parameters().at("dibao.standard", __import__("datetime").date(2020, 6, 1)).value
    )


def test_lines_come_from_the_rules_parameters(city, tmp_path):
    params = load_parameters().with_values("dibao.standard", {"2020-01-01": 40_000})
    prm = BatchParameters.for_month(MONTH, params)
    assert prm.dibao_standard == 40_000 and prm.low_income_line == 80_000
    summary = verify_batch(city, MONTH, tmp_path, params=params)
    findings = pq.read_table(tmp_path / "findings.parquet").to_pylist()
    # halving the standard puts honest households above the line, and the finding says by how much
    lines = {
        f["limit_fen"]
        for f in findings
        if f["kind"] == "income_above_line" and f["program"] == "tekun"
    }
    assert lines == {40_000}
    assert summary["findings_by_kind"]["income_above_line"] > 12


def test_excluded_income_is_not_counted(city, tmp_path):
    """An entitled group's pension and the age allowance (POLICY §3 exclusions) change nothing."""
    city2 = copy_city(city, tmp_path / "city")
    persons = pq.read_table(city2 / "persons.parquet")
    big = pa.array([5_000_00] * persons.num_rows, pa.int64())
    for col in ("income_entitled_pension_fen", "income_age_allowance_fen", "income_award_fen"):
        persons = persons.set_column(persons.schema.get_field_index(col), col, big)
    pq.write_table(persons, city2 / "persons.parquet")
    before = verify_batch(city, MONTH, tmp_path / "a")
    after = verify_batch(city2, MONTH, tmp_path / "b")
    assert after["findings_by_kind"] == before["findings_by_kind"]


def test_same_person_enrolled_in_two_households(city, tmp_path):
    city2 = copy_city(city, tmp_path / "city")
    persons = pq.read_table(city2 / "persons.parquet")
    households = pq.read_table(city2 / "households.parquet")
    enrolments = pq.read_table(city2 / "enrolments.parquet")
    truth = set(
        pq.read_table(city2 / "ground_truth" / "discrepancies.parquet")["household_id"].to_pylist()
    )
    dibao = enrolments.filter(pc.equal(enrolments["category"], "dibao")).to_pylist()
    division = dict(
        zip(
            households["household_id"].to_pylist(),
            households["division_code"].to_pylist(),
            strict=True,
        )
    )
    a = next(e for e in dibao if e["household_id"] not in truth)
    district_a = division[a["household_id"]][:6]
    b = next(
        e
        for e in dibao
        if e["household_id"] not in truth and division[e["household_id"]][:6] != district_a
    )
    twin = persons.filter(pc.equal(persons["person_id"], a["person_id"])).to_pylist()[0]
    new_id = persons.num_rows + 1
    twin |= {"person_id": new_id, "household_id": b["household_id"]}
    persons = pa.concat_tables([persons, pa.Table.from_pylist([twin], schema=persons.schema)])
    enrol = dict(b, person_id=new_id)
    enrolments = pa.concat_tables(
        [enrolments, pa.Table.from_pylist([enrol], schema=enrolments.schema)]
    )
    pq.write_table(persons, city2 / "persons.parquet")
    pq.write_table(enrolments, city2 / "enrolments.parquet")
    verify_batch(city2, MONTH, tmp_path / "out")
    findings = pq.read_table(tmp_path / "out" / "findings.parquet").to_pylist()
    dups = [f for f in findings if f["kind"] == "duplicate_enrolment"]
    assert {f["household_id"] for f in dups} == {a["household_id"], b["household_id"]}
    assert all('"districts":2' in f["detail"] for f in dups)
    numbers = {f["household_id"]: f["household_number"] for f in dups}
    by_hh = {f["household_id"]: f["source_record"] for f in dups}
    assert by_hh[a["household_id"]] == numbers[b["household_id"]]


def test_chunking_does_not_change_the_findings(city, tmp_path):
    prm = BatchParameters.for_month(MONTH)
    job = findings_job(prm)
    whole = run_job(job, city, tmp_path / "whole").read()
    small_job = job.__class__(**{**job.__dict__, "chunk_rows": 500})
    small = run_job(small_job, city, tmp_path / "small", task_rows=2_000)
    assert small.tasks > 1
    assert small.read().equals(whole)


def test_command_writes_the_output(city, tmp_path, capsys):
    call_command("verify", "batch", "--input", str(city), "--month", MONTH, "--out", str(tmp_path))
    assert {p.name for p in tmp_path.iterdir()} == {
        "findings.parquet",
        "checked.parquet",
        "summary.json",
    }
    assert "households" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2020-13"], "YYYY-MM"),
        (["--month", "1990-01"], "no rules"),
        (["--input", "/nonexistent/city"], "no such directory"),
    ],
)
def test_command_refuses_bad_input_with_exit_code_2(city, tmp_path, args, message):
    base = {"--input": str(city), "--month": MONTH, "--out": str(tmp_path / "out")}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError, match=message) as exc:
        call_command("verify", "batch", *[x for kv in base.items() for x in kv])
    assert exc.value.returncode == 2


def test_command_names_a_missing_extract(city, tmp_path):
    broken = copy_city(city, tmp_path / "city")
    (broken / "agencies" / "vehicles.parquet").unlink()
    with pytest.raises(CommandError, match=r"vehicles\.parquet") as exc:
        call_command(
            "verify",
            "batch",
            "--input",
            str(broken),
            "--month",
            MONTH,
            "--out",
            str(tmp_path / "o"),
        )
    assert exc.value.returncode == 2


@pytest.mark.slow
@pytest.mark.spark
def test_spark_finds_exactly_what_duckdb_finds(city, tmp_path, monkeypatch):
    """`verify batch` on the standalone cluster, in several key ranges: the same two files
    (byte for byte: the copy cuts row groups by rows) and the same summary."""
    monkeypatch.setenv("SAFETYNET_TASK_ROWS", "15000")  # 2 and ~6 key ranges
    duck = verify_batch(city, MONTH, tmp_path / "duckdb", engine="duckdb")
    spark = verify_batch(city, MONTH, tmp_path / "spark", engine="spark")
    assert duck["findings"] > 0 and duck["households_checked"] > 0
    drop = ("engine", "started_at", "finished_at", "seconds")
    assert {k: v for k, v in spark.items() if k not in drop} == {
        k: v for k, v in duck.items() if k not in drop
    }
    for name in ("findings.parquet", "checked.parquet"):
        a, b = pq.read_table(tmp_path / "duckdb" / name), pq.read_table(tmp_path / "spark" / name)
        assert a.equals(b), name
        assert (tmp_path / "duckdb" / name).read_bytes() == (tmp_path / "spark" / name).read_bytes()


def test_dataset_output_holds_the_rows_of_the_files(city, tmp_path):
    """`verify batch --dataset` keeps the jobs' datasets (findings/, checked/) as the output,
    with the same rows and the same summary counts as the two single files."""
    files = verify_batch(city, MONTH, tmp_path / "files")
    call_command(
        "verify", "batch", "--input", city.as_uri(), "--month", MONTH,
        "--out", str(tmp_path / "ds"), "--dataset",
    )  # fmt: skip
    summary = json.loads((tmp_path / "ds" / "summary.json").read_text(encoding="utf-8"))
    assert summary["files"] == {"findings": "findings/", "checked": "checked/"}
    drop = ("started_at", "finished_at", "seconds", "files")
    assert {k: v for k, v in summary.items() if k not in drop} == {
        k: v for k, v in files.items() if k not in drop
    }
    for name in ("findings", "checked"):
        parts = sorted((tmp_path / "ds" / name).glob("part-*.parquet"))
        assert parts, name
        rows = pa.concat_tables([pq.read_table(p) for p in parts])
        assert rows.equals(pq.read_table(tmp_path / "files" / f"{name}.parquet")), name


@pytest.mark.parametrize("flag", ["--input", "--out"])
def test_command_names_storage_duckdb_cannot_reach(city, tmp_path, flag):
    args = {"--input": str(city), "--month": MONTH, "--out": str(tmp_path / "out")}
    args[flag] = "hdfs://namenode:8020/province"
    with pytest.raises(CommandError, match=f"{flag} hdfs://namenode:8020/province.*spark") as exc:
        call_command("verify", "batch", *[x for kv in args.items() for x in kv])
    assert exc.value.returncode == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.spark
def test_spark_reads_and_writes_shared_storage_named_by_uri(city, tmp_path):
    """On the standalone cluster, input and output named by URI (file:// here; hdfs:// or s3a://
    in a data centre): the executors write both datasets there, the summary is written through
    Hadoop's FileSystem, and the rows are DuckDB's."""
    duck = verify_batch(city, MONTH, tmp_path / "duckdb")
    out = (tmp_path / "shared").as_uri()
    argv = ["verify", "batch", "--input", city.as_uri(), "--month", MONTH, "--out", out]
    with pytest.raises(CommandError, match="add --dataset") as exc:
        call_command(*argv, "--engine", "spark")
    assert exc.value.returncode == 2
    call_command(*argv, "--engine", "spark", "--dataset")
    summary = json.loads((tmp_path / "shared" / "summary.json").read_text(encoding="utf-8"))
    assert summary["engine"] == "spark" and summary["input"] == city.as_uri()
    assert summary["findings"] == duck["findings"] > 0
    assert summary["findings_by_kind"] == duck["findings_by_kind"]
    for name in ("findings", "checked"):
        parts = sorted((tmp_path / "shared" / name).glob("part-*.parquet"))
        rows = pa.concat_tables([pq.read_table(p) for p in parts])
        assert rows.equals(pq.read_table(tmp_path / "duckdb" / f"{name}.parquet")), name
