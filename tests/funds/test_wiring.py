"""The payments services book the ledger in their own transaction: the approval (split by the
lines' funding shares), each bank file funded, each result file's paid and failed lines — and
the books stay balanced and accepted by Beancount."""

import pytest

from safetynet.funds.beancount_export import beancount_check, ledger_write
from safetynet.funds.models import JournalEntry
from safetynet.funds.payments_hooks import book_payroll_approved, scaled_split
from safetynet.funds.selectors import account_balances, trial_balance, unbalanced_entries
from safetynet.payments.bank_services import bank_files_make, bank_results_import
from safetynet.payments.models import PaymentLine
from tests.helpers.banks import Fault, approved_payroll, bank_answer, set_account

pytestmark = pytest.mark.django_db
ZW, ZX, WF = "6222000000000000001", "6222000000000000003", "6227000000000000002"


def test_scaled_split_gives_the_rounding_to_the_city():
    assert scaled_split(100, 60, 30, 10, 100) == (60, 30, 10)
    assert scaled_split(100, 60, 30, 10, 70) == (42, 21, 7)
    assert scaled_split(3, 1, 1, 1, 2) == (2, 0, 0)


def test_bank_files_and_results_book_the_ledger(registry, users, tmp_path):
    ca, r = users["city_admin"], registry
    set_account(ca, r.zhang_wei, ZW)
    set_account(ca, r.zhang_xiaoming, ZX)
    set_account(ca, r.wang_fang, WF, bank="CCB", holder="王芬")
    payroll, lines = approved_payroll(
        "2020-06",
        [
            (r.zhang_wei, "dibao", 80_000),
            (r.zhang_wei, "elderly_80", 10_000),
            (r.zhang_xiaoming, "disabled", 12_345),
            (r.wang_fang, "low_income", 40_001),
            (r.chen_jie, "tekun", 150_000),
        ],
    )
    # 张伟's dibao is paid 60 % by the city, 30 % by the district, 10 % by the street
    PaymentLine.objects.filter(pk=lines[0].pk).update(
        city_fen=48_000, district_fen=24_000, street_fen=8_000
    )
    zw = lines[0].division_id[:6]
    book_payroll_approved(actor=ca, payroll=payroll)
    approval = JournalEntry.objects.get(source=f"approval:payroll:{payroll.pk}")
    legs = {(p.account.code, p.amount_fen) for p in approval.postings.select_related("account")}
    assert (f"Expenses:Benefits:District:D{zw}:Dibao", 24_000) in legs
    assert ("Liabilities:Payable:Tekun", -150_000) in legs
    report = bank_files_make(actor=ca, payroll=payroll, fmt="csv")
    assert JournalEntry.objects.filter(kind="funding").count() == 2  # ICBC, CCB
    faults = {
        ("ICBC", ZX): Fault("account_closed", "张小明"),
        ("CCB", WF): Fault("name_mismatch", "王芳"),
    }
    for bf in report.files:
        files = bank_answer(bf, faults)
        bank_results_import(actor=ca, files=[(n, d) for n, d, _ in files])
    b = account_balances()
    assert b["Assets:Clearing:Bank"] == 0  # 142,346 sent = 90,000 paid + 52,346 returned
    assert b["Liabilities:Payable:Dibao"] == 0 and b["Liabilities:Payable:Elderly80"] == 0
    assert b["Liabilities:Payable:Disabled"] == -12_345  # failed: still payable
    assert b["Liabilities:Payable:LowIncome"] == -40_001
    assert b["Liabilities:Payable:Tekun"] == -150_000  # held: never sent
    assert b["Assets:Treasury:City"] == -58_000  # the city's part of what was paid
    assert b[f"Assets:Treasury:District:D{zw}"] == -24_000
    assert b[f"Assets:Treasury:Street:D{zw}"] == -8_000
    assert trial_balance() == 0 and unbalanced_entries() == []
    path = tmp_path / "books.beancount"
    with path.open("w", encoding="utf-8") as fh:
        ledger_write(fh)
    assert beancount_check(str(path)) == []
