"""Units on the propose form and the command line (ADR 1433): money in yuan converted to fen
exactly (a third decimal refused), rates in per cent, multiples as numbers, the unit shown; the
CLI refuses a wrong unit, a float for money and a date before the value in force (exit 2)."""

import pytest
from django.utils import translation

from safetynet.policy.forms import ProposeForm
from safetynet.policy.models import ParameterChange
from tests.policy.test_cli import run

pytestmark = pytest.mark.django_db
URL = "/rules/parameters/changes/"


def form(name, value, effective="2021-01-01"):
    return {
        "name": name,
        "kind": "new_value",
        "effective": effective,
        "value": value,
        "reference_number": "厦民〔2020〕12号",
        "reference_date": "2020-05-20",
    }


@pytest.mark.parametrize(
    ("name", "typed", "stored"),
    [
        ("dibao.standard", "850.5", "850.50"),  # yuan → 85,050 fen, shown in yuan
        ("dibao.standard", "1,234元", "1234.00"),
        ("price_subsidy.cpi_threshold", "4", "0.04"),  # per cent
        ("price_subsidy.cpi_threshold", "4.5%", "0.045"),
        ("tekun.basic_living_multiplier", "1.6", "1.6"),  # a multiple, not a percentage
    ],
)
def test_the_screen_converts_units_exactly(client, users, name, typed, stored):
    client.force_login(users["city_admin"])
    assert client.post(URL, form(name, typed)).status_code == 302
    assert ParameterChange.objects.get().value == stored


@pytest.mark.parametrize("typed", ["850.123", "850.5.1", "abc", "-5"])
def test_the_screen_refuses_money_beyond_the_fen(client, users, typed):
    client.force_login(users["city_admin"])
    r = client.post(URL, form("dibao.standard", typed))
    assert r.status_code == 422 and not ParameterChange.objects.exists()


def test_the_unit_is_shown(client, users):
    client.force_login(users["city_admin"])
    page = client.get(URL).content.decode()
    assert 'list="parameter-names"' in page
    assert '<option value="price_subsidy.cpi_threshold">' in page
    assert ProposeForm.parameter_units()  # every parameter with its unit
    with translation.override("en"):
        units = {n: u for n, _zh, u in ProposeForm.parameter_units()}
    assert units["dibao.standard"] == "yuan"
    assert units["price_subsidy.cpi_threshold"] == "per cent (%)"
    assert units["tekun.basic_living_multiplier"] == "times"
    client.post(URL, form("price_subsidy.cpi_threshold", "4"))
    row = client.get(URL).content.decode().split('data-testid="proposed-changes"')[1]
    assert "4%" in row or "4.0%" in row


SET = ["rules", "parameters", "set"]


@pytest.mark.parametrize(
    ("name", "value", "frm", "reason"),
    [
        ("dibao.standard", "3.5%", "2021-01-01", "[wrong_unit]"),  # a rate for money
        ("dibao.standard", "850.001", "2021-01-01", "[wrong_unit]"),  # float beyond the fen
        ("dibao.standard", "8.5e2", "2021-01-01", "[wrong_unit]"),
        ("price_subsidy.cpi_threshold", "three", "2021-01-01", "[wrong_unit]"),
        ("price_subsidy.cpi_threshold", "3,5%", "2021-01-01", "[wrong_unit]"),
        ("dibao.standard", "850", "2019-06-30", "[before_value_in_force]"),
        ("dibao.standard", "850", "2019-07-01", "[before_value_in_force]"),
    ],
)
def test_cli_set_refuses_with_exit_2(users, capsys, name, value, frm, reason):
    args = [*SET, name, "--from", frm, "--value", value]
    code, _, err = run(capsys, *args, "--reference", "厦民〔2020〕12号 2020-05-20", "--as", "ca")
    assert code == 2 and reason in err, err
    assert not ParameterChange.objects.exists()


def test_cli_takes_a_rate_in_per_cent(users, capsys):
    args = [*SET, "price_subsidy.cpi_threshold", "--from", "2021-01-01", "--value", "4%"]
    code, _out, err = run(capsys, *args, "--reference", "厦民〔2020〕12号 2020-05-20", "--as", "ca")
    assert code == 0, err
    assert ParameterChange.objects.get().value == "0.04"
