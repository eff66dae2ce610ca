"""Person.household_division, the search index's copy of the current household's division
(ADR 0751): it follows every membership change, and a search after a move finds the person and
their household in the new jurisdiction only."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from safetynet.accounts.models import Role
from safetynet.registry import services as svc
from safetynet.registry.importers import household_roster_import
from safetynet.registry.models import Membership, Person
from safetynet.registry.selectors import (
    household_listing,
    household_search_hits,
    person_listing,
    person_search_hits,
)
from tests.helpers.city import HULI_C1, ZHONGHUA_C1, ZHONGHUA_C2, make_user
from tests.helpers.roster import xlsx


def division_of(person) -> str | None:
    return Person.objects.get(pk=person.pk).household_division_id


@pytest.fixture
def cw2(users):
    return make_user("cw2", Role.COMMUNITY_WORKER, ZHONGHUA_C2)


def test_a_new_person_lives_nowhere(new_person, cw):
    assert division_of(new_person(cw)) is None


def test_creating_a_household_and_adding_a_member_set_it(new_household, new_person, cw):
    household = new_household(cw, members=("spouse",))
    members = Membership.objects.filter(household=household, end_date__isnull=True)
    assert {division_of(m.person) for m in members} == {ZHONGHUA_C1}
    person = new_person(cw, name="新成员")
    svc.household_add_member(
        actor=cw,
        household=household,
        person=person,
        relation="child",
        start_date=dt.date(2021, 1, 1),
    )
    assert division_of(person) == ZHONGHUA_C1


def test_a_move_to_another_community_follows(new_household, users):
    so = users["street_officer"]
    source = new_household(so, division=ZHONGHUA_C1, members=("spouse",))
    target = new_household(so, division=ZHONGHUA_C2)
    spouse = Membership.objects.get(household=source, relation="spouse").person
    svc.membership_move(
        actor=so, person=spouse, to_household=target, relation="spouse", date=dt.date(2021, 1, 1)
    )
    assert division_of(spouse) == ZHONGHUA_C2
    # The head who stays is still in the first community.
    head = Membership.objects.get(household=source, end_date__isnull=True).person
    assert division_of(head) == ZHONGHUA_C1


def test_a_head_moving_out_with_a_successor_follows(new_household, users):
    so = users["street_officer"]
    source = new_household(so, division=ZHONGHUA_C1, members=("spouse",))
    target = new_household(so, division=ZHONGHUA_C2)
    head = Membership.objects.get(household=source, relation="head").person
    spouse = Membership.objects.get(household=source, relation="spouse").person
    svc.membership_move(
        actor=so,
        person=head,
        to_household=target,
        relation="other",
        date=dt.date(2021, 1, 1),
        new_head=spouse,
    )
    assert (division_of(head), division_of(spouse)) == (ZHONGHUA_C2, ZHONGHUA_C1)


def test_a_death_or_a_change_of_details_does_not_move_anyone(new_household, cw, users):
    household = new_household(cw, members=("spouse",))
    spouse = Membership.objects.get(household=household, relation="spouse").person
    svc.person_update(actor=cw, person=spouse, name="改名")
    svc.person_record_death(
        actor=users["street_officer"], person=spouse, death_date=dt.date(2022, 1, 1)
    )
    assert division_of(spouse) == ZHONGHUA_C1
    # …and it is kept out of the person's history (a copy, not a fact about the person).
    assert not hasattr(Person.history.filter(id=spouse.pk).first(), "household_division_id")


def test_a_roster_import_sets_it_for_new_and_existing_persons(family, cw, new_person):
    existing = new_person(cw, name="已登记")
    rows = family("R1")
    rows[2]["身份证号"], rows[2]["姓名"] = existing.id_number, existing.name
    household_roster_import(actor=cw, file=xlsx(rows), filename="名册.xlsx")
    members = Membership.objects.filter(household__number="R1", end_date__isnull=True)
    assert members.count() == 3
    assert {division_of(m.person) for m in members} == {ZHONGHUA_C1}
    assert division_of(existing) == ZHONGHUA_C1


def test_the_migration_fills_existing_rows(new_household, new_person, cw):
    household = new_household(cw, members=("spouse",))
    alone = new_person(cw, name="无户")
    Person.objects.update(household_division=None)
    migration = importlib.import_module(
        "safetynet.registry.migrations.0004_person_household_division"
    )
    migration.fill(apps, None)
    members = Membership.objects.filter(household=household)
    assert {division_of(m.person) for m in members} == {ZHONGHUA_C1}
    assert division_of(alone) is None


def test_a_search_after_a_move_finds_the_person_in_the_new_jurisdiction_only(
    new_household, new_person, users, cw, cw2
):
    so = users["street_officer"]
    source = new_household(so, division=ZHONGHUA_C1, number="SRC")
    target = new_household(so, division=ZHONGHUA_C2, number="DST")
    # Registered (户籍) in another district, so only where they live makes them visible here.
    mover = new_person(
        so,
        name="迁移者",
        division=HULI_C1,
        household=source,
        relation="child",
        start_date=dt.date(2020, 1, 1),
    )
    assert division_of(mover) == ZHONGHUA_C1

    def found(actor):
        households = household_search_hits(actor=actor, query="迁移").ids
        persons = person_search_hits(actor=actor, query="迁移").ids
        return households, persons

    assert found(cw) == ([source.pk], [mover.pk])
    assert found(cw2) == ([], [])
    svc.membership_move(
        actor=so, person=mover, to_household=target, relation="child", date=dt.date(2021, 1, 1)
    )
    assert found(cw) == ([], [])
    assert found(cw2) == ([target.pk], [mover.pk])
    # The street sees the new household; the lists (UI and API) agree with the hits.
    assert found(so) == ([target.pk], [mover.pk])
    assert [h.pk for h in household_listing(actor=cw2, q="迁移").rows] == [target.pk]
    assert [p.pk for p in person_listing(actor=cw2, q="迁移").rows] == [mover.pk]
    assert list(person_listing(actor=cw, q="迁移").rows) == []
    # The division filter of a wider jurisdiction follows too.
    assert household_search_hits(actor=so, query="迁移", division=ZHONGHUA_C1).ids == []
    assert person_search_hits(actor=so, query="迁移", division=ZHONGHUA_C2).ids == [mover.pk]


def test_the_admin_shows_a_person_and_their_past_versions(
    new_household, cw, client, django_user_model
):
    household = new_household(cw, members=("spouse",))
    spouse = Membership.objects.get(household=household, relation="spouse").person
    svc.person_update(actor=cw, person=spouse, name="改名")
    client.force_login(
        django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    )
    first = Person.history.filter(id=spouse.pk).order_by("history_id").first()
    for url in [
        f"/admin/registry/person/{spouse.pk}/change/",
        f"/admin/registry/person/{spouse.pk}/history/",
        f"/admin/registry/person/{spouse.pk}/history/{first.history_id}/",
    ]:
        assert client.get(url).status_code == 200, url
