"""The simulated hospitals (`safetynet hospitals setup|simulate`) against a live server: every
answer matches the contract (settle 201, replay 200 replayed, reversal 200, bad bill 400)."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.institutions.models import ApiKey, Institution
from safetynet.medical.models import AnnualRoom, Settlement
from safetynet.rules import load_parameters

pytestmark = pytest.mark.django_db(transaction=True)


def test_setup_then_simulate_without_errors(live_server, registry, users, tmp_path, capsys):
    plan = tmp_path / "plan.json"
    call_command("hospitals", "setup", "--hospitals", "2", "--patients", "10", "--year", "2019",
                 "--as", "ca", "--out", str(plan))  # fmt: skip
    data = json.loads(plan.read_text())
    # covered all through 2019: 张伟 (dibao), 王芳 (low-income until 2019-12-31), 陈杰 (tekun)
    assert sorted(data["patients"]) == sorted(
        p.id_number for p in (registry.zhang_wei, registry.wang_fang, registry.chen_jie)
    )
    assert Institution.objects.filter(kind="hospital").count() == 2
    assert ApiKey.objects.count() == 2
    load_parameters()  # the server thread shares this process's parsed parameters
    out = tmp_path / "summary.json"
    call_command("hospitals", "simulate", "--url", live_server.url, "--plan", str(plan),
                 "--concurrency", "3", "--duration", "8", "--bad-rate", "0.3",
                 "--out", str(out))  # fmt: skip
    summary = json.loads(out.read_text())
    assert summary["errors"] == 0, summary["first_errors"]
    assert summary["by_kind"]["settle"]["requests"] > 0
    assert set(summary["statuses"]) <= {"settle 201", "bad_bill 400", "replay 200", "reverse 200"}
    settled = Settlement.objects.filter(status="settled")
    for room in AnnualRoom.objects.all():
        used = sum(s.assistance_fen for s in settled.filter(room=room))
        assert room.assistance_used_fen == used


def test_simulate_refuses_a_bad_plan(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text('{"hospitals": [], "patients": []}')
    with pytest.raises(CommandError) as err:
        call_command("hospitals", "simulate", "--url", "http://127.0.0.1:9", "--plan", str(plan))
    assert err.value.returncode == 2
