"""Price indices through the services (ADR 1430): entry, correction, import all or nothing,
the audit trail, and the engine reading the entered months. Household: one adult with a
300-yuan wage, dibao (standard 800 yuan from 2019-07-01); the price subsidy is the standard ×
the triggering rise, at least 30 yuan."""

import datetime as dt
from fractions import Fraction

import pytest

from safetynet.core.errors import ServiceError
from safetynet.policy import selectors
from safetynet.policy.indices import index_enter, index_import
from safetynet.policy.models import IndexImport, PriceIndex, PriceIndexEvent
from safetynet.rules import calculate, load_parameters

pytestmark = pytest.mark.django_db

HOUSEHOLD = {
    "household": {"division_code": "350203001001"},
    "persons": [{"birth_date": "1970-01-01", "income": {"wage_fen": 30000}}],
    "programs": ["dibao", "price_subsidy"],
}
SOURCE = "厦门市统计局 2020年6月价格统计月报"


def subsidy(month: str) -> int:
    return calculate(HOUSEHOLD, month)["programs"]["price_subsidy"]["amount_fen"]


def test_an_entered_month_triggers_the_subsidy_at_once(users):
    ca = users["city_admin"]
    assert subsidy("2020-06") == 0  # no index for 2020-06 in the shipped series
    idx = index_enter(ca, month="2020-06", kind="cpi", value="104.0", source=SOURCE)
    assert (idx.value, idx.entered_by, idx.cumulative) == (10400, ca, None)
    # 4.0 % ≥ 3.5 %: 80,000 × 0.04 = 3,200 fen for the one covered person
    assert subsidy("2020-06") == 3200
    t = selectors.month_trigger("2020-06")
    assert t.triggered and t.amount_fen == 3200
    # a correction below the threshold switches it off, on the trail with the old figures
    index_enter(ca, month="2020-06", kind="cpi", value="103.4", source=SOURCE)
    assert subsidy("2020-06") == 0
    kinds = list(selectors.index_events().values_list("kind", "data__old__value"))
    assert kinds == [("entered", None), ("corrected", 10400)]
    # the same figures again record nothing
    index_enter(ca, month="2020-06", kind="cpi", value="103.40", source=SOURCE)
    assert PriceIndexEvent.objects.count() == 2


def test_food_index_and_the_larger_rise(users):
    ca = users["city_admin"]
    index_enter(ca, month="2020-06", kind="cpi", value="103.6", source=SOURCE)
    index_enter(ca, month="2020-06", kind="food_cpi", value="108.5", source=SOURCE)
    # both trigger (3.6 % ≥ 3.5 %, 8.5 % ≥ 6 %): the larger, 80,000 × 0.085 = 6,800
    assert subsidy("2020-06") == 6800
    rows = selectors.index_months(year=2020)
    assert [r["month"] for r in rows] == ["2020-06"]
    assert rows[0]["trigger"].amount_fen == 6800 and rows[0]["cpi"]["rise"] == "3.60%"


@pytest.mark.parametrize(
    "field,kwargs,code",
    [
        ("value", {"value": 104.0}, "float_value"),
        ("value", {"value": "104.005"}, "wrong_unit"),
        ("value", {"value": "4.0"}, "out_of_range"),
        ("kind", {"kind": "ppi"}, "unknown_kind"),
        ("month", {"month": "2020-13"}, "bad_month"),
        ("month", {"month": "2999-01"}, "future_month"),
        ("source", {"source": " "}, "required"),
        ("cumulative", {"cumulative": "x"}, "wrong_unit"),
    ],
)
def test_bad_entry_is_refused_naming_the_field(users, field, kwargs, code):
    args = {"month": "2020-06", "kind": "cpi", "value": "104", "source": SOURCE, **kwargs}
    with pytest.raises(ServiceError) as e:
        index_enter(users["city_admin"], **args)
    assert (e.value.problems[0].field, e.value.problems[0].code) == (field, code)
    assert not PriceIndex.objects.exists()


