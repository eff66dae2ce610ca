"""`safetynet emergency`: a device registered from the command line (its key printed once), a
refusal exits 2 naming the input, the open emergencies listed with the overdue ones marked."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.eldercare.emergency import services
from safetynet.eldercare.emergency.models import AlarmDevice

pytestmark = pytest.mark.django_db


def test_register_list_and_refusals(registry, users, capsys, clock):
    call_command(
        "emergency", "device-register", "--person", registry.zhang_wei.id_number,
        "--device-id", "YJT-0009", "--as", "cw",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("YJT-0009\t张伟\tsndev_YJT-0009_")
    assert AlarmDevice.objects.get().device_id == "YJT-0009"
    with pytest.raises(CommandError) as exc:
        call_command(
            "emergency", "device-register", "--person", registry.chen_jie.id_number,
            "--device-id", "YJT-0010", "--as", "cw",
        )  # fmt: skip
    assert exc.value.returncode == 2 and "--person" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("emergency", "device-deactivate", "NOPE", "--as", "cw")
    assert exc.value.returncode == 2 and "DEVICE_ID" in str(exc.value)
    services.emergency_open_by_phone(
        actor=users["community_worker"], person_id=registry.zhang_wei.pk
    )
    clock.move(minutes=16)
    call_command("emergency", "open", "--as", "so")
    out = capsys.readouterr().out
    assert "张伟" in out and "OVERDUE" in out and out.strip().endswith("open 1, overdue 1")
