"""The alarm devices' API (ADR 1221, docs/eldercare-emergency.md): a device's key, stable error
codes that write nothing, replays, a second signal attached, the rate limit, and the simulated
device over real HTTP."""

import json

import pytest
from django.test import override_settings

from safetynet.eldercare.emergency import services
from safetynet.eldercare.emergency.models import Emergency, EmergencySignal
from safetynet.simulated.devices import DeviceClient

pytestmark = pytest.mark.django_db
URL = "/api/eldercare/emergency/signals/"


def post(client, body, key=None, raw=None, **headers):
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"DeviceKey {key}"
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **headers)


def test_a_signal_opens_an_emergency_and_its_replay_is_the_same(client, device):
    r = post(client, {"signal_id": "S-1", "kind": "button"}, device.key)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["replayed"] is False and out["attached"] is False
    assert out["status"] == "opened" and out["responder_assigned"] is False
    e = Emergency.objects.get()
    assert out["emergency"] == e.number == f"YJ{e.pk:07d}"
    again = post(client, {"signal_id": "S-1", "kind": "button"}, device.key)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["emergency"] == out["emergency"]
    assert Emergency.objects.count() == 1 and EmergencySignal.objects.count() == 1
    # another signal while it is open joins it
    third = post(client, {"signal_id": "S-2"}, device.key)
    assert third.status_code == 201 and third.json()["attached"] is True
    assert Emergency.objects.count() == 1 and Emergency.objects.get().signals_count == 2
    # the device reads the state of its signal
    status = client.get(f"{URL}S-1/", HTTP_AUTHORIZATION=f"DeviceKey {device.key}")
    assert status.status_code == 200 and status.json()["status"] == "opened"
    missing = client.get(f"{URL}S-9/", HTTP_AUTHORIZATION=f"DeviceKey {device.key}")
    assert missing.status_code == 404 and missing.json()["code"] == "signal_not_found"


def test_the_same_signal_id_with_other_content_is_409(client, device):
    assert post(client, {"signal_id": "S-1", "kind": "button"}, device.key).status_code == 201
    r = post(client, {"signal_id": "S-1", "kind": "fall"}, device.key)
    assert r.status_code == 409
    assert r.json() == {
        "code": "signal_id_conflict",
        "field": "signal_id",
        "message": r.json()["message"],
    }


def wrong_secret(key: str) -> str:
    return key[:-1] + ("A" if key[-1] != "A" else "B")


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("DeviceKey", "invalid_device_key"),
        ("DeviceKey not-a-key", "invalid_device_key"),
        ("DeviceKey sndev_YJT-9999_" + "a" * 43, "invalid_device_key"),  # unknown device
        ("wrong", "invalid_device_key"),  # a wrong secret of a real device
        ("Basic Y3c6cGFzcw==", "not_authenticated"),  # staff credentials are not for devices
    ],
)
def test_bad_keys_are_401_and_write_nothing(client, device, header, code):
    headers = {}
    if header == "wrong":
        headers["HTTP_AUTHORIZATION"] = f"DeviceKey {wrong_secret(device.key)}"
    elif header is not None:
        headers["HTTP_AUTHORIZATION"] = header
    r = post(client, {"signal_id": "S-1"}, **headers)
    assert r.status_code == 401, r.content
    assert r.json()["code"] == code
    assert Emergency.objects.count() == 0


def test_an_inactive_device_is_told_so(client, device, users):
    services.device_deactivate(actor=users["community_worker"], device_id="YJT-0001")
    r = post(client, {"signal_id": "S-1"}, device.key)
    assert (r.status_code, r.json()["code"]) == (401, "device_inactive")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "parse_error"),
        ("[1, 2]", "request_malformed"),
        ('"S-1"', "request_malformed"),
        ("{}", "signal_id_invalid"),
        ('{"signal_id": "S 1"}', "signal_id_invalid"),
        ('{"signal_id": "S-1", "kind": "smoke"}', "kind_invalid"),
        ('{"signal_id": "S-1", "sent_at": "2026-13-01T00:00:00+08:00"}', "sent_at_invalid"),
    ],
)
def test_malformed_bodies_are_400_and_write_nothing(client, device, raw, code):
    r = post(client, None, device.key, raw=raw)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == code
    assert Emergency.objects.count() == 0 and EmergencySignal.objects.count() == 0


def test_a_staff_login_cannot_signal_and_a_device_key_reaches_no_staff_endpoint(
    client, device, users
):
    client.force_login(users["community_worker"])
    assert post(client, {"signal_id": "S-1"}).status_code == 401
    client.logout()
    r = client.get("/api/persons/", HTTP_AUTHORIZATION=f"DeviceKey {device.key}")
    assert r.status_code in (401, 403)


@override_settings(EMERGENCY_DEVICE_RATE="2/min")
def test_a_flooding_device_is_throttled(client, device):
    assert post(client, {"signal_id": "S-1"}, device.key).status_code == 201
    assert post(client, {"signal_id": "S-2"}, device.key).status_code == 201
    r = post(client, {"signal_id": "S-3"}, device.key)
    assert r.status_code == 429 and r.json()["code"] == "throttled"
    assert "Retry-After" in r.headers
    assert EmergencySignal.objects.count() == 2


def test_the_signal_endpoint_is_in_the_schema_with_the_device_key(client):
    schema = client.get("/api/schema/?format=json").json()
    op = schema["paths"][URL]["post"]
    assert op["security"] == [{"deviceKey": []}]
    assert {"200", "201", "400", "401", "409", "422", "429"} <= set(op["responses"])
    assert schema["components"]["securitySchemes"]["deviceKey"]["type"] == "apiKey"


@pytest.mark.django_db(transaction=True)
def test_the_simulated_device_over_http(live_server, registry, users):
    reg = services.device_register(
        actor=users["street_officer"], person_id=registry.zhang_wei.pk, device_id="YJT-0100"
    )
    device = DeviceClient(live_server.url, reg.key)
    status, answer = device.signal("B-1", "fall")
    assert status == 201 and answer["status"] == "opened"
    status, again = device.signal("B-1", "fall")  # a lost answer: the same signal again
    assert status == 200 and again["replayed"] and again["emergency"] == answer["emergency"]
    status, more = device.signal("B-2")  # pressed again while help is on the way
    assert status == 201 and more["attached"] and more["emergency"] == answer["emergency"]
    status, state = device.status("B-1")
    assert status == 200 and state["emergency"] == answer["emergency"]
    bad = DeviceClient(live_server.url, wrong_secret(reg.key), retries=0)
    assert bad.signal("B-3")[0] == 401
    assert Emergency.objects.count() == 1
