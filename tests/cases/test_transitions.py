"""Every impossible step is refused with its stable code, and writes nothing."""

import datetime as dt

import pytest

from safetynet.cases import services
from safetynet.cases.errors import ServiceError
from safetynet.cases.models import Case, CaseEvent, Decision, Objection
from safetynet.cases.states import (
    FINAL_STATES,
    TRANSITIONS,
    Action,
    Status,
    TransitionNotAllowed,
    actions_from,
    target,
)
from safetynet.verification.services import verification_report_build
from tests.helpers.cases import RICH, apply, investigate, scan


def refused(code, fn, **kwargs):
    """Call a service, expect the code, and check that the case's timeline did not grow."""
    before = CaseEvent.objects.count()
    with pytest.raises(ServiceError) as exc:
        fn(**kwargs)
    assert exc.value.code == code, exc.value.message
    assert CaseEvent.objects.count() == before
    return exc.value


# ------------------------------------------------------------------ the table itself
def test_the_table_is_closed_and_final_states_have_no_way_out():
    for action, (sources, to) in TRANSITIONS.items():
        assert to in set(Status)
        for s in sources:
            assert target(action, s) == to
    for s in FINAL_STATES:
        assert actions_from(s) == []
    with pytest.raises(TransitionNotAllowed):
        target(Action.APPROVE, Status.ACCEPTED)
    with pytest.raises(TransitionNotAllowed):
        target("fly", Status.ACCEPTED)
    # every state is reachable from accepted
    seen, todo = {Status.ACCEPTED}, [Status.ACCEPTED]
    while todo:
        s = todo.pop()
        for a in actions_from(s):
            t = target(a, s)
            if t not in seen:
                seen.add(t)
                todo.append(t)
    assert seen == set(Status)


# ------------------------------------------------------------------ services
@pytest.fixture
def accepted(staff, family, clock):
    return apply(staff["community_worker"], family)


def test_steps_out_of_order_are_refused(staff, accepted, clock):
    so, da = staff["street_officer"], staff["district_approver"]
    cid = accepted.pk
    code = "case_transition_not_allowed"
    refused(code, services.case_propose, actor=so, case_id=cid)
    refused(code, services.case_notice_publish, actor=so, case_id=cid)
    refused(code, services.case_notice_close, actor=so, case_id=cid)
    refused(code, services.case_refer_for_decision, actor=so, case_id=cid)
    refused(code, services.case_decide, actor=da, case_id=cid, outcome="approved")
    refused(
        code,
        services.case_home_visit_record,
        actor=so,
        case_id=cid,
        visited_on=clock(),
        staff=[staff["community_worker"].pk, staff["street_officer_2"].pk],
        findings="x",
    )
    refused(
        "objection_outside_notice",
        services.case_objection_record,
        actor=so,
        case_id=cid,
        content="他家有车",
    )
    services.case_investigation_start(actor=so, case_id=cid)
    refused(code, services.case_investigation_start, actor=so, case_id=cid)
    assert Case.objects.get(pk=cid).status == "investigating"


def test_proposal_needs_a_home_visit_and_a_complete_report(staff, accepted, clock):
    so = staff["street_officer"]
    cid = accepted.pk
    services.case_investigation_start(actor=so, case_id=cid)
    refused("case_needs_home_visit", services.case_propose, actor=so, case_id=cid)
    services.case_home_visit_record(
        actor=so,
        case_id=cid,
        visited_on=clock(),
        staff=[staff["community_worker"].pk, staff["street_officer_2"].pk],
        findings="入户核实。",
    )
    refused("case_needs_verification_report", services.case_propose, actor=so, case_id=cid)
    # sources still pending: a report issued anyway is "incomplete" and cannot carry a proposal
    verification_report_build(
        actor=so, request_id=accepted.verification_request_id, allow_missing=True
    )
    refused("case_verification_incomplete", services.case_propose, actor=so, case_id=cid)
    assert Case.objects.get(pk=cid).proposal is None


