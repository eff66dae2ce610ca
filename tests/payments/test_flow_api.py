"""The payroll endpoints: list, detail (scoped totals, differences, approvals), lines (filters,
paging), check and approve with their refusals (403, 404, 409, 400 naming the field)."""

import pytest
from rest_framework.test import APIClient

from safetynet.accounts.models import Role
from tests.helpers.city import make_user
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def payroll(registry, users):
    p = make_payroll("2024-05", prepared_by=users["city_admin"])
    add_line(p, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    add_line(
        p, person=registry.chen_jie, household=registry.hl1, program="tekun", amount_fen=108000
    )
    return p


def test_list_detail_and_lines_are_scoped(api, payroll, users):
    api.force_authenticate(users["district_approver"])  # 思明区
    r = api.get("/api/payrolls/")
    assert r.status_code == 200
    assert r.data[0]["month"] == "2024-05" and r.data[0]["amount_fen"] == 60000
    r = api.get(f"/api/payrolls/{payroll.pk}/")
    assert r.status_code == 200 and set(r.data["by_district"]) == {"350203"}
    assert r.data["differences"][0]["amount_change_fen"] == 60000
    r = api.get(f"/api/payrolls/{payroll.pk}/lines/")
    assert [line["person_name"] for line in r.data["results"]] == ["张伟"]
    r = api.get(f"/api/payrolls/{payroll.pk}/lines/", {"district": "35"})
    assert r.status_code == 400 and r.data["field"] == "district"
    api.force_authenticate(users["verification_operator"])
    assert api.get("/api/payrolls/").status_code == 403
    assert api.get("/api/payrolls/999999/").status_code in (403, 404)


def test_check_and_approve(api, payroll, users):
    finance = make_user("fin", Role.CITY_FINANCE, "350200")
    huli = make_user("hda", Role.DISTRICT_APPROVER, "350206")
    api.force_authenticate(users["city_admin"])  # the preparer
    r = api.post(f"/api/payrolls/{payroll.pk}/check/", {}, format="json")
    assert r.status_code == 409 and r.data["code"] == "payroll_checker_is_preparer"
    api.force_authenticate(users["district_approver"])
    r = api.post(f"/api/payrolls/{payroll.pk}/check/", {}, format="json")
    assert r.status_code == 403 and r.data["code"] == "not_permitted"
    api.force_authenticate(finance)
    r = api.post(f"/api/payrolls/{payroll.pk}/check/", {"note": "ok"}, format="json")
    assert r.status_code == 200 and r.data["status"] == "checked"
    assert {a["scope"] for a in r.data["approvals"]} == {"350203", "350206"}
    api.force_authenticate(users["district_approver"])
    r = api.post(f"/api/payrolls/{payroll.pk}/approve/", {"scope": "350206"}, format="json")
    assert r.status_code == 404
    r = api.post(f"/api/payrolls/{payroll.pk}/approve/", {"scope": "city"}, format="json")
    assert r.status_code == 404  # no city-paid line in this payroll: no such scope
    r = api.post(f"/api/payrolls/{payroll.pk}/approve/", {}, format="json")
    assert r.status_code == 200 and r.data["status"] == "checked"
    mine = [a for a in r.data["approvals"] if a["mine"]]
    assert mine[0]["approved_by"] == "da"
    api.force_authenticate(huli)
    r = api.post(f"/api/payrolls/{payroll.pk}/approve/", {"budget_override": "x"}, format="json")
    assert r.status_code == 400 and r.data["field"] == "budget_override"
    r = api.post(f"/api/payrolls/{payroll.pk}/approve/", {}, format="json")
    assert r.status_code == 200 and r.data["status"] == "approved"


def test_schema_documents_the_payroll_endpoints(api, users):
    api.force_authenticate(users["city_admin"])
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for p in ["/api/payrolls/", "/api/payrolls/{id}/lines/", "/api/payrolls/{id}/approve/"]:
        assert p in schema["paths"]
