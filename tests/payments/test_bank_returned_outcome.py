"""A bank return as a result file row (outcome `returned`, ADR 0951): the import records it as
`refund_bank_return` would — entry returned, line failed, refund, event, journal entry — after the
import's paid rows (a line paid by one file of the import may be returned by a later one); a
return of an unpaid line, a wrong amount or a return dated before the payment refuses the whole
import with the file and row named. The simulated bank writes such rows (`return_rate`)."""

import datetime as dt

import pytest

from safetynet.core.errors import ServiceError
from safetynet.funds.models import JournalEntry
from safetynet.payments.bank_format import (
    ResultFile,
    ResultRow,
    read_result_file,
    write_result_file,
)
from safetynet.payments.bank_selectors import bank_reconciliation
from safetynet.payments.bank_services import bank_files_make, bank_results_import
from safetynet.payments.flow_models import Refund
from safetynet.payments.models import BankFileEntry, BankResultFile, PaymentLine
from safetynet.simulated.banks.bank import BankBehaviour, SimulatedBank
from tests.helpers.banks import approved_payroll, payment_file, set_account

ZW, WF = "6222000000000000001", "6222000000000000002"
PAID_ON, BACK_ON = dt.date(2020, 6, 6), dt.date(2020, 6, 13)


def _file(bf, rows, day):
    content = write_result_file(ResultFile(bf.reference, bf.bank_code, day, rows), "csv")
    return (f"{bf.reference}-{day:%d}.csv", content)


@pytest.fixture
def sent(registry, users):
    """June 2020, one ICBC file: 张伟 dibao 800.00, 王芳 low income 123.45."""
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    set_account(ca, registry.wang_fang, WF)
    payroll, lines = approved_payroll(
        "2020-06",
        [(registry.zhang_wei, "dibao", 80_000), (registry.wang_fang, "low_income", 12_345)],
    )
    (bf,) = bank_files_make(actor=ca, payroll=payroll, fmt="csv").files
    return payroll, lines, bf


def _paid(bf):
    return [
        ResultRow(r.reference, r.account, r.amount_fen, "paid", "", PAID_ON)
        for r in payment_file(bf).rows
    ]


def test_paid_then_returned_in_one_import(sent, users):
    ca = users["city_admin"]
    payroll, (zw, wf), bf = sent
    ref = f"L{zw.pk}-1"
    back = [ResultRow(ref, ZW, 80_000, "returned", "account_closed", BACK_ON)]
    report = bank_results_import(
        actor=ca, files=[_file(bf, _paid(bf), PAID_ON), _file(bf, back, BACK_ON)]
    )
    assert (report.paid, report.paid_fen, report.returned, report.returned_fen) == (
        2, 92_345, 1, 80_000,
    )  # fmt: skip
    entry = BankFileEntry.objects.get(reference=ref)
    assert (entry.result, entry.reason, entry.result_date) == (
        "returned",
        "account_closed",
        PAID_ON,
    )
    assert PaymentLine.objects.get(pk=zw.pk).status == "failed"
    assert PaymentLine.objects.get(pk=wf.pk).status == "paid"
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount_fen, refund.received_on, refund.reference) == (
        "bank_return", 80_000, BACK_ON, ref,
    )  # fmt: skip
    assert JournalEntry.objects.filter(source=f"refund:bankreturn:{refund.pk}").exists()
    # sent 2 = paid 1 (123.45) + returned 1 (800.00)
    (icbc,) = bank_reconciliation(actor=ca, payroll=payroll).banks
    assert (icbc.sent.count, icbc.paid.fen, icbc.returned.count, icbc.returned.fen) == (
        2, 12_345, 1, 80_000,
    )  # fmt: skip
    assert icbc.balanced


