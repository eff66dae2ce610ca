"""`safetynet rules parameters set|approve|reject|list` through the real command (ADR 1400)."""

from unittest import mock

import pytest

from safetynet.accounts.models import Role
from safetynet.cli import main
from safetynet.policy.models import ParameterChange
from safetynet.rules import calculate
from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db

HOUSEHOLD = {
    "household": {"division_code": "350203001001"},
    "persons": [{"birth_date": "1970-01-01", "income": {"wage_fen": 30000}}],
    "programs": ["dibao"],
}
SET = [
    "rules",
    "parameters",
    "set",
    "dibao.standard",
    "--from",
    "2020-07-01",
    "--value",
    "850",
    "--reference",
    "厦民〔2020〕12号 2020-05-20",
    "--as",
    "ca",
]


def run(capsys, *args) -> tuple[int, str, str]:
    # Django is set up already: a second django.setup() would reconfigure logging onto
    # capsys's stream, which pytest closes after the test (later tests' logging then fails).
    with pytest.raises(SystemExit) as e, mock.patch("django.setup"):
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.fixture
def officers(users):
    return {**users, "city_admin_2": make_user("ca2", Role.CITY_ADMIN, "350200")}


def test_set_then_approve_by_another_officer(officers, capsys):
    code, out, err = run(capsys, *SET)
    assert code == 0, err
    change = ParameterChange.objects.get()
    assert f"change #{change.pk} proposed: dibao.standard = 850.00 from 2020-07-01" in out
    assert change.reference_number == "厦民〔2020〕12号"
    assert str(change.reference_date) == "2020-05-20"
    code, out, err = run(capsys, "rules", "parameters", "approve", str(change.pk), "--as", "ca")
    assert code == 2 and "[maker_checker]" in err
    code, out, err = run(capsys, "rules", "parameters", "approve", str(change.pk), "--as", "ca2")
    assert code == 0, err
    assert "approved" in out
    result = calculate(HOUSEHOLD, "2020-07")["programs"]["dibao"]
    assert result["amount_fen"] == 55000  # 850 - 300 yuan
    assert calculate(HOUSEHOLD, "2020-06")["programs"]["dibao"]["amount_fen"] == 50000
    code, out, _ = run(capsys, "rules", "parameters", "list", "--status", "approved")
    assert code == 0 and "dibao.standard" in out and "ca2" in out


def _with(args: list[str], flag: str, value: str | None) -> list[str]:
    i = args.index(flag)
    return [*args[:i], *args[i + 2 :]] if value is None else [*args[: i + 1], value, *args[i + 2 :]]


@pytest.mark.parametrize(
    ("flag", "value", "reason"),
    [
        ("dibao.standard", "dibao.standrd", "unknown parameter 'dibao.standrd' (field name)"),
        ("--value", "850.123", "at most two decimals (e.g. 850 or 850.50) (field value)"),
        ("--value", "1e3", "at most two decimals (e.g. 850 or 850.50) (field value)"),
        ("--from", "2019-01-01", "[before_value_in_force]"),
        ("--from", "2020-02-30", "is not a date YYYY-MM-DD (field from)"),
        ("--reference", "厦民〔2020〕12号", "give the document's date"),
        ("--as", "nobody", "--as: no active user 'nobody'"),
        ("--as", "so", "[not_permitted]"),
        ("--from", None, "the following arguments are required: --from"),
    ],
)
def test_bad_input_exits_2_with_the_reason(officers, capsys, flag, value, reason):
    if flag == "dibao.standard":
        args = [value if a == flag else a for a in SET]
    else:
        args = _with(SET, flag, value)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert reason in err, err
    assert not ParameterChange.objects.exists()


def test_approve_an_unknown_change_exits_2(officers, capsys):
    code, _, err = run(capsys, "rules", "parameters", "approve", "999", "--as", "ca2")
    assert code == 2 and "[not_found]" in err
