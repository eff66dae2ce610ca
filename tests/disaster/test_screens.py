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


def test_shelter_screens_open_check_in_and_out(client, staff, event, dibao_family, clock):  # noqa: F811
    """A shelter opened from the event page; who stayed there and when, checked in by ID
    number and out again; refusals shown, nothing written; roles and jurisdiction enforced."""
    from safetynet.disaster.models import Shelter, ShelterStay
    from tests.conftest import ZHONGHUA_C1

    client.force_login(staff["community_worker"])
    r = client.post(
        f"/disaster/{event.pk}/shelters/",
        {"name": "一社区避灾点", "division": ZHONGHUA_C1, "capacity": 1},
    )
    shelter = Shelter.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/disaster/shelters/{shelter.pk}/"
    head, spouse = dibao_family.head, dibao_family.spouse
    r = client.post(
        f"/disaster/shelters/{shelter.pk}/", {"id_number": head.id_number, "on": "2025-09-15"}
    )
    assert r.status_code == 302
    # full (capacity 1): refused on the form, nothing written
    r = client.post(
        f"/disaster/shelters/{shelter.pk}/", {"id_number": spouse.id_number, "on": "2025-09-15"}
    )
    assert r.status_code == 200 and "已满" in r.content.decode()
    assert ShelterStay.objects.count() == 1
    # an unknown ID number
    r = client.post(
        f"/disaster/shelters/{shelter.pk}/", {"id_number": "110101199001011234", "on": "2025-09-15"}
    )
    assert r.status_code == 200 and ShelterStay.objects.count() == 1
    client.post(f"/disaster/shelters/{shelter.pk}/out/", {"person": head.pk, "on": "2025-09-18"})
    stay = ShelterStay.objects.get()
    assert stay.checked_out_on.isoformat() == "2025-09-18"
    page = client.get(f"/disaster/shelters/{shelter.pk}/").content.decode()
    assert head.name in page and "2025-09-15" in page and "2025-09-18" in page
    assert head.id_number not in page  # masked
    event_page = client.get(f"/disaster/{event.pk}/").content.decode()
    assert "一社区避灾点" in event_page
    from tests.helpers.chinese import html_text, problems

    assert problems(html_text(page), data={"cw"}) == []
    # the district approver sees but does not run shelters; Huli sees nothing
    client.force_login(staff["district_approver"])
    assert client.get(f"/disaster/shelters/{shelter.pk}/").status_code == 200
    r = client.post(
        f"/disaster/shelters/{shelter.pk}/", {"id_number": spouse.id_number, "on": "2025-09-19"}
    )
    assert r.status_code == 403 and ShelterStay.objects.count() == 1
    client.force_login(staff["huli_officer"])
    assert client.get(f"/disaster/shelters/{shelter.pk}/").status_code == 404


def test_household_page_and_grant(client, staff, event, dibao_family, clock):  # noqa: F811
    """The household page: the members' stays, the living aid per month with its total, and
    the housing grant applied for from the page through the casework (a disaster_housing case
    with the solution and the cost); a second application is not offered."""
    from safetynet.cases.models import Case
    from safetynet.disaster import services
    from tests.conftest import ZHONGHUA_C1
    from tests.helpers.cases import POOR, scan

    affected = register(staff, event, dibao_family, damage="collapsed")
    cw = staff["community_worker"]
    shelter = services.shelter_open(
        actor=cw, event_id=event.pk, name="避灾点", division_code=ZHONGHUA_C1, capacity=5
    )
    services.shelter_check_in(
        actor=cw, shelter_id=shelter.pk, person_id=dibao_family.head.pk, on=clock()
    )
    for month, days in (("2025-09", 10), ("2025-10", 31)):
        services.living_aid_grant(
            actor=staff["street_officer"], affected_id=affected.pk, month=month, persons=2,
            days=days,
        )  # fmt: skip
    client.force_login(cw)
    page = client.get(f"/disaster/households/{affected.pk}/").content.decode()
    # 2 × 10 × 20.00 = 400.00; 2 × 31 × 20.00 = 1240.00; total 1640.00
    assert "400.00" in page and "1240.00" in page and "1640.00" in page
    assert "避灾点" in page and dibao_family.head.name in page
    # the caps of POLICY §3 in force on the event's day
    assert "50000.00" in page and "25000.00" in page
    head = dibao_family.head
    r = client.post(
        f"/disaster/households/{affected.pk}/",
        {
            "solution": "new_build",
            "cost": "60000.00",
            "applicant": head.pk,
            "signed_on": clock().isoformat(),
            "authorization_scan": scan(),
            f"income_{head.pk}_wage_fen": str(POOR / 100),
            "financial_assets": "1000",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    affected.refresh_from_db()
    case = Case.objects.get(pk=affected.housing_case_id)
    assert case.program == "disaster_housing"
    assert case.declared["requests"]["disaster_housing"] == {
        "kind": "new_build",
        "cost_fen": 6_000_000,
    }
    page = client.get(f"/disaster/households/{affected.pk}/").content.decode()
    assert case.number in page and 'data-testid="grant-form"' not in page
    # the page reads as Chinese (ADR 1010): no code or English word
    from tests.helpers.chinese import html_text, problems

    data = {dibao_family.household.number, case.number, event.number, "cw"}
    assert problems(html_text(page), data=data) == []
    # a second application is refused: nothing changes
    r = client.post(f"/disaster/households/{affected.pk}/", {"solution": "repair"}, follow=True)
    assert "已申请" in r.content.decode() and Case.objects.count() == 1
    client.force_login(staff["district_approver"])  # may see, may not apply
    r = client.post(f"/disaster/households/{affected.pk}/", {"solution": "repair"})
    assert r.status_code == 403 and Case.objects.count() == 1
    client.force_login(staff["huli_officer"])
    assert client.get(f"/disaster/households/{affected.pk}/").status_code == 404


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
