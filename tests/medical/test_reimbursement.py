"""Monthly reimbursement of hospitals (ADR 1102, 1103): the statement takes the month's
settlements and reversals once, the ledger books it balanced, the payable file pays the
hospital's account, the bank's result settles the payable or frees the line."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from safetynet.funds.models import JournalEntry, Posting
from safetynet.medical import reimbursement, services, statements
from safetynet.medical.errors import MedicalError
from safetynet.medical.models import HospitalStatement, Settlement
from safetynet.payments import bank_format
from tests.helpers.medical import settle_body

pytestmark = pytest.mark.django_db


def at(number, day):
    Settlement.objects.filter(number=number).update(
        settled_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    )


def balances(source):
    entry = JournalEntry.objects.get(source=source)
    return {(p.account.code, p.district): p.amount_fen for p in Posting.objects.filter(entry=entry)}


@pytest.fixture
def july(hospital, registry):
    services.settlement_create(hospital=hospital, data=settle_body(registry.zhang_wei, "J1"))
    at("J1", dt.date(2019, 7, 15))  # dibao: 600 yuan, 思明区
    body = settle_body(registry.chen_jie, "J2", discharged="2019-07-20", admitted="2019-07-18")
    services.settlement_create(hospital=hospital, data=body)
    at("J2", dt.date(2019, 7, 20))  # tekun: 750 yuan, 湖里区
    services.settlement_create(
        hospital=hospital, data=settle_body(registry.zhang_wei, "A1", discharged="2019-08-02")
    )
    at("A1", dt.date(2019, 8, 2))  # August: not on July's statement
    return hospital


def test_statement_books_the_month_once(july, users):
    st = reimbursement.statement_make(
        actor=users["city_admin"], hospital_code=july.code, month="2019-07"
    )
    assert (st.settlements_count, st.settled_fen, st.amount_fen) == (2, 135000, 135000)
    assert balances(st.journal_source) == {
        ("Expenses:Benefits:City:MedicalAssistance", "350203"): 30000,
        ("Expenses:Benefits:District:D350203:MedicalAssistance", "350203"): 30000,
        ("Expenses:Benefits:City:MedicalAssistance", "350206"): 37500,
        ("Expenses:Benefits:District:D350206:MedicalAssistance", "350206"): 37500,
        ("Liabilities:Payable:MedicalAssistance", "350203"): -60000,
        ("Liabilities:Payable:MedicalAssistance", "350206"): -75000,
    }
    assert set(Settlement.objects.filter(statement=st).values_list("number", flat=True)) == {
        "J1",
        "J2",
    }
    with pytest.raises(MedicalError) as err:
        reimbursement.statement_make(
            actor=users["city_admin"], hospital_code=july.code, month="2019-07"
        )
    assert err.value.code == "statement_exists"


def test_a_reversal_of_a_stated_settlement_is_deducted_next_month(july, users):
    admin = users["city_admin"]
    reimbursement.statement_make(actor=admin, hospital_code=july.code, month="2019-07")
    services.settlement_reverse(hospital=july, number="J1", reason="refund")
    Settlement.objects.filter(number="J1").update(
        reversed_at=timezone.make_aware(dt.datetime(2019, 8, 5, 9))
    )
    aug = reimbursement.statement_make(actor=admin, hospital_code=july.code, month="2019-08")
    # A1 600 yuan settled, J1 600 yuan reversed
    assert (aug.settled_fen, aug.reversed_fen, aug.amount_fen) == (60000, 60000, 0)
    assert (aug.settlements_count, aug.reversals_count) == (1, 1)
    assert aug.journal_source == ""  # nothing to book: the expense nets to zero per district
    xlsx = load_workbook(io.BytesIO(statements.statement_xlsx(aug)))
    cells = [[c.value for c in r] for r in xlsx.active.iter_rows()]
    lines = cells[[r[0] for r in cells].index("类型") + 1 :]
    assert sorted(r[0] for r in lines) == ["冲销", "结算"]
    assert any(r[0] == "冲销" and r[-2] == -600 for r in lines)


def test_refusals_change_nothing(july, users):
    admin = users["city_admin"]
    for kwargs, code in [
        ({"actor": users["auditor"], "month": "2019-07"}, "not_permitted"),
        ({"actor": admin, "month": "2019-13"}, "month_invalid"),
        ({"actor": admin, "month": timezone.localdate().strftime("%Y-%m")}, "month_not_over"),
    ]:
        with pytest.raises(Exception) as err:
            reimbursement.statement_make(hospital_code=july.code, **kwargs)
        assert err.value.code == code
    reimbursement.statement_make(actor=admin, hospital_code=july.code, month="2019-08")
    with pytest.raises(MedicalError) as err:
        reimbursement.statement_make(actor=admin, hospital_code=july.code, month="2019-07")
    assert err.value.code == "statement_out_of_order"
    assert HospitalStatement.objects.count() == 1


def test_pdf_is_rendered(july, users):
    st = reimbursement.statement_make(
        actor=users["city_admin"], hospital_code=july.code, month="2019-07"
    )
    assert statements.statement_pdf(st).startswith(b"%PDF")


def test_payable_file_and_bank_results(july, users, other_hospital, registry):
    admin = users["city_admin"]
    st = reimbursement.statement_make(actor=admin, hospital_code=july.code, month="2019-07")
    files = reimbursement.reimbursement_files_make(actor=admin, month="2019-07")
    assert len(files) == 1
    rf = files[0]
    pf = bank_format.read_payment_file(rf.file.read())
    assert [(r.account, r.id_number, r.amount_fen) for r in pf.rows] == [
        (july.account_number, july.code, 135000)
    ]
    assert JournalEntry.objects.filter(source=f"funding:medical:{rf.reference}").exists()
    with pytest.raises(MedicalError) as err:
        reimbursement.reimbursement_files_make(actor=admin, month="2019-07")
    assert err.value.code == "nothing_to_pay"
    # the bank fails the line: it waits for the next file; then pays it
    result = bank_format.ResultFile(
        reference=rf.reference,
        bank_code=rf.bank_code,
        answered=dt.date(2019, 8, 12),
        rows=[
            bank_format.ResultRow(
                pf.rows[0].reference, pf.rows[0].account, 135000, "failed", "account_closed",
                dt.date(2019, 8, 12),
            )
        ],
    )  # fmt: skip
    out = reimbursement.reimbursement_results_import(
        actor=admin, content=bank_format.write_result_file(result, "csv")
    )
    assert (out.paid, out.failed) == (0, 1)
    st.refresh_from_db()
    assert st.bank_file is None and st.paid_on is None
    again = reimbursement.reimbursement_files_make(actor=admin, month="2019-07")[0]
    pf2 = bank_format.read_payment_file(again.file.read())
    result = bank_format.ResultFile(
        reference=again.reference,
        bank_code=again.bank_code,
        answered=dt.date(2019, 8, 20),
        rows=[
            bank_format.ResultRow(
                pf2.rows[0].reference, pf2.rows[0].account, 135000, "paid", "",
                dt.date(2019, 8, 20),
            )
        ],
    )  # fmt: skip
    out = reimbursement.reimbursement_results_import(
        actor=admin, content=bank_format.write_result_file(result, "xlsx")
    )
    assert (out.paid, out.failed) == (1, 0)
    st.refresh_from_db()
    assert st.paid_on is not None
    payable = sum(
        Posting.objects.filter(account__code="Liabilities:Payable:MedicalAssistance").values_list(
            "amount_fen", flat=True
        )
    )
    assert payable == 0  # booked 1,350 yuan, paid 1,350 yuan
    clearing = sum(
        Posting.objects.filter(
            account__code="Assets:Clearing:Bank", program="medical_assistance"
        ).values_list("amount_fen", flat=True)
    )
    assert clearing == 0
