"""`safetynet payroll run|show`: the summary printed, and exit 2 naming the field on bad input."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.payments.models import Payroll
from tests.helpers.payments import build_pay_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(divisions, users):
    return build_pay_city()


def payroll(*args) -> str:
    out = io.StringIO()
    call_command("payroll", *args, stdout=out)
    return out.getvalue()


def test_run_prints_lines_and_totals_per_program_then_the_changes(city):
    out = payroll("run", "--month", "2019-08", "--as", "ca")
    assert "payroll 2019-08" in out
    assert "dibao" in out and "130,000" in out and "1,300.00" in out
    assert "age_allowance" in out and "30,000" in out
    assert "total" in out and "289,000" in out  # 1,300 + 1,290 + 3 × 100 yuan
    assert "held (no bank account): 1 line(s)" in out
    assert "first run of this month" in out
    again = payroll("run", "--month", "2019-08", "--as", "ca")
    assert "changes since the previous draft: 0 added, 0 removed, 0 changed" in again


def test_show_prints_the_payroll_by_month_or_id(city):
    payroll("run", "--month", "2019-08", "--as", "ca")
    p = Payroll.objects.get()
    by_month = payroll("show", "--month", "2019-08", "--as", "ca")
    assert f"payroll 2019-08 (id {p.pk}) status draft" in by_month
    assert "run draft→draft" in by_month
    assert by_month == payroll("show", str(p.pk), "--as", "ca")
    # a street officer sees the lines of its street only
    street = payroll("show", str(p.pk), "--as", "so")
    assert "age_allowance" in street and "350206" not in street


@pytest.mark.parametrize(
    "args, field",
    [
        (["run", "--month", "2019-13", "--as", "ca"], "month"),
        (["run", "--month", "2019-08", "--as", "nobody"], "--as"),
        (["run", "--month", "2019-08", "--as", "ca", "--engine", "excel"], "engine"),
        (["run", "--month", "2019-08", "--as", "au"], "not_permitted"),
        (["show", "--as", "ca"], "id"),
        (["show", "x1", "--as", "ca"], "id"),
        (["show", "999", "--as", "ca"], "not_found"),
    ],
)
def test_bad_input_exits_2_naming_the_field(city, args, field):
    with pytest.raises(CommandError) as exc:
        payroll(*args)
    assert exc.value.returncode == 2
    assert field in str(exc.value)
    assert not Payroll.objects.exists()
