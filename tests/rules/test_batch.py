"""Batch behaviour: chunking, Parquet reading, retroactive arrears, annual mode."""

import numpy as np

from safetynet.rules.batch import from_columns
from safetynet.rules.engine import run_batch
from safetynet.rules.parameters import load_parameters
from safetynet.rules.readers import read_city
from safetynet.rules.retro import arrears, month_range
from safetynet.rules.situation import situations_to_batch
from safetynet.rules.synthetic import synthetic_batch, synthetic_columns, write_synthetic_city

FIELDS = ("eligible", "amount", "city", "district", "street", "reason")


def _same(a, b):
    assert a.keys() == b.keys()
    for n in a:
        for f in FIELDS:
            assert np.array_equal(getattr(a[n], f), getattr(b[n], f)), (n, f)
        if a[n].level == "person":
            assert np.array_equal(a[n].p_amount, b[n].p_amount), n


def test_chunked_equals_unchunked():
    b = synthetic_batch(30_000, seed=5)
    whole = run_batch(b, chunk_persons=10**9)
    chunked = run_batch(b.with_month(b.ym), chunk_persons=1_000)
    _same(whole, chunked)
    assert whole["dibao"].eligible.sum() > 0 and whole["age_allowance"].eligible.sum() > 0


def test_parquet_reader_matches_the_columns(tmp_path):
    p, h = synthetic_columns(5_000, seed=7)
    for k in ("temp_kind", "disaster_kind"):  # not part of the Parquet contract
        h[k][:] = 0
    expected = run_batch(from_columns("2019-07", p, h))
    city = write_synthetic_city(tmp_path, 5_000, seed=7)
    _same(expected, run_batch(read_city(city, "2019-07")))


def test_arrears_after_a_retroactive_standard_change():
    sits = [
        {
            "household": {"division_code": "350203001001"},
            "persons": [{"birth_date": "1970-01-01", "income": {"wage_fen": 30000}}],
        },
        {
            "household": {"division_code": "350203001001"},
            "persons": [{"birth_date": "1970-01-01"}, {"birth_date": "2000-01-01"}],
        },
        {
            "household": {"division_code": "350203001001"},
            "persons": [{"birth_date": "1970-01-01", "income": {"wage_fen": 500000}}],
        },
    ]
    b = situations_to_batch(sits, "2019-01")
    old = load_parameters()
    new = old.with_values("dibao.standard", {"2019-04-01": 75000})  # raise from April
    a = arrears(b, month_range("2019-01", "2019-08"), old, new, ["dibao"])
    # April–June: +30 yuan per member per month (July on, 800 applies in both)
    assert a.by_program["dibao"].tolist() == [3 * 3000, 3 * 3000 * 2, 0]
    lower = old.with_values("dibao.standard", {"2019-04-01": 70000})
    o = arrears(b, month_range("2019-04", "2019-04"), old, lower, ["dibao"])
    assert o.total.tolist() == [-2000, -4000, 0]
    assert o.summary()["overpayment_fen"] == 6000


def test_annual_price_subsidy_is_the_sum_of_the_months():
    from safetynet.rules.adjustment import price_subsidy_annual

    b = situations_to_batch(
        [
            {
                "household": {"division_code": "350203001001"},
                "persons": [{"birth_date": "1970-01-01"}],
            }
        ],
        "2019-01",
    )
    _, h = price_subsidy_annual(b, 2019)
    monthly = sum(
        int(run_batch(b.with_month(f"2019-{m:02d}"), ["price_subsidy"])["price_subsidy"].amount[0])
        for m in range(1, 13)
    )
    assert int(h[0]) == monthly == 71576
