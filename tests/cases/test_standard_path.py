"""The standard path of POLICY §8: accept → investigate → propose → notice → decide → enrol."""

import datetime as dt

from safetynet.cases import services
from safetynet.cases.models import Case, CaseEvent, Decision, EventKind, Notice
from safetynet.registry.models import Enrolment
from tests.helpers.cases import RICH, apply, to_decision


def test_approval_enrols_the_household_from_the_month_after(staff, family, clock):
    cw, so, da = staff["community_worker"], staff["street_officer"], staff["district_approver"]
    case = apply(cw, family)
    assert case.number.startswith("SQ-2025-")
    assert case.status == "accepted"
    assert case.handling_division_id == "350203002"  # the household's street
    assert case.accepting_division_id == "350203002001"
    assert case.verification_request.authorization_scan  # the one upload
    # accepted Fri 26 Sep 2025: National Day 1–8 Oct off, Sun 28 Sep and Sat 11 Oct worked
    assert case.investigation_due == dt.date(2025, 10, 23)

    case = to_decision(staff, case, clock)
    assert case.status == "awaiting_decision"
    assert case.proposal["eligible"] is True
    assert case.proposal["amount_fen"] == case.proposed_amount_fen > 0
    assert case.proposal["trace"]
    assert "dibao.standard" in case.proposal["parameters"]
    assert case.proposal["household_figures"]["counted_income_fen"] == 50_000

    clock.advance(1)
    decision = services.case_decide(actor=da, case_id=case.pk, outcome="approved")
    case.refresh_from_db()
    assert case.status == "enrolled"
    assert decision.amount_fen == case.proposed_amount_fen
    start = clock().replace(day=1)
    start = (start + dt.timedelta(days=32)).replace(day=1)
    assert decision.start_month == f"{start:%Y-%m}"
    enrolments = Enrolment.objects.filter(household=family.household, category="dibao")
    assert {e.person_id for e in enrolments} == {family.head.pk, family.spouse.pk}
    assert all(e.start_date == start for e in enrolments)
    assert all(case.number in e.legal_basis for e in enrolments)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [
        EventKind.ACCEPTED,
        EventKind.INVESTIGATION_STARTED,
        EventKind.HOME_VISIT,
        EventKind.PROPOSED,
        EventKind.NOTICE_PUBLISHED,
        EventKind.NOTICE_CLOSED,
        EventKind.APPROVED,
        EventKind.ENROLLED,
    ]
    assert set(Notice.objects.filter(case=case).values_list("kind", flat=True)) == {
        "public",
        "decision",
    }
    assert so.pk not in {decision.decided_by_id}


def test_refusal_states_reasons_and_creates_no_enrolment(staff, family, clock):
    cw, da = staff["community_worker"], staff["district_approver"]
    case = apply(cw, family, wage=RICH)
    case = to_decision(staff, case, clock)
    assert case.proposed_eligible is False
    assert case.notice_posted_on is None  # nothing to post
    decision = services.case_decide(actor=da, case_id=case.pk, outcome="refused")
    assert decision.reasons and "不符合" in decision.reasons[0]
    assert decision.refusal_notice_due is not None
    assert Case.objects.get(pk=case.pk).status == "refused"
    assert not Enrolment.objects.filter(household=family.household).exists()
    assert Decision.objects.filter(case=case).count() == 1
