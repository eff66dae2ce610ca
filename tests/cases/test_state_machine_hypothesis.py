"""Hypothesis drives the case services in any order, by any staff member, with time moving; no
sequence reaches an invalid state (the invariants below hold after every step) and every refusal
is a known error code."""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from safetynet.cases import errors as E
from safetynet.cases import services
from safetynet.cases.models import Case, CaseEvent, Decision, Notice, Objection
from safetynet.cases.states import DECIDED_STATES, FINAL_STATES, Status
from safetynet.registry.models import Enrolment
from safetynet.verification import errors as VE
from tests.helpers.cases import POOR, RICH, apply, make_family, verify

ACTORS = [
    "community_worker",
    "street_officer",
    "street_officer_2",
    "district_approver",
    "district_approver_2",
    "city_admin",
    "verification_operator",
    "auditor",
    "huli_officer",
]
ACTIONS = [
    "start",
    "visit",
    "verify",
    "propose",
    "publish",
    "object",
    "answer",
    "close",
    "refer",
    "approve",
    "refuse",
    "withdraw",
    "extend",
    "reinvestigate",
]
KNOWN = {
    *E.CODES,
    *VE.CODES,
    "not_permitted",
    "not_found",
}
# The staff member whose role does each step (the other rule tries anyone).
RIGHT = {
    "start": "street_officer",
    "visit": "street_officer",
    "verify": "street_officer",
    "propose": "street_officer",
    "publish": "street_officer",
    "object": "community_worker",
    "answer": "street_officer",
    "close": "street_officer",
    "refer": "street_officer",
    "approve": "district_approver",
    "refuse": "district_approver_2",
    "withdraw": "community_worker",
    "extend": "district_approver",
    "reinvestigate": "street_officer",
}
REACHED: set[str] = set()
CODES_SEEN: set = set()
AFTER_PROPOSAL = {
    Status.PROPOSED,
    Status.IN_NOTICE,
    Status.AWAITING_DECISION,
    Status.APPROVED,
    Status.REFUSED,
    Status.ENROLLED,
}


