"""`safetynet plan snapshot|tasks`: output, bad input with exit 2 naming the field."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.plan.models import PlanTask, Snapshot

pytestmark = pytest.mark.django_db


def test_snapshot_and_tasks_commands(registry, users, clock, capsys):
    call_command("plan", "tasks", "--as", "ca")
    assert "created" in capsys.readouterr().out
    assert PlanTask.objects.filter(code="二㈡2").exists()
    call_command("plan", "snapshot", "--month", "2019-05")  # the monthly job, no --as
    out = capsys.readouterr().out
    assert out.startswith("snapshot\t2019-05\t")
    assert Snapshot.objects.filter(month="2019-05", division_code="350200").count() == 7


@pytest.mark.parametrize(
    "args, text",
    [
        (["snapshot", "--month", "2019-5"], "plan_month_invalid"),
        (["snapshot", "--month", "2030-01"], "plan_month_invalid"),
        (["snapshot", "--month", "2019-05", "--as", "nobody"], "--as"),
        (["snapshot", "--month", "2019-05", "--as", "da"], "not_permitted"),
        (["tasks", "--as", "so"], "not_permitted"),
    ],
)
def test_bad_input_exits_2(registry, users, clock, args, text):
    with pytest.raises(CommandError) as info:
        call_command("plan", *args)
    assert info.value.returncode == 2
    assert text in str(info.value)
    assert not Snapshot.objects.exists()
