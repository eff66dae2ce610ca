"""对账 (results_in → reconciled → closed): a payroll whose bank results are all in is
reconciled when its reconciliation balances and the books agree (the clearing account holds
nothing for its files), then closed; through the service, the command line and the page."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.core.errors import ServiceError
from safetynet.funds.payments_hooks import clearing_balance_of
from safetynet.payments.approval import payroll_close, payroll_reconcile
from safetynet.payments.bank_services import bank_files_make
from safetynet.payments.models import PayrollEvent
from safetynet.payments.refunds import refund_bank_return
from tests.helpers.banks import approved_payroll, set_account
from tests.payments.test_refunds import _pay_all

ZW, WF = "6222000000000000001", "6227000000000000002"


@pytest.fixture
def sent(registry, users):
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    set_account(ca, registry.wang_fang, WF, bank="CCB")
    payroll, lines = approved_payroll(
        "2020-06",
        [(registry.zhang_wei, "dibao", 80_000), (registry.wang_fang, "low_income", 40_001)],
    )
    files = bank_files_make(actor=ca, payroll=payroll).files
    return payroll, lines, files


def test_reconciled_when_every_result_is_in_and_the_books_agree(sent, users):
    ca = users["city_admin"]
    payroll, (zw, _wf), files = sent
    # files sent, results not in: the clearing account holds 1,200.01 yuan; not reconcilable
    assert clearing_balance_of(payroll) == 120_001
    with pytest.raises(ServiceError) as exc:
        payroll_reconcile(actor=ca, payroll_id=payroll.pk)
    assert exc.value.code == "payroll_transition_not_allowed"
    for bf in files:
        _pay_all(ca, bf)
    assert clearing_balance_of(payroll) == 0
    # a payment returned by the bank afterwards does not keep the payroll open: it is owed
    # again and paid from a later payroll's files
    refund_bank_return(actor=ca, reference=f"L{zw.pk}-1", on=dt.date(2020, 6, 9), reason="other")
    with pytest.raises(ServiceError) as exc:
        payroll_reconcile(actor=users["street_officer"], payroll_id=payroll.pk)
    assert exc.value.code == "not_permitted"
    payroll = payroll_reconcile(actor=ca, payroll_id=payroll.pk)
    assert payroll.status == "reconciled"
    event = PayrollEvent.objects.get(payroll=payroll, kind="reconciled")
    assert event.data["banks"] == {
        "ICBC": {"sent": [1, 80_000], "paid": [0, 0], "failed": [0, 0], "returned": [1, 80_000]},
        "CCB": {"sent": [1, 40_001], "paid": [1, 40_001], "failed": [0, 0], "returned": [0, 0]},
    }
    assert payroll_close(actor=ca, payroll_id=payroll.pk).status == "closed"


def test_reconcile_on_the_command_line_and_the_page(sent, users, client):
    ca = users["city_admin"]
    payroll, _lines, files = sent
    with pytest.raises(CommandError) as exc:
        call_command("payroll", "reconcile", str(payroll.pk), "--as", "ca", stdout=io.StringIO())
    assert "payroll_transition_not_allowed" in str(exc.value)
    for bf in files:
        _pay_all(ca, bf)
    client.force_login(ca)
    page = client.get(f"/payments/{payroll.pk}/").content.decode()
    assert 'data-testid="reconcile"' in page
    out = io.StringIO()
    call_command("payroll", "reconcile", str(payroll.pk), "--as", "ca", stdout=out)
    assert "reconciled" in out.getvalue()
    page = client.get(f"/payments/{payroll.pk}/").content.decode()
    assert 'data-testid="close"' in page
    assert client.post(f"/payments/{payroll.pk}/close/").status_code == 302
    payroll.refresh_from_db()
    assert payroll.status == "closed"


def test_reconcile_and_close_through_the_api(sent, users):
    from rest_framework.test import APIClient

    api = APIClient()
    ca = users["city_admin"]
    payroll, _lines, files = sent
    url = f"/api/payrolls/{payroll.pk}/"
    api.force_authenticate(ca)
    # results not in: 409 with the code, nothing changed
    r = api.post(url + "reconcile/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "payroll_transition_not_allowed"
    for bf in files:
        _pay_all(ca, bf)
    # the street may see payrolls but not reconcile them: 403 from the service
    api.force_authenticate(users["street_officer"])
    assert api.post(url + "reconcile/", {}, format="json").status_code == 403
    api.force_authenticate(ca)
    r = api.post(url + "close/", {}, format="json")  # not reconciled yet
    assert r.status_code == 409
    r = api.post(url + "reconcile/", {"note": "对账无误"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "reconciled"
    assert PayrollEvent.objects.get(payroll=payroll, kind="reconciled").data["banks"]["CCB"] == {
        "sent": [1, 40_001], "paid": [1, 40_001], "failed": [0, 0], "returned": [0, 0],
    }  # fmt: skip
    r = api.post(url + "close/", {"note": "x" * 501}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = api.post(url + "close/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    api.force_authenticate(None)
    assert api.post(url + "close/", {}, format="json").status_code in (401, 403)
    schema_user = APIClient()
    schema_user.force_authenticate(ca)
    paths = schema_user.get("/api/schema/", {"format": "json"}).json()["paths"]
    for p in ("/api/payrolls/{id}/reconcile/", "/api/payrolls/{id}/close/"):
        # 429 (login lockout) is documented once for every endpoint in docs/api.md
        assert {"200", "400", "401", "403", "409"} <= set(paths[p]["post"]["responses"])
