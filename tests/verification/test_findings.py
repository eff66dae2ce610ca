"""Importing a batch's findings: one transaction, idempotent, one review task per household for its
street office, nothing written when the output or the registry does not fit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from safetynet.verification.findings import (
    FindingsImportError,
    caseload_coverage,
    findings_import,
)
from safetynet.verification.models import BatchRun, Finding, HouseholdCheck, ReviewTask

MONTH = "2020-06"  # the findings city's batch month (conftest: FINDINGS_MONTH)


@pytest.fixture
def city_db(findings_city_db) -> Path:
    """This module's city: the findings' one (tests/verification/conftest.py)."""
    return findings_city_db


def counts() -> tuple[int, int, int, int]:
    return (
        BatchRun.objects.count(),
        Finding.objects.count(),
        ReviewTask.objects.count(),
        HouseholdCheck.objects.count(),
    )


def test_import_writes_run_findings_checks_and_one_task_per_household(operator, batch_out):
    findings = pq.read_table(batch_out / "findings.parquet").to_pylist()
    checked = pq.read_table(batch_out / "checked.parquet")
    assert findings
    run = findings_import(actor=operator, batch_dir=batch_out)
    assert run.month == MONTH and run.engine == "duckdb" and run.imported_by == operator
    assert run.findings_count == len(findings) == run.findings.count()
    assert run.households_checked == checked.num_rows == run.checks.count()
    flagged = {f["household_number"] for f in findings}
    tasks = list(run.tasks.select_related("household", "street"))
    assert sorted(t.household.number for t in tasks) == sorted(flagged)
    for task in tasks:
        assert task.street.code == task.household.division_id[:9]
        assert task.street.level == "street" or len(task.street.code) == 9
        assert task.status == "open"
    # every finding points at the registry's household and (when it names one) person
    f0 = next(f for f in findings if f["id_number"])
    stored = run.findings.get(
        household__number=f0["household_number"], kind=f0["kind"], source_record=f0["source_record"]
    )
    assert stored.person.id_number == f0["id_number"]
    assert stored.detail["verified_fen"] == f0["verified_fen"]


def test_import_is_idempotent(operator, batch_out):
    first = findings_import(actor=operator, batch_dir=batch_out)
    before = counts()
    again = findings_import(actor=operator, batch_dir=batch_out)
    assert again.pk == first.pk
    assert counts() == before


def test_tasks_are_visible_to_their_street_only(operator, batch_out):
    run = findings_import(actor=operator, batch_dir=batch_out)
    streets = set(run.tasks.values_list("street_id", flat=True))
    assert len(streets) > 1
    for street in streets:
        mine = run.tasks.filter(street_id=street)
        assert all(t.household.division_id.startswith(street) for t in mine)


@pytest.mark.parametrize(
    "damage", ["missing_findings", "bad_summary", "truncated", "bad_kind", "bad_detail"]
)
def test_a_bad_output_writes_nothing(operator, batch_out, tmp_path, damage):
    bad = Path(shutil.copytree(batch_out, tmp_path / "out"))
    if damage == "missing_findings":
        (bad / "findings.parquet").unlink()
    elif damage == "bad_summary":
        (bad / "summary.json").write_text("{not json", encoding="utf-8")
    elif damage == "truncated":
        data = (bad / "findings.parquet").read_bytes()
        (bad / "findings.parquet").write_bytes(data[: len(data) // 2])
    elif damage == "bad_detail":
        table = pq.read_table(bad / "findings.parquet")
        details = ["[1, 2]", *table["detail"].to_pylist()[1:]]
        table = table.set_column(
            table.schema.get_field_index("detail"), "detail", pa.array(details)
        )
        pq.write_table(table, bad / "findings.parquet")
    else:
        table = pq.read_table(bad / "findings.parquet")
        kinds = ["made_up"] * table.num_rows

        table = table.set_column(table.schema.get_field_index("kind"), "kind", pa.array(kinds))
        pq.write_table(table, bad / "findings.parquet")
    before = counts()
    with pytest.raises(FindingsImportError):
        findings_import(actor=operator, batch_dir=bad)
    assert counts() == before


def test_households_not_in_the_registry_write_nothing(operator, batch_out, tmp_path):
    bad = Path(shutil.copytree(batch_out, tmp_path / "out"))
    table = pq.read_table(bad / "checked.parquet")

    numbers = table["household_number"].to_pylist()
    numbers[-1] = "350203002001999999"
    table = table.set_column(1, "household_number", pa.array(numbers))
    pq.write_table(table, bad / "checked.parquet")
    with pytest.raises(FindingsImportError, match="not in the registry"):
        findings_import(actor=operator, batch_dir=bad)
    assert counts() == (0, 0, 0, 0)


def test_only_verification_operators_import(users, city_db, batch_out):
    with pytest.raises(FindingsImportError, match=r"\[not_permitted\]"):
        findings_import(actor=users["street_officer"], batch_dir=batch_out)
    assert counts() == (0, 0, 0, 0)


def test_command_imports_and_refuses_with_exit_code_2(operator, batch_out, tmp_path, capsys):
    call_command("verify", "import-findings", str(batch_out), "--as", operator.username)
    assert "review tasks" in capsys.readouterr().out
    assert BatchRun.objects.count() == 1
    with pytest.raises(CommandError) as exc:
        call_command("verify", "import-findings", str(tmp_path), "--as", operator.username)
    assert exc.value.returncode == 2
    with pytest.raises(CommandError) as exc:
        call_command("verify", "import-findings", str(batch_out), "--as", "nobody")
    assert exc.value.returncode == 2


def test_summary_matches_the_run(operator, batch_out):
    summary = json.loads((batch_out / "summary.json").read_text(encoding="utf-8"))
    run = findings_import(actor=operator, batch_dir=batch_out)
    assert run.households_checked == summary["households_checked"]
    assert run.findings_count == summary["findings"]


def test_coverage_counts_the_households_checked_in_the_last_12_months(operator, batch_out):
    before = caseload_coverage(month=MONTH)
    assert before["households"] > 0 and before["verified"] == 0
    run = findings_import(actor=operator, batch_dir=batch_out)
    after = caseload_coverage(month=MONTH)
    assert after["verified"] == run.households_checked == after["households"]
    assert after["share"] == 1.0
    assert caseload_coverage(month="2021-06")["verified"] == 0  # 12 months later: lapsed
    street = run.tasks.first().street_id
    scoped = caseload_coverage(month=MONTH, division_prefix=street)
    assert 0 < scoped["households"] < after["households"]
