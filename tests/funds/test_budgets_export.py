"""Budgets (execution, exceed, override), the Beancount export checked by Beancount itself, the
monthly statement in Excel and PDF, the `ledger` command."""

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import ServiceError
from safetynet.funds import services as fs
from safetynet.funds.beancount_export import beancount_check, ledger_write, yuan
from safetynet.funds.selectors import budget_execution, fund_statement
from safetynet.funds.statements import statement_pdf, statement_xlsx
from tests.helpers.funds import HULI, SIMING, book_year

pytestmark = pytest.mark.django_db


def test_yuan_is_exact():
    assert [yuan(f) for f in (0, 5, -5, 1234, -123456789)] == [
        "0.00",
        "0.05",
        "-0.05",
        "12.34",
        "-1234567.89",
    ]


def test_budget_execution_rates(users):
    book_year(users["city_admin"])
    rows = {(r.program, r.level, r.district): r for r in budget_execution(users["auditor"], 2026)}
    assert rows[("dibao", "city", "")].spent_fen == 84_000
    assert rows[("dibao", "city", "")].rate_percent == "8.4%"
    assert rows[("dibao", "district", SIMING)].rate_percent == "12.0%"
    assert rows[("dibao", "street", SIMING)].rate_percent == "12.0%"
    assert rows[("tekun", "city", "")].rate_percent == "10.0%"
    assert rows[("dibao", "district", HULI)].budget_fen == 0  # spent without a budget
    # the district approver of Siming sees its own district's budgets only
    own = budget_execution(users["district_approver"], 2026)
    assert {r.district for r in own} == {SIMING}
    with pytest.raises(NotPermittedError):
        budget_execution(users["street_officer"], 2026)


def test_budget_exceeded_needs_the_citys_override(users):
    book_year(users["city_admin"])
    payroll = SimpleNamespace(pk=3, month="2026-05")
    rows = [
        {
            "program": "dibao",
            "district": SIMING,
            "city_fen": 0,
            "district_fen": 270_000,
            "street_fen": 0,
        },
        {
            "program": "dibao",
            "district": HULI,
            "city_fen": 0,
            "district_fen": 1_000,
            "street_fen": 0,
        },
    ]
    shortfalls = {(s.level, s.district): s for s in fs.budget_check(payroll, rows=rows)}
    # Siming: 36,000 spent + 270,000 > 300,000 budget → 6,000 over; Huli has no budget:
    assert shortfalls[("district", SIMING)].over_fen == 6_000
    assert shortfalls[("district", HULI)].over_fen == 7_000  # 6,000 spent already + 1,000
    with pytest.raises(ServiceError) as exc:
        fs.budget_require_within(payroll, rows=rows)
    assert exc.value.code == "budget_exceeded"
    with pytest.raises(NotPermittedError):
        fs.budget_override(actor=users["district_approver"], payroll=payroll, reason="x", rows=rows)
    with pytest.raises(ServiceError) as exc:
        fs.budget_override(actor=users["city_admin"], payroll=payroll, reason=" ", rows=rows)
    assert exc.value.code == "budget_override_reason_required"
    fs.budget_override(actor=users["city_admin"], payroll=payroll, reason="追加预算待批", rows=rows)
    fs.budget_require_within(payroll, rows=rows)  # covered now
    # the payroll grew after the override: refused again
    rows[0]["district_fen"] += 1
    with pytest.raises(ServiceError):
        fs.budget_require_within(payroll, rows=rows)
    # within budget: nothing to override
    small = [dict(rows[0], district_fen=100)]
    assert fs.budget_check(SimpleNamespace(pk=4, month="2026-05"), rows=small) == []
    with pytest.raises(ServiceError) as exc:
        fs.budget_override(
            actor=users["city_admin"],
            payroll=SimpleNamespace(pk=4, month="2026-05"),
            reason="x",
            rows=small,
        )
    assert exc.value.code == "budget_override_not_needed"


def test_a_year_without_budgets_is_not_controlled(users):
    rows = [
        {"program": "dibao", "district": SIMING, "city_fen": 5, "district_fen": 0, "street_fen": 0}
    ]
    assert fs.budget_check(SimpleNamespace(pk=9, month="2030-01"), rows=rows) == []


def test_only_the_city_manages_budgets_and_income(users):
    for role in ("district_approver", "auditor", "street_officer"):
        with pytest.raises(NotPermittedError):
            fs.budget_allocate(
                actor=users[role], year=2026, program="dibao", level="city", amount_fen=1
            )
        with pytest.raises(NotPermittedError):
            fs.income_record(
                actor=users[role],
                kind="lottery",
                on=dt.date(2026, 1, 1),
                amount_fen=1,
                payer="x",
                receipt="r",
            )
    with pytest.raises(ServiceError) as exc:
        fs.budget_allocate(
            actor=users["city_admin"],
            year=2026,
            program="dibao",
            level="district",
            district="999999",
            amount_fen=1,
        )
    assert exc.value.problems[0].field == "district"


