"""`safetynet eldercare demo|credit|statements`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.eldercare.models import Provider, ServiceCard, ServiceOrder

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("eldercare", *args, stdout=out)
    return out.getvalue()


def test_demo_sets_up_providers_cards_and_orders_once(registry):
    call_command("demo_users", stdout=io.StringIO())
    out = run("demo")
    assert "demo-provider" in out
    assert Provider.objects.count() == 3
    assert set(Provider.objects.values_list("status", flat=True)) == {"approved", "applied"}
    # 张伟 (dibao, 中华) and 陈杰 (tekun, 湖里) are the registry's covered elderly
    assert ServiceCard.objects.count() == 2
    assert ServiceOrder.objects.count() == 2
    assert ServiceOrder.objects.filter(status="visited", rating__isnull=False).exists()
    assert run("demo") == "eldercare demo: already set up\n"


def test_credit_and_statements_refuse_bad_input_with_exit_2(users, registry):
    with pytest.raises(CommandError) as err:
        run("credit", "--month", "2026-13", "--as", "ca")
    assert err.value.returncode == 2 and "month" in str(err.value)
    with pytest.raises(CommandError) as err:
        run("statements", "--month", "2026-12", "--as", "so")
    assert err.value.returncode == 2 and "not_permitted" in str(err.value)
    assert "1 persons, 20000 fen" in run("credit", "--month", "2026-12", "--as", "ca")
