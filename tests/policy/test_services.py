"""Parameter changes through the services: maker-checker, validation, audit trail, and the
engine computing with the approved overlay (ADR 1400). Household: one adult (born 1970) with a
300-yuan wage; dibao = standard - income, 800 yuan from 2019-07-01."""

import datetime as dt

import pytest

from safetynet.accounts.models import Role
from safetynet.core.errors import ServiceError
from safetynet.policy import selectors
from safetynet.policy.models import ChangeStatus, ParameterChange, ParameterChangeEvent
from safetynet.policy.services import approve_change, propose_change, reject_change
from safetynet.rules import calculate, load_parameters
from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db

HOUSEHOLD = {
    "household": {"division_code": "350203001001"},
    "persons": [{"birth_date": "1970-01-01", "income": {"wage_fen": 30000}}],
    "programs": ["dibao"],
}
RAISE = {
    "name": "dibao.standard",
    "kind": "new_value",
    "effective": "2020-07-01",
    "value": "850",
    "reference_number": "厦民〔2020〕12号",
    "reference_date": "2020-05-20",
}


def dibao(month: str) -> int:
    return calculate(HOUSEHOLD, month)["programs"]["dibao"]["amount_fen"]


@pytest.fixture
def officers(users):
    return {**users, "city_admin_2": make_user("ca2", Role.CITY_ADMIN, "350200")}


def test_a_change_takes_effect_only_once_another_city_officer_approves(officers):
    maker, checker = officers["city_admin"], officers["city_admin_2"]
    change = propose_change(maker, **RAISE)
    assert (change.status, change.value, change.effective) == ("proposed", "850.00", "2020-07-01")
    assert dibao("2020-07") == 50000  # proposed only: 800 - 300
    with pytest.raises(ServiceError) as e:
        approve_change(maker, change.pk)
    assert e.value.code == "maker_checker"
    approve_change(checker, change.pk, note="局务会 2020-06-01")
    # the approved standard applies from 2020-07 and leaves earlier months untouched
    assert dibao("2020-06") == 50000
    assert dibao("2020-07") == 55000  # 850 - 300
    v = load_parameters().at("dibao.standard", dt.date(2020, 7, 1))
    assert (v.value, v.reference) == (85000, "厦民〔2020〕12号 (2020-05-20)")
    trail = list(selectors.change_events(change).values_list("kind", "actor__username"))
    assert trail == [("proposed", "ca"), ("approved", "ca2")]
    with pytest.raises(ServiceError) as e:
        approve_change(checker, change.pk)
    assert e.value.code == "already_decided"


@pytest.mark.parametrize("role", ["street_officer", "district_approver", "auditor"])
def test_only_the_city_proposes_and_approves(officers, role):
    with pytest.raises(ServiceError) as e:
        propose_change(officers[role], **RAISE)
    assert e.value.code == "not_permitted"
    change = propose_change(officers["city_admin"], **RAISE)
    with pytest.raises(ServiceError) as e:
        approve_change(officers[role], change.pk)
    assert e.value.code == "not_permitted"
    assert ParameterChange.objects.get().status == ChangeStatus.PROPOSED


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"name": "dibao.standrd"}, "name", "unknown_parameter"),
        ({"value": 850.0}, "value", "float_money"),
        ({"value": "850.001"}, "value", "wrong_unit"),
        ({"effective": "2019-01-01"}, "from", "before_value_in_force"),
        (
            {"kind": "confirmation", "effective": "2019-07-01", "value": ""},
            "from",
            "not_to_confirm",
        ),
        ({"reference_number": " "}, "reference", "required"),
        ({"reference_date": "2099-01-01"}, "reference_date", "future_document"),
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(officers, kw, field, code):
    with pytest.raises(ServiceError) as e:
        propose_change(officers["city_admin"], **{**RAISE, **kw})
    assert (e.value.problems[0].field, e.value.code) == (field, code)
    assert not ParameterChange.objects.exists() and not ParameterChangeEvent.objects.exists()


def test_approval_checks_again_against_the_tree_approved_since(officers):
    maker, checker = officers["city_admin"], officers["city_admin_2"]
    first = propose_change(maker, **RAISE)
    second = propose_change(maker, **{**RAISE, "value": "860"})
    approve_change(checker, first.pk)
    with pytest.raises(ServiceError) as e:
        approve_change(checker, second.pk)
    assert e.value.code == "before_value_in_force"
    assert ParameterChange.objects.get(pk=second.pk).status == ChangeStatus.PROPOSED


def test_rejection_needs_a_reason_and_changes_nothing(officers):
    change = propose_change(officers["city_admin"], **RAISE)
    with pytest.raises(ServiceError) as e:
        reject_change(officers["city_admin_2"], change.pk, "")
    assert e.value.code == "required"
    reject_change(officers["city_admin_2"], change.pk, "标准低于调整下限")
    assert dibao("2020-07") == 50000
    assert [e.kind for e in selectors.change_events(change)] == ["proposed", "rejected"]


def test_confirmation_marks_the_value_published(officers):
    change = propose_change(
        officers["city_admin"],
        **{
            **RAISE,
            "name": "casework.gradual_exit_months",
            "kind": "confirmation",
            "effective": "2021-07-01",
            "value": None,
        },
    )
    assert load_parameters().at("casework.gradual_exit_months", dt.date(2022, 1, 1)).status == (
        "default-to-confirm"
    )
    approve_change(officers["city_admin_2"], change.pk)
    v = load_parameters().at("casework.gradual_exit_months", dt.date(2022, 1, 1))
    assert (v.value, v.status) == (6, "published")