def test_home_visit_needs_two_distinct_staff_of_the_office(staff, accepted, clock):
    so = staff["street_officer"]
    cid = accepted.pk
    services.case_investigation_start(actor=so, case_id=cid)
    kw = dict(actor=so, case_id=cid, visited_on=clock(), findings="入户。")
    cw, so2 = staff["community_worker"], staff["street_officer_2"]
    refused("home_visit_staff_same", services.case_home_visit_record, staff=[cw.pk, cw.pk], **kw)
    refused("home_visit_staff_invalid", services.case_home_visit_record, staff=[cw.pk], **kw)
    huli = staff["huli_officer"]  # another street's officer
    refused(
        "home_visit_staff_invalid", services.case_home_visit_record, staff=[cw.pk, huli.pk], **kw
    )
    auditor = staff["auditor"]
    refused(
        "home_visit_staff_invalid", services.case_home_visit_record, staff=[cw.pk, auditor.pk], **kw
    )
    kw["visited_on"] = clock() + dt.timedelta(days=1)
    refused("home_visit_date_invalid", services.case_home_visit_record, staff=[cw.pk, so2.pk], **kw)
    kw["visited_on"] = clock()
    refused(
        "home_visit_findings_missing",
        services.case_home_visit_record,
        staff=[cw.pk, so2.pk],
        **{**kw, "findings": "  "},
    )
    refused(
        "home_visit_photo_refused",
        services.case_home_visit_record,
        staff=[cw.pk, so2.pk],
        photos=[scan("x.png", b"<svg onload=alert(1)>")],
        **kw,
    )
    assert not Case.objects.get(pk=cid).home_visits.exists()


def test_notice_runs_seven_calendar_days_and_objections_are_answered(staff, accepted, clock):
    so, cw = staff["street_officer"], staff["community_worker"]
    cid = accepted.pk
    clock.advance(3)
    case = investigate(staff, accepted, clock)
    refused("case_proposal_eligible", services.case_refer_for_decision, actor=so, case_id=cid)
    case = services.case_notice_publish(actor=so, case_id=cid)
    assert case.notice_ends_on == case.notice_posted_on + dt.timedelta(days=7)
    refused("case_transition_not_allowed", services.case_notice_publish, actor=so, case_id=cid)
    objection = services.case_objection_record(
        actor=cw, case_id=cid, content="邻居反映其家中有小汽车。", raised_by="匿名"
    )
    refused(
        "objection_content_missing",
        services.case_objection_record,
        actor=cw,
        case_id=cid,
        content="",
    )
    clock.set(case.notice_ends_on)
    refused("case_notice_running", services.case_notice_close, actor=so, case_id=cid)
    clock.advance(1)
    refused(
        "objection_outside_notice",
        services.case_objection_record,
        actor=cw,
        case_id=cid,
        content="公示结束后才反映。",
        raised_on=clock(),
    )
    refused("case_objection_unanswered", services.case_notice_close, actor=so, case_id=cid)
    services.case_objection_answer(
        actor=so, objection_id=objection.pk, answer="经核实，该车辆登记在他人名下。", upheld=False
    )
    refused(
        "objection_already_answered",
        services.case_objection_answer,
        actor=so,
        objection_id=objection.pk,
        answer="again",
        upheld=True,
    )
    case = services.case_notice_close(actor=so, case_id=cid)
    assert case.status == "awaiting_decision"
    assert Objection.objects.get(pk=objection.pk).upheld is False


def test_an_ineligible_proposal_is_not_posted_nor_approved(staff, family, clock):
    so, da = staff["street_officer"], staff["district_approver"]
    case = apply(staff["community_worker"], family, wage=RICH)
    clock.advance(2)
    case = investigate(staff, case, clock)
    assert case.proposed_eligible is False
    refused("case_proposal_not_eligible", services.case_notice_publish, actor=so, case_id=case.pk)
    services.case_refer_for_decision(actor=so, case_id=case.pk)
    refused(
        "case_proposal_not_eligible",
        services.case_decide,
        actor=da,
        case_id=case.pk,
        outcome="approved",
    )
    assert not Decision.objects.filter(case=case).exists()


def test_a_second_decision_is_refused(staff, awaiting):
    da, da2 = staff["district_approver"], staff["district_approver_2"]
    services.case_decide(actor=da, case_id=awaiting.pk, outcome="approved")
    refused(
        "case_already_decided",
        services.case_decide,
        actor=da2,
        case_id=awaiting.pk,
        outcome="approved",
    )
    refused(
        "case_already_decided",
        services.case_decide,
        actor=da2,
        case_id=awaiting.pk,
        outcome="refused",
        reasons=["改判"],
    )
    assert Decision.objects.filter(case=awaiting).count() == 1


def test_a_refusal_of_an_eligible_proposal_needs_reasons(staff, awaiting):
    da = staff["district_approver"]
    refused(
        "case_reason_required",
        services.case_decide,
        actor=da,
        case_id=awaiting.pk,
        outcome="refused",
    )
    refused(
        "case_transition_not_allowed",
        services.case_decide,
        actor=da,
        case_id=awaiting.pk,
        outcome="maybe",
    )
    d = services.case_decide(
        actor=da, case_id=awaiting.pk, outcome="refused", reasons=["公示期间查实家庭有经营性车辆。"]
    )
    assert d.reasons == ["公示期间查实家庭有经营性车辆。"]


