"""Who may do what with a case (POLICY §8), per role and jurisdiction. The expected table is
written out here from docs/cases.md, not read from the permission map."""

import datetime as dt

import pytest

from safetynet.accounts.models import Role
from safetynet.cases import selectors, services
from safetynet.cases.errors import ServiceError
from safetynet.cases.models import Case, CaseEvent
from tests.conftest import ZHONGHUA, make_user
from tests.helpers.cases import apply, investigate

ROLES = [
    "community_worker",
    "street_officer",
    "district_approver",
    "city_admin",
    "verification_operator",
    "auditor",
]
# ability → roles that have it (docs/cases.md "Who does what")
EXPECTED = {
    "accept": {"community_worker", "street_officer"},
    "investigate": {"street_officer"},
    "decide": {"district_approver"},
    "withdraw": {"community_worker", "street_officer"},
    "extend": {"street_officer", "district_approver"},
    "reinvestigate": {"street_officer", "district_approver"},
    "view": {"community_worker", "street_officer", "district_approver", "city_admin", "auditor"},
}


def outcome(fn, **kwargs) -> str:
    before = CaseEvent.objects.count()
    try:
        fn(**kwargs)
    except ServiceError as exc:
        assert CaseEvent.objects.count() == before
        return exc.code
    return "ok"


