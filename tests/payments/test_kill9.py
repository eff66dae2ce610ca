"""Crash safety (ADR 0901): `kill -9` of a real `safetynet payroll run` at a phase, then the same
command again, ends exactly where an uninterrupted run ends — on SQLite and on PostgreSQL (the
suite's two passes)."""

import os
import signal
import subprocess
import time

import pytest

from safetynet.payments.models import PaymentLine, Payroll, PayrollEvent
from tests.helpers.payments import build_pay_city, funeral_grant
from tests.helpers.subprocess_db import EXE, ROOT, command_env

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


def run_and_kill(env, phase: str, tmp_path) -> None:
    marker = tmp_path / "payroll" / f"{MONTH}.phase"
    proc = subprocess.Popen(
        [EXE, "payroll", "run", "--month", MONTH, "--as", "ca"],
        env={**env, "SAFETYNET_PAYROLL_PAUSE": "3"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(1200):  # polls until the phase is reached (no timing asserted)
            if marker.exists() and marker.read_text() == phase:
                break
            if proc.poll() is not None:
                pytest.fail(f"the run ended before the phase {phase}")
            time.sleep(0.1)
        else:
            pytest.fail(f"phase {phase} never reached")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("phase", ["engine", "commit"])
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

    run_and_kill(env, phase, tmp_path)
    if phase == "commit":  # killed inside the write transaction: nothing was written
        assert not PaymentLine.objects.exists() and not Payroll.objects.exists()
    out = run(env)
    assert snapshot() == reference
    assert "total" in out.stdout
    # and once more: nothing changes
    out = run(env)
    assert snapshot() == reference
    assert "0 added, 0 removed, 0 changed" in out.stdout
