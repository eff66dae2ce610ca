"""A household's page (web and API) shows its current members' enrolments, and a former member's
only for the time they were a member here (ADR 0723)."""

import datetime as dt

import pytest
from django.urls import reverse

from safetynet.registry import services as svc
from safetynet.registry.models import Enrolment

pytestmark = pytest.mark.django_db

LEFT = dt.date(2020, 6, 1)


@pytest.fixture
def moved(registry, users):
    """张小明 (ZH1, 中华) is on `disabled` there since 2018; on 2020-06-01 he moves to HL1
    (湖里). 湖里's officer then enrols him in tekun (new household), records a backdated
    low-income period for his new household overlapping his years in ZH1, and ends his old
    `disabled` enrolment in 2021."""
    svc.membership_move(
        actor=users["city_admin"],
        person=registry.zhang_xiaoming,
        to_household=registry.hl1,
        relation="other",
        date=LEFT,
    )
    huli = users["huli_officer"]
    after = svc.enrolment_add(
        actor=huli,
        person=registry.zhang_xiaoming,
        category="tekun",
        start_date=dt.date(2020, 7, 1),
        legal_basis="湖里-特困",
    )
    backdated = svc.enrolment_add(
        actor=huli,
        person=registry.zhang_xiaoming,
        category="low_income",
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2019, 12, 31),
        legal_basis="湖里-低收入",
        household=registry.hl1,
    )
    old = Enrolment.objects.get(person=registry.zhang_xiaoming, category="disabled")
    svc.enrolment_end(actor=huli, enrolment=old, end_date=dt.date(2021, 3, 31))
    return {"old": old, "after": after, "backdated": backdated}


@pytest.mark.parametrize("role", ["community_worker", "street_officer", "city_admin"])
def test_household_page_limits_a_former_members_enrolments(client, users, registry, moved, role):
    client.force_login(users[role])
    page = client.get(reverse("household-detail", args=[registry.zh1.pk])).content.decode()
    table = page[page.index('data-testid="enrolments"') :]
    table = table[: table.index("</table>")]
    assert "湖里-特困" not in table  # recorded for his new household after he left
    assert "湖里-低收入" not in table  # backdated, but for his new household
    assert "2021-03-31" not in table  # a later change made in 湖里
    assert table.count('data-testid="left-household"') == 1
    row = table[table.index("张小明") :]
    row = row[: row.index("</tr>")]
    assert "2018-01-01" in row and LEFT.isoformat() in row
    # the current members' enrolments are all there
    assert table.count("《社会救助暂行办法》") == 3  # 张伟's dibao, elderly_80, 张小明's old one


def test_household_api_limits_a_former_members_enrolments(client, users, registry, moved):
    client.force_login(users["street_officer"])
    data = client.get(reverse("api-household-detail", args=[registry.zh1.pk])).json()
    by_id = {e["id"]: e for e in data["enrolments"]}
    assert moved["after"].pk not in by_id
    assert moved["backdated"].pk not in by_id
    old = by_id[moved["old"].pk]
    assert (old["start_date"], old["end_date"], old["left_on"]) == (
        "2018-01-01",
        LEFT.isoformat(),
        LEFT.isoformat(),
    )
    current = [e for e in data["enrolments"] if e["id"] != moved["old"].pk]
    assert {e["person"] for e in current} == {registry.zhang_wei.pk}
    assert all(e["left_on"] is None for e in current)


def test_the_new_household_shows_his_enrolments_in_full(client, users, registry, moved):
    """He is a current member of HL1: every enrolment of his is HL1's business."""
    client.force_login(users["huli_officer"])
    data = client.get(reverse("api-household-detail", args=[registry.hl1.pk])).json()
    mine = {e["id"]: e for e in data["enrolments"] if e["person"] == registry.zhang_xiaoming.pk}
    assert set(mine) == {moved["old"].pk, moved["after"].pk, moved["backdated"].pk}
    assert mine[moved["old"].pk]["end_date"] == "2021-03-31"
    assert mine[moved["old"].pk]["left_on"] is None


def test_a_former_members_enrolment_after_he_left_is_not_shown(client, users, registry):
    """An enrolment starting after he left is not shown, even if it names the old household."""
    svc.membership_move(
        actor=users["city_admin"],
        person=registry.zhang_xiaoming,
        to_household=registry.hl1,
        relation="other",
        date=LEFT,
    )
    later = svc.enrolment_add(
        actor=users["city_admin"],
        person=registry.zhang_xiaoming,
        category="elderly_80",
        start_date=dt.date(2020, 9, 1),
        legal_basis="later",
        household=registry.zh1,
    )
    client.force_login(users["community_worker"])
    data = client.get(reverse("api-household-detail", args=[registry.zh1.pk])).json()
    assert later.pk not in {e["id"] for e in data["enrolments"]}
