"""The what-if on the whole city (ADR 1410): hand-computed results on a three-household city,
the same aggregates on every engine, and the floor check of ㈠2.

The city (benefit month 2020-07, the dibao standard 800 yuan, financial assets ≤ 48 months of
it per member; dibao split city 50 % / district 50 %):

- H1 (思明 350203): one adult earning 820 yuan — above 800, below the proposed 850: GAINS
  850 − 820 = 30 yuan;
- H2 (思明): two adults earning 300 + 200 yuan — (800 × 2 − 500) = 1,100 yuan, with 850:
  (850 × 2 − 500) = 1,200: CHANGES by +100 yuan;
- H3 (湖里 350206): one adult with no income and 24,000 yuan of savings — within 48 × 800 =
  38,400, but not within the proposed 24 × 850 = 20,400: LOSES its 800 yuan.

The proposal: dibao.standard 850 yuan and dibao.financial_assets_months 24, both from 2020-07-01.
"""

import datetime as dt
from fractions import Fraction

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safetynet.rules.overlay import Change
from safetynet.rules.whatif import (
    WhatIfError,
    adhoc_change,
    bucket_labels,
    comparable,
    default_month,
    run_whatif,
    tree,
)
from safetynet.simulated.generator import generate

MONTH = "2020-07"


def _city(path):
    born = dt.date(1970, 1, 1)
    persons = pa.table(
        {
            "person_id": [11, 21, 22, 31],
            "household_id": [1, 2, 2, 3],
            "birth_date": pa.array([born] * 4, pa.date32()),
            "hukou_division": ["350203001001", "350203001001", "350203001001", "350206001001"],
            "income_wage_fen": [82000, 30000, 20000, 0],
            "disability_grade": pa.array([0] * 4, pa.int8()),
            "disability_kind": pa.array([None] * 4, pa.string()),
            "death_date": pa.array([None] * 4, pa.date32()),
            "selfcare_failed_items": pa.array([0] * 4, pa.int8()),
            "has_capable_supporter": [True] * 4,
            "entitled_kind": pa.array([None] * 4, pa.string()),
            "tekun_support_form": pa.array([None] * 4, pa.string()),
        }
    )
    households = pa.table(
        {
            "household_id": [1, 2, 3],
            "division_code": ["350203001001", "350203001001", "350206001001"],
            "declared_financial_assets_fen": [0, 0, 2_400_000],
            "is_rural": [False] * 3,
            "declared_vehicles": pa.array([0] * 3, pa.int8()),
            "declared_homes": pa.array([1] * 3, pa.int8()),
            "declared_businesses": pa.array([0] * 3, pa.int8()),
            "medical_oop_12m_fen": [0] * 3,
        }
    )
    enrolments = pa.table(
        {
            "person_id": pa.array([], pa.int64()),
            "household_id": pa.array([], pa.int64()),
            "category": pa.array([], pa.string()),
            "start_date": pa.array([], pa.date32()),
            "end_date": pa.array([], pa.date32()),
        }
    )
    path.mkdir(parents=True, exist_ok=True)
    pq.write_table(persons, path / "persons.parquet")
    pq.write_table(households, path / "households.parquet")
    pq.write_table(enrolments, path / "enrolments.parquet")
    return path


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return _city(tmp_path_factory.mktemp("whatif-city"))


def _proposal():
    base = tree(())
    return [
        adhoc_change(base, "dibao.standard", "850", "2020-07-01"),
        adhoc_change(base, "dibao.financial_assets_months", "24", "2020-07-01", 1),
    ]


@pytest.fixture(scope="module")
def result(city):
    return run_whatif(city, _proposal(), programs=["dibao"]).as_dict()


def test_gainer_loser_and_changer_hand_computed(result):
    d = result["programs"]["dibao"]
    assert result["month"] == MONTH
    assert (result["persons"], result["households"]) == (4, 3)
    assert (d["base_households"], d["new_households"]) == (2, 2)  # H2, H3 → H1, H2
    assert (d["gain_households"], d["lose_households"]) == (1, 1)
    assert (d["up_households"], d["down_households"]) == (1, 0)
    assert (d["gain_persons"], d["lose_persons"], d["up_persons"]) == (1, 1, 2)
    assert (d["base_persons"], d["new_persons"]) == (3, 3)
    assert d["base_fen"] == 110_000 + 80_000
    assert d["new_fen"] == 3_000 + 120_000
    assert d["change_fen"] == -67_000
    assert d["change_yearly_fen"] == -67_000 * 12
    # tekun (a dependency of dibao) entitles no one here
    assert result["programs"]["tekun"]["base_households"] == 0


