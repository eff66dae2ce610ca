"""The disability two subsidies (残疾人两项补贴) decided through a case: the approval enrols the
eligible persons in the registry's 残疾人 database (category `disabled`, the one the payroll pays
`disability` from), from the first day of the first benefit month, and the payroll pays them."""

import datetime as dt

import pytest

from safetynet.cases import services
from safetynet.cases.errors import ServiceError
from safetynet.payments.models import PaymentLine
from safetynet.payments.services import payroll_run
from safetynet.registry.models import Enrolment
from safetynet.registry.services import enrolment_add, person_update
from tests.helpers.cases import apply, to_decision


def test_a_disability_decision_enrols_the_disabled_person_and_the_payroll_pays(
    staff, family, clock
):
    cw = staff["community_worker"]
    for p in (family.head, family.spouse):  # a dibao household (the living subsidy's group)
        enrolment_add(
            actor=cw, person=p, category="dibao", start_date=dt.date(2024, 1, 1), legal_basis="t"
        )
    person_update(actor=cw, person=family.spouse, disability_grade=1, disability_kind="physical")
    case = to_decision(staff, apply(cw, family, program="disability"), clock)
    clock.advance(1)
    decision = services.case_decide(
        actor=staff["district_approver"], case_id=case.pk, outcome="approved"
    )
    case.refresh_from_db()
    assert case.status == "enrolled"
    enrolled = Enrolment.objects.filter(category="disabled", legal_basis__contains=case.number)
    # only the disabled spouse, from the first day of the first benefit month (ADR 0903)
    assert [(e.person_id, e.start_date) for e in enrolled] == [
        (family.spouse.pk, dt.date.fromisoformat(f"{decision.start_month}-01"))
    ]
    # living subsidy 100 yuan (dibao household) + grade-1 nursing subsidy 150 yuan = 250 yuan
    assert decision.amount_fen == 25_000
    payroll_run(actor=staff["city_admin"], month=decision.start_month)
    line = PaymentLine.objects.get(program="disability")
    assert (line.person_id, line.benefit_month, line.amount_fen) == (
        family.spouse.pk,
        decision.start_month,
        25_000,
    )
    # funding 50 % city, 50 % district (disability.funding)
    assert (line.city_fen, line.district_fen, line.street_fen) == (12_500, 12_500, 0)
    # a second application while enrolled is refused
    with pytest.raises(ServiceError) as exc:
        apply(cw, family, program="disability")
    assert exc.value.code == "case_already_enrolled"
