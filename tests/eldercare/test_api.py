"""The providers' API (ADR 1206): own key, own orders, accept → done → settle against the card,
stable error codes, and the access refusals (401, 403)."""

import pytest

from safetynet.eldercare import services
from safetynet.eldercare.models import CreditAccount
from tests.eldercare.helpers import admitted_provider
from tests.helpers.institutions import issue_key, key_header, make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(provider):
    return key_header(issue_key(provider.institution))


def test_a_provider_accepts_reports_done_and_settles_against_the_card(
    client, users, registry, op, provider, key
):
    zw = registry.zhang_wei
    services.credit_grant_month(actor=users["city_admin"], month="2026-12")
    card = services.card_issue(actor=op, person_id=zw.pk)
    services.profile_update(
        actor=op, person_id=zw.pk, living_situation="alone", phone="13800000001"
    )
    order = services.order_create(actor=op, person_id=zw.pk, item="bathing", note="每周一次助浴")
    listed = client.get("/api/eldercare/orders/", **key).json()
    assert [(o["number"], o["status"], o["price_fen"], o["phone"]) for o in listed] == [
        (order.number, "dispatched", 8000, "13800000001")
    ]
    assert listed[0]["id_number"].count("*") == 8  # masked
    url = f"/api/eldercare/orders/{order.number}/"
    r = client.post(url + "done/", {"staff": "周敏"}, content_type="application/json", **key)
    assert (r.status_code, r.json()["code"]) == (409, "eldercare_transition_not_allowed")
    assert client.post(url + "accept/", **key).json()["status"] == "accepted"
    r = client.post(url + "done/", {}, content_type="application/json", **key)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        400,
        "eldercare_input_invalid",
        "staff",
    )
    r = client.post(url + "done/", {"staff": "周敏"}, content_type="application/json", **key)
    assert (r.json()["status"], r.json()["done_staff"]) == ("done", "周敏")
    r = client.post(
        url + "settle/", {"card_number": "NOPE"}, content_type="application/json", **key
    )
    assert (r.status_code, r.json()["code"]) == (422, "card_invalid")
    r = client.post(
        url + "settle/", {"card_number": card.number}, content_type="application/json", **key
    )
    assert r.status_code == 200
    assert (r.json()["credit_fen"], r.json()["self_pay_fen"], r.json()["settled"]) == (
        8000,
        0,
        True,
    )
    assert CreditAccount.objects.get(person=zw).balance_fen == 20000 - 8000
    r = client.post(
        url + "settle/", {"card_number": card.number}, content_type="application/json", **key
    )
    assert (r.status_code, r.json()["code"]) == (409, "order_already_settled")
    # the operator's visit back lands on the provider's order
    services.order_visit(actor=op, order_id=order.pk, rating=4)
    assert client.get(url, **key).json()["rating"] == 4


def test_another_providers_order_is_not_found_and_keys_are_checked(
    client, users, registry, op, provider, key
):
    other = admitted_provider(users["city_admin"], name="筼筜助老服务社", seq=2)
    theirs = services.order_create(
        actor=op, person_id=registry.zhang_wei.pk, item="meals", provider_id=other.pk
    )
    r = client.get(f"/api/eldercare/orders/{theirs.number}/", **key)
    assert (r.status_code, r.json()["code"]) == (404, "order_not_found")
    r = client.post(f"/api/eldercare/orders/{theirs.number}/accept/", **key)
    assert (r.status_code, r.json()["code"]) == (404, "order_not_found")
    assert client.get("/api/eldercare/orders/").status_code == 401
    r = client.get("/api/eldercare/orders/", HTTP_AUTHORIZATION="ApiKey snk_bad_bad")
    assert r.status_code == 401
    hospital = make_institution("H350203001", "hospital")
    r = client.get("/api/eldercare/orders/", **key_header(issue_key(hospital)))
    assert (r.status_code, r.json()["code"]) == (403, "wrong_institution_kind")
    # a provider institution that is no admitted eldercare provider
    stray = make_institution("P350203009", "provider")
    r = client.get("/api/eldercare/orders/", **key_header(issue_key(stray)))
    assert (r.status_code, r.json()["code"]) == (403, "provider_not_admitted")
    # a staff login is no provider key
    client.force_login(users["city_admin"])
    assert client.get("/api/eldercare/orders/").status_code in (401, 403)


def test_declining_returns_the_order_to_the_operator(client, registry, op, provider, key):
    order = services.order_create(actor=op, person_id=registry.zhang_wei.pk, item="meals")
    url = f"/api/eldercare/orders/{order.number}/decline/"
    r = client.post(url, {}, content_type="application/json", **key)
    assert (r.status_code, r.json()["code"]) == (400, "eldercare_input_invalid")
    r = client.post(url, {"reason": "人手不足"}, content_type="application/json", **key)
    assert r.json()["status"] == "created"
    assert client.get("/api/eldercare/orders/", **key).json() == []
