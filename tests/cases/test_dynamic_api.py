"""The REST endpoints of the no-application lists, reviews, emergency aid and grievances:
scoped, documented, 400 naming the field, 403 not_permitted, 404, 409 on a state conflict."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from safetynet.cases import reviews
from safetynet.cases.dynamic_models import Grievance, ProposalEntry, ProposalList
from safetynet.cases.models import EmergencyAid
from safetynet.registry.models import Enrolment
from tests.helpers.dynamic import make_elders, make_enrolled, refused_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_lists_generate_list_and_confirm(api, staff, clock):
    _fam, turning, ninety = make_elders(staff["community_worker"])
    clock.set(dt.date(2025, 11, 3))
    api.force_authenticate(staff["community_worker"])
    r = api.post("/api/cases/lists/generate/", {"month": "2025-11"}, format="json")
    assert r.status_code == 403 and r.data["code"] == "not_permitted"
    api.force_authenticate(staff["street_officer"])
    r = api.post("/api/cases/lists/generate/", {"month": "2025-13"}, format="json")
    assert r.status_code == 400 and r.data["field"] == "month"
    r = api.post("/api/cases/lists/generate/", {"month": "2025-11"}, format="json")
    assert r.status_code == 200 and r.data["proposed"]["age_allowance"] == 2
    r = api.get("/api/cases/lists/", {"month": "2025-11"})
    assert r.status_code == 200
    plist = next(x for x in r.data if x["kind"] == "age_allowance")
    r = api.get(f"/api/cases/lists/{plist['id']}/")
    amounts = {e["person_id"]: e["amount_fen"] for e in r.data["entries"]}
    assert amounts == {turning.pk: 10_000, ninety.pk: 20_000}
    url = f"/api/cases/lists/{plist['id']}/confirm/"
    r = api.post(url, {"excluded": {str(ninety.pk): ""}}, format="json")
    assert r.status_code == 400 and r.data["field"] == f"excluded.{ninety.pk}"
    assert ProposalList.objects.get(pk=plist["id"]).status == "proposed"  # nothing written
    # another street's officer: not found
    api.force_authenticate(staff["huli_officer"])
    assert api.post(url, {}, format="json").status_code == 404
    api.force_authenticate(staff["street_officer"])
    r = api.post(url, {"excluded": {str(ninety.pk): "户籍已迁出"}}, format="json")
    assert r.status_code == 200 and r.data["status"] == "confirmed"
    assert ProposalEntry.objects.get(person=ninety).reason == "户籍已迁出"
    assert Enrolment.objects.filter(person=turning, category="elderly_80").exists()
    r = api.post(url, {}, format="json")
    assert r.status_code == 409 and r.data["code"] == "proposal_list_confirmed"


def test_reviews_list_and_decide(api, staff, clock):
    young = make_enrolled(staff["community_worker"])
    clock.set(dt.date(2025, 10, 9))
    rv = reviews.review_open(
        actor=staff["community_worker"],
        household_id=young.household.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="户主找到临时工作",
    )
    api.force_authenticate(staff["street_officer"])
    r = api.get("/api/cases/reviews/")
    rows = r.data["results"]
    assert [x["id"] for x in rows] == [rv.pk] and rows[0]["trigger"] == "reported_change"
    url = f"/api/cases/reviews/{rv.pk}/decide/"
    r = api.post(url, {"outcome": "continue"}, format="json")
    assert r.status_code == 403 and r.data["code"] == "not_permitted"
    api.force_authenticate(staff["district_approver"])
    assert api.post(url, {"outcome": "pause"}, format="json").data["field"] == "outcome"
    # 500 yuan wage for 2 members: (800 − 250) × 2 = 1,100 yuan a month from November
    r = api.post(
        url,
        {"outcome": "adjust", "declared_income": {str(young.head.pk): {"wage_fen": 50_000}}},
        format="json",
    )
    assert r.status_code == 200 and r.data["amount_fen"] == 110_000
    assert [e["kind"] for e in r.data["timeline"]] == ["review_opened", "review_decided"]
    r = api.post(url, {"outcome": "continue"}, format="json")
    assert r.status_code == 409 and r.data["code"] == "review_closed"
    assert api.get("/api/cases/reviews/").data["results"] == []
    api.force_authenticate(staff["huli_officer"])
    assert api.get(f"/api/cases/reviews/{rv.pk}/").status_code == 404


def test_emergency_grant_and_formality(api, staff, family, clock):
    api.force_authenticate(staff["street_officer"])
    body = {"household_id": family.household.pk, "amount_fen": 160_001, "hardship": "家中失火"}
    r = api.post("/api/cases/emergency/", body, format="json")
    assert r.status_code == 400 and r.data["code"] == "emergency_over_cap"
    assert r.data["field"] == "amount_fen" and not EmergencyAid.objects.exists()
    r = api.post("/api/cases/emergency/", {**body, "amount_fen": "x"}, format="json")
    assert r.status_code == 400 and r.data["field"] == "amount_fen"
    r = api.post("/api/cases/emergency/", {**body, "amount_fen": 160_000}, format="json")
    assert r.status_code == 201 and r.data["cap_fen"] == 160_000
    assert r.data["formalities_due"] == "2025-10-10"
    url = f"/api/cases/{r.data['case_id']}/formalities/"
    assert api.post(url, {"item": "identity"}, format="json").status_code == 200
    r = api.post(url, {"item": "identity"}, format="json")
    assert r.status_code == 409 and r.data["code"] == "emergency_formality_done"
    assert api.post(url, {"item": "selfie"}, format="json").data["field"] == "item"
    api.force_authenticate(staff["community_worker"])
    assert api.post(url, {"item": "application"}, format="json").status_code == 403


def test_grievances_record_and_answer(api, staff, family, clock):
    case = refused_case(staff, family, clock)
    api.force_authenticate(staff["community_worker"])
    url = f"/api/cases/{case.pk}/grievances/"
    r = api.post(url, {"kind": "appeal", "content": "x"}, format="json")
    assert r.status_code == 400 and r.data["field"] == "kind"
    r = api.post(url, {"kind": "reconsideration", "content": "收入计算有误"}, format="json")
    assert r.status_code == 201
    assert r.data["lodge_deadline"] == (clock() + dt.timedelta(days=60)).isoformat()
    gid = r.data["id"]
    r = api.post(
        url,
        {"kind": "lawsuit", "content": "起诉", "lodged_on": "2099-01-01"},
        format="json",
    )
    assert r.status_code == 400 and r.data["field"] == "lodged_on"
    assert [g["id"] for g in api.get(url).data] == [gid]
    answer = f"/api/cases/grievances/{gid}/answer/"
    assert api.post(answer, {"answer": "维持"}, format="json").status_code == 403
    api.force_authenticate(staff["district_approver"])
    r = api.post(answer, {"answer": "维持原决定", "upheld": False}, format="json")
    assert r.status_code == 200 and r.data["answered_on"] == clock().isoformat()
    r = api.post(answer, {"answer": "再答"}, format="json")
    assert r.status_code == 409 and r.data["code"] == "grievance_already_answered"
    assert Grievance.objects.get().answer == "维持原决定"
    api.force_authenticate(staff["huli_officer"])
    assert api.get(url).status_code == 404


def test_schema_documents_the_endpoints(api, staff):
    api.force_authenticate(staff["street_officer"])
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    for p in (
        "/api/cases/lists/",
        "/api/cases/lists/{id}/confirm/",
        "/api/cases/reviews/{id}/decide/",
        "/api/cases/emergency/",
        "/api/cases/{id}/grievances/",
        "/api/cases/grievances/{id}/answer/",
    ):
        assert p in paths, p
    assert "409" in paths["/api/cases/lists/{id}/confirm/"]["post"]["responses"]


def test_generate_for_a_month_before_the_casework_parameters_is_refused(api, staff, clock):
    """The `casework.*` limits start in 2021-07: an earlier month is a 400 naming `month`,
    not a 500, and no list is written."""
    make_elders(staff["community_worker"])
    api.force_authenticate(staff["street_officer"])
    r = api.post("/api/cases/lists/generate/", {"month": "2019-07"}, format="json")
    assert r.status_code == 400 and r.data["field"] == "month"
    assert not ProposalList.objects.exists()
    r = api.get("/api/cases/reviews/", {"page": "x"})
    assert r.status_code == 400 and r.data["field"] == "page"


def test_review_opened_for_a_reported_change(api, staff, family, clock):
    young = make_enrolled(staff["community_worker"])
    clock.set(dt.date(2025, 10, 9))
    body = {
        "household_id": young.household.pk,
        "program": "dibao",
        "trigger": "reported_change",
        "reported_change": "户主找到临时工作",
    }
    api.force_authenticate(staff["district_approver"])
    assert api.post("/api/cases/reviews/", body, format="json").status_code == 403
    api.force_authenticate(staff["community_worker"])
    r = api.post("/api/cases/reviews/", body, format="json")
    assert r.status_code == 201 and r.data["due_on"] == "2025-10-29"
    r = api.post("/api/cases/reviews/", body, format="json")
    assert r.status_code == 409 and r.data["code"] == "review_already_open"
    r = api.post(
        "/api/cases/reviews/", {**body, "household_id": family.household.pk}, format="json"
    )
    assert r.status_code == 400 and r.data["field"] == "program"
    r = api.post("/api/cases/reviews/", {**body, "reported_change": ""}, format="json")
    assert r.status_code == 400 and r.data["field"] == "reported_change"
