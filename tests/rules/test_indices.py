"""Price indices and the price-subsidy trigger, without Django (ADR 1430). Amounts by hand:
the dibao standard is 800 yuan (80,000 fen) from 2019-07-01; thresholds CPI 3.5 %, food 6 %;
minimum 30 yuan."""

from fractions import Fraction

import pytest

from safetynet.rules.indices import (
    IndexEntry,
    IndexInputError,
    annual_rises,
    index_text,
    month_trigger,
    overlay_changes,
    parse_index,
    parse_month,
    percent_text,
    rise,
)
from safetynet.rules.overlay import OverlayError, apply_overlay
from safetynet.rules.parameters import load_shipped


def test_index_is_exact_hundredths():
    assert parse_index("102.8") == 10280
    assert parse_index("98.65") == 9865
    assert parse_index("100") == 10000
    assert parse_index(10540) == 10540
    assert rise(10280) == Fraction(7, 250)
    assert rise(9850) == Fraction(-3, 200)
    assert index_text(10280) == "102.80"
    assert percent_text(rise(10280)) == "2.80%"
    assert percent_text(rise(9850)) == "-1.50%"


@pytest.mark.parametrize(
    "raw,code",
    [
        (102.8, "float_value"),
        ("102.805", "wrong_unit"),
        ("2.8", "out_of_range"),  # the rise typed instead of the index
        ("abc", "wrong_unit"),
        ("", "required"),
        (None, "required"),
    ],
)
def test_bad_index_is_refused(raw, code):
    with pytest.raises(IndexInputError) as e:
        parse_index(raw)
    assert e.value.code == code and e.value.field == "value"


def test_month_forms():
    assert parse_month("2020-5") == "2020-05"
    assert parse_month("2020年5月") == "2020-05"
    assert parse_month("2020/05") == "2020-05"
    for bad in ("2020-13", "May 2020", "", "1999-01"):
        with pytest.raises(IndexInputError):
            parse_month(bad)


def test_trigger_hand_computed():
    params = load_shipped()
    # CPI 105.4: rise 5.4 % ≥ 3.5 % → 80,000 × 0.054 = 4,320 fen
    t = month_trigger(params, "2020-01", cpi=10540)
    assert t.triggered and t.cpi_triggers and not t.food_triggers
    assert t.rise == Fraction(54, 1000) and t.amount_fen == 4320
    # both trigger: the larger rise, food 12 % → 80,000 × 0.12 = 9,600 fen
    t = month_trigger(params, "2020-01", cpi=10540, food_cpi=11200)
    assert t.rise == Fraction(12, 100) and t.amount_fen == 9600
    # exactly at the CPI threshold: 80,000 × 0.035 = 2,800 < minimum 3,000
    t = month_trigger(params, "2020-01", cpi=10350)
    assert t.triggered and t.amount_fen == 3000
    # just below both thresholds
    t = month_trigger(params, "2020-01", cpi=10349, food_cpi=10599)
    assert not t.triggered and t.amount_fen == 0 and t.rise is None
    # a fall never triggers
    t = month_trigger(params, "2020-01", cpi=9500, food_cpi=9000)
    assert not t.triggered and t.cpi_rise == 0
    # nothing entered
    assert not month_trigger(params, "2020-01").triggered
    assert month_trigger(params, "2020-01", cpi=10540).as_dict()["rise"] == "5.40%"


def test_entries_overlay_the_series():
    base = load_shipped()
    entries = [
        IndexEntry("2020-06", "cpi", 10400, None, "统计局", 1),
        IndexEntry("2020-06", "food_cpi", 9800, None, "统计局", 2),
        IndexEntry("2020-12", "scpi", 10310, 10270, "统计局", 3),
        IndexEntry("2020-12", "food_cpi", 10500, 10620, "统计局", 4),
        IndexEntry("2020-11", "scpi", 10310, 10260, "统计局", 5),  # not December: no annual
    ]
    changes = overlay_changes(entries)
    assert {c.kind for c in changes} == {"index_entry"}
    params = apply_overlay(base, changes)
    assert params.get("price_indices.cpi_yoy").month("2020-06").value == Fraction(4, 100)
    assert params.get("price_indices.food_cpi_yoy").month("2020-06").value == 0  # a fall
    assert params.get("price_indices.cpi_yoy").month("2020-06").note == "index #1"
    import datetime as dt

    on = dt.date(2021, 1, 1)
    assert params.at("price_indices.scpi_annual_yoy", on).value == Fraction(27, 1000)
    assert params.at("price_indices.food_annual_yoy", on).value == Fraction(62, 1000)
    # the shipped series is untouched before
    assert params.at("price_indices.scpi_annual_yoy", dt.date(2020, 6, 1)) == base.at(
        "price_indices.scpi_annual_yoy", dt.date(2020, 6, 1)
    )
    assert annual_rises(entries, 2020) == {
        "scpi": Fraction(27, 1000),
        "food_cpi": Fraction(62, 1000),
    }


def test_index_entry_touches_only_price_indices():
    from safetynet.rules.overlay import Change

    bad = Change("dibao.standard", "2020-01-01", "900", "index_entry", "x", 9)
    with pytest.raises(OverlayError) as e:
        apply_overlay(load_shipped(), [bad])
    assert e.value.code == "unknown_parameter"
