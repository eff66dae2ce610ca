"""Household search: by whole ID number, by name prefix, by household number; always scoped."""

import datetime as dt

import pytest

from safetynet.registry import selectors as registry_selectors
from safetynet.registry import services as svc
from safetynet.registry.models import Membership
from safetynet.registry.selectors import household_search, household_search_hits, person_search_hits
from tests.helpers.city import HULI_C1


@pytest.fixture
def city(new_household, new_person, users):
    cw, huli = users["community_worker"], users["huli_officer"]
    zhang = new_household(cw, number="Z-ZHANG")
    wang = new_household(cw, number="Z-WANG")
    huli_zhang = new_household(huli, division=HULI_C1, number="H-ZHANG")
    for household, name, actor in [
        (zhang, "张伟", cw),
        (wang, "王芳", cw),
        (huli_zhang, "张伟", huli),
    ]:
        person = new_person(actor, name=name, division=household.division_id)
        svc.household_add_member(
            actor=actor,
            household=household,
            person=person,
            relation="spouse",
            start_date=dt.date(2020, 1, 1),
        )
    return {"zhang": zhang, "wang": wang, "huli_zhang": huli_zhang, **users}


def numbers(households):
    return [h.number for h in households]


def test_name_prefix_finds_households_in_the_jurisdiction_only(city):
    assert numbers(household_search(actor=city["street_officer"], query="张")) == ["Z-ZHANG"]
    assert numbers(household_search(actor=city["street_officer"], query="张伟")) == ["Z-ZHANG"]
    assert numbers(household_search(actor=city["huli_officer"], query="张")) == ["H-ZHANG"]
    assert numbers(household_search(actor=city["city_admin"], query="张伟")) == [
        "Z-ZHANG",
        "H-ZHANG",
    ]


def test_a_name_that_only_contains_the_query_is_not_a_prefix_match(city):
    assert household_search(actor=city["city_admin"], query="伟") == []


def test_whole_id_number_finds_the_household(city):
    spouse = Membership.objects.get(household=city["wang"], relation="spouse").person
    found = household_search(actor=city["street_officer"], query=spouse.id_number.lower())
    assert numbers(found) == ["Z-WANG"]
    assert household_search(actor=city["huli_officer"], query=spouse.id_number) == []


def test_household_number_matches_exactly(city):
    assert numbers(household_search(actor=city["city_admin"], query="H-ZHANG")) == ["H-ZHANG"]
    assert household_search(actor=city["street_officer"], query="H-ZHANG") == []


def test_a_former_member_no_longer_finds_the_household(city, users):
    cw = users["community_worker"]
    spouse = Membership.objects.get(household=city["zhang"], relation="spouse").person
    svc.membership_move(
        actor=cw,
        person=spouse,
        to_household=city["wang"],
        relation="other",
        date=dt.date(2021, 1, 1),
    )
    assert numbers(household_search(actor=cw, query="张伟")) == ["Z-WANG"]


def test_blank_query_finds_nothing(city):
    assert household_search(actor=city["city_admin"], query="  ") == []


def test_limit_caps_the_results(city):
    assert len(household_search(actor=city["city_admin"], query="户主", limit=2)) == 2


def test_an_inactive_actor_finds_nothing(city):
    officer = city["street_officer"]
    officer.is_active = False
    assert household_search(actor=officer, query="张") == []


def test_hits_stop_at_the_cap_and_say_so(city):
    """Every household has a head named 户主: capped at 2 of 3 in the city administrator's view."""
    admin = city["city_admin"]
    hits = household_search_hits(actor=admin, query="户主", cap=2)
    assert len(hits.ids) == 2 and hits.truncated
    assert hits.ids == sorted(hits.ids)
    whole = household_search_hits(actor=admin, query="户主", cap=3)
    assert (len(whole.ids), whole.truncated) == (3, False)
    assert set(hits.ids) <= set(whole.ids)
    # The division filter narrows the search itself, not its first page.
    huli = household_search_hits(actor=admin, query="户主", division=HULI_C1, cap=1)
    assert (huli.ids, huli.truncated) == ([city["huli_zhang"].pk], False)


def test_listing_and_search_page_report_the_cap(city, monkeypatch, client):
    monkeypatch.setattr(registry_selectors, "SEARCH_CAP", 1)
    listing = registry_selectors.household_listing(actor=city["city_admin"], q="张伟")
    assert listing.truncated and listing.rows.count() == 1
    client.force_login(city["city_admin"])
    body = client.get("/api/households/", {"q": "张伟"}).json()
    assert (body["count"], body["truncated"]) == (1, True)
    # The search page pages up to SEARCH_PAGE_CAP matches (ADR 1020) and says when there are more.
    monkeypatch.setattr(registry_selectors, "SEARCH_PAGE_CAP", 1)
    page = client.get("/search/", {"q": "张伟"}, HTTP_HX_REQUEST="true").content.decode()
    assert "超过1户家庭符合，列出前1户" in page


def test_persons_registered_or_living_in_the_jurisdiction_are_found(city, new_person):
    """A person registered in 湖里 but living in a 中华 household, and one registered in 中华 in no
    household: both are the 中华 street officer's; neither is the 湖里 officer's twice."""
    officer, huli = city["street_officer"], city["huli_officer"]
    migrant = Membership.objects.get(household=city["wang"], relation="spouse").person
    migrant.hukou_division_id = HULI_C1
    migrant.save()
    loner = new_person(city["community_worker"], name="王孤")
    found = person_search_hits(actor=officer, query="王").ids
    assert migrant.pk in found and loner.pk in found
    assert migrant.pk in person_search_hits(actor=huli, query="王").ids  # registered there
    assert loner.pk not in person_search_hits(actor=huli, query="王").ids
