"""Selectors for list pages and history timelines: scoping by role, filters, who/when/what."""

import datetime as dt

import pytest
from django.utils import translation

from safetynet.core.errors import NotFoundError
from safetynet.registry import selectors as sel
from safetynet.registry import services as svc
from safetynet.registry.ids import mask_id_number
from safetynet.registry.models import Membership
from tests.helpers.city import HULI_C1, ZHONGHUA_C1, ZHONGHUA_C2


@pytest.fixture
def city(new_household, users):
    cw, so = users["community_worker"], users["street_officer"]
    z1 = new_household(cw, members=["spouse"], number="Z1")
    z2 = new_household(cw, number="Z2")
    z3 = new_household(so, division=ZHONGHUA_C2, number="Z3")
    h1 = new_household(users["huli_officer"], division=HULI_C1, number="H1")
    head = Membership.objects.get(household=z1, relation="head").person
    svc.enrolment_add(
        actor=cw,
        person=head,
        category="dibao",
        start_date=dt.date(2020, 1, 1),
        legal_basis="厦民〔2016〕1号",
    )
    return {"z1": z1, "z2": z2, "z3": z3, "h1": h1, "head": head, **users}


def numbers(qs):
    return [h.number for h in qs]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("community_worker", ["Z1", "Z2"]),
        ("street_officer", ["Z1", "Z2", "Z3"]),
        ("district_approver", ["Z1", "Z2", "Z3"]),
        ("city_admin", ["Z1", "Z2", "Z3", "H1"]),
        ("verification_operator", ["Z1", "Z2", "Z3", "H1"]),
        ("auditor", ["Z1", "Z2", "Z3", "H1"]),
        ("huli_officer", ["H1"]),
    ],
)
def test_household_list_is_scoped_for_each_role(city, role, expected):
    assert numbers(sel.household_list(actor=city[role])) == expected
    persons = sel.person_list(actor=city[role])
    assert sorted({p.household_number for p in persons}) == sorted(expected)


def test_household_list_filters_and_annotations(city):
    admin = city["city_admin"]
    assert numbers(sel.household_list(actor=admin, division="350206")) == ["H1"]
    assert numbers(sel.household_list(actor=admin, division=city["z3"].division)) == ["Z3"]
    assert numbers(sel.household_list(actor=admin, division="350200")) == ["Z1", "Z2", "Z3", "H1"]
    assert numbers(sel.household_list(actor=admin, category="dibao")) == ["Z1"]
    assert numbers(sel.household_list(actor=admin, category="tekun")) == []
    assert numbers(sel.household_list(actor=admin, q="Z2")) == ["Z2"]
    assert numbers(sel.household_list(actor=admin, q="成员")) == ["Z1"]
    assert numbers(sel.household_list(actor=admin, q=city["head"].id_number)) == ["Z1"]
    # a division outside the jurisdiction gives nothing, not an error
    assert numbers(sel.household_list(actor=city["huli_officer"], division=ZHONGHUA_C1)) == []
    z1 = sel.household_list(actor=admin, q="Z1").get()
    assert (z1.member_count, z1.head_name, z1.head_id_number) == (2, "户主", city["head"].id_number)
    empty = sel.household_list(actor=admin, q="Z2").get()
    assert empty.member_count == 1


def test_an_ended_enrolment_is_not_current(city):
    cw = city["community_worker"]
    e = city["head"].enrolments.get()
    svc.enrolment_end(actor=cw, enrolment=e, end_date=dt.date(2020, 6, 30))
    assert numbers(sel.household_list(actor=cw, category="dibao")) == []
    assert list(sel.person_list(actor=cw, category="dibao")) == []


def test_person_list_filters(new_person, city):
    cw = city["community_worker"]
    assert [p.name for p in sel.person_list(actor=cw, category="dibao")] == ["户主"]
    assert [p.name for p in sel.person_list(actor=cw, q="成员")] == ["成员spouse"]
    p = sel.person_list(actor=cw, q=city["head"].id_number).get()
    assert (p.household_number, p.relation) == ("Z1", "head")
    # someone registered in 中华 who lives in 湖里 is visible to both, listed under both divisions
    migrant = new_person(cw, name="迁出")
    svc.household_add_member(
        actor=city["city_admin"], household=city["h1"], person=migrant, relation="other"
    )
    assert "迁出" in [p.name for p in sel.person_list(actor=city["huli_officer"])]
    assert "迁出" in [p.name for p in sel.person_list(actor=cw)]
    assert "迁出" in [p.name for p in sel.person_list(actor=city["city_admin"], division="350206")]
    svc.person_record_death(actor=cw, person=migrant, death_date=dt.date(2020, 2, 1))
    assert [p.name for p in sel.person_list(actor=cw, alive=False)] == ["迁出"]
    assert "迁出" not in [p.name for p in sel.person_list(actor=cw, alive=True)]


def test_guessing_an_id_outside_the_jurisdiction_is_not_found(city):
    with pytest.raises(NotFoundError):
        sel.household_get(actor=city["street_officer"], household_id=city["h1"].pk)
    with pytest.raises(NotFoundError):
        sel.person_get(actor=city["huli_officer"], person_id=city["head"].pk)
    assert sel.household_get(actor=city["city_admin"], household_id=city["h1"].pk)