@pytest.mark.parametrize("role", ROLES)
def test_accepting_an_application(role, staff, family, clock):
    got = outcome(apply, actor=staff[role], family=family)
    assert got == ("ok" if role in EXPECTED["accept"] else "not_permitted")
    assert Case.objects.count() == (1 if got == "ok" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_investigating(role, staff, family, clock):
    case = apply(staff["community_worker"], family)
    got = outcome(services.case_investigation_start, actor=staff[role], case_id=case.pk)
    assert got == ("ok" if role in EXPECTED["investigate"] else "not_permitted")


@pytest.mark.parametrize("role", ROLES)
def test_deciding(role, staff, awaiting):
    got = outcome(services.case_decide, actor=staff[role], case_id=awaiting.pk, outcome="approved")
    assert got == ("ok" if role in EXPECTED["decide"] else "not_permitted")


@pytest.mark.parametrize("role", ROLES)
def test_sending_back_to_the_investigation(role, staff, awaiting):
    got = outcome(
        services.case_reinvestigate, actor=staff[role], case_id=awaiting.pk, reason="补充材料。"
    )
    assert got == ("ok" if role in EXPECTED["reinvestigate"] else "not_permitted")


@pytest.mark.parametrize("role", ROLES)
def test_withdrawing_and_extending(role, staff, family, clock):
    case = apply(staff["community_worker"], family)
    got = outcome(services.case_extend, actor=staff[role], case_id=case.pk, reason="需补充材料。")
    assert got == ("ok" if role in EXPECTED["extend"] else "not_permitted")
    got = outcome(services.case_withdraw, actor=staff[role], case_id=case.pk, reason="撤回。")
    assert got == ("ok" if role in EXPECTED["withdraw"] else "not_permitted")


@pytest.mark.parametrize("role", ROLES)
def test_reading(role, staff, family, clock):
    case = apply(staff["community_worker"], family)
    if role in EXPECTED["view"]:
        assert selectors.case_get(actor=staff[role], case_id=case.pk).pk == case.pk
        assert list(selectors.cases_visible_to(staff[role])) == [case]
    else:
        with pytest.raises(ServiceError) as exc:
            selectors.case_get(actor=staff[role], case_id=case.pk)
        assert exc.value.code == "not_permitted"


def test_outside_the_jurisdiction_a_case_is_not_found(staff, family, clock):
    case = apply(staff["community_worker"], family)
    huli = staff["huli_officer"]  # 湖里街道: another district
    assert outcome(services.case_investigation_start, actor=huli, case_id=case.pk) == "not_found"
    assert outcome(services.case_withdraw, actor=huli, case_id=case.pk, reason="x") == "not_found"
    with pytest.raises(ServiceError) as exc:
        selectors.case_get(actor=huli, case_id=case.pk)
    assert exc.value.code == "not_found"
    assert not selectors.cases_visible_to(huli).exists()
    huli_approver = make_user("hda", Role.DISTRICT_APPROVER, "350206")
    assert (
        outcome(services.case_decide, actor=huli_approver, case_id=case.pk, outcome="approved")
        == "not_found"
    )
    # a community worker of another community of the same street does not see it either
    other = make_user("cw2", Role.COMMUNITY_WORKER, "350203002002")
    assert not selectors.cases_visible_to(other).exists()
    # and an application for a household outside the jurisdiction: not found, nothing written
    assert outcome(apply, actor=other, family=family) == "not_found"
    assert Case.objects.count() == 1


def test_an_inactive_user_may_do_nothing(staff, family, clock):
    case = apply(staff["community_worker"], family)
    so = staff["street_officer"]
    so.is_active = False
    so.save()
    assert outcome(services.case_investigation_start, actor=so, case_id=case.pk) == (
        "not_permitted"
    )


# ------------------------------------------------------------------ the wrong person
def _promote(user, role, jurisdiction):
    user.role = role
    user.jurisdiction_id = jurisdiction
    user.save()
    return user


def test_the_person_who_accepted_may_not_decide(staff, family, clock):
    # the street officer accepts, investigates; later becomes the district's approver
    so = staff["street_officer"]
    case = apply(so, family)
    clock.advance(2)
    case = investigate(staff, case, clock)
    services.case_notice_publish(actor=so, case_id=case.pk)
    clock.advance(8)
    services.case_notice_close(actor=so, case_id=case.pk)
    _promote(so, Role.DISTRICT_APPROVER, "350203")
    got = outcome(services.case_decide, actor=so, case_id=case.pk, outcome="approved")
    assert got == "case_decider_conflict"
    assert Case.objects.get(pk=case.pk).status == "awaiting_decision"
    # another approver may
    assert (
        outcome(
            services.case_decide,
            actor=staff["district_approver"],
            case_id=case.pk,
            outcome="approved",
        )
        == "ok"
    )


def test_a_home_visitor_may_not_decide(staff, awaiting):
    # the community worker went on the home visit (and accepted); a street officer of the
    # visit (street_officer_2) was only a visitor: neither may decide
    visitor = _promote(staff["street_officer_2"], Role.DISTRICT_APPROVER, "350203")
    assert (
        outcome(services.case_decide, actor=visitor, case_id=awaiting.pk, outcome="approved")
        == "case_decider_conflict"
    )
    assert services.accepted_or_investigated_by(awaiting) >= {
        staff["community_worker"].pk,
        staff["street_officer"].pk,
        staff["street_officer_2"].pk,
    }


def test_the_decider_is_not_the_investigator_even_as_superuser(staff, awaiting):
    so = staff["street_officer"]
    so.is_superuser = True
    so.save()
    assert (
        outcome(
            services.case_decide, actor=so, case_id=awaiting.pk, outcome="refused", reasons=["x"]
        )
        == "case_decider_conflict"
    )


def test_visiting_staff_may_be_any_office_of_the_street(staff, family, clock):
    # a community worker of the street's other community is staff of the handling office
    other_cw = make_user("cw3", Role.COMMUNITY_WORKER, "350203002002")
    case = apply(staff["community_worker"], family)
    so = staff["street_officer"]
    services.case_investigation_start(actor=so, case_id=case.pk)
    visit = services.case_home_visit_record(
        actor=so,
        case_id=case.pk,
        visited_on=clock(),
        staff=[other_cw.pk, so.pk],
        findings="入户。",
    )
    assert visit.staff_1 == other_cw
    assert case.handling_division_id == ZHONGHUA
    assert clock() == dt.date(2025, 9, 26)


def test_the_approver_queue_leaves_out_what_one_may_not_decide(staff, awaiting):
    da = staff["district_approver"]
    assert list(selectors.case_approver_queue(actor=da)) == [awaiting]
    # an officer who went on the home visit, now an approver, does not get it in the queue
    visitor = _promote(staff["street_officer_2"], Role.DISTRICT_APPROVER, "350203")
    assert not selectors.case_approver_queue(actor=visitor).exists()
    assert selectors.case_counts_by_status(actor=da) == {"awaiting_decision": 1}
    services.case_decide(actor=da, case_id=awaiting.pk, outcome="approved")
    assert not selectors.case_approver_queue(actor=da).exists()
    assert selectors.case_counts_by_status(actor=staff["auditor"]) == {"enrolled": 1}