def test_cost_split_by_level_and_district_hand_computed(result):
    d = result["programs"]["dibao"]
    assert (d["base_city_fen"], d["base_district_fen"], d["base_street_fen"]) == (95_000, 95_000, 0)
    assert (d["new_city_fen"], d["new_district_fen"], d["new_street_fen"]) == (61_500, 61_500, 0)
    assert (d["change_city_fen"], d["change_district_fen"]) == (-33_500, -33_500)
    siming, huli = result["districts"]["dibao"]["350203"], result["districts"]["dibao"]["350206"]
    assert (siming["base_fen"], siming["new_fen"], siming["change_fen"]) == (
        110_000,
        123_000,
        13_000,
    )
    assert (siming["gain_households"], siming["up_households"]) == (1, 1)
    assert (huli["base_fen"], huli["new_fen"], huli["lose_households"]) == (80_000, 0, 1)
    assert huli["change_city_yearly_fen"] == -40_000 * 12
    assert result["totals"]["change_fen"] == -67_000


def test_distribution_of_the_change(result):
    counts = result["histogram"]["counts"]["dibao"]
    labels = bucket_labels()
    got = {labels[i]: c for i, c in enumerate(counts) if c}
    assert got == {"(10, 50]": 1, "(50, 100]": 1, "< -500": 1}  # +30, +100, −800 yuan
    assert result["histogram"]["counts"]["*"] == counts


def test_floor_check_flags_a_standard_below_the_floor(result):
    fc = result["floor_check"]
    # current 800 × (1 + max(SCPI 4.9 %, food 9.2 %)) = 873.60 > 850
    assert (fc["current_fen"], fc["proposed_fen"], fc["floor_fen"]) == (80_000, 85_000, 87_360)
    assert fc["below_floor"] is True and fc["indices_from"] == "parameters"


def test_floor_check_with_the_bureaus_index_rises(city):
    indices = {"scpi_rise": Fraction("0.03"), "food_rise": Fraction("0.05")}
    r = run_whatif(city, _proposal()[:1], programs=["dibao"], indices=indices).as_dict()
    fc = r["floor_check"]
    assert (fc["floor_fen"], fc["below_floor"], fc["indices_from"]) == (84_000, False, "given")


def test_engines_give_identical_aggregates(city, result, tmp_path):
    job = run_whatif(city, _proposal(), programs=["dibao"], engine="duckdb-job", work_dir=tmp_path)
    full = run_whatif(city, _proposal(), programs=["dibao"], full=True)
    assert comparable(job.as_dict()) == comparable(result) == comparable(full.as_dict())


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("whatif-gen")
    generate(out=out, persons=3_000, seed=11)
    return out


def test_every_program_on_a_generated_city_the_same_on_the_batch_job(generated, tmp_path):
    change = adhoc_change(tree(()), "dibao.standard", "850", "2020-07-01")
    a = run_whatif(generated, [change]).as_dict()
    b = run_whatif(generated, [change], engine="duckdb-job", work_dir=tmp_path).as_dict()
    assert comparable(a) == comparable(b)
    assert a["programs"]["dibao"]["up_households"] > 0


@pytest.mark.spark
def test_spark_gives_the_duckdb_aggregates(generated, tmp_path):
    change = adhoc_change(tree(()), "dibao.standard", "850", "2020-07-01")
    a = run_whatif(generated, [change]).as_dict()
    b = run_whatif(generated, [change], engine="spark", work_dir=tmp_path).as_dict()
    assert b["engine"] == "spark" and comparable(a) == comparable(b)


def test_default_month_is_the_first_in_force():
    mk = lambda eff: Change("dibao.standard", eff, "850", "new_value", "x")  # noqa: E731
    assert default_month([mk("2020-07-01")]) == "2020-07"
    assert default_month([mk("2020-07-15")]) == "2020-08"
    assert default_month([mk("2020-07-01"), mk("2021-01-01")]) == "2021-01"


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("dibao.nonsense", "850", "name"),
        ("dibao.standard", "850.123", "value"),
        ("dibao.standard", 850.5, "value"),
    ],
)
def test_bad_proposals_name_the_field(city, name, value, field):
    with pytest.raises(WhatIfError) as e:
        change = adhoc_change(tree(()), name, value, "2020-07-01")
        run_whatif(city, [change], programs=["dibao"])
    assert e.value.field == field


def test_bad_engine_and_month(city):
    change = _proposal()[0]
    with pytest.raises(WhatIfError) as e:
        run_whatif(city, [change], engine="oracle")
    assert e.value.field == "engine"
    with pytest.raises(WhatIfError) as e:
        run_whatif(city, [change], month="2020-13")
    assert e.value.field == "month"
