"""Property tests (hypothesis): non-negative amounts, the dibao bound, alone == in a batch."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.rules.engine import run_batch
from safetynet.rules.parameters import load_parameters
from safetynet.rules.situation import calculate, situations_to_batch
from safetynet.rules.synthetic import synthetic_batch

DATES = st.dates(
    min_value=__import__("datetime").date(1905, 1, 1),
    max_value=__import__("datetime").date(2019, 12, 31),
)
MONTHS = st.sampled_from(
    ["2016-07", "2017-01", "2018-07", "2019-06", "2019-07", "2019-11", "2020-02"]
)


@st.composite
def persons(draw):
    birth = draw(DATES)
    p = {
        "birth_date": birth.isoformat(),
        "income": {
            "wage_fen": draw(st.integers(0, 600_000)),
            "pension_fen": draw(st.integers(0, 300_000)),
            "entitled_pension_fen": draw(st.integers(0, 200_000)),
        },
        "has_capable_supporter": draw(st.booleans()),
        "selfcare_failed_items": draw(st.integers(0, 6)),
        "entitled_kind": draw(st.sampled_from([None, "veteran", "disabled_serviceman"])),
        "tekun_support_form": draw(st.sampled_from([None, "concentrated", "dispersed"])),
        "hukou_division": draw(st.sampled_from(["350203001001", "110105001001"])),
    }
    if draw(st.booleans()):
        p["disability"] = {
            "grade": draw(st.integers(1, 4)),
            "kind": draw(st.sampled_from(["physical", "mental", "visual"])),
        }
    if draw(st.integers(0, 4)) == 0:
        p["death_date"] = draw(
            st.dates(min_value=birth, max_value=__import__("datetime").date(2020, 12, 31))
        ).isoformat()
    if draw(st.integers(0, 3)) == 0:
        cat = draw(st.sampled_from(["dibao", "tekun", "five_elders", "silicosis", "retired_40pct"]))
        p["enrolments"] = [
            {
                "category": cat,
                "start_date": draw(
                    st.dates(min_value=birth, max_value=__import__("datetime").date(2020, 1, 1))
                ).isoformat(),
            }
        ]
    return p


@st.composite
def situations(draw):
    s = {
        "household": {
            "division_code": "350212101201",
            "is_rural": draw(st.booleans()),
            "financial_assets_fen": draw(st.integers(0, 10_000_000)),
            "vehicles": draw(st.integers(0, 1)),
            "medical_oop_12m_fen": draw(st.integers(0, 5_000_000)),
        },
        "persons": draw(st.lists(persons(), min_size=1, max_size=6)),
    }
    if draw(st.booleans()):
        s["requests"] = {
            "temporary_assistance": {
                "kind": draw(st.sampled_from(["emergency", "expenditure"])),
                "requested_fen": draw(st.integers(0, 2_000_000)),
            },
            "disaster_housing": {
                "kind": draw(st.sampled_from(["new_build", "repair"])),
                "cost_fen": draw(st.integers(0, 9_000_000)),
            },
        }
    return s


@settings(max_examples=150, deadline=None)
@given(situations(), MONTHS)
def test_amounts_never_negative_and_dibao_bounded(s, month):
    out = calculate(s, month)
    for name, r in out["programs"].items():
        assert r["amount_fen"] >= 0, name
        f = r["funding"]
        assert f["city_fen"] + f["district_fen"] + f["street_fen"] == r["amount_fen"], name
        assert min(f.values()) >= 0, name
        for p in r.get("persons", []):
            assert p["amount_fen"] >= 0
            assert p["eligible"] or p["amount_fen"] == 0
    std = (
        load_parameters()
        .at("dibao.standard", __import__("datetime").date.fromisoformat(month + "-01"))
        .value
    )
    members = situations_to_batch([s], month).members[0]
    assert out["programs"]["dibao"]["amount_fen"] <= std * members


BIG = {}


def _big(month):
    if month not in BIG:
        BIG[month] = synthetic_batch(1_000_000, month, seed=11)
    return BIG[month]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations(), st.sampled_from(["2019-07", "2019-11"]), st.integers(0, 999))
def test_alone_equals_inside_a_million(s, month, pos):
    """One household computed alone equals the same household inside a batch of a million
    persons (its columns spliced into a synthetic city at a random position)."""
    alone = situations_to_batch([s], month)
    big = _big(month)
    h_at = int(pos * big.n_households // 1000)
    cut = int(big.bounds[h_at])
    p = {}
    for k, v in big.p.items():
        add = alone.p[k].copy()
        if k == "household_id":
            add[:] = big.h["household_id"][h_at] * 2 + 1  # unique odd id, placed in order below
        p[k] = np.concatenate([v[:cut], add, v[cut:]])
    h = {}
    for k, v in big.h.items():
        add = alone.h[k].copy()
        if k == "household_id":
            add[:] = big.h["household_id"][h_at] * 2 + 1
        h[k] = np.concatenate([v[:h_at], add, v[h_at:]])
    # keep ids sorted: renumber big households as 2 × id
    p["household_id"] = np.where(
        np.arange(len(p["household_id"])) - cut < alone.n_persons,
        p["household_id"],
        p["household_id"] * 2,
    )
    p["household_id"][cut : cut + alone.n_persons] = big.h["household_id"][h_at] * 2 - 1
    h["household_id"] = np.where(
        np.arange(len(h["household_id"])) == h_at,
        big.h["household_id"][h_at] * 2 - 1,
        h["household_id"] * 2,
    )
    from safetynet.rules.batch import Batch

    hh = np.concatenate([big.hh[:cut], np.full(alone.n_persons, h_at), big.hh[cut:] + 1])
    batch = Batch(big.ym, p, h, hh)
    r_alone = run_batch(alone)
    r_big = run_batch(batch)
    for name in r_alone:
        for f in ("eligible", "amount", "city", "district", "street", "reason"):
            assert getattr(r_alone[name], f)[0] == getattr(r_big[name], f)[h_at], (name, f)
        if r_alone[name].level == "person":
            sl = slice(cut, cut + alone.n_persons)
            assert np.array_equal(r_alone[name].p_amount, r_big[name].p_amount[sl]), name
