"""The screens through Django's client: the 12349 operator (eldercare) sees the live panel on the
console and handles an emergency; the feed is scoped; a refused step is a message, nothing
written; the statistics page renders its table."""

import pytest

from safetynet.accounts.models import Role
from safetynet.eldercare.emergency import services
from safetynet.eldercare.emergency.models import Emergency
from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(divisions):
    return make_user("op", Role.ELDERCARE_OPERATOR, "350200")


def test_the_console_shows_the_panel_and_the_operator_opens_and_closes(client, operator, registry):
    client.force_login(operator)
    console = client.get("/eldercare/?q=张伟").content.decode()
    assert 'data-testid="emergency-panel"' in console
    assert 'data-testid="emergency-open-form"' in console
    r = client.post(
        "/eldercare/emergency/open/",
        {"person": registry.zhang_wei.pk, "caller_phone": "13800000000", "note": "摔倒"},
    )
    e = Emergency.objects.get()
    assert r.status_code == 302 and r.url == f"/eldercare/emergency/{e.pk}/"
    feed = client.get("/eldercare/emergency/feed.json").json()
    assert feed["open"] == 1 and feed["items"][0]["person"] == "张伟"
    page = client.get(r.url).content.decode()
    assert "13800000000" in page and "ZH-0001 号测试路" in page
    r = client.post(f"/eldercare/emergency/{e.pk}/close/", {"outcome": "nope"}, follow=True)
    assert "请选择处置结果" in r.content.decode()
    assert Emergency.objects.get().status == "opened"
    client.post(f"/eldercare/emergency/{e.pk}/close/", {"outcome": "false_alarm"})
    assert Emergency.objects.get().status == "closed"
    assert client.get("/eldercare/emergency/feed.json").json()["open"] == 0


def test_the_feed_and_pages_are_scoped(client, users, registry):
    e, _ = services.emergency_open_by_phone(
        actor=users["community_worker"], person_id=registry.zhang_wei.pk
    )
    client.force_login(users["huli_officer"])
    assert client.get("/eldercare/emergency/feed.json").json()["open"] == 0
    assert client.get(f"/eldercare/emergency/{e.pk}/").status_code == 404
    assert (
        client.post(f"/eldercare/emergency/{e.pk}/close/", {"outcome": "helped"}).status_code == 404
    )
    client.force_login(users["verification_operator"])
    assert client.get("/eldercare/emergency/").status_code == 403
    client.force_login(users["street_officer"])
    stats = client.get("/eldercare/emergency/statistics/?year=2026").content.decode()
    assert 'data-testid="stats-streets"' in stats
