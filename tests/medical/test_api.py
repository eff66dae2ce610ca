"""The hospitals' API (ADR 1100, 1101): key authentication, the split at once, stable error codes,
only its own records, the schema."""

import json

import pytest
from stdnum.cn import ric

from safetynet.medical.models import AnnualRoom, Settlement
from tests.helpers.institutions import issue_key, key_header, make_institution
from tests.helpers.medical import settle_body

pytestmark = pytest.mark.django_db
URL = "/api/medical/settlements/"
NOBODY = "11010519900101123" + ric.calc_check_digit("110105199001011230")


def post(client, url, body, headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_settle_answers_the_split_at_once(client, hospital_key, registry):
    response = post(client, URL, settle_body(registry.zhang_wei), hospital_key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {
        k: body[k] for k in ("insurance_fen", "assistance_fen", "patient_fen", "total_fen")
    } == {
        "insurance_fen": 175000,
        "assistance_fen": 60000,
        "patient_fen": 65000,
        "total_fen": 300000,
    }
    assert body["category"] == "dibao" and body["category_name"] == "最低生活保障（低保）"
    assert body["annual"] == {"year": 2019, "annual_cap_fen": 10000000, "room_fen": 9940000}
    assert (
        body["id_number"]
        == registry.zhang_wei.id_number[:6] + "********" + (registry.zhang_wei.id_number[14:])
    )
    assert body["replayed"] is False and body["status"] == "settled"
    again = post(client, URL, settle_body(registry.zhang_wei), hospital_key)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["assistance_fen"] == 60000


@pytest.mark.parametrize(
    "mutate, status, code",
    [
        (lambda b: {**b, "bill": {**b["bill"], "policy_scope_fen": 400000}}, 400,
         "amounts_inconsistent"),
        (lambda b: {**b, "bill": "300000"}, 400, "bill_malformed"),
        (lambda b: {**b, "settlement_number": "JS-0002", "id_number": NOBODY}, 422,
         "unknown_person"),
        (lambda b: {**b, "bill": {**b["bill"], "total_fen": 300001}}, 409,
         "settlement_number_conflict"),
    ],
)  # fmt: skip
def test_errors_have_stable_codes_and_change_nothing(
    client, hospital_key, registry, mutate, status, code
):
    post(client, URL, settle_body(registry.zhang_wei), hospital_key)
    response = post(client, URL, mutate(settle_body(registry.zhang_wei)), hospital_key)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["field"]
    assert Settlement.objects.count() == 1
    assert AnnualRoom.objects.get().assistance_used_fen == 60000


def test_body_that_is_not_json_or_not_an_object(client, hospital_key, registry):
    bad = client.post(URL, data="{", content_type="application/json", **hospital_key)
    assert bad.status_code == 400 and bad.json()["code"] == "parse_error"
    arr = post(client, URL, [1, 2], hospital_key)
    assert arr.status_code == 400 and arr.json()["code"] == "request_malformed"
    assert not Settlement.objects.exists()


def test_reverse_restores_the_room(client, hospital_key, registry):
    post(client, URL, settle_body(registry.zhang_wei), hospital_key)
    response = post(client, f"{URL}JS-0001/reverse/", {"reason": "refund"}, hospital_key)
    assert response.status_code == 200 and response.json()["status"] == "reversed"
    assert AnnualRoom.objects.get().assistance_used_fen == 0
    bad = post(client, f"{URL}JS-0001/reverse/", {"reason": "x"}, hospital_key)
    assert bad.status_code == 400 and bad.json()["code"] == "reason_invalid"


def test_a_hospital_sees_only_its_own_settlements(client, hospital_key, other_hospital, registry):
    other_key = key_header(issue_key(other_hospital))
    post(client, URL, settle_body(registry.zhang_wei, "MINE"), hospital_key)
    post(client, URL, settle_body(registry.chen_jie, "THEIRS"), other_key)
    mine = client.get(URL, **hospital_key).json()
    assert [s["settlement_number"] for s in mine] == ["MINE"]
    assert client.get(f"{URL}MINE/", **hospital_key).status_code == 200
    response = client.get(f"{URL}THEIRS/", **hospital_key)
    assert response.status_code == 404 and response.json()["code"] == "settlement_not_found"
    response = post(client, f"{URL}THEIRS/reverse/", {"reason": "refund"}, hospital_key)
    assert response.status_code == 404
    assert Settlement.objects.get(number="THEIRS").status == "settled"
    by_month = client.get(URL + "?month=2019-08", **hospital_key).json()
    assert by_month == []


def test_funeral_homes_and_staff_cannot_settle(client, users, registry):
    home = make_institution("F350203001", "funeral_home")
    response = post(client, URL, settle_body(registry.zhang_wei), key_header(issue_key(home)))
    assert response.status_code == 403 and response.json()["code"] == "wrong_institution_kind"
    client.force_login(users["city_admin"])
    response = post(client, URL, settle_body(registry.zhang_wei), {})
    assert response.status_code == 401
    assert not Settlement.objects.exists()


def test_schema_documents_the_hospital_api(client, users):
    client.force_login(users["city_admin"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    op = schema["paths"]["/api/medical/settlements/"]["post"]
    assert op["security"] == [{"institutionApiKey": []}]
    assert {"201", "200", "400", "409", "422"} <= set(op["responses"])
    assert "/api/medical/settlements/{number}/reverse/" in schema["paths"]
