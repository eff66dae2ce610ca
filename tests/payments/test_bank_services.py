"""bank_files_make and bank_results_import: files per bank with exact totals, held lines listed,
results marking lines (paid, failed, late), refusals naming the line with nothing written, a
failed line paid in a later payroll after its account is fixed — and never twice. Reconciliation
figures computed by hand."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from safetynet.core.errors import ServiceError
from safetynet.payments.bank_format import (
    ResultFile,
    ResultRow,
    read_result_file,
    write_result_file,
)
from safetynet.payments.bank_selectors import bank_failed_lines, bank_reconciliation
from safetynet.payments.bank_services import bank_files_make, bank_results_import
from safetynet.payments.models import (
    BankFile,
    BankFileEntry,
    BankResultFile,
    PaymentLine,
    PayrollEvent,
)
from tests.helpers.banks import (
    Fault,
    approved_payroll,
    bank_answer,
    file_content,
    payment_file,
    set_account,
)

ZW, ZX, WF = "6222000000000000001", "6222000000000000003", "6227000000000000002"


@pytest.fixture
def june(registry, users):
    """Payroll 2020-06: 张伟 dibao 800.00 + elderly 100.00, 张小明 disabled 123.45 (ICBC);
    王芳 low income 400.01 (CCB, the bureau holds her name as 王芬); 陈杰 tekun 1500.00 (no
    account: held)."""
    ca = users["city_admin"]
    r = registry
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
    return payroll, lines


FAULTS = {
    ("ICBC", ZX): Fault("account_closed", "张小明"),
    ("CCB", WF): Fault("name_mismatch", "王芳"),
}


def _import(actor, bf, **kw):
    files = bank_answer(bf, FAULTS, **kw)
    return bank_results_import(actor=actor, files=[(n, d) for n, d, _ in files]), files


def test_files_per_bank_exact_totals_and_held(june, users):
    payroll, lines = june
    report = bank_files_make(actor=users["city_admin"], payroll=payroll, fmt="csv")
    icbc, ccb = sorted(report.files, key=lambda f: f.bank_code, reverse=True)
    assert (icbc.bank_code, icbc.count, icbc.total_fen) == ("ICBC", 3, 102_345)  # 800+100+123.45
    assert (ccb.bank_code, ccb.count, ccb.total_fen) == ("CCB", 1, 40_001)
    assert report.held == [lines[4].pk]  # 陈杰: no account
    pf = payment_file(icbc)
    assert pf.reference == "PR2020-06-ICBC" and pf.total_fen == 102_345
    assert [(r.account, r.name, r.amount_fen) for r in pf.rows] == [
        (ZW, "张伟", 80_000),
        (ZW, "张伟", 10_000),
        (ZX, "张小明", 12_345),
    ]
    assert pf.rows[0].reference == f"L{lines[0].pk}-1"
    assert pf.rows[0].id_number == lines[0].person.id_number
    assert "1023.45" in file_content(icbc).decode("utf-8-sig")
    statuses = dict(PaymentLine.objects.with_state().values_list("pk", "state"))
    assert [statuses[line.pk] for line in lines] == ["sent"] * 4 + ["held_no_account"]
    # "sent" is derived from the pending entry, not stored (ADR 0950)
    stored = dict(PaymentLine.objects.values_list("pk", "status"))
    assert [stored[line.pk] for line in lines] == ["pending"] * 4 + ["held_no_account"]
    assert [line.current_status() for line in PaymentLine.objects.order_by("pk")][:1] == ["sent"]
    payroll.refresh_from_db()
    assert payroll.status == "files_sent"
    ev = PayrollEvent.objects.get(payroll=payroll, kind="files_sent")
    assert ev.data["lines"] == 4 and ev.data["total_fen"] == 142_346 and ev.data["held"] == 1
    with pytest.raises(ServiceError) as e:  # only once: the payroll is no longer approved
        bank_files_make(actor=users["city_admin"], payroll=payroll)
    assert e.value.code == "bank_files_payroll_not_approved"


def test_only_the_finance_office_makes_files(june, users):
    payroll, _ = june
    for role in ("street_officer", "district_approver", "auditor"):
        with pytest.raises(ServiceError) as e:
            bank_files_make(actor=users[role], payroll=payroll)
        assert e.value.code == "not_permitted"
    assert not BankFile.objects.exists()


def test_results_failed_then_fixed_paid_next_run_never_twice(june, users, registry):
    ca = users["city_admin"]
    payroll, lines = june
    report = bank_files_make(actor=ca, payroll=payroll)
    for bf in report.files:
        _import(ca, bf)
    status = dict(PaymentLine.objects.values_list("pk", "status"))
    assert [status[x.pk] for x in lines] == ["paid", "paid", "failed", "failed", "held_no_account"]
    reasons = dict(BankFileEntry.objects.values_list("line_id", "reason"))
    assert reasons[lines[2].pk] == "account_closed" and reasons[lines[3].pk] == "name_mismatch"
    payroll.refresh_from_db()
    assert payroll.status == "results_in"

    rec = bank_reconciliation(actor=ca, payroll=payroll)
    by = {b.bank_code: b for b in rec.banks}
    assert (by["ICBC"].sent.count, by["ICBC"].sent.fen) == (3, 102_345)
    assert (by["ICBC"].paid.count, by["ICBC"].paid.fen) == (2, 90_000)
    assert (by["ICBC"].failed.count, by["ICBC"].failed.fen) == (1, 12_345)
    assert (by["CCB"].failed.count, by["CCB"].failed.fen) == (1, 40_001)
    t = rec.total
    assert (t.sent.count, t.sent.fen, t.paid.fen, t.failed.fen, t.pending.count) == (
        4, 142_346, 90_000, 52_346, 0,
    )  # fmt: skip
    assert (rec.held.count, rec.held.fen) == (1, 150_000)
    assert all(b.balanced for b in rec.banks) and t.balanced
    failed = list(bank_failed_lines(actor=ca))
    assert {e.line_id for e in failed} == {lines[2].pk, lines[3].pk}
    # the street officer of 中华街道 sees the figures of their own people only (no 湖里 line)
    assert bank_reconciliation(actor=users["street_officer"], payroll=payroll).held.count == 0

    # 张小明's family gives the new account; 王芳's name is not corrected yet
    set_account(ca, registry.zhang_xiaoming, "6222000000000000099", on=dt.date(2020, 7, 5))
    july, july_lines = approved_payroll("2020-07", [(registry.zhang_wei, "dibao", 80_000)])
    report2 = bank_files_make(actor=ca, payroll=july)
    assert report2.resent == 1
    (icbc2,) = report2.files
    rows = payment_file(icbc2).rows
    assert [(r.reference, r.account, r.amount_fen) for r in rows] == [
        (f"L{lines[2].pk}-2", "6222000000000000099", 12_345),
        (f"L{july_lines[0].pk}-1", ZW, 80_000),
    ]
    (result,) = [d for _n, d, _ in bank_answer(icbc2, FAULTS)]
    bank_results_import(actor=ca, files=[("r.csv", result)])
    assert PaymentLine.objects.get(pk=lines[2].pk).status == "paid"
    assert list(
        BankFileEntry.objects.filter(line=lines[2]).order_by("id").values_list("result", flat=True)
    ) == ["failed", "paid"]
    july.refresh_from_db()
    assert july.status == "results_in"
    # the same result again: every line doubled, refused, nothing written
    before = BankResultFile.objects.count()
    with pytest.raises(ServiceError) as e:
        bank_results_import(actor=ca, files=[("again.csv", result)])
    assert e.value.problems[0].code == "doubled_line"
    assert BankResultFile.objects.count() == before
    # and the database itself refuses a second paid entry for a line
    with pytest.raises(IntegrityError), transaction.atomic():
        BankFileEntry.objects.create(
            file=icbc2,
            line=lines[2],
            reference="forged",
            amount_fen=12_345,
            bank_account=lines[0].bank_account,
            account_number=ZW,
            holder_name="x",
            result="paid",
        )
    # 王芳's line, not corrected, is not sent again in August
    august, _ = approved_payroll("2020-08", [])
    assert bank_files_make(actor=ca, payroll=august).resent == 0
    assert PaymentLine.objects.get(pk=lines[3].pk).status == "failed"


def test_late_answers_keep_the_payroll_waiting(june, users):
    ca = users["city_admin"]
    payroll, _ = june
    report = bank_files_make(actor=ca, payroll=payroll)
    icbc = next(f for f in report.files if f.bank_code == "ICBC")
    ccb = next(f for f in report.files if f.bank_code == "CCB")
    bank_results_import(actor=ca, files=[(n, d) for n, d, _ in bank_answer(ccb, FAULTS)])
    files = bank_answer(icbc, FAULTS, late_rate=0.5, seed=2)
    assert len(files) == 2  # on time, then late (seed 2 makes both non-empty)
    bank_results_import(actor=ca, files=[files[0][:2]])
    payroll.refresh_from_db()
    assert payroll.status == "files_sent"
    pending = bank_reconciliation(actor=ca, payroll=payroll).total.pending
    assert pending.count == files[1][2]
    bank_results_import(actor=ca, files=[files[1][:2]])
    payroll.refresh_from_db()
    assert payroll.status == "results_in"


def _result_csv(bf, rows) -> bytes:
    return write_result_file(
        ResultFile(bf.reference, bf.bank_code, dt.date(2020, 7, 11), rows), "csv"
    )


@pytest.mark.parametrize("case", ["unknown", "doubled", "amount", "account", "file", "malformed"])
def test_bad_result_refused_naming_the_line_nothing_written(june, users, case):
    ca = users["city_admin"]
    payroll, _lines = june
    report = bank_files_make(actor=ca, payroll=payroll)
    icbc = next(f for f in report.files if f.bank_code == "ICBC")
    good = read_result_file(bank_answer(icbc)[0][1]).rows
    rows = list(good)
    r0 = rows[0]
    day = dt.date(2020, 7, 11)
    if case == "unknown":
        rows[1] = ResultRow("L999999-1", r0.account, r0.amount_fen, "paid", "", day)
    elif case == "doubled":
        rows[1] = r0
    elif case == "amount":
        rows[1] = ResultRow(rows[1].reference, rows[1].account, 10_001, "paid", "", day)
    elif case == "account":
        rows[1] = ResultRow(rows[1].reference, "6222999999999999999", 10_000, "paid", "", day)
    content = _result_csv(icbc, rows)
    if case == "file":
        content = content.replace(b"PR2020-06-ICBC", b"PR2020-06-XXXX")
    if case == "malformed":
        content = content.replace(b"paid", b"maybe", 1)
    with pytest.raises(ServiceError) as e:
        bank_results_import(actor=ca, files=[("answer.csv", content)])
    p = e.value.problems[0]
    expected = {
        "unknown": ("unknown_line", 9),
        "doubled": ("doubled_line", 9),
        "amount": ("wrong_amount", 9),
        "account": ("wrong_account", 9),
        "file": ("unknown_file", None),
        "malformed": ("bad_outcome", 8),
    }[case]
    assert (p.code, p.row) == expected
    assert "answer.csv" in p.field
    assert not BankResultFile.objects.exists()
    assert set(BankFileEntry.objects.values_list("result", flat=True)) == {"pending"}
    assert PaymentLine.objects.filter(status="paid").count() == 0


def test_files_carry_the_net_amount_after_recovery_deductions(june, users, registry):
    """A recovery withholds 100.00 from 张伟's dibao line of 800.00: the file pays 700.00, and
    the ICBC total is 700.00 + 100.00 + 123.45 = 923.45 (by hand)."""
    from safetynet.payments.models import Recovery, RecoveryDeduction

    payroll, lines = june
    _earlier, (old,) = approved_payroll("2020-05", [(registry.zhang_wei, "dibao", 80_000)])
    recovery = Recovery.objects.create(
        line=old,
        beneficiary_key=old.beneficiary_key,
        person_id=old.person_id,
        division_id=old.division_id,
        program="dibao",
        benefit_month="2020-05",
        amount_fen=10_000,
        reason_code="stopped",
    )
    RecoveryDeduction.objects.create(recovery=recovery, line=lines[0], amount_fen=10_000)
    report = bank_files_make(actor=users["city_admin"], payroll=payroll, fmt="csv")
    icbc = next(f for f in report.files if f.bank_code == "ICBC")
    assert icbc.total_fen == 92_345
    rows = payment_file(icbc).rows
    assert rows[0].amount_fen == 70_000 and rows[0].reference == f"L{lines[0].pk}-1"
    assert BankFileEntry.objects.get(line=lines[0]).amount_fen == 70_000
