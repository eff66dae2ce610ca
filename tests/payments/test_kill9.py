"""Crash safety (ADR 0901): `kill -9` of a real `safetynet payroll run` at a phase, then the same
command again, ends exactly where an uninterrupted run ends — on SQLite and on PostgreSQL (the
suite's two passes)."""

import os
import signal
import subprocess

import pytest

from safetynet.payments.models import PaymentLine, Payroll, PayrollEvent
from safetynet.payments.services import STOP_AT_ENV
from tests.helpers.payments import build_pay_city, funeral_grant
from tests.helpers.subprocess_db import EXE, ROOT, command_env, wait_until_stopped

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
MONTH = "2019-08"


def snapshot():
    fields = (
        "payroll__month", "beneficiary_key", "person_id", "household_id", "program",
        "benefit_month", "kind", "source_ref", "amount_fen", "city_fen", "district_fen",
        "street_fen", "division_id", "bank_account_id", "bank_code", "account_number",
        "reason_code", "reason", "status",
    )  # fmt: skip
    rows = PaymentLine.objects.order_by("beneficiary_key", "program", "kind", "source_ref")
    return list(rows.values_list(*fields))


def run(env, check=True):
    out = subprocess.run(
        [EXE, "payroll", "run", "--month", MONTH, "--as", "ca"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert out.returncode == 0, out.stderr
    return out


def start_stopped_at(env, phase: str, tmp_path) -> subprocess.Popen:
    """A real `payroll run` that stops itself on reaching `phase` (the fault-injection
    checkpoint, docs/payments.md): returned once it is stopped there."""
    marker = tmp_path / "payroll" / f"{MONTH}.phase"
    proc = subprocess.Popen(
        [EXE, "payroll", "run", "--month", MONTH, "--as", "ca"],
        env={**env, STOP_AT_ENV: phase},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until_stopped(proc, f"the phase {phase}")
    assert marker.read_text() == phase
    return proc


def kill_9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("phase", ["export", "engine", "lines", "write", "commit"])
def test_kill_9_then_run_again_gives_the_uninterrupted_result(divisions, users, tmp_path, phase):
    from tests.helpers.city import ZHONGHUA

    city = build_pay_city()
    funeral_grant(city.dying, city.dying_h, MONTH, 150000, ZHONGHUA)
    env = command_env(tmp_path)
    # the reference: an uninterrupted run, then undone
    run(env)
    reference = snapshot()
    assert len(reference) == 6
    PaymentLine.objects.all().delete()
    PayrollEvent.objects.all().delete()
    Payroll.objects.all().delete()

    kill_9(start_stopped_at(env, phase, tmp_path))
    # killed before its transaction committed: nothing was written
    assert not PaymentLine.objects.exists() and not Payroll.objects.exists()
    out = run(env)
    assert snapshot() == reference
    assert "total" in out.stdout
    # and once more: nothing changes
    out = run(env)
    assert snapshot() == reference
    assert "0 added, 0 removed, 0 changed" in out.stdout


def test_a_second_run_while_one_is_in_progress_is_refused_clearly(divisions, users, tmp_path):
    """Two runs of one month at once (ADR 0915): the second is refused at once, exit 2, with a
    message naming the run in progress, not a database uniqueness error; the first, resumed,
    ends normally and the month has one payroll."""
    build_pay_city()
    env = command_env(tmp_path)
    first = start_stopped_at(env, "write", tmp_path)  # holding the run lock, before its commit
    try:
        second = run(env, check=False)
        assert second.returncode == 2, second.stderr
        assert f"payroll {MONTH}: a payroll run (month {MONTH}) is already in progress" in (
            second.stderr
        )
        assert "IntegrityError" not in second.stderr and "unique" not in second.stderr.lower()
        os.kill(first.pid, signal.SIGCONT)
        assert first.wait(timeout=300) == 0, first.stderr.read()
    finally:
        if first.poll() is None:
            kill_9(first)
    assert Payroll.objects.filter(month=MONTH).count() == 1
    # once it has ended, the next run is the usual re-run of the draft
    out = run(env)
    assert "0 added, 0 removed, 0 changed" in out.stdout
