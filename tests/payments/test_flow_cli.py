"""`safetynet payroll check|approve|send-back|close ID --as USER`: the services' answers, exit 2
naming the field or the code on bad input or a refusal."""

import io

import pytest
from django.core.management import CommandError, call_command

from safetynet.accounts.models import Role
from safetynet.payments.models import Payroll
from tests.helpers.city import make_user
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("payroll", *args, stdout=out)
    return out.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == 2
    return str(exc.value)


@pytest.fixture
def payroll(registry, users):
    p = make_payroll("2024-05", prepared_by=users["city_admin"])
    add_line(p, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    add_line(p, person=registry.zhang_wei, program="five_elders", amount_fen=50000)
    return p


def test_check_then_approve_each_scope(payroll, users):
    make_user("fin", Role.CITY_FINANCE, "350200")
    make_user("ca2", Role.CITY_ADMIN, "350200")
    assert "[payroll_checker_is_preparer]" in refused("check", str(payroll.pk), "--as", "ca")
    out = run("check", str(payroll.pk), "--as", "fin")
    assert "350203\t1\t60000" in out and "city\t1\t50000" in out
    out = run("approve", str(payroll.pk), "--as", "da")
    assert "350203 approved (1 lines, 60000 fen); payroll checked" in out
    assert "[payroll_scope_approved]" not in out
    assert "[payroll_scope_already_approved]" in refused("approve", str(payroll.pk), "--as", "da")
    out = run("approve", str(payroll.pk), "--as", "ca2", "--budget-override")
    assert "payroll approved" in out
    assert Payroll.objects.get(pk=payroll.pk).status == "approved"


def test_bad_input_names_the_field(payroll, users):
    assert "ID:" in refused("check", "abc", "--as", "fin")
    assert "--as: no active user 'nobody'" in refused("check", str(payroll.pk), "--as", "nobody")
    assert "[not_permitted]" in refused("check", str(payroll.pk), "--as", "au")
    assert "[not_found]" in refused("check", "999999", "--as", "ca")
    make_user("fin", Role.CITY_FINANCE, "350200")
    run("check", str(payroll.pk), "--as", "fin")
    assert "scope: [payroll_scope_invalid]" in refused(
        "approve", str(payroll.pk), "--as", "da", "--scope", "abc"
    )
    assert "reason: [payroll_reason_required]" in refused(
        "send-back", str(payroll.pk), "--as", "fin", "--reason", " "
    )