def test_withdrawal_ends_the_case(staff, accepted):
    cw, so = staff["community_worker"], staff["street_officer"]
    refused(
        "case_reason_required", services.case_withdraw, actor=cw, case_id=accepted.pk, reason=" "
    )
    case = services.case_withdraw(actor=cw, case_id=accepted.pk, reason="申请人书面撤回。")
    assert case.status == "withdrawn" and case.closed_on
    refused(
        "case_transition_not_allowed",
        services.case_withdraw,
        actor=cw,
        case_id=accepted.pk,
        reason="x",
    )
    refused(
        "case_transition_not_allowed",
        services.case_investigation_start,
        actor=so,
        case_id=accepted.pk,
    )
    refused(
        "case_transition_not_allowed",
        services.case_extend,
        actor=so,
        case_id=accepted.pk,
        reason="x",
    )


def test_a_decided_case_cannot_be_withdrawn(staff, awaiting):
    services.case_decide(actor=staff["district_approver"], case_id=awaiting.pk, outcome="approved")
    refused(
        "case_transition_not_allowed",
        services.case_withdraw,
        actor=staff["community_worker"],
        case_id=awaiting.pk,
        reason="x",
    )


def test_an_upheld_objection_sends_the_case_back_and_the_notice_runs_again(staff, accepted, clock):
    so, cw, da = staff["street_officer"], staff["community_worker"], staff["district_approver"]
    cid = accepted.pk
    clock.advance(2)
    investigate(staff, accepted, clock)
    case = services.case_notice_publish(actor=so, case_id=cid)
    first_amount = case.proposed_amount_fen
    objection = services.case_objection_record(actor=cw, case_id=cid, content="其配偶有固定工作。")
    services.case_objection_answer(
        actor=so, objection_id=objection.pk, answer="属实，重新调查。", upheld=True
    )
    refused("case_reason_required", services.case_reinvestigate, actor=so, case_id=cid, reason="")
    refused(
        "not_permitted",
        services.case_reinvestigate,
        actor=cw,
        case_id=cid,
        reason="x",
    )
    case = services.case_reinvestigate(actor=so, case_id=cid, reason="异议属实。")
    assert case.status == "investigating"
    assert case.proposal is None and case.notice_posted_on is None and case.decision_due is None
    ev = CaseEvent.objects.filter(case=case).latest("id")
    assert ev.kind == "reinvestigated" and ev.data["dropped"]["amount_fen"] == first_amount
    # propose again (the report stands), post again: a second public notice
    case = services.case_propose(actor=so, case_id=cid)
    case = services.case_notice_publish(actor=so, case_id=cid)
    assert case.notices.filter(kind="public").count() == 2
    clock.set(case.notice_ends_on + dt.timedelta(days=1))
    case = services.case_notice_close(actor=so, case_id=cid)
    # the district may send it back too
    case = services.case_reinvestigate(actor=da, case_id=cid, reason="请补充入户照片。")
    assert case.status == "investigating"
    refused(
        "case_transition_not_allowed",
        services.case_reinvestigate,
        actor=so,
        case_id=cid,
        reason="x",
    )


def test_a_decision_that_cannot_enrol_writes_nothing_and_leaves_no_file(staff, awaiting, family):
    """The registry refuses the enrolment (the head was enrolled meanwhile): no decision, no
    event, the case still awaits, and the rendered decision notice is removed from storage."""
    from pathlib import Path

    from django.conf import settings

    from safetynet.cases.models import Notice
    from safetynet.registry.services import enrolment_add

    enrolment_add(
        actor=staff["community_worker"],
        person=family.head,
        category="dibao",
        start_date=dt.date(2025, 12, 1),
        legal_basis="另案",
    )

    def stored():
        return {p.name for p in (Path(settings.MEDIA_ROOT) / "cases").rglob("*.pdf")}

    stored_before = stored()
    assert any(name.startswith("GS-") for name in stored_before)
    refused(
        "enrolment_overlaps",
        services.case_decide,
        actor=staff["district_approver"],
        case_id=awaiting.pk,
        outcome="approved",
    )
    assert not Decision.objects.filter(case=awaiting).exists()
    assert not Notice.objects.filter(case=awaiting, kind="decision").exists()
    assert Case.objects.get(pk=awaiting.pk).status == "awaiting_decision"
    assert stored() == stored_before
