"""Failures that are not about the account (ADR 0942): a bank's technical failure or a timeout
sends the line again, to the same account, in the next payroll's files; an account failure still
waits for corrected account data; and a line is never paid twice."""

import datetime as dt

import pytest

from safetynet.payments.bank_format import ResultFile, ResultRow, write_result_file
from safetynet.payments.bank_services import bank_files_make, bank_results_import
from safetynet.payments.models import BankFileEntry, PaymentLine
from safetynet.simulated.banks.bank import BankBehaviour, SimulatedBank
from tests.helpers.banks import approved_payroll, payment_file, set_account

ZW, ZX, WF = "6222000000000000001", "6222000000000000003", "6227000000000000002"


def _answer(ca, bf, outcomes: dict[str, tuple[str, str]]):
    """Answer a payment file: `outcomes` maps a line reference to (outcome, reason)."""
    rows = [
        ResultRow(r.reference, r.account, r.amount_fen, *outcomes[r.reference], dt.date(2020, 7, 2))
        for r in payment_file(bf).rows
    ]
    content = write_result_file(
        ResultFile(bf.reference, bf.bank_code, dt.date(2020, 7, 2), rows), "csv"
    )
    return bank_results_import(actor=ca, files=[(f"{bf.reference}.csv", content)])


@pytest.fixture
def june(registry, users):
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    set_account(ca, registry.zhang_xiaoming, ZX)
    set_account(ca, registry.wang_fang, WF, bank="CCB")
    return approved_payroll(
        "2020-06",
        [
            (registry.zhang_wei, "dibao", 80_000),
            (registry.zhang_xiaoming, "disabled", 12_345),
            (registry.wang_fang, "low_income", 40_001),
        ],
    )


def test_technical_failures_go_again_unchanged_account_failures_wait(june, users, registry):
    ca = users["city_admin"]
    payroll, (zw, zx, wf) = june
    files = {f.bank_code: f for f in bank_files_make(actor=ca, payroll=payroll).files}
    _answer(
        ca,
        files["ICBC"],
        {f"L{zw.pk}-1": ("failed", "bank_technical"), f"L{zx.pk}-1": ("failed", "account_closed")},
    )
    _answer(ca, files["CCB"], {f"L{wf.pk}-1": ("failed", "timeout")})
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"failed"}

    # July: 张伟's and 王芳's lines go again to the same accounts; 张小明's waits for a new account
    july, (july_zw,) = approved_payroll("2020-07", [(registry.zhang_wei, "dibao", 80_000)])
    report = bank_files_make(actor=ca, payroll=july)
    assert report.resent == 2
    files = {f.bank_code: f for f in report.files}
    assert [(r.reference, r.account, r.amount_fen) for r in payment_file(files["ICBC"]).rows] == [
        (f"L{zw.pk}-2", ZW, 80_000),
        (f"L{july_zw.pk}-1", ZW, 80_000),
    ]
    assert [(r.reference, r.account) for r in payment_file(files["CCB"]).rows] == [
        (f"L{wf.pk}-2", WF)
    ]
    assert files["ICBC"].total_fen == 160_000 and files["CCB"].total_fen == 40_001
    # 张伟's June line paid now; 王芳's account turns out closed: an account failure this time
    _answer(
        ca,
        files["ICBC"],
        {f"L{zw.pk}-2": ("paid", ""), f"L{july_zw.pk}-1": ("paid", "")},
    )
    _answer(ca, files["CCB"], {f"L{wf.pk}-2": ("failed", "account_closed")})
    assert PaymentLine.objects.get(pk=zw.pk).status == "paid"
    assert list(
        BankFileEntry.objects.filter(line=zw).order_by("id").values_list("result", "reason")
    ) == [("failed", "bank_technical"), ("paid", "")]

    # August: nothing goes again — 张伟's line is paid (never twice), 王芳's account failed,
    # 张小明's account is not corrected yet
    august, _ = approved_payroll("2020-08", [])
    assert bank_files_make(actor=ca, payroll=august).resent == 0
    # once 王芳's account is corrected, she is paid in the next payroll
    set_account(ca, registry.wang_fang, "6227000000000000077", bank="CCB", on=dt.date(2020, 9, 3))
    september, _ = approved_payroll("2020-09", [])
    (ccb,) = bank_files_make(actor=ca, payroll=september).files
    assert [(r.reference, r.account) for r in payment_file(ccb).rows] == [
        (f"L{wf.pk}-3", "6227000000000000077")
    ]


def test_the_simulated_bank_fails_for_technical_reasons_when_asked():
    from safetynet.payments.bank_format import PaymentFile, PaymentRow

    pf = PaymentFile("PR2020-06-ICBC", "2020-06", "ICBC", "中国工商银行", dt.date(2020, 6, 5))
    pf.rows = [PaymentRow(f"62220000{i:08d}", "张伟", "x", 100, f"L{i}-1") for i in range(400)]
    bank = SimulatedBank({}, BankBehaviour(failure_rate=0.0, late_rate=0.0, technical_rate=0.25))
    (result,) = bank.answer(pf)
    reasons = [r.reason for r in result.rows if r.outcome == "failed"]
    assert set(reasons) == {"bank_technical", "timeout"}
    assert 60 < len(reasons) < 140  # about a quarter of 400
    quiet = SimulatedBank({}, BankBehaviour(failure_rate=0.0, late_rate=0.0))
    assert all(r.outcome == "paid" for r in quiet.answer(pf)[0].rows)
