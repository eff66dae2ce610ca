"""An approval records the amount basis from the case's frozen proposal situation (payments ADR
0900), and the payroll pays the decided amount from it: the same engine, the same figures."""

from safetynet.cases import services
from safetynet.payments.models import AmountBasis, PaymentLine
from safetynet.payments.services import payroll_run
from tests.helpers.cases import apply, to_decision


def test_approval_records_the_basis_and_the_payroll_pays_the_decided_amount(staff, family, clock):
    case = to_decision(staff, apply(staff["community_worker"], family), clock)
    clock.advance(1)
    decision = services.case_decide(
        actor=staff["district_approver"], case_id=case.pk, outcome="approved"
    )
    basis = AmountBasis.objects.get(household=family.household)
    assert (basis.valid_from, basis.source, basis.source_ref) == (
        decision.start_month,
        "case",
        case.number,
    )
    incomes = {p.person_id: p.income_wage_fen for p in basis.persons.all()}
    assert sum(incomes.values()) == 50_000  # the verified counted income of the proposal
    # the enrolment starts on the first day of the first benefit month, paid from it (ADR 0903)
    payroll_run(actor=staff["city_admin"], month=decision.start_month)
    line = PaymentLine.objects.get(program="dibao", household=family.household)
    assert line.amount_fen == decision.amount_fen
    assert line.person_id == family.head.pk