@pytest.mark.slow
def test_no_sequence_of_actions_reaches_an_invalid_state(staff, clock, monkeypatch):
    # The notices' and the report's PDFs are tested elsewhere; here they only slow the search.
    monkeypatch.setattr("safetynet.cases.pdf._render", lambda template, context: b"%PDF-1.4 t")
    monkeypatch.setattr("safetynet.verification.pdf.report_pdf", lambda *, report: b"%PDF-1.4 r")
    seqs = itertools.count(20)

    class CaseMachine(RuleBasedStateMachine):
        @initialize(poor=st.booleans(), one_off=st.booleans())
        def accept(self, poor, one_off):
            clock.set(dt.date(2025, 9, 1))
            family = make_family(staff["community_worker"], seq=next(seqs))
            extra = {}
            if one_off:  # a one-off grant: approved is where it stays (no enrolment)
                extra = {
                    "program": "temporary_assistance",
                    "requests": {
                        "temporary_assistance": {"kind": "expenditure", "requested_fen": 200_000}
                    },
                }
            wage = POOR if poor else RICH
            self.case = apply(staff["community_worker"], family, wage=wage, **extra)
            self.codes = []

        @rule(action=st.sampled_from(ACTIONS))
        def act_in_role(self, action):
            self.act(RIGHT[action], action)

        @rule(approve=st.booleans())
        def step_forward(self, approve):
            """The next step of the standard path (so that the search gets deep)."""
            case = Case.objects.get(pk=self.case.pk)
            status = case.status
            if status == Status.ACCEPTED:
                self.act("street_officer", "start")
            elif status == Status.INVESTIGATING:
                if not case.home_visits.exists():
                    self.act("street_officer", "visit")
                elif not case.verification_request.reports.exists():
                    self.act("street_officer", "verify")
                else:
                    self.act("street_officer", "propose")
            elif status == Status.PROPOSED:
                self.act("street_officer", "publish" if case.proposed_eligible else "refer")
            elif status == Status.IN_NOTICE:
                if clock() <= case.notice_ends_on:
                    clock.set(case.notice_ends_on + dt.timedelta(days=1))
                elif case.objections.filter(answered_on__isnull=True).exists():
                    self.act("street_officer", "answer")
                else:
                    self.act("street_officer", "close")
            elif status == Status.AWAITING_DECISION:
                self.act("district_approver", "approve" if approve else "refuse")

        @rule(actor=st.sampled_from(ACTORS), action=st.sampled_from(ACTIONS))
        def act(self, actor, action):
            user = staff[actor]
            cid = self.case.pk
            calls = {
                "start": lambda: services.case_investigation_start(actor=user, case_id=cid),
                "visit": lambda: services.case_home_visit_record(
                    actor=user,
                    case_id=cid,
                    visited_on=clock(),
                    staff=[staff["community_worker"].pk, staff["street_officer_2"].pk],
                    findings="入户调查。",
                ),
                "verify": lambda: verify(user, self.case),
                "propose": lambda: services.case_propose(actor=user, case_id=cid),
                "publish": lambda: services.case_notice_publish(actor=user, case_id=cid),
                "object": lambda: services.case_objection_record(
                    actor=user, case_id=cid, content="有异议。"
                ),
                "answer": lambda: services.case_objection_answer(
                    actor=user,
                    objection_id=(
                        Objection.objects.filter(case_id=cid).order_by("answered_on", "pk").first()
                        or Objection(pk=0)
                    ).pk,
                    answer="已核实。",
                    upheld=False,
                ),
                "close": lambda: services.case_notice_close(actor=user, case_id=cid),
                "refer": lambda: services.case_refer_for_decision(actor=user, case_id=cid),
                "approve": lambda: services.case_decide(
                    actor=user, case_id=cid, outcome="approved"
                ),
                "refuse": lambda: services.case_decide(
                    actor=user, case_id=cid, outcome="refused", reasons=["不符合条件。"]
                ),
                "withdraw": lambda: services.case_withdraw(
                    actor=user, case_id=cid, reason="撤回。"
                ),
                "extend": lambda: services.case_extend(actor=user, case_id=cid, reason="延期。"),
                "reinvestigate": lambda: services.case_reinvestigate(
                    actor=user, case_id=cid, reason="重新调查。"
                ),
            }
            before = Case.objects.get(pk=cid).status
            events = CaseEvent.objects.filter(case_id=cid).count()
            try:
                calls[action]()
            except E.ServiceError as exc:
                assert exc.code in KNOWN, exc.code
                self.codes.append(exc.code)
                CODES_SEEN.add((action, exc.code))
                # a refusal changes nothing
                assert Case.objects.get(pk=cid).status == before
                assert CaseEvent.objects.filter(case_id=cid).count() == events

        @rule(days=st.integers(min_value=1, max_value=9))
        def wait(self, days):
            clock.advance(days)

        @invariant()
        def consistent(self):
            case = Case.objects.get(pk=self.case.pk)
            status = Status(case.status)
            REACHED.add(status.value)
            decisions = list(Decision.objects.filter(case=case))
            assert len(decisions) <= 1
            assert bool(decisions) == (status in DECIDED_STATES)
            if status in AFTER_PROPOSAL:
                assert case.proposal is not None and case.home_visits.exists()
                assert case.proposal["report_conclusion"] != "incomplete"
            if status not in AFTER_PROPOSAL and status != Status.WITHDRAWN:
                assert case.proposal is None
            if case.notice_posted_on is not None:
                assert case.proposed_eligible is True
                assert case.notice_ends_on == case.notice_posted_on + dt.timedelta(days=7)
                assert Notice.objects.filter(case=case, kind="public").exists()
            enrolled = Enrolment.objects.filter(legal_basis__contains=case.number)
            assert enrolled.exists() == (status == Status.ENROLLED)
            if decisions:
                d = decisions[0]
                assert d.decided_by_id not in services.accepted_or_investigated_by(case)
                assert Notice.objects.filter(case=case, kind="decision").exists()
                if d.outcome == "approved":
                    assert case.proposed_eligible and case.notice_posted_on is not None
                    assert d.amount_fen == case.proposed_amount_fen
                else:
                    assert d.reasons and d.refusal_notice_due
            assert (case.closed_on is not None) == (
                status in FINAL_STATES or status == Status.APPROVED
            )
            if case.extended_on is not None:
                assert case.extension_reason
            # the timeline replays to the status
            moves = CaseEvent.objects.filter(case=case).exclude(to_status="").order_by("at", "id")
            last = None
            for ev in moves:
                if last is not None:
                    assert ev.from_status == last
                last = ev.to_status
            assert last == case.status

    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=60,
            derandomize=True,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # the search went everywhere (a weak search would prove little)
    print("statuses reached:", sorted(REACHED))
    print("refusals seen:", sorted(CODES_SEEN))
    assert set(Status) <= REACHED, REACHED
