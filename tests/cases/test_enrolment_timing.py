"""ADR 0903: an enrolment starts on the first day of its first benefit month and is paid from its
start month through its end month. Approval → registry enrolment → payroll, with no month lost."""

import datetime as dt

import pytest

from safetynet.cases import reviews, services
from safetynet.core.errors import ServiceError
from safetynet.payments.models import PaymentLine
from safetynet.payments.services import payroll_run
from safetynet.registry.models import Enrolment
from safetynet.registry.services import enrolment_withdraw
from tests.helpers.cases import apply, to_decision
from tests.helpers.dynamic import make_enrolled


def _dibao(household) -> list[tuple[str, int]]:
    """The household's dibao lines as (benefit month, amount), by month."""
    return list(
        PaymentLine.objects.filter(program="dibao", household=household)
        .order_by("benefit_month")
        .values_list("benefit_month", "amount_fen")
    )


def test_approved_in_october_is_paid_from_november(staff, family, clock):
    case = to_decision(staff, apply(staff["community_worker"], family), clock)
    clock.advance(1)
    assert clock().strftime("%Y-%m") == "2025-10"
    decision = services.case_decide(
        actor=staff["district_approver"], case_id=case.pk, outcome="approved"
    )
    # 2 members, the 800-yuan standard, 500 yuan counted income: 1,600 − 500 = 1,100 yuan
    assert (decision.start_month, decision.amount_fen) == ("2025-11", 110_000)
    starts = set(
        Enrolment.objects.filter(household=family.household, category="dibao").values_list(
            "start_date", flat=True
        )
    )
    assert starts == {dt.date(2025, 11, 1)}
    payroll_run(actor=staff["city_admin"], month="2025-11")
    assert _dibao(family.household) == [("2025-11", 110_000)]
    line = PaymentLine.objects.get(program="dibao", household=family.household)
    assert line.person_id == family.head.pk


def test_approval_month_itself_is_not_paid(staff, family, clock):
    case = to_decision(staff, apply(staff["community_worker"], family), clock)
    clock.advance(1)
    services.case_decide(actor=staff["district_approver"], case_id=case.pk, outcome="approved")
    payroll_run(actor=staff["city_admin"], month=clock().strftime("%Y-%m"))
    assert _dibao(family.household) == []


def test_review_adjust_in_october_pays_the_new_amount_from_november(staff, clock):
    young = make_enrolled(staff["community_worker"])  # dibao since 2024-09-01
    clock.set(dt.date(2025, 10, 9))
    r = reviews.review_open(
        actor=staff["community_worker"],
        household_id=young.household.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="户主找到临时工作",
    )
    # 500 yuan wage for 2 members: (800 − 250) × 2 = 1,100 yuan a month from November
    r = reviews.review_decide(
        actor=staff["district_approver"],
        review_id=r.pk,
        outcome="adjust",
        declared_income={young.head.pk: {"wage_fen": 50_000}},
    )
    assert r.amount_fen == 110_000
    for month in ("2025-10", "2025-11", "2025-12"):
        payroll_run(actor=staff["city_admin"], month=month)
    lines = _dibao(young.household)
    # October: the old enrolment's last month (ends 2025-10-31), paid as before
    assert [m for m, _ in lines] == ["2025-10", "2025-11", "2025-12"]
    assert lines[1:] == [("2025-11", 110_000), ("2025-12", 110_000)]


def test_a_stop_decided_in_the_month_of_an_adjustment_pays_no_extra_month(staff, clock):
    """ADR 0944: the adjustment's enrolment (from November) has not started when the stop is
    decided in October: it is withdrawn, so October is the last month paid — not November."""
    cw = staff["community_worker"]
    young = make_enrolled(cw)  # dibao since 2024-09-01, no assessed income recorded
    clock.set(dt.date(2025, 10, 9))
    r = reviews.review_open(
        actor=cw,
        household_id=young.household.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="户主找到临时工作",
    )
    r = reviews.review_decide(
        actor=staff["district_approver"],
        review_id=r.pk,
        outcome="adjust",
        declared_income={young.head.pk: {"wage_fen": 50_000}},
    )
    assert r.amount_fen == 110_000  # (800 − 250) × 2 from November
    clock.set(dt.date(2025, 10, 20))  # the same month: a second review stops the benefit
    stop = reviews.review_open(
        actor=cw,
        household_id=young.household.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="户主长期稳定就业",
    )
    stop = reviews.review_decide(
        actor=staff["district_approver"], review_id=stop.pk, outcome="stop", reason="收入超标"
    )
    assert stop.exit_last_month == "2025-10"
    enrolments = Enrolment.objects.filter(household=young.household, category="dibao")
    # the two original enrolments end on 31 October; the two November ones are withdrawn
    assert sorted(enrolments.values_list("start_date", "end_date")) == [
        (dt.date(2024, 9, 1), dt.date(2025, 10, 31)),
        (dt.date(2024, 9, 1), dt.date(2025, 10, 31)),
    ]
    withdrawn = Enrolment.history.filter(
        household_id=young.household.pk, history_type="-"
    ).values_list("start_date", "history_change_reason")
    assert sorted(withdrawn) == [
        (dt.date(2025, 11, 1), f"enrolment_withdraw: review {stop.pk} stop"),
        (dt.date(2025, 11, 1), f"enrolment_withdraw: review {stop.pk} stop"),
    ]
    for month in ("2025-10", "2025-11", "2025-12"):
        payroll_run(actor=staff["city_admin"], month=month)
    # October paid as before (no assessed income: 800 × 2 = 1,600 yuan); November and December
    # nothing
    assert _dibao(young.household) == [("2025-10", 160_000)]


def test_a_started_enrolment_is_ended_not_withdrawn(staff, clock):
    young = make_enrolled(staff["community_worker"])
    e = Enrolment.objects.filter(household=young.household).first()
    with pytest.raises(ServiceError) as exc:
        enrolment_withdraw(
            actor=staff["community_worker"], enrolment=e, reason="x", on=dt.date(2025, 10, 9)
        )
    assert (exc.value.code, exc.value.problems[0].field) == ("enrolment_started", "enrolment")
    assert Enrolment.objects.filter(pk=e.pk).exists()
