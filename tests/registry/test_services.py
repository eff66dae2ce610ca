"""Registry services: every rule and every refusal, jurisdiction, and the history they leave."""

import datetime as dt

import pytest
from django.utils import timezone

from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.registry import services as svc
from safetynet.registry.models import Enrolment, Membership, Person
from tests.helpers.city import HULI_C1, ZHONGHUA_C1, ZHONGHUA_C2


def refused(code, fn, **kw) -> ServiceError:
    with pytest.raises(ServiceError) as err:
        fn(**kw)
    assert err.value.code == code, err.value.message
    return err.value


# --------------------------------------------------------------------------------------- persons


def test_person_create_derives_birth_date_and_sex_and_records_who(make_id, cw):
    number = make_id("19920229", sex="F")
    p = svc.person_create(
        actor=cw, id_number=number.lower(), name=" 李四 ", hukou_division=ZHONGHUA_C1
    )
    assert (p.id_number, p.name, p.birth_date, p.sex) == (number, "李四", dt.date(1992, 2, 29), "F")
    record = p.history.get()
    assert record.history_user == cw
    assert record.history_change_reason == "person_create"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("35020319800101", "id_length"),
        ("35020319800101123Y", "id_format"),
        ("350203198002301234", "id_birth_date"),
        ("350203198001011231", "id_checksum"),
    ],
)
def test_person_create_refuses_bad_id_numbers(cw, number, code):
    err = refused(
        code, svc.person_create, actor=cw, id_number=number, name="王五", hukou_division=ZHONGHUA_C1
    )
    assert err.problems[0].field == "id_number"
    assert not Person.objects.exists()


def test_entered_birth_date_and_sex_must_match_the_id(make_id, new_person, cw):
    number = make_id("19900101", sex="M")
    refused(
        "birth_date_mismatch",
        new_person,
        actor=cw,
        id_number=number,
        birth_date=dt.date(1990, 1, 2),
    )
    refused("sex_mismatch", new_person, actor=cw, id_number=number, sex="F")
    p = new_person(cw, id_number=number, birth_date=dt.date(1990, 1, 1), sex="M")
    assert p.pk


def test_one_person_per_id_number(make_id, new_person, cw):
    number = make_id()
    new_person(cw, id_number=number)
    refused("id_duplicate", new_person, actor=cw, id_number=number)


def test_hukou_division_must_exist_be_a_community_and_be_in_scope(new_person, cw, users):
    refused("not_found", new_person, actor=cw, division="350203002999")
    refused("not_found", new_person, actor=cw, division=ZHONGHUA_C2)  # another community
    refused("not_found", new_person, actor=cw, division=HULI_C1)
    officer = users["street_officer"]
    err = refused("division_not_community", new_person, actor=officer, division="350203002")
    assert err.problems[0].field == "hukou_division"
    assert new_person(officer, division=ZHONGHUA_C2).pk


def test_disability_grade_and_kind(new_person, cw):
    p = new_person(cw, disability_grade=2, disability_kind="physical")
    assert (p.disability_grade, p.disability_kind) == (2, "physical")
    refused("disability_grade", new_person, actor=cw, disability_grade=5, disability_kind="visual")
    refused("disability_grade", new_person, actor=cw, disability_grade=0, disability_kind="visual")
    refused("disability_kind_required", new_person, actor=cw, disability_grade=1)
    refused("disability_grade_required", new_person, actor=cw, disability_kind="visual")
    refused("disability_kind", new_person, actor=cw, disability_grade=1, disability_kind="x")


def test_tekun_facts_selfcare_and_supporter(new_person, cw):
    p = new_person(cw, selfcare_failed_items=4, has_capable_supporter=False)
    p.refresh_from_db()
    assert (p.selfcare_failed_items, p.has_capable_supporter) == (4, False)
    unknown = new_person(cw)
    assert (unknown.selfcare_failed_items, unknown.has_capable_supporter) == (None, None)
    refused("selfcare_failed_items", new_person, actor=cw, selfcare_failed_items=7)
    refused("selfcare_failed_items", new_person, actor=cw, selfcare_failed_items=-1)
    refused("selfcare_failed_items", new_person, actor=cw, selfcare_failed_items="x")
    svc.person_update(actor=cw, person=p, selfcare_failed_items=0, has_capable_supporter=True)
    p.refresh_from_db()
    assert (p.selfcare_failed_items, p.has_capable_supporter) == (0, True)
    assert p.history.first().history_change_reason == "person_update"
    refused("selfcare_failed_items", svc.person_update, actor=cw, person=p, selfcare_failed_items=7)
    svc.person_update(actor=cw, person=p, selfcare_failed_items=None, has_capable_supporter=None)
    p.refresh_from_db()
    assert (p.selfcare_failed_items, p.has_capable_supporter) == (None, None)


