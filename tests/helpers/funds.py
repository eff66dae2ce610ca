"""Books for the funds tests: budgets, a payroll's approval, its bank file, results with a
failure, a recovery deducted, refunded and written off — with amounts computed by hand."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from safetynet.funds import services as fs

SIMING, HULI = "350203", "350206"

# payroll 2026-03 (id 1): three (program, district) aggregates, split by level
MARCH_ROWS = [
    {
        "program": "dibao",
        "district": SIMING,
        "city_fen": 60000,
        "district_fen": 30000,
        "street_fen": 10000,
    },
    {
        "program": "dibao",
        "district": HULI,
        "city_fen": 12000,
        "district_fen": 6000,
        "street_fen": 2000,
    },
    {"program": "tekun", "district": SIMING, "city_fen": 50000, "district_fen": 0, "street_fen": 0},
]
# of which the bank paid these and failed the rest (Huli's dibao: 200 yuan)
PAID_ROWS = [MARCH_ROWS[0], MARCH_ROWS[2]]
FAILED_ROWS = [MARCH_ROWS[1]]

APRIL_ROWS = [
    {
        "program": "dibao",
        "district": SIMING,
        "city_fen": 30000,
        "district_fen": 15000,
        "street_fen": 5000,
    },
]
APRIL_NET = [
    {
        "program": "dibao",
        "district": SIMING,
        "city_fen": 24000,
        "district_fen": 12000,
        "street_fen": 4000,
    },
]


def march_payroll() -> SimpleNamespace:
    return SimpleNamespace(pk=1, month="2026-03")


def book_year(city_admin) -> dict:
    """Budgets for 2026, the March payroll through approval, bank file, results (one failed),
    the failed line re-sent and paid, a recovery of 300 yuan (Siming dibao) deducted 100,
    refunded 50, written off 150; lottery and donation income; the TA fund."""
    on = dt.date(2026, 1, 5)
    fs.budget_allocate(
        actor=city_admin, year=2026, program="dibao", level="city", amount_fen=1_000_000, on=on
    )
    fs.budget_allocate(
        actor=city_admin,
        year=2026,
        program="dibao",
        level="district",
        district=SIMING,
        amount_fen=300_000,
        on=on,
    )
    fs.budget_allocate(
        actor=city_admin,
        year=2026,
        program="dibao",
        level="street",
        district=SIMING,
        amount_fen=100_000,
        on=on,
    )
    fs.budget_allocate(
        actor=city_admin, year=2026, program="tekun", level="city", amount_fen=500_000, on=on
    )
    out = {}
    out["approval"] = fs.post_payroll_approval(
        actor=city_admin, payroll_id=1, month="2026-03", on=dt.date(2026, 3, 3), rows=MARCH_ROWS
    )
    out["funding"] = fs.post_bank_funding(
        actor=city_admin, ref="bankfile:1", on=dt.date(2026, 3, 8), rows=MARCH_ROWS
    )
    out["paid"] = fs.post_payments_paid(
        actor=city_admin, ref="result:1", on=dt.date(2026, 3, 10), rows=PAID_ROWS
    )
    out["failed"] = fs.post_payments_failed(
        actor=city_admin, ref="result:1", on=dt.date(2026, 3, 10), rows=FAILED_ROWS
    )
    out["refunding"] = fs.post_bank_funding(
        actor=city_admin, ref="bankfile:2", on=dt.date(2026, 4, 8), rows=FAILED_ROWS
    )
    out["repaid"] = fs.post_payments_paid(
        actor=city_admin, ref="result:2", on=dt.date(2026, 4, 10), rows=FAILED_ROWS
    )
    # April (payroll 2): Siming dibao 500 yuan, of which 100 deducted for the recovery below;
    # the bank file and the result carry the net 400 yuan
    out["april"] = fs.post_payroll_approval(
        actor=city_admin, payroll_id=2, month="2026-04", on=dt.date(2026, 4, 3), rows=APRIL_ROWS
    )
    out["april_funding"] = fs.post_bank_funding(
        actor=city_admin, ref="bankfile:3", on=dt.date(2026, 4, 8), rows=APRIL_NET
    )
    out["april_paid"] = fs.post_payments_paid(
        actor=city_admin, ref="result:3", on=dt.date(2026, 4, 10), rows=APRIL_NET
    )
    split = fs.Split("dibao", SIMING, city_fen=18000, district_fen=9000, street_fen=3000)
    out["recovery"] = fs.post_recovery(
        actor=city_admin, ref="recovery:1", on=dt.date(2026, 4, 2), split=split
    )
    out["deduction"] = fs.post_recovery_deduction(
        actor=city_admin,
        ref="recovery:1:line:9",
        on=dt.date(2026, 4, 3),
        program="dibao",
        line_program="dibao",
        district=SIMING,
        amount_fen=10000,
    )
    out["refund"] = fs.post_refund(
        actor=city_admin,
        ref="recovery:1:refund:1",
        on=dt.date(2026, 4, 20),
        program="dibao",
        district=SIMING,
        amount_fen=5000,
    )
    out["write_off"] = fs.post_write_off(
        actor=city_admin,
        ref="recovery:1",
        on=dt.date(2026, 4, 30),
        program="dibao",
        district=SIMING,
        amount_fen=15000,
        reason="户主死亡无遗产",
    )
    out["lottery"] = fs.income_record(
        actor=city_admin,
        kind="lottery",
        on=dt.date(2026, 2, 1),
        amount_fen=8_000_000,
        payer="市福彩中心",
        receipt="FC-2026-01",
    )
    out["donation"] = fs.income_record(
        actor=city_admin,
        kind="donation",
        on=dt.date(2026, 2, 2),
        amount_fen=123_456,
        payer="某公司",
        receipt="JZ-001",
    )
    out["ta_fund"] = fs.ta_fund_raise(actor=city_admin, year=2026, population=1000)
    return out
