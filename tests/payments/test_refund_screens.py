"""Refunds and the reconciliation PDF through the pages (ADR 0943): the finance office records a
bank's return on the payroll's bank page and a repayment on the recoveries page; the
reconciliation PDF (WeasyPrint, Chinese) shows sent, paid, failed, pending and returned."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from safetynet.payments.bank_services import bank_files_make
from safetynet.payments.flow_models import Recovery, Refund
from safetynet.payments.models import BankFileEntry
from safetynet.payments.recoveries import recoveries_detect
from tests.helpers.banks import approved_payroll, set_account
from tests.helpers.payroll_flow import add_line, make_payroll
from tests.payments.test_refunds import _pay_all

ZW = "6222000000000000001"


@pytest.fixture
def paid_june(registry, users):
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    payroll, (line,) = approved_payroll("2020-06", [(registry.zhang_wei, "dibao", 80_000)])
    (bf,) = bank_files_make(actor=ca, payroll=payroll).files
    _pay_all(ca, bf)
    return payroll, line


def test_return_recorded_on_the_bank_page_and_in_the_pdf(client, users, paid_june):
    payroll, line = paid_june
    client.force_login(users["city_admin"])
    page = client.get(f"/payments/banks/payrolls/{payroll.pk}/")
    assert page.status_code == 200 and 'data-testid="bank-return"' in page.content.decode()
    bad = client.post(
        f"/payments/banks/payrolls/{payroll.pk}/return/",
        {"reference": "L0-1", "on": "2020-06-20", "reason": "account_closed"},
    )
    assert bad.status_code == 422 and "reference" in bad.content.decode()
    ok = client.post(
        f"/payments/banks/payrolls/{payroll.pk}/return/",
        {"reference": f"L{line.pk}-1", "on": "2020-06-20", "reason": "account_closed"},
    )
    assert ok.status_code == 302
    assert BankFileEntry.objects.get(line=line).result == "returned"
    pdf = client.get(f"/payments/banks/payrolls/{payroll.pk}/reconciliation.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "银行代发对账表" in text and "银行退回" in text and "800.00" in text
    assert "相符" in text and "不符" not in text
    # a street officer sees the pages but may not record a return
    client.force_login(users["street_officer"])
    page = client.get(f"/payments/banks/payrolls/{payroll.pk}/")
    assert 'data-testid="bank-return"' not in page.content.decode()


def test_repayment_recorded_on_the_recoveries_page(client, users, registry):
    ca = users["city_admin"]
    p = make_payroll("2020-01", prepared_by=ca, status="closed")
    add_line(
        p,
        person=registry.wang_fang,
        household=registry.zh2,
        program="low_income",
        amount_fen=50_000,
        status="paid",
    )
    (recovery,) = recoveries_detect(actor=ca)
    client.force_login(ca)
    url = f"/payments/recoveries/{recovery.pk}/repayment/"
    prefix = f"rp{recovery.pk}"
    bad = client.post(
        url, {f"{prefix}-amount": "12.3", f"{prefix}-receipt": "R1", f"{prefix}-on": "2020-02-01"}
    )
    assert bad.status_code == 422
    ok = client.post(
        url, {f"{prefix}-amount": "120.00", f"{prefix}-receipt": "R1", f"{prefix}-on": "2020-02-01"}
    )
    assert ok.status_code == 302
    assert Recovery.objects.get().refunded_fen == 12_000
    assert Refund.objects.get().reference == "R1"
    page = client.get("/payments/recoveries/").content.decode()
    assert "120.00" in page and "380.00" in page  # paid back, outstanding
    # the household page shows the repayment beside the payments
    house = client.get(f"/households/{registry.zh2.pk}/").content.decode()
    assert "R1" in house and "120.00" in house


def test_refund_api(client, users, paid_june):
    payroll, line = paid_june
    client.force_login(users["city_admin"])
    r = client.post(
        "/api/banks/returns/",
        {"reference": f"L{line.pk}-1", "on": "2020-06-21", "reason": "other"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["amount_fen"] == 80_000 and r.json()["kind"] == "bank_return"
    again = client.post(
        "/api/banks/returns/",
        {"reference": f"L{line.pk}-1", "on": "2020-06-21", "reason": "other"},
        content_type="application/json",
    )
    assert again.status_code == 400 and again.json()["code"] == "refund_not_paid"
    rec = client.get(f"/api/banks/payrolls/{payroll.pk}/reconciliation/").json()
    assert rec["total"]["returned"] == {"count": 1, "fen": 80_000}
    assert dt.date.today() >= dt.date(2020, 6, 21)