def test_death_date_neither_future_nor_before_birth(make_id, new_person, cw):
    today = timezone.localdate()
    refused("date_in_future", new_person, actor=cw, death_date=today + dt.timedelta(days=1))
    refused(
        "death_before_birth",
        new_person,
        actor=cw,
        id_number=make_id("19900101"),
        death_date=dt.date(1989, 12, 31),
    )
    p = new_person(cw)
    refused(
        "date_in_future",
        svc.person_record_death,
        actor=cw,
        person=p,
        death_date=today + dt.timedelta(days=1),
    )
    svc.person_record_death(actor=cw, person=p.pk, death_date=dt.date(2020, 3, 1))
    p.refresh_from_db()
    assert p.death_date == dt.date(2020, 3, 1)
    assert p.history.first().history_change_reason == "person_record_death"
    refused(
        "already_deceased",
        svc.person_record_death,
        actor=cw,
        person=p,
        death_date=dt.date(2020, 3, 2),
    )


def test_person_update_changes_fields_with_history(make_id, new_person, cw):
    p = new_person(cw)
    newer = make_id("19910202", sex="F")
    svc.person_update(
        actor=cw,
        person=p,
        name="张三丰",
        disability_grade=3,
        disability_kind="hearing",
        id_number=newer,
    )
    p.refresh_from_db()
    assert (p.name, p.disability_grade, p.id_number, p.birth_date, p.sex) == (
        "张三丰",
        3,
        newer,
        dt.date(1991, 2, 2),
        "F",
    )
    last = p.history.first()
    assert last.history_user == cw and last.history_change_reason == "person_update"
    delta = {c.field for c in last.diff_against(last.prev_record).changes}
    assert delta == {
        "name",
        "disability_grade",
        "disability_kind",
        "id_number",
        "birth_date",
        "sex",
    }
    other = new_person(cw)
    refused("id_duplicate", svc.person_update, actor=cw, person=other, id_number=newer)
    refused("name_required", svc.person_update, actor=cw, person=other, name=" ")
    with pytest.raises(TypeError):
        svc.person_update(actor=cw, person=other, death_date=dt.date(2020, 1, 1))


def test_services_refuse_targets_outside_the_jurisdiction(new_household, new_person, users):
    huli = users["huli_officer"]
    p = new_person(users["community_worker"])
    hh = new_household(users["community_worker"])
    for fn, kw in [
        (svc.person_update, {"person": p, "name": "x"}),
        (svc.person_record_death, {"person": p, "death_date": dt.date(2020, 1, 1)}),
        (svc.household_add_member, {"household": hh, "person": p, "relation": "child"}),
        (
            svc.enrolment_add,
            {
                "person": p,
                "category": "dibao",
                "start_date": dt.date(2020, 1, 1),
                "legal_basis": "x",
            },
        ),
        (svc.household_change_head, {"household": hh, "new_head": p}),
    ]:
        with pytest.raises(NotFoundError):
            fn(actor=huli, **kw)
    # an inactive user may do nothing at all (refused before any lookup)
    cw = users["community_worker"]
    cw.is_active = False
    refused("not_permitted", svc.person_update, actor=cw, person=p, name="x")


# ------------------------------------------------------------------------------------ households


def test_household_create_with_head(new_person, cw):
    head = new_person(cw)
    hh = svc.household_create(
        actor=cw,
        division=ZHONGHUA_C1,
        head=head,
        address="中华路1号",
        is_rural=True,
        start_date=dt.date(2020, 1, 1),
    )
    assert hh.number == f"{ZHONGHUA_C1}00001"
    m = Membership.objects.get(household=hh)
    assert (m.person_id, m.relation, m.start_date, m.end_date) == (
        head.pk,
        "head",
        dt.date(2020, 1, 1),
        None,
    )
    assert m.history.get().history_change_reason == "household_create"
    assert hh.history.get().history_user == cw
    # the head is now in a household: not the head of a second one
    refused("already_in_household", svc.household_create, actor=cw, division=ZHONGHUA_C1, head=head)
    refused(
        "household_number_taken",
        svc.household_create,
        actor=cw,
        division=ZHONGHUA_C1,
        head=new_person(cw),
        number=hh.number,
    )
    refused("not_found", svc.household_create, actor=cw, division=HULI_C1, head=new_person(cw))


