"""The disaster screens through Django's client: the event list and dashboard, a stage and a
month of living aid recorded from the event page, refusals shown, roles enforced."""

import pytest

from safetynet.disaster.models import HousingStage, LivingAid
from tests.disaster.test_services import approve, dibao_family, event, png, register  # noqa: F401

pytestmark = pytest.mark.django_db


def test_event_page_stage_and_aid(client, staff, event, dibao_family, clock):  # noqa: F811
    affected = register(staff, event, dibao_family, damage="severe")
    approve(staff, clock, affected, dibao_family, solution="repair", cost=3_000_000)
    client.force_login(staff["community_worker"])
    assert event.number in client.get("/disaster/").content.decode()
    page = client.get(f"/disaster/{event.pk}/").content.decode()
    assert dibao_family.household.number in page and "25000.00" in page
    r = client.post(
        f"/disaster/households/{affected.pk}/stage/",
        {"stage": "start", "on": clock().isoformat(), "photo": png("开工.png")},
    )
    assert r.status_code == 302
    assert HousingStage.objects.get().amount_fen == 750_000
    # the inspection is the street officer's
    r = client.post(
        f"/disaster/households/{affected.pk}/stage/", {"stage": "inspection", "on": "2025-10-20"}
    )
    assert r.status_code == 403
    # out of order: the refusal is shown, nothing written
    client.force_login(staff["street_officer"])
    r = client.post(
        f"/disaster/households/{affected.pk}/stage/",
        {"stage": "inspection", "on": clock().isoformat()},
        follow=True,
    )
    assert "施工进度须按开工、竣工、验收的顺序登记" in r.content.decode()
    assert HousingStage.objects.count() == 1
    client.post(
        f"/disaster/households/{affected.pk}/aid/", {"month": "2025-09", "persons": 2, "days": 5}
    )
    # 2 × 5 × 20.00 = 200.00
    assert LivingAid.objects.get().amount_fen == 20_000
    # Huli's officer sees neither the event nor the household
    client.force_login(staff["huli_officer"])
    assert client.get(f"/disaster/{event.pk}/").status_code == 404
    r = client.post(
        f"/disaster/households/{affected.pk}/aid/", {"month": "2025-10", "persons": 1, "days": 1}
    )
    assert r.status_code == 404


def test_event_list_sorts_filters_and_picks_a_division(client, staff, event):  # noqa: F811
    """ADR 1033: the disaster events on the list component."""
    client.force_login(staff["community_worker"])
    r = client.get("/disaster/", {"sort": "-number"})
    assert [e.pk for e in r.context["list"].rows] == [event.pk]
    assert r.context["list"].page.paginator.count == 1
    body = r.content.decode()
    assert 'data-testid="pager"' in body and 'aria-sort="descending"' in body
    assert [e.pk for e in client.get("/disaster/", {"q": event.number}).context["list"].rows] == [
        event.pk
    ]
    assert client.get("/disaster/", {"q": "没有这个"}).context["list"].page.paginator.count == 0
