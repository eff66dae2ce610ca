"""`safetynet payroll bank-files` / `bank-results` and `safetynet banks answer`: the files on disk,
the simulated bank's answer, the import; bad input exits 2 naming the field or the line."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.payments.models import PaymentLine
from tests.helpers.banks import approved_payroll, set_account


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def payroll(registry, users):
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, "6222000000000000001")
    set_account(ca, registry.wang_fang, "6227000000000000002", bank="CCB")
    p, _ = approved_payroll(
        "2020-06", [(registry.zhang_wei, "dibao", 80_000), (registry.wang_fang, "dibao", 40_001)]
    )
    return p


def test_bank_files_answer_and_results(payroll, tmp_path):
    text = _run("payroll", "bank-files", str(payroll.pk), "--out", str(tmp_path / "out"),
                "--format", "csv", "--as", "ca")  # fmt: skip
    assert "2 file(s), 2 line(s), 1,200.01 yuan" in text
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["PR2020-06-CCB.csv", "PR2020-06-ICBC.csv"]
    # written again once sent
    again = _run(
        "payroll", "bank-files", str(payroll.pk), "--out", str(tmp_path / "o2"), "--as", "ca"
    )
    assert "made before" in again
    assert (tmp_path / "o2" / "PR2020-06-ICBC.csv").read_bytes() == files[1].read_bytes()
    results = []
    for f in files:
        _run("banks", "answer", "--file", str(f), "--out", str(tmp_path / "res"),
             "--failure-rate", "0", "--late-rate", "0")  # fmt: skip
    results = sorted(str(p) for p in (tmp_path / "res").iterdir())
    assert len(results) == 2
    text = _run("payroll", "bank-results", *results, "--as", "ca")
    assert "paid 2 (1,200.01 yuan), failed 0" in text and "payroll 2020-06" in text
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"paid"}
    with pytest.raises(CommandError) as e:  # the same results again: doubled, named
        _run("payroll", "bank-results", *results, "--as", "ca")
    assert e.value.returncode == 2 and "row 8" in str(e.value) and "doubled_line" in str(e.value)


@pytest.mark.parametrize(
    "args, named",
    [
        (["bank-files", "x", "--out", "/tmp/x", "--as", "ca"], "ID"),
        (["bank-files", "999", "--out", "/tmp/x", "--as", "ca"], "ID"),
        (["bank-files", "{id}", "--out", "/tmp/x", "--format", "pdf", "--as", "ca"], "--format"),
        (["bank-files", "{id}", "--out", "/tmp/x", "--as", "nobody"], "--as"),
        (["bank-files", "{id}", "--out", "/tmp/x", "--as", "so"], "not_permitted"),
        (["bank-results", "/nonexistent.csv", "--as", "ca"], "/nonexistent.csv"),
    ],
)
def test_bad_input_exit_2(payroll, args, named):
    args = [a.replace("{id}", str(payroll.pk)) for a in args]
    with pytest.raises(CommandError) as e:
        _run("payroll", *args)
    assert e.value.returncode == 2 and named in str(e.value)


def test_malformed_result_file_named(payroll, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("格式,safetynet-bank-result/1\r\n".encode())
    with pytest.raises(CommandError) as e:
        _run("payroll", "bank-results", str(bad), "--as", "ca")
    assert e.value.returncode == 2 and "bad.csv" in str(e.value)
    with pytest.raises(CommandError) as e:
        _run("banks", "answer", "--file", str(bad), "--out", str(tmp_path))
    assert e.value.returncode == 2
