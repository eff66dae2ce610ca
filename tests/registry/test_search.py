"""Household search: by whole ID number, by name prefix, by household number; always scoped."""

import datetime as dt

import pytest

from safetynet.registry import services as svc
from safetynet.registry.models import Membership
from safetynet.registry.selectors import household_search
from tests.conftest import HULI_C1
from tests.registry.test_services import new_household, new_person


@pytest.fixture
def city(users):
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
