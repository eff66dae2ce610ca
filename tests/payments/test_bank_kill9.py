"""Crash safety of the bank steps (ADR 0950): `kill -9` of a real `safetynet payroll bank-files`
and `payroll bank-results` stopped inside their transaction (every row written, not committed),
then the same command again, ends exactly where an uninterrupted command ends — on SQLite and on
PostgreSQL (the suite's two passes)."""

import datetime as dt
import os
import signal
import subprocess

import pytest

from safetynet.payments.bank_format import (
    ResultFile,
    ResultRow,
    read_payment_file,
    write_result_file,
)
from safetynet.payments.models import BankFile, BankFileEntry, BankResultFile, PaymentLine
from safetynet.payments.services import STOP_AT_ENV
from tests.helpers.banks import approved_payroll, set_account
from tests.helpers.subprocess_db import EXE, ROOT, command_env, wait_until_stopped

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ZW, WF = "6222000000000000001", "6222000000000000002"


def command(env, *args, stop_at=None) -> subprocess.Popen:
    extra = {STOP_AT_ENV: stop_at} if stop_at else {}
    return subprocess.Popen(
        [EXE, "payroll", *args, "--as", "ca"],
        env={**env, **extra},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_9_when_stopped(proc: subprocess.Popen) -> None:
    wait_until_stopped(proc, "its checkpoint")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def finished(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def states() -> list[tuple[str, str]]:
    return list(PaymentLine.objects.with_state().order_by("pk").values_list("status", "state"))


def test_kill_9_in_bank_files_and_results_then_again(registry, users, tmp_path):
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    set_account(ca, registry.wang_fang, WF)
    payroll, (zw, wf) = approved_payroll(
        "2020-06",
        [(registry.zhang_wei, "dibao", 80_000), (registry.wang_fang, "low_income", 12_345)],
    )
    env = command_env(tmp_path)
    out = tmp_path / "files"
    files = ["bank-files", str(payroll.pk), "--out", str(out), "--format", "csv"]

    kill_9_when_stopped(command(env, *files, stop_at="bank_files_written"))
    # killed inside the transaction: no file, no entry, the payroll still approved
    assert not BankFile.objects.exists() and not BankFileEntry.objects.exists()
    assert states() == [("pending", "pending")] * 2
    payroll.refresh_from_db()
    assert payroll.status == "approved"
    finished(command(env, *files))
    assert states() == [("pending", "sent")] * 2  # shown sent, stored pending
    (bf,) = BankFile.objects.all()

    day = dt.date(2020, 6, 6)
    rows = [
        ResultRow(f"L{zw.pk}-1", ZW, 80_000, "paid", "", day),
        ResultRow(f"L{wf.pk}-1", WF, 12_345, "failed", "account_closed", day),
    ]
    sent = read_payment_file((out / f"{bf.reference}.csv").read_bytes())
    assert [r.reference for r in sent.rows] == [r.reference for r in rows]
    result = tmp_path / "result.csv"
    result.write_bytes(write_result_file(ResultFile(bf.reference, "ICBC", day, rows), "csv"))

    kill_9_when_stopped(command(env, "bank-results", str(result), stop_at="bank_results_written"))
    assert not BankResultFile.objects.exists()
    assert set(BankFileEntry.objects.values_list("result", flat=True)) == {"pending"}
    assert states() == [("pending", "sent")] * 2
    finished(command(env, "bank-results", str(result)))
    assert states() == [("paid", "paid"), ("failed", "failed")]
    assert BankResultFile.objects.count() == 1
    payroll.refresh_from_db()
    assert payroll.status == "results_in"
    # and once more: refused (the lines are answered), nothing changes
    again = command(env, "bank-results", str(result))
    again.communicate(timeout=300)
    assert again.returncode == 2
    assert states() == [("paid", "paid"), ("failed", "failed")]
    assert BankResultFile.objects.count() == 1