def test_add_member_rules(new_household, new_person, cw):
    hh = new_household(cw)
    p = new_person(cw)
    refused(
        "relation_invalid",
        svc.household_add_member,
        actor=cw,
        household=hh,
        person=p,
        relation="cousin",
    )
    refused(
        "head_exists", svc.household_add_member, actor=cw, household=hh, person=p, relation="head"
    )
    refused(
        "date_in_future",
        svc.household_add_member,
        actor=cw,
        household=hh,
        person=p,
        relation="child",
        start_date=timezone.localdate() + dt.timedelta(days=1),
    )
    svc.household_add_member(actor=cw, household=hh, person=p, relation="child")
    other = new_household(cw)
    refused(
        "already_in_household",
        svc.household_add_member,
        actor=cw,
        household=other,
        person=p,
        relation="child",
    )


def test_person_create_into_a_household_registered_elsewhere(
    make_id, new_household, new_person, users
):
    """A migrant registered in 湖里 joins a 中华 household: allowed through the household."""
    cw = users["community_worker"]
    hh = new_household(cw)
    p = svc.person_create(
        actor=cw,
        id_number=make_id(region="350206"),
        name="外来",
        hukou_division=HULI_C1,
        household=hh,
        relation="spouse",
    )
    assert Membership.objects.get(person=p, end_date__isnull=True).household == hh
    # without the household the 湖里 community is out of the worker's scope
    refused("not_found", new_person, actor=cw, division=HULI_C1)


def test_membership_move_keeps_history(new_household, new_person, cw):
    a = new_household(cw, members=["spouse", "child"])
    b = new_household(cw)
    child = Membership.objects.get(household=a, relation="child").person
    svc.membership_move(
        actor=cw, person=child, to_household=b, relation="spouse", date=dt.date(2021, 5, 1)
    )
    old, new = Membership.objects.filter(person=child).order_by("start_date", "id")
    assert (old.household, old.end_date) == (a, dt.date(2021, 5, 1))
    assert (new.household, new.start_date, new.end_date) == (b, dt.date(2021, 5, 1), None)
    assert old.history.first().history_change_reason == "membership_move"
    assert new.history.get().history_user == cw
    refused(
        "same_household",
        svc.membership_move,
        actor=cw,
        person=child,
        to_household=b,
        relation="child",
    )
    refused(
        "not_in_household",
        svc.membership_move,
        actor=cw,
        person=new_person(cw),
        to_household=b,
        relation="child",
    )


def test_move_date_not_before_the_current_membership(new_household, cw):
    a = new_household(cw, members=["child"])
    b = new_household(cw)
    child = Membership.objects.get(household=a, relation="child").person
    err = refused(
        "date_before_membership",
        svc.membership_move,
        actor=cw,
        person=child,
        to_household=b,
        relation="child",
        date=dt.date(2019, 12, 31),
    )
    assert err.problems[0].field == "date"


def test_moving_a_head_needs_a_new_head(new_household, new_person, cw):
    a = new_household(cw, members=["spouse", "child"])
    b = new_household(cw)
    head = Membership.objects.get(household=a, relation="head").person
    spouse = Membership.objects.get(household=a, relation="spouse").person
    child = Membership.objects.get(household=a, relation="child").person
    refused(
        "head_successor_required",
        svc.membership_move,
        actor=cw,
        person=head,
        to_household=b,
        relation="other",
    )
    refused(
        "not_a_member",
        svc.membership_move,
        actor=cw,
        person=head,
        to_household=b,
        relation="other",
        new_head=new_person(cw),
    )
    assert Membership.objects.filter(person=head, end_date__isnull=True).get().household == a
    svc.membership_move(
        actor=cw,
        person=head,
        to_household=b,
        relation="other",
        date=dt.date(2022, 1, 1),
        new_head=spouse,
        relations={child: "child"},
    )
    current = dict(
        Membership.objects.filter(household=a, end_date__isnull=True).values_list(
            "person_id", "relation"
        )
    )
    assert current == {spouse.pk: "head", child.pk: "child"}
    # a head alone may move away, leaving an empty household
    c = new_household(cw)
    lone = Membership.objects.get(household=c).person
    svc.membership_move(actor=cw, person=lone, to_household=b, relation="sibling")
    assert not Membership.objects.filter(household=c, end_date__isnull=True).exists()


