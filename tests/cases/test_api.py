"""The case endpoints of the REST API: list (scoped, filtered, paginated), detail, transitions
with their error codes (400 naming the field, 403 not_permitted, 404, 409), and the schema."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from safetynet.cases.models import Case
from tests.helpers.cases import PNG, apply, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def post(api, case, **data):
    return api.post(f"/api/cases/{case.pk}/transitions/", data, format="json")


def test_list_is_scoped_filtered_and_paginated(api, staff, family, clock):
    case = apply(staff["community_worker"], family)
    api.force_authenticate(staff["street_officer"])
    r = api.get("/api/cases/")
    assert r.status_code == 200
    assert [c["number"] for c in r.data["results"]] == [case.number]
    assert r.data["results"][0]["step_due"] == case.investigation_due.isoformat()
    assert r.data["next"] is None and r.data["page"] == 1
    assert api.get("/api/cases/", {"step": "in_notice"}).data["results"] == []
    assert api.get("/api/cases/", {"program": "tekun"}).data["results"] == []
    r = api.get("/api/cases/", {"step": "nonsense"})
    assert r.status_code == 400 and r.data["field"] == "step"
    clock.set(case.total_due + dt.timedelta(days=1))
    r = api.get("/api/cases/", {"overdue": "true"})
    assert r.data["results"][0]["overdue"] == ["investigation", "total"]
    api.force_authenticate(staff["huli_officer"])
    assert api.get("/api/cases/").data["results"] == []
    assert api.get(f"/api/cases/{case.pk}/").status_code == 404
    assert post(api, Case.objects.get(), action="start_investigation").status_code == 404


def test_transitions_to_refusal_with_error_codes(api, staff, family, clock):
    case = apply(staff["community_worker"], family, wage=2_000_000)
    so = staff["street_officer"]
    api.force_authenticate(staff["community_worker"])
    r = post(api, case, action="start_investigation")
    assert r.status_code == 403 and r.data["code"] == "not_permitted"
    api.force_authenticate(so)
    r = post(api, case, action="close_notice")
    assert r.status_code == 409 and r.data["code"] == "case_transition_not_allowed"
    r = post(api, case, action="fly")
    assert r.status_code == 400 and r.data["field"] == "action"
    r = post(api, case, action="start_investigation")
    assert r.status_code == 200 and r.data["status"] == "investigating"
    assert "record_home_visit" in r.data["actions"]
    clock.advance(2)
    r = api.post(
        f"/api/cases/{case.pk}/transitions/",
        {
            "action": "record_home_visit",
            "visited_on": clock().isoformat(),
            "staff_1": staff["community_worker"].pk,
            "staff_2": staff["street_officer_2"].pk,
            "findings": "有稳定工作",
            "photos": [SimpleUploadedFile("a.png", PNG, "image/png")],
        },
        format="multipart",
    )
    assert r.status_code == 200, r.data
    r = post(api, case, action="record_home_visit", visited_on="2025-13-01")
    assert r.status_code == 400 and r.data["field"] == "visited_on"
    r = post(
        api,
        case,
        action="record_home_visit",
        visited_on=clock().isoformat(),
        staff_1=so.pk,
        staff_2=so.pk,
        findings="x",
    )
    assert r.status_code == 400 and r.data["code"] == "home_visit_staff_same"
    assert r.data["field"] == "staff"
    verify(so, case)
    r = post(api, case, action="propose")
    assert r.status_code == 200 and r.data["proposal"]["eligible"] is False
    assert r.data["proposal"]["trace"] and "situation" not in r.data["proposal"]
    r = post(api, case, action="publish_notice")
    assert r.status_code == 409
    r = post(api, case, action="refer_for_decision")
    assert r.status_code == 200 and r.data["status"] == "awaiting_decision"
    api.force_authenticate(staff["district_approver"])
    r = post(api, case, action="refuse", reasons=["家庭人均收入高于低保标准"])
    assert r.status_code == 200 and r.data["status"] == "refused"
    assert r.data["decision"]["reasons"] == ["家庭人均收入高于低保标准"]
    assert [n["kind"] for n in r.data["notices"]] == ["decision"]
    r = post(api, case, action="approve")
    assert r.status_code == 409 and r.data["code"] in (
        "case_already_decided",
        "case_transition_not_allowed",
    )
    d = api.get(f"/api/cases/{case.pk}/").data
    kinds = [e["kind"] for e in d["timeline"]]
    assert kinds[0] == "accepted" and kinds[-1] == "refused"
    assert {x["step"] for x in d["due_dates"]} >= {"investigation", "decision", "total"}


def test_extend_needs_reason(api, staff, family, clock):
    case = apply(staff["community_worker"], family)
    api.force_authenticate(staff["street_officer"])
    r = post(api, case, action="extend", reason="")
    assert r.status_code == 400 and r.data["field"] == "reason"
    r = post(api, case, action="extend", reason="需补充病历")
    assert r.status_code == 200 and r.data["extension_reason"] == "需补充病历"
    assert post(api, case, action="extend", reason="again").status_code == 409


def test_schema_documents_case_endpoints(api, staff):
    api.force_authenticate(staff["street_officer"])
    r = api.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/cases/{id}/transitions/" in paths
    assert "409" in paths["/api/cases/{id}/transitions/"]["post"]["responses"]
