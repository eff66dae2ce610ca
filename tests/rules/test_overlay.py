"""Approved parameter changes as an overlay on the shipped tree (ADR 1400), without Django.

Household of the dibao scenarios: one adult (born 1970) with a 300-yuan wage. Dibao is the
standard minus the counted income (差额救助): 720 yuan to 2019-06, 800 from 2019-07-01.
"""

import datetime as dt
from fractions import Fraction

import pytest

from safetynet.rules import calculate, load_parameters
from safetynet.rules.overlay import (
    Change,
    OverlayError,
    apply_overlay,
    check_change,
    effective_parameters,
    set_overlay_source,
)
from safetynet.rules.parameters import load_shipped

HOUSEHOLD = {
    "household": {"division_code": "350203001001"},
    "persons": [{"birth_date": "1970-01-01", "income": {"wage_fen": 30000}}],
    "programs": ["dibao"],
}
T1 = dt.datetime(2020, 6, 1, 9, tzinfo=dt.UTC)
T2 = dt.datetime(2020, 6, 2, 9, tzinfo=dt.UTC)
REF = "厦民〔2020〕12号 2020-05-20"


def dibao(month: str, params=None) -> int:
    return calculate(HOUSEHOLD, month, params=params)["programs"]["dibao"]["amount_fen"]


def change(**kw) -> Change:
    base = {
        "name": "dibao.standard",
        "effective": "2020-07-01",
        "value": "850",
        "kind": "new_value",
    }
    return Change(**{**base, "reference": REF, "id": 1, "approved_at": T1, **kw})


def test_a_future_standard_leaves_past_months_untouched():
    params = apply_overlay(load_shipped(), [change()])
    # 800 - 300 = 500 yuan before the change, 850 - 300 = 550 yuan from 2020-07
    assert dibao("2019-07", params) == 50000
    assert dibao("2020-06", params) == 50000
    assert dibao("2020-07", params) == 55000
    assert dibao("2021-01", params) == 55000
    # the shipped tree itself is unchanged
    assert dibao("2020-07", load_shipped()) == 50000
    v = params.at("dibao.standard", dt.date(2020, 7, 1))
    assert (v.value, v.reference, v.status) == (85000, REF, "published")


def test_a_correction_replaces_the_value_from_its_date():
    fix = change(effective="2019-07-01", value="810.00", kind="correction")
    params = apply_overlay(load_shipped(), [fix])
    assert dibao("2019-06", params) == 42000  # 720 - 300, before the corrected value
    assert dibao("2019-07", params) == 51000  # 810 - 300
    assert dibao("2020-07", params) == 51000
    # a correction from a date between two values starts a new period there
    mid = apply_overlay(load_shipped(), [change(effective="2018-01-01", kind="correction")])
    assert dibao("2017-12", mid) == 42000
    assert dibao("2018-01", mid) == 55000  # 850 - 300
    assert dibao("2019-07", mid) == 50000  # the 2019-07-01 value still follows


def test_the_tree_as_known_on_a_date_is_reproducible():
    first = change()
    second = change(id=2, effective="2021-07-01", value=90000, approved_at=T2)
    changes = [second, first]  # order of the list does not matter, approval order does
    assert dibao("2021-07", apply_overlay(load_shipped(), changes)) == 60000  # 900 - 300
    before_second = apply_overlay(load_shipped(), changes, known_on=T1)
    assert dibao("2021-07", before_second) == 55000
    assert dibao("2021-07", apply_overlay(load_shipped(), changes, known_on=T1 - dt.timedelta(1)))
    assert (
        apply_overlay(load_shipped(), changes, known_on=T1 - dt.timedelta(1))
        .at("dibao.standard", dt.date(2021, 7, 1))
        .value
        == 80000
    )


def test_confirmation_of_a_to_confirm_value():
    params = apply_overlay(
        load_shipped(),
        [
            change(
                name="casework.gradual_exit_months",
                effective="2021-07-01",
                value=None,
                kind="confirmation",
            )
        ],
    )
    v = params.at("casework.gradual_exit_months", dt.date(2022, 1, 1))
    assert (v.value, v.status, v.reference) == (6, "published", REF)


@pytest.mark.parametrize(
    ("kw", "field", "code"),
    [
        ({"name": "dibao.standrd"}, "name", "unknown_parameter"),
        ({"value": 850.0}, "value", "float_money"),
        ({"value": "850.005"}, "value", "wrong_unit"),
        ({"value": "8.5e2"}, "value", "wrong_unit"),
        ({"value": "-5"}, "value", "wrong_unit"),
        ({"value": "abc"}, "value", "wrong_unit"),
        ({"effective": "2019-07-01"}, "from", "before_value_in_force"),
        ({"effective": "2018-01-01"}, "from", "before_value_in_force"),
        ({"effective": "2020-13-01"}, "from", "bad_date"),
        ({"kind": "correction"}, "from", "correction_after_latest"),
        ({"kind": "confirmation", "effective": "2019-07-01"}, "from", "not_to_confirm"),
        ({"kind": "confirmation", "effective": "2019-08-01"}, "from", "nothing_to_confirm"),
        ({"reference": " "}, "reference", "required"),
        ({"kind": "raise"}, "kind", "invalid"),
        (
            {"name": "dibao.funding", "value": '{"city": "0.5", "district": "0.6"}'},
            "value",
            "wrong_unit",
        ),
        ({"name": "casework.gradual_exit_months", "value": "6.5"}, "value", "wrong_unit"),
    ],
)
def test_bad_changes_are_refused_with_the_field(kw, field, code):
    with pytest.raises(OverlayError) as e:
        check_change(load_shipped(), change(**kw))
    assert (e.value.field, e.value.code) == (field, code), str(e.value)


def test_a_confirmation_does_not_change_the_value():
    c = change(
        name="casework.gradual_exit_months", effective="2021-07-01", value="7", kind="confirmation"
    )
    with pytest.raises(OverlayError, match="keeps the value"):
        check_change(load_shipped(), c)


def test_units_convert_exactly():
    p = load_shipped()
    assert check_change(p, change(value="1,234.5元")).value == 123450
    assert check_change(p, change(value=85001)).value == 85001
    ratio = change(name="dibao.funding", value='{"city": "0.6", "district": "0.4"}')
    if p.get("dibao.funding").keys[-1] < "2020-07-01":
        assert check_change(p, ratio).value == {"city": Fraction(3, 5), "district": Fraction(2, 5)}


def test_load_parameters_uses_the_registered_source():
    assert load_parameters() is load_shipped()
    set_overlay_source(lambda: (change(),))
    try:
        assert dibao("2020-07") == 55000  # the engine asks load_parameters
        assert effective_parameters() is load_parameters()  # cached per set of changes
    finally:
        set_overlay_source(None)
    assert dibao("2020-07") == 50000


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("dibao.standard", "850.5"),
        ("dibao.standard", 85001),
        ("dibao.funding", '{"city": "0.6", "district": "0.4"}'),
        ("casework.gradual_exit_months", "6"),
    ],
)
def test_canonical_text_reads_back_to_the_same_value(name, raw):
    from safetynet.rules.overlay import canonical_text, parse_value

    p = load_shipped().get(name)
    value = parse_value(p, raw)
    assert parse_value(p, canonical_text(p, value)) == value