def test_change_head(new_household, new_person, cw):
    hh = new_household(cw, members=["spouse", "child"])
    head = Membership.objects.get(household=hh, relation="head").person
    spouse = Membership.objects.get(household=hh, relation="spouse").person
    child = Membership.objects.get(household=hh, relation="child").person
    refused("relation_invalid", svc.household_change_head, actor=cw, household=hh, new_head=spouse)
    refused(
        "already_head",
        svc.household_change_head,
        actor=cw,
        household=hh,
        new_head=head,
        old_head_relation="spouse",
    )
    refused(
        "not_a_member",
        svc.household_change_head,
        actor=cw,
        household=hh,
        new_head=new_person(cw),
        old_head_relation="spouse",
    )
    svc.household_change_head(
        actor=cw,
        household=hh,
        new_head=spouse,
        old_head_relation="spouse",
        relations={child.pk: "child"},
    )
    rel = dict(Membership.objects.filter(household=hh).values_list("person_id", "relation"))
    assert rel == {head.pk: "spouse", spouse.pk: "head", child.pk: "child"}
    m = Membership.objects.get(person=spouse)
    assert m.history.first().history_change_reason == "household_change_head"
    assert m.history.first().prev_record.relation == "spouse"


# ----------------------------------------------------------------------------------- enrolments


def test_enrolment_add_and_end(new_household, cw):
    hh = new_household(cw)
    head = Membership.objects.get(household=hh).person
    e = svc.enrolment_add(
        actor=cw,
        person=head,
        category="dibao",
        start_date=dt.date(2020, 2, 1),
        legal_basis="厦民〔2016〕1号",
    )
    assert e.household == hh
    assert e.history.get().history_user == cw
    refused(
        "enrolment_overlaps",
        svc.enrolment_add,
        actor=cw,
        person=head,
        category="dibao",
        start_date=dt.date(2021, 1, 1),
        legal_basis="x",
    )
    refused(
        "enrolment_overlaps",
        svc.enrolment_add,
        actor=cw,
        person=head,
        category="dibao",
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2020, 2, 1),
        legal_basis="x",
    )
    # another category is fine; a period before the first is fine
    svc.enrolment_add(
        actor=cw, person=head, category="tekun", start_date=dt.date(2020, 2, 1), legal_basis="x"
    )
    svc.enrolment_add(
        actor=cw,
        person=head,
        category="dibao",
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2020, 1, 31),
        legal_basis="x",
    )
    refused("dates_order", svc.enrolment_end, actor=cw, enrolment=e, end_date=dt.date(2020, 1, 1))
    svc.enrolment_end(actor=cw, enrolment=e.pk, end_date=dt.date(2020, 12, 31))
    e.refresh_from_db()
    assert e.end_date == dt.date(2020, 12, 31)
    assert e.history.first().history_change_reason == "enrolment_end"
    refused(
        "enrolment_closed", svc.enrolment_end, actor=cw, enrolment=e, end_date=dt.date(2021, 1, 1)
    )
    # after it ended, a new period may start
    svc.enrolment_add(
        actor=cw, person=head, category="dibao", start_date=dt.date(2021, 1, 1), legal_basis="x"
    )
    assert Enrolment.objects.filter(person=head, category="dibao").count() == 3


def test_enrolment_refusals(make_id, new_person, cw, users):
    p = new_person(cw, id_number=make_id("19900101"))
    base = {"actor": cw, "person": p, "start_date": dt.date(2020, 1, 1)}
    refused("category_invalid", svc.enrolment_add, category="rich", legal_basis="x", **base)
    err = refused(
        "legal_basis_required", svc.enrolment_add, category="dibao", legal_basis=" ", **base
    )
    assert err.problems[0].field == "legal_basis"
    refused(
        "dates_order",
        svc.enrolment_add,
        category="dibao",
        legal_basis="x",
        end_date=dt.date(2019, 1, 1),
        **base,
    )
    refused(
        "date_before_birth",
        svc.enrolment_add,
        actor=cw,
        person=p,
        category="dibao",
        legal_basis="x",
        start_date=dt.date(1989, 1, 1),
    )
    e = svc.enrolment_add(category="dibao", legal_basis="x", **base)
    assert e.household is None
    with pytest.raises(NotFoundError):
        svc.enrolment_end(actor=users["huli_officer"], enrolment=e, end_date=dt.date(2021, 1, 1))


def test_a_refused_service_writes_nothing(new_household, cw):
    hh = new_household(cw, members=["spouse"])
    head = Membership.objects.get(household=hh, relation="head").person
    before = (Membership.objects.count(), Membership.history.count())
    b = new_household(cw)
    before = (Membership.objects.count(), Membership.history.count())
    # the old membership would be closed before the new one fails on the target's head
    refused(
        "head_exists",
        svc.membership_move,
        actor=cw,
        person=head,
        to_household=b,
        relation="head",
        new_head=Membership.objects.get(household=hh, relation="spouse").person,
    )
    assert (Membership.objects.count(), Membership.history.count()) == before
    assert Membership.objects.get(person=head).end_date is None