def test_only_the_city_administrator_enters(users):
    for role in ("street_officer", "district_approver", "auditor", "verification_operator"):
        with pytest.raises(ServiceError) as e:
            index_enter(users[role], month="2020-06", kind="cpi", value="104", source=SOURCE)
        assert e.value.code == "not_permitted"
    assert not PriceIndex.objects.exists()


CSV = (
    "月份,指数,同比指数,累计指数,来源\n"
    "2020-11,居民消费价格指数,101.2,,厦门市统计局\n"
    "2020-12,低收入居民基本生活费用价格指数,102.9,102.7,厦门市统计局\n"
    "2020-12,food_cpi,104.1,106.2,厦门市统计局\n"
)


def test_import_all_or_nothing_with_rows_and_fields(users):
    ca = users["city_admin"]
    bad = CSV + "2020-12,cpi,101.234,,厦门市统计局\n2020-13,cpi,101,,\n"
    with pytest.raises(ServiceError) as e:
        index_import(ca, bad.encode(), "indices.csv")
    got = [(p.row, p.field, p.code) for p in e.value.problems]
    assert got == [
        (5, "value", "wrong_unit"),
        (6, "month", "bad_month"),
        (6, "source", "required"),
    ]
    assert not PriceIndex.objects.exists() and not IndexImport.objects.exists()
    imp = index_import(ca, CSV.encode(), "indices.csv")
    assert imp.rows == 3 and PriceIndex.objects.count() == 3
    assert selectors.index_events().filter(source_file=imp).count() == 3
    # December's cumulative figures feed the floor of a standard from 2021
    r = selectors.price_index_rises(dt.date(2021, 7, 1))
    assert r["scpi"] == Fraction(27, 1000) and r["scpi_source"] == "entered"
    assert r["food"] == Fraction(62, 1000) and r["food_source"] == "entered"
    p = load_parameters()
    assert p.at("price_indices.scpi_annual_yoy", dt.date(2021, 1, 1)).value == Fraction(27, 1000)


def test_import_refuses_duplicates_and_wrong_columns(users):
    ca = users["city_admin"]
    with pytest.raises(ServiceError) as e:
        index_import(ca, (CSV + "2020-11,cpi,101.3,,x\n").encode(), "d.csv")
    assert (e.value.problems[0].row, e.value.problems[0].code) == (5, "duplicate")
    with pytest.raises(ServiceError) as e:
        index_import(ca, b"month,value\n2020-01,101\n", "c.csv")
    assert e.value.problems[0].code == "wrong_columns"
    assert not PriceIndex.objects.exists()


def test_import_excel(users):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["月份", "指数", "同比指数", "累计指数", "来源"])
    ws.append([dt.date(2020, 6, 1), "居民消费价格指数", 104.5, None, "统计局"])
    ws.append(["2020-07", "cpi", 103.25, None, "统计局"])
    buf = io.BytesIO()
    wb.save(buf)
    index_import(users["city_admin"], buf.getvalue(), "i.xlsx")
    assert dict(PriceIndex.objects.values_list("month", "value")) == {
        "2020-06": 10450,
        "2020-07": 10325,
    }


def test_floor_figures_fall_back_to_the_parameters(users):
    r = selectors.price_index_rises(dt.date(2020, 7, 1))
    # the shipped 2019 figures (dated 2020-01-01): SCPI and food 9.2 %
    assert r["year"] == 2019 and r["food"] == Fraction(92, 1000)
    assert r["food_source"] == "parameters"


def test_a_month_not_entered_is_decided_from_the_rules_series(users):
    # 2019-08 in the shipped series: CPI 2.8 % (no), food 10 % (yes): 800 × 10 % = 80 yuan
    t = selectors.month_trigger("2019-08")
    assert t.triggered and not t.cpi_triggers and t.food_triggers and t.amount_fen == 8000
    # an entered index wins over the series
    index_enter(users["city_admin"], month="2019-08", kind="food_cpi", value="105", source="x")
    assert not selectors.month_trigger("2019-08").triggered