def test_beancount_checks_the_exported_books(users, tmp_path):
    book_year(users["city_admin"])
    path = tmp_path / "books.beancount"
    with path.open("w", encoding="utf-8") as fh:
        n = ledger_write(fh)
    assert n == 20  # 4 allocations + 16 events of book_year
    text = path.read_text(encoding="utf-8")
    assert "open Liabilities:Payable:Dibao CNY" in text
    assert "  Expenses:Benefits:City:Dibao  600.00 CNY" in text
    assert "balance Assets:Treasury:City  13590.00 CNY" in text
    assert beancount_check(str(path)) == []
    # Beancount catches what the database would refuse: tamper with one amount
    bad = tmp_path / "bad.beancount"
    bad.write_text(
        text.replace(
            "  Expenses:Benefits:City:Dibao  600.00 CNY",
            "  Expenses:Benefits:City:Dibao  600.01 CNY",
            1,
        ),
        "utf-8",
    )
    assert beancount_check(str(bad)) != []


def test_ledger_command_exports_and_checks(users, tmp_path):
    book_year(users["city_admin"])
    out = tmp_path / "l.beancount"
    err = io.StringIO()
    call_command(
        "ledger",
        "export",
        "--format",
        "beancount",
        "--out",
        str(out),
        "--as",
        "au",
        "--check",
        stderr=err,
    )
    assert "beancount: no errors" in err.getvalue()
    with pytest.raises(CommandError) as exc:
        call_command("ledger", "export", "--format", "ledger", "--out", str(out))
    assert exc.value.returncode == 2 and "--format" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("ledger", "export", "--format", "beancount", "--out", str(out), "--as", "so")
    assert exc.value.returncode == 2 and "not_permitted" in str(exc.value)


def test_statement_hand_computed(users):
    book_year(users["city_admin"])
    april = fund_statement(users["district_approver"], month="2026-04", district=SIMING)
    lv = {(r.program, r.level): r for r in april.levels}
    city = lv[("dibao", "city")]
    assert (city.budget_fen, city.spent_before_fen, city.approved_fen, city.recovered_fen) == (
        1_000_000,
        60_000,
        30_000,
        18_000,
    )
    assert city.spent_ytd_fen == 72_000 and city.rate_percent == "7.2%"
    p = {r.program: r for r in april.programs}["dibao"]
    assert (p.payable_start_fen, p.approved_fen, p.paid_fen, p.deducted_fen, p.payable_end_fen) == (
        0,
        50_000,
        40_000,
        10_000,
        0,
    )
    assert (p.recovery_raised_fen, p.refunded_fen, p.written_off_fen, p.receivable_end_fen) == (
        30_000,
        5_000,
        15_000,
        0,
    )
    march_huli = fund_statement(users["auditor"], month="2026-03", district=HULI)
    h = {r.program: r for r in march_huli.programs}["dibao"]
    assert (h.approved_fen, h.paid_fen, h.failed_fen, h.payable_end_fen) == (
        20_000,
        0,
        20_000,
        20_000,
    )
    # a district reads its own statement only
    with pytest.raises(ServiceError) as exc:
        fund_statement(users["district_approver"], month="2026-03", district=HULI)
    assert exc.value.code == "not_found"


def test_statement_excel_and_pdf(users, tmp_path):
    from pypdf import PdfReader

    book_year(users["city_admin"])
    stmt = fund_statement(users["auditor"], month="2026-04", district=SIMING)
    wb = load_workbook(io.BytesIO(statement_xlsx(stmt)))
    rows = list(wb["分级支出"].iter_rows(values_only=True))
    assert rows[0][0] == "思明区（350203）2026-04 救助资金月度报表"
    city = next(r for r in rows if r[0] == "最低生活保障（低保）" and r[1] == "市级")
    assert list(city[2:]) == [10000, 600, 300, 180, 720, "7.2%"]
    pdf = statement_pdf(stmt)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "救助资金月度报表" in text and "720.00" in text
    out = tmp_path / "s.xlsx"
    call_command(
        "ledger",
        "statement",
        "--month",
        "2026-04",
        "--district",
        SIMING,
        "--out",
        str(out),
        "--as",
        "da",
        stderr=io.StringIO(),
    )
    assert out.read_bytes()[:2] == b"PK"
    with pytest.raises(CommandError) as exc:
        call_command(
            "ledger",
            "statement",
            "--month",
            "2026-13",
            "--district",
            SIMING,
            "--out",
            str(out),
            "--as",
            "da",
        )
    assert exc.value.returncode == 2 and "--month" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command(
            "ledger",
            "statement",
            "--month",
            "2026-04",
            "--district",
            HULI,
            "--out",
            str(out),
            "--as",
            "da",
        )
    assert exc.value.returncode == 2 and "--district" in str(exc.value)