def test_a_return_in_a_later_import(sent, users):
    ca = users["city_admin"]
    _payroll, (zw, _wf), bf = sent
    bank_results_import(actor=ca, files=[_file(bf, _paid(bf), PAID_ON)])
    back = [ResultRow(f"L{zw.pk}-1", ZW, 80_000, "returned", "name_mismatch", BACK_ON)]
    report = bank_results_import(actor=ca, files=[_file(bf, back, BACK_ON)])
    assert (report.paid, report.returned) == (0, 1)
    assert PaymentLine.objects.get(pk=zw.pk).status == "failed"
    assert Refund.objects.get().reason == "name_mismatch"


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        (
            lambda zw: ResultRow(f"L{zw.pk}-1", ZW, 80_000, "returned", "other", BACK_ON),
            "not_paid",
            "行参考号",
        ),
        (
            lambda zw: ResultRow(f"L{zw.pk}-1", ZW, 80_001, "returned", "other", BACK_ON),
            "wrong_amount",
            "金额",
        ),
        (
            lambda zw: ResultRow(
                f"L{zw.pk}-1", ZW, 80_000, "returned", "other", dt.date(2020, 6, 5)
            ),
            "return_before_payment",
            "日期",
        ),
        (
            lambda zw: ResultRow(f"L{zw.pk}-9", ZW, 80_000, "returned", "other", BACK_ON),
            "unknown_line",
            "行参考号",
        ),
    ],
)
def test_a_bad_return_refuses_the_whole_import(sent, users, row, code, field):
    ca = users["city_admin"]
    _payroll, (zw, _wf), bf = sent
    paid = _paid(bf)
    if code == "not_paid":  # the line is answered failed, not paid, in the same import
        paid[0] = ResultRow(paid[0].reference, ZW, 80_000, "failed", "account_frozen", PAID_ON)
    files = [_file(bf, paid, PAID_ON), _file(bf, [row(zw)], BACK_ON)]
    with pytest.raises(ServiceError) as exc:
        bank_results_import(actor=ca, files=files)
    p = exc.value.problems[0]
    assert (p.code, p.field, p.row) == (code, f"{files[1][0]}: {field}", 8)
    # nothing written: no result file, every line still with the bank, no refund
    assert not BankResultFile.objects.exists() and not Refund.objects.exists()
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"pending"}
    assert PaymentLine.objects.in_state("sent").count() == 2


def test_the_simulated_bank_returns_a_share_of_the_paid_lines(sent):
    _payroll, _lines, bf = sent
    pf = payment_file(bf)
    files = SimulatedBank({}, BankBehaviour(failure_rate=0, late_rate=0, return_rate=1.0)).answer(
        pf
    )
    assert [[r.outcome for r in f.rows] for f in files] == [
        ["paid", "paid"],
        ["returned", "returned"],
    ]
    back = files[1]
    assert back.answered == pf.created + dt.timedelta(days=7)
    assert {r.reason for r in back.rows} == {"account_closed"}
    # the layout round-trips
    again = read_result_file(write_result_file(back, "csv"))
    assert [(r.reference, r.outcome, r.reason) for r in again.rows] == [
        (r.reference, "returned", "account_closed") for r in back.rows
    ]
    none = SimulatedBank({}, BankBehaviour(failure_rate=0, late_rate=0)).answer(pf)
    assert len(none) == 1


def test_an_overlong_reference_is_refused_as_unknown(sent, users):
    """The result rows go through a temporary table (ADR 0950): a bank's overlong reference is
    a refused row naming it, not a database error."""
    _payroll, _lines, bf = sent
    rows = _paid(bf)
    rows[1] = ResultRow("L" + "9" * 60, WF, 12_345, "paid", "", PAID_ON)
    files = [_file(bf, rows, PAID_ON)]
    with pytest.raises(ServiceError) as exc:
        bank_results_import(actor=users["city_admin"], files=files)
    p = exc.value.problems[0]
    assert (p.code, p.field, p.row) == ("unknown_line", f"{files[0][0]}: 行参考号", 9)
    assert not BankResultFile.objects.exists()