def test_household_history_says_who_when_what(city):
    cw, so = city["community_worker"], city["street_officer"]
    z1, z3, head = city["z1"], city["z3"], city["head"]
    spouse = Membership.objects.get(household=z1, relation="spouse").person
    head_membership = Membership.objects.get(household=z1, person=head)
    svc.membership_move(
        actor=so,
        person=head,
        to_household=z3,
        relation="other",
        date=dt.date(2021, 1, 1),
        new_head=spouse,
    )
    svc.person_update(actor=cw, person=spouse, name="新户主")
    entries = sel.household_history(household=z1)
    assert [e.when for e in entries] == sorted((e.when for e in entries), reverse=True)
    kinds = {(e.kind, e.action, e.reason) for e in entries}
    assert {
        ("household", "created", "household_create"),
        ("membership", "created", "household_create"),
        ("membership", "created", "household_add_member"),
        ("membership", "changed", "membership_move"),
        ("enrolment", "created", "enrolment_add"),
        ("person", "changed", "person_update"),
    } <= kinds
    moved = next(
        e
        for e in entries
        if e.kind == "membership"
        and e.action == "changed"
        and e.object_id == head_membership.pk
        and any(c.field == "end_date" for c in e.changes)
    )
    assert moved.username == "so"
    assert [(c.field, c.old, c.new) for c in moved.changes] == [
        ("end_date", None, dt.date(2021, 1, 1))
    ]
    promoted = next(
        e
        for e in entries
        if e.kind == "membership" and any(c.field == "relation" for c in e.changes)
    )
    change = next(c for c in promoted.changes if c.field == "relation")
    with translation.override("en"):
        assert (str(change.old), str(change.new)) == ("Spouse", "Head of household")
    renamed = next(e for e in entries if e.reason == "person_update")
    assert renamed.username == "cw"
    assert [(c.field, c.old, c.new) for c in renamed.changes] == [("name", "成员spouse", "新户主")]
    created = next(e for e in entries if e.kind == "person" and e.action == "created")
    id_change = next(c for c in created.changes if c.field == "id_number")
    assert id_change.new == mask_id_number(spouse.id_number)
    with translation.override("zh-hans"):
        assert renamed.reason_label == "修改人员信息"
        assert renamed.action_label == "修改"
    # the new household's timeline shows the arrival, the old one's its departure
    z3_history = sel.household_history(household=z3)
    assert any(e.reason == "membership_move" and e.action == "created" for e in z3_history)


def test_person_history(make_id, city):
    cw = city["community_worker"]
    head = city["head"]
    svc.membership_move(
        actor=cw,
        person=head,
        to_household=city["z2"],
        relation="sibling",
        new_head=Membership.objects.get(household=city["z1"], relation="spouse").person,
    )
    new_id = make_id("19850505")
    svc.person_update(actor=cw, person=head, id_number=new_id)
    entries = sel.person_history(person=head)
    assert {e.kind for e in entries} == {"person", "membership", "enrolment"}
    labels = {e.label for e in entries if e.kind == "membership"}
    assert any(label.startswith("Z1") for label in labels)
    assert any(label.startswith("Z2") for label in labels)
    change = next(e for e in entries if e.reason == "person_update")
    fields = {c.field: c for c in change.changes}
    assert {"id_number", "birth_date"} <= set(fields) <= {"id_number", "birth_date", "sex"}
    assert "*" in fields["id_number"].old and "*" in fields["id_number"].new
    full = sel.person_history(person=head, mask_ids=False)
    unmasked = {c.field: c for c in next(e for e in full if e.reason == "person_update").changes}
    assert unmasked["id_number"].new == new_id


def test_admin_is_read_only_with_history(city, client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="pass-for-tests-1")
    client.force_login(admin_user)
    z1 = city["z1"]
    for url in [
        "/admin/registry/household/",
        f"/admin/registry/household/{z1.pk}/change/",
        f"/admin/registry/household/{z1.pk}/history/",
        "/admin/registry/person/?q=户主",
        "/admin/registry/enrolment/",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/registry/household/add/").status_code == 403
    page = client.get("/admin/registry/person/").content.decode()
    assert city["head"].id_number not in page
    assert mask_id_number(city["head"].id_number) in page


def test_household_history_stops_following_a_member_who_left(city):
    """After a member moves to a household elsewhere, what happens to them there is not shown
    in the old household's timeline (it may be outside the old jurisdiction)."""
    z1, h1 = city["z1"], city["h1"]
    spouse = Membership.objects.get(household=z1, relation="spouse").person
    svc.membership_move(
        actor=city["city_admin"],
        person=spouse,
        to_household=h1,
        relation="other",
        date=dt.date(2021, 1, 1),
    )
    huli = city["huli_officer"]
    svc.person_update(actor=huli, person=spouse, residence_address="湖里区某路1号")
    svc.enrolment_add(
        actor=huli,
        person=spouse,
        category="low_income",
        start_date=dt.date(2021, 2, 1),
        legal_basis="湖里区低收入认定",
    )
    old_home = sel.household_history(household=z1)
    assert any(e.kind == "membership" and e.reason == "membership_move" for e in old_home)
    assert not any(e.reason == "person_update" for e in old_home)
    assert not any(
        e.kind == "enrolment" and e.reason == "enrolment_add" and "湖里" in str(e.changes)
        for e in old_home
    )
    new_home = sel.household_history(household=h1)
    assert any(e.reason == "person_update" for e in new_home)
    assert any(e.kind == "enrolment" and e.reason == "enrolment_add" for e in new_home)
