"""The bank API: make the files, download one, import a result with a failure (base64), the
reconciliation figures, the failed line, its account fixed; refusals naming the line."""

import base64

import pytest
from rest_framework.test import APIClient

from safetynet.payments.models import BankFile
from tests.helpers.banks import Fault, approved_payroll, bank_answer, set_account

ZW, ZX = "6222000000000000001", "6222000000000000003"


@pytest.fixture
def api(users):
    c = APIClient()
    c.force_authenticate(users["city_admin"])
    return c


def test_bank_api_flow(api, users, registry):
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    set_account(ca, registry.zhang_xiaoming, ZX)
    payroll, lines = approved_payroll(
        "2020-06",
        [(registry.zhang_wei, "dibao", 80_000), (registry.zhang_xiaoming, "disabled", 12_345)],
    )
    r = api.post(f"/api/banks/payrolls/{payroll.pk}/files/", {"format": "csv"}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["lines"], r.json()["total_fen"]) == (2, 92_345)
    again = api.post(f"/api/banks/payrolls/{payroll.pk}/files/", {}, format="json")
    assert again.status_code == 409
    (f,) = api.get(f"/api/banks/payrolls/{payroll.pk}/files/").json()
    d = api.get(f"/api/banks/files/{f['id']}/download/")
    assert d.status_code == 200 and d.content.decode("utf-8-sig").startswith("格式,")
    ((name, result, _),) = bank_answer(
        BankFile.objects.get(), {("ICBC", ZX): Fault("account_closed", "张小明")}
    )
    bad = result.replace(b"123.45", b"123.46")
    r = api.post(
        "/api/banks/results/",
        {"files": [{"name": name, "content_base64": base64.b64encode(bad).decode()}]},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["problems"][0]["code"] == "wrong_amount" and r.json()["problems"][0]["row"] == 9
    r = api.post(
        "/api/banks/results/",
        {"files": [{"name": name, "content_base64": base64.b64encode(result).decode()}]},
        format="json",
    )
    assert r.status_code == 200
    assert (r.json()["paid_fen"], r.json()["failed_fen"]) == (80_000, 12_345)
    rec = api.get(f"/api/banks/payrolls/{payroll.pk}/reconciliation/").json()
    assert rec["total"]["sent"] == {"count": 2, "fen": 92_345}
    assert rec["total"]["failed"] == {"count": 1, "fen": 12_345}
    (failed,) = api.get("/api/banks/failed/").json()
    assert failed["reason"] == "account_closed" and failed["account_last4"] == "0003"
    assert failed["account_corrected"] is False
    r = api.post(
        f"/api/banks/failed/{lines[1].pk}/account/",
        {"bank_code": "ICBC", "bank_name": "中国工商银行",
         "account_number": "6222000000000000099", "holder_name": "张小明"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["account_last4"] == "0099"
    assert api.get("/api/banks/failed/").json()[0]["account_corrected"] is True


def test_street_officer_may_not(users, registry):
    c = APIClient()
    c.force_authenticate(users["street_officer"])
    payroll, _ = approved_payroll("2020-06", [])
    assert c.post(f"/api/banks/payrolls/{payroll.pk}/files/", {}, format="json").status_code == 403
    assert c.get(f"/api/banks/payrolls/{payroll.pk}/files/").json() == []
