"""Money returned after payment (ADR 0943), through the services: a bank returns a paid line
(the line waits for a corrected account and is paid once more — once), a beneficiary pays back an
overpayment (the recovery's outstanding amount falls). Each books one balanced journal entry;
the reconciliation and the fund statement show it. Amounts computed by hand."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.funds.models import JournalEntry
from safetynet.payments.bank_format import ResultFile, ResultRow, write_result_file
from safetynet.payments.bank_selectors import bank_failed_lines, bank_reconciliation
from safetynet.payments.bank_services import bank_files_make, bank_results_import
from safetynet.payments.flow_models import Recovery, RecoveryDeduction, Refund
from safetynet.payments.models import BankFileEntry, PaymentLine, PayrollEvent
from safetynet.payments.recoveries import outstanding_fen, recoveries_apply, recoveries_detect
from safetynet.payments.refunds import refund_bank_return, refund_repayment
from tests.helpers.banks import approved_payroll, payment_file, set_account
from tests.helpers.payroll_flow import add_line, make_payroll

ZW, WF = "6222000000000000001", "6227000000000000002"


def _pay_all(ca, bf, day=dt.date(2020, 6, 6)):
    rows = [
        ResultRow(r.reference, r.account, r.amount_fen, "paid", "", day)
        for r in payment_file(bf).rows
    ]
    content = write_result_file(ResultFile(bf.reference, bf.bank_code, day, rows), "csv")
    return bank_results_import(actor=ca, files=[(f"{bf.reference}.csv", content)])


def _legs(source: str) -> set[tuple[str, int]]:
    entry = JournalEntry.objects.get(source=source)
    return {(p.account.code, p.amount_fen) for p in entry.postings.all()}


@pytest.fixture
def june_paid(registry, users):
    """June 2020: 张伟 dibao 800.00 (ICBC), 王芳 low income 400.01 (CCB); both paid."""
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    set_account(ca, registry.wang_fang, WF, bank="CCB")
    payroll, lines = approved_payroll(
        "2020-06",
        [(registry.zhang_wei, "dibao", 80_000), (registry.wang_fang, "low_income", 40_001)],
    )
    for bf in bank_files_make(actor=ca, payroll=payroll).files:
        _pay_all(ca, bf)
    return payroll, lines


def test_a_bank_return_makes_the_line_wait_and_pays_it_once_more(june_paid, users, registry):
    ca = users["city_admin"]
    payroll, (zw, _wf) = june_paid
    ref = f"L{zw.pk}-1"
    refund = refund_bank_return(
        actor=ca, reference=ref, on=dt.date(2020, 6, 20), reason="account_closed", note="销户"
    )
    assert (refund.kind, refund.amount_fen, refund.line_id) == ("bank_return", 80_000, zw.pk)
    entry = BankFileEntry.objects.get(reference=ref)
    assert (entry.result, entry.reason) == ("returned", "account_closed")
    assert PaymentLine.objects.get(pk=zw.pk).status == "failed"
    assert PayrollEvent.objects.filter(payroll=payroll, kind="bank_return").count() == 1
    # the books: the city treasury gets 800.00 back, the dibao line is payable again
    assert _legs(f"refund:bankreturn:{refund.pk}") == {
        ("Assets:Treasury:City", 80_000),
        ("Liabilities:Payable:Dibao", -80_000),
    }
    # reconciliation: sent 2 = paid 1 + returned 1, in count and yuan
    rec = bank_reconciliation(actor=ca, payroll=payroll)
    icbc = next(b for b in rec.banks if b.bank_code == "ICBC")
    assert (icbc.sent.count, icbc.paid.count, icbc.returned.count, icbc.returned.fen) == (
        1, 0, 1, 80_000,
    )  # fmt: skip
    assert (rec.total.paid.fen, rec.total.returned.fen) == (40_001, 80_000)
    assert all(b.balanced for b in rec.banks) and rec.total.balanced
    assert [e.line_id for e in bank_failed_lines(actor=ca)] == [zw.pk]

    # not twice: the same return again is refused, nothing written
    with pytest.raises(ServiceError) as exc:
        refund_bank_return(actor=ca, reference=ref, on=dt.date(2020, 6, 20), reason="other")
    assert (exc.value.code, exc.value.problems[0].field) == ("refund_not_paid", "reference")
    assert Refund.objects.count() == 1

    # July: the account is not corrected → not sent; August after the correction → paid once more
    july, _ = approved_payroll("2020-07", [])
    assert bank_files_make(actor=ca, payroll=july).resent == 0
    set_account(ca, registry.zhang_wei, "6222000000000000055", on=dt.date(2020, 8, 2))
    august, _ = approved_payroll("2020-08", [])
    (icbc_aug,) = bank_files_make(actor=ca, payroll=august).files
    assert [(r.reference, r.account, r.amount_fen) for r in payment_file(icbc_aug).rows] == [
        (f"L{zw.pk}-2", "6222000000000000055", 80_000)
    ]
    _pay_all(ca, icbc_aug, dt.date(2020, 8, 6))
    assert PaymentLine.objects.get(pk=zw.pk).status == "paid"
    assert list(
        BankFileEntry.objects.filter(line=zw).order_by("id").values_list("result", flat=True)
    ) == ["returned", "paid"]
    # and the database still refuses a second paid entry of the line
    with pytest.raises(IntegrityError), transaction.atomic():
        BankFileEntry.objects.filter(reference=ref).update(result="paid", reason="")


def test_a_bank_return_is_refused_naming_the_field(june_paid, users):
    ca = users["city_admin"]
    _payroll, (zw, _wf) = june_paid
    ref = f"L{zw.pk}-1"
    cases = [
        ({"reference": "L999999-1"}, "reference"),
        ({"reason": "lost"}, "reason"),
        ({"on": dt.date(2020, 6, 1)}, "on"),  # before the bank paid it (2020-06-06)
        ({"on": dt.date.today() + dt.timedelta(days=2)}, "on"),
    ]
    for change, field in cases:
        kw = {"reference": ref, "on": dt.date(2020, 6, 20), "reason": "account_closed", **change}
        with pytest.raises(ServiceError) as exc:
            refund_bank_return(actor=ca, **kw)
        assert exc.value.problems[0].field == field, change
    for role in ("street_officer", "district_approver", "auditor"):
        with pytest.raises(NotPermittedError):
            refund_bank_return(
                actor=users[role], reference=ref, on=dt.date(2020, 6, 20), reason="other"
            )
    assert not Refund.objects.exists()
    assert BankFileEntry.objects.get(reference=ref).result == "paid"


@pytest.fixture
def overpaid(registry, users):
    """王芳's low-income benefit of January 2020, 500.00 yuan, paid after her enrolment ended
    (2019-12-31): a recovery of 500.00."""
    p = make_payroll("2020-01", prepared_by=users["city_admin"], status="closed")
    line = add_line(
        p,
        person=registry.wang_fang,
        household=registry.zh2,
        program="low_income",
        amount_fen=50_000,
        status="paid",
    )
    (recovery,) = recoveries_detect(actor=users["city_admin"])
    assert recovery.line_id == line.pk and recovery.amount_fen == 50_000
    return recovery


def test_a_repayment_reduces_the_recovery_and_books_the_receivable(overpaid, users, registry):
    ca = users["city_admin"]
    # a draft February line of 王芳 of 400.00 would withhold 30 %: 120.00
    feb = make_payroll("2020-02", prepared_by=ca)
    add_line(
        feb,
        person=registry.wang_fang,
        household=registry.zh2,
        program="low_income",
        amount_fen=40_000,
    )
    recoveries_apply(payroll=feb)
    assert RecoveryDeduction.objects.get().amount_fen == 12_000
    refund = refund_repayment(
        actor=ca, recovery_id=overpaid.pk, amount_fen=30_000, on=dt.date(2020, 2, 3), receipt="R-1"
    )
    overpaid.refresh_from_db()
    assert (overpaid.refunded_fen, overpaid.status) == (30_000, "open")
    # the draft's planned deduction is dropped, then recomputed from what is left (200.00):
    # still 30 % of 400.00 = 120.00
    assert not RecoveryDeduction.objects.exists()
    assert outstanding_fen(overpaid) == 20_000
    recoveries_apply(payroll=feb)
    assert RecoveryDeduction.objects.get().amount_fen == 12_000
    assert _legs(f"refund:repayment:{refund.pk}") == {
        ("Assets:Treasury:City", 30_000),
        ("Assets:Receivable:Recoveries:LowIncome", -30_000),
    }
    assert overpaid.events.filter(kind="refunded").count() == 1
    # more than is outstanding (500 − 300 − 120 planned → at most 200 once the draft's plan is
    # dropped) is refused, naming the field
    with pytest.raises(ServiceError) as exc:
        refund_repayment(
            actor=ca,
            recovery_id=overpaid.pk,
            amount_fen=20_001,
            on=dt.date(2020, 2, 4),
            receipt="R-2",
        )
    assert (exc.value.code, exc.value.problems[0].field) == (
        "refund_exceeds_outstanding",
        "amount_fen",
    )
    # the rest: recovered, and a receipt is recorded once
    refund_repayment(
        actor=ca, recovery_id=overpaid.pk, amount_fen=20_000, on=dt.date(2020, 2, 4), receipt="R-2"
    )
    overpaid.refresh_from_db()
    assert (overpaid.refunded_fen, overpaid.status, outstanding_fen(overpaid)) == (
        50_000, "recovered", 0,
    )  # fmt: skip
    recoveries_apply(payroll=feb)
    assert not RecoveryDeduction.objects.exists()  # nothing left to withhold
    with pytest.raises(ServiceError) as exc:
        refund_repayment(
            actor=ca, recovery_id=overpaid.pk, amount_fen=1, on=dt.date(2020, 2, 4), receipt="R-3"
        )
    assert exc.value.code == "recovery_closed"


def test_a_repayment_is_refused_naming_the_field(overpaid, users):
    ca = users["city_admin"]
    good = {
        "recovery_id": overpaid.pk,
        "amount_fen": 100,
        "on": dt.date(2020, 2, 3),
        "receipt": "R",
    }
    for change, field in [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": 1.5}, "amount_fen"),
        ({"receipt": " "}, "receipt"),
        ({"on": dt.date.today() + dt.timedelta(days=1)}, "on"),
    ]:
        with pytest.raises(ServiceError) as exc:
            refund_repayment(actor=ca, **{**good, **change})
        assert exc.value.problems[0].field == field
    with pytest.raises(NotFoundError):
        refund_repayment(actor=ca, **{**good, "recovery_id": 999_999})
    with pytest.raises(NotPermittedError):
        refund_repayment(actor=users["district_approver"], **good)
    refund_repayment(actor=ca, **good)
    with pytest.raises(ServiceError) as exc:
        refund_repayment(actor=ca, **good)
    assert exc.value.code == "refund_duplicate"
    assert Recovery.objects.get().refunded_fen == 100
