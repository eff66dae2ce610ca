"""Fast path, proactive lists, dynamic management and grievances (docs/cases-dynamic.md).
Expected amounts and dates are computed by hand in the comments."""

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.cases import emergency, grievances, proactive, reviews
from safetynet.cases.dynamic_models import (
    DynamicEvent,
    Grant,
    ProposalEntry,
    ProposalList,
    Review,
)
from safetynet.cases.models import CaseEvent
from safetynet.cases.monthly import monthly_run
from safetynet.core.errors import ServiceError
from safetynet.registry.models import Enrolment
from safetynet.registry.services import person_record_death
from tests.helpers.cases import apply, make_family, to_decision
from tests.helpers.dynamic import enrol, make_elder_household, make_elders, make_enrolled

FUNERAL_FEES = 40000 + 10000 + 50000 + 15000 + 30000  # the five basic fees, fen = 1,450 yuan


# --------------------------------------------------------------------------- emergency
def test_emergency_aid_up_to_the_cap_with_formalities_due(staff, family, clock):
    so = staff["street_officer"]
    # cap: 2 living members × 1 × the 800-yuan dibao standard = 1,600 yuan
    with pytest.raises(ServiceError) as exc:
        emergency.emergency_aid_grant(
            actor=so, household_id=family.household.pk, amount_fen=160_001, hardship="火灾"
        )
    assert exc.value.code == "emergency_over_cap"
    assert not CaseEvent.objects.exists()  # a refusal writes nothing
    aid = emergency.emergency_aid_grant(
        actor=so, household_id=family.household.pk, amount_fen=160_000, hardship="家中失火"
    )
    assert aid.cap_fen == 160_000 and aid.case.program == "temporary_assistance"
    # granted Fri 2025-09-26; 5 working days: Sun 9-28 (adjusted working day), 9-29, 9-30,
    # then National Day 10-01…10-08, Thu 10-09, Fri 10-10
    assert aid.formalities_due == dt.date(2025, 10, 10)
    assert emergency.emergency_missing(aid) == list(emergency.FORMALITIES)
    for item in emergency.FORMALITIES[:3]:
        emergency.emergency_formality_done(actor=so, case_id=aid.case_id, item=item)
    aid.refresh_from_db()
    assert emergency.emergency_missing(aid) == ["hardship_proof", "home_visit"]
    assert not emergency.emergency_overdue(actor=so, today=dt.date(2025, 10, 10)).exists()
    assert list(emergency.emergency_overdue(actor=so, today=dt.date(2025, 10, 11))) == [aid]
    with pytest.raises(ServiceError) as exc:
        emergency.emergency_formality_done(actor=so, case_id=aid.case_id, item="identity")
    assert exc.value.code == "emergency_formality_done"
    clock.set(dt.date(2025, 10, 13))
    for item in ("hardship_proof", "home_visit"):
        emergency.emergency_formality_done(actor=so, case_id=aid.case_id, item=item)
    aid.refresh_from_db()
    assert aid.completed_on == dt.date(2025, 10, 13)
    kinds = list(CaseEvent.objects.filter(case=aid.case).values_list("kind", flat=True))
    assert kinds[:2] == ["accepted", "emergency_granted"] and kinds[-1] == "formalities_completed"
    assert CaseEvent.objects.get(case=aid.case, kind="formalities_completed").data["late"] is True


def test_emergency_refused_to_other_roles(staff, family, clock):
    for role in ("community_worker", "district_approver", "auditor"):
        with pytest.raises(ServiceError) as exc:
            emergency.emergency_aid_grant(
                actor=staff[role], household_id=family.household.pk, amount_fen=100, hardship="x"
            )
        assert exc.value.code == "not_permitted"


# --------------------------------------------------------------------------- proactive lists
@pytest.fixture
def elders(staff):
    """One person turning 80 (first allowance month 2025-11) and one turning 90, already
    enrolled (moves from the 100 to the 200 yuan tier): tests/helpers/dynamic.py."""
    return make_elders(staff["community_worker"])


def test_age_allowance_list_proposed_confirmed_and_idempotent(staff, elders, clock):
    _fam, turning, ninety = elders
    clock.set(dt.date(2025, 11, 3))
    result = monthly_run(actor=staff["street_officer"], month="2025-11")
    assert result["proposed"]["age_allowance"] == 2
    entries = {e.person_id: e for e in ProposalEntry.objects.all()}
    assert (entries[turning.pk].change, entries[turning.pk].amount_fen) == ("new", 10_000)
    assert (entries[ninety.pk].change, entries[ninety.pk].amount_fen) == ("tier", 20_000)
    # October: neither is new nor moving tier yet
    assert proactive.propose_age_allowance(month="2025-10", prefix="350203") == []
    again = monthly_run(actor=staff["street_officer"], month="2025-11")
    assert again["proposed"] == {"age_allowance": 0, "funeral": 0, "price_subsidy": 0}
    assert again["reviews_opened"] == 0
    assert ProposalEntry.objects.count() == 2
    plist = ProposalList.objects.get(kind="age_allowance", month="2025-11")
    with pytest.raises(ServiceError) as exc:
        proactive.proposal_list_confirm(
            actor=staff["street_officer"], list_id=plist.pk, excluded={ninety.pk: ""}
        )
    assert exc.value.code == "proposal_list_entry_unknown"
    with pytest.raises(ServiceError) as exc:
        proactive.proposal_list_confirm(actor=staff["community_worker"], list_id=plist.pk)
    assert exc.value.code == "not_permitted"
    proactive.proposal_list_confirm(
        actor=staff["street_officer"], list_id=plist.pk, excluded={ninety.pk: "户籍已迁出"}
    )
    enr = Enrolment.objects.get(person=turning, category="elderly_80")
    assert enr.start_date == dt.date(2025, 11, 1)
    assert ProposalEntry.objects.get(person=ninety).outcome == "excluded"
    assert DynamicEvent.objects.get(plist=plist).data["excluded"] == 1
    with pytest.raises(ServiceError) as exc:
        proactive.proposal_list_confirm(actor=staff["street_officer"], list_id=plist.pk)
    assert exc.value.code == "proposal_list_confirmed"
    # the month again: nothing new (already on a list); next month: the new enrolee is not new
    assert (
        monthly_run(actor=staff["street_officer"], month="2025-11")["proposed"]["age_allowance"]
        == 0
    )
    assert proactive.propose_age_allowance(month="2025-12", prefix="350203") == []


def test_monthly_bad_input_and_refusal(staff, clock):
    with pytest.raises(CommandError) as exc:
        call_command("cases", "monthly", "--month", "2025-13", "--as", "so")
    assert exc.value.returncode == 2 and "month" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("cases", "monthly", "--month", "2025-11", "--as", "au")
    assert exc.value.returncode == 2 and "not_permitted" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        call_command("cases", "monthly", "--month", "2025-11", "--as", "nobody")
    assert exc.value.returncode == 2


# --------------------------------------------------------------------------- death
def test_death_ends_enrolments_the_month_after_and_proposes_funeral_grants(staff, family, clock):
    cw = staff["community_worker"]
    dibao = enrol(cw, family.head, "dibao", dt.date(2024, 1, 1), family.household)
    five = enrol(cw, family.head, "five_elders", dt.date(2016, 1, 1), family.household)
    person_record_death(actor=cw, person=family.head, death_date=dt.date(2025, 9, 20))
    dibao.refresh_from_db()
    five.refresh_from_db()
    # paid through the month of death, stopped from October
    assert dibao.end_date == five.end_date == dt.date(2025, 9, 30)
    entries = {e.program: e for e in ProposalEntry.objects.filter(person=family.head)}
    assert entries["funeral_exemption"].amount_fen == FUNERAL_FEES
    # five elders' grant: 6 months × the subsidy in force in 2025 (engine's natural growth)
    assert entries["five_elders"].amount_fen > 0
    assert entries["five_elders"].amount_fen % 6 == 0
    plist = ProposalList.objects.get(kind="funeral")
    assert plist.month == "2025-09"
    # the monthly job does not propose them twice
    assert proactive.propose_funerals(month="2025-10", prefix="350203") == []
    proactive.proposal_list_confirm(actor=staff["street_officer"], list_id=plist.pk)
    grants = Grant.objects.filter(person=family.head)
    assert {g.program for g in grants} == {"funeral_exemption", "five_elders"}
    assert proactive.propose_funerals(month="2025-10", prefix="350203") == []


# --------------------------------------------------------------------------- reviews
@pytest.fixture
def enrolled(staff):
    """Two dibao households: one with an able working-age head (every 6 months), one of two
    elders (yearly)."""
    cw = staff["community_worker"]
    return make_enrolled(cw), make_elder_household(cw)[0]


def test_review_schedule_by_interval_and_idempotent(staff, enrolled, clock):
    young, old = enrolled
    clock.set(dt.date(2025, 10, 9))
    # young: enrolled 2024-09, 6-month interval → due from 2025-03; old: 2025-01 + 12 → 2026-01
    assert reviews.reviews_schedule(month="2025-10", prefix="350203") == 1
    r = Review.objects.get()
    assert (r.household_id, r.program, r.trigger) == (young.household.pk, "dibao", "scheduled")
    # opened Thu 2025-10-09, due 15 working days later: 10-10, 10-11 (adjusted Saturday),
    # 10-13…10-17 (5), 10-20…10-24 (5), 10-27, 10-28, 10-29 → 2025-10-29
    assert r.due_on == dt.date(2025, 10, 29)
    assert reviews.reviews_schedule(month="2025-10", prefix="350203") == 0
    assert reviews.reviews_schedule(month="2026-01", prefix="350203") == 1
    assert Review.objects.filter(household=old).count() == 1
    # closing the young household's review re-anchors it: next due 6 months later
    reviews.review_decide(actor=staff["district_approver"], review_id=r.pk, outcome="continue")
    assert reviews.reviews_schedule(month="2026-03", prefix="350203") == 0
    assert reviews.reviews_schedule(month="2026-04", prefix="350203") == 1


def test_review_outcomes_adjust_stop_and_gradual_exit(staff, enrolled, clock):
    young, old = enrolled
    da = staff["district_approver"]
    clock.set(dt.date(2025, 10, 9))
    r = reviews.review_open(
        actor=staff["community_worker"],
        household_id=young.household.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="户主找到临时工作",
    )
    with pytest.raises(ServiceError) as exc:
        reviews.review_open(
            actor=staff["street_officer"],
            household_id=young.household.pk,
            program="dibao",
            trigger="reported_change",
            reported_change="again",
        )
    assert exc.value.code == "review_already_open"
    with pytest.raises(ServiceError) as exc:
        reviews.review_decide(actor=staff["street_officer"], review_id=r.pk, outcome="continue")
    assert exc.value.code == "not_permitted"
    # 500 yuan wage for 2 members: (800 − 250) × 2 = 1,100 yuan a month from November
    r = reviews.review_decide(
        actor=da,
        review_id=r.pk,
        outcome="adjust",
        declared_income={young.head.pk: {"wage_fen": 50_000}},
    )
    assert r.amount_fen == 110_000
    enr = Enrolment.objects.filter(person=young.head, category="dibao").order_by("start_date")
    assert [(e.start_date, e.end_date) for e in enr] == [
        (dt.date(2024, 9, 1), dt.date(2025, 10, 31)),
        (dt.date(2025, 11, 1), None),
    ]
    assert "1,100.00 元/月" in enr[1].legal_basis
    # gradual exit: income 20,000 yuan is above the line; the benefit runs 6 more months
    r2 = reviews.review_open(
        actor=staff["community_worker"],
        household_id=young.household.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="收入大幅增加",
    )
    with pytest.raises(ServiceError) as exc:
        reviews.review_decide(actor=da, review_id=r2.pk, outcome="gradual_exit")
    assert exc.value.code == "case_reason_required"
    r2 = reviews.review_decide(
        actor=da,
        review_id=r2.pk,
        outcome="gradual_exit",
        reason="务工收入超过低保标准",
        declared_income={young.head.pk: {"wage_fen": 2_000_000}},
    )
    assert r2.exit_last_month == "2026-04" and r2.notice_pdf.name.endswith(".pdf")
    assert Enrolment.objects.get(person=young.head, start_date=dt.date(2025, 11, 1)).end_date == (
        dt.date(2026, 4, 30)
    )
    # stop (停保) of the elders: ends with this month, a written notice
    r3 = reviews.review_open(
        actor=staff["community_worker"],
        household_id=old.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="迁居外省",
    )
    r3 = reviews.review_decide(actor=da, review_id=r3.pk, outcome="stop", reason="户籍迁出本市")
    assert r3.exit_last_month == "2025-10"
    assert Enrolment.objects.get(household=old).end_date == dt.date(2025, 10, 31)
    pdf = r3.notice_pdf.open("rb").read()
    assert pdf.startswith(b"%PDF")
    with pytest.raises(ServiceError) as exc:
        reviews.review_decide(actor=da, review_id=r3.pk, outcome="continue")
    assert exc.value.code == "review_closed"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["continue", "adjust", "stop", "gradual_exit", "schedule"]),
            st.sampled_from([0, 30_000, 50_000, 2_000_000]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_review_outcomes_never_break_the_invariants(staff, enrolled, clock, steps):
    """Whatever outcomes are tried in whatever order: never two open reviews of a household
    and program, never overlapping enrolments, every refusal writes nothing, and a stopped or
    exiting household has no enrolment open past its last month."""
    from django.db import transaction

    young, _old = enrolled
    da = staff["district_approver"]
    clock.set(dt.date(2025, 10, 9))
    sid = transaction.savepoint()
    try:
        for outcome, wage in steps:
            if outcome == "schedule":
                reviews.reviews_schedule(month="2025-10", prefix="350203")
                continue
            r = Review.objects.filter(household=young.household, closed_on__isnull=True).first()
            if r is None:
                try:
                    r = reviews.review_open(
                        actor=staff["community_worker"],
                        household_id=young.household.pk,
                        program="dibao",
                        trigger="reported_change",
                        reported_change="变化",
                    )
                except ServiceError as exc:
                    assert exc.code == "review_not_enrolled"
                    continue
            before = list(Enrolment.objects.order_by("id").values_list("id", "end_date"))
            try:
                reviews.review_decide(
                    actor=da,
                    review_id=r.pk,
                    outcome=outcome,
                    reason="理由",
                    declared_income={young.head.pk: {"wage_fen": wage}},
                )
            except ServiceError as exc:
                assert exc.code in (
                    "review_outcome_invalid",
                    "case_reason_required",
                    "review_not_enrolled",
                )
                after = list(Enrolment.objects.order_by("id").values_list("id", "end_date"))
                assert before == after
                continue
            r.refresh_from_db()
            if outcome in ("stop", "gradual_exit"):
                last = dt.date.fromisoformat(f"{r.exit_last_month}-01")
                assert not Enrolment.objects.filter(
                    household=young.household, end_date__isnull=True
                ).exists()
                assert all(
                    e.end_date <= max(reviews.month_end(last), e.start_date)
                    for e in Enrolment.objects.filter(household=young.household)
                )
            open_reviews = Review.objects.filter(closed_on__isnull=True)
            assert open_reviews.count() == len(
                set(open_reviews.values_list("household_id", "program"))
            )
            for p in (young.head, young.spouse):
                spans = list(
                    Enrolment.objects.filter(person=p, category="dibao")
                    .order_by("start_date")
                    .values_list("start_date", "end_date")
                )
                for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
                    assert e1 is not None and e1 < s2
    finally:
        transaction.savepoint_rollback(sid)


# --------------------------------------------------------------------------- grievances
def test_reconsideration_and_complaint_deadlines(staff, family, clock):
    case = apply(staff["community_worker"], family, wage=2_000_000)  # rich: refused
    case = to_decision(staff, case, clock)
    from safetynet.cases.services import case_decide

    case_decide(actor=staff["district_approver"], case_id=case.pk, outcome="refused")
    notified = clock()
    g = grievances.grievance_record(
        actor=staff["community_worker"],
        case_id=case.pk,
        kind="reconsideration",
        content="收入计算有误",
        lodged_by=family.head.name,
    )
    assert g.lodge_deadline == notified + dt.timedelta(days=60)
    assert g.answer_due == notified + dt.timedelta(days=60)
    clock.set(notified + dt.timedelta(days=61))
    with pytest.raises(ServiceError) as exc:
        grievances.grievance_record(
            actor=staff["community_worker"], case_id=case.pk, kind="reconsideration", content="x"
        )
    assert exc.value.code == "grievance_too_late"
    law = grievances.grievance_record(
        actor=staff["street_officer"], case_id=case.pk, kind="lawsuit", content="起诉"
    )
    assert law.lodge_deadline == grievances.add_months(notified, 6)
    complaint = grievances.grievance_record(
        actor=staff["community_worker"], case_id=case.pk, kind="complaint", content="态度不好"
    )
    assert complaint.answer_due > complaint.lodged_on
    with pytest.raises(ServiceError) as exc:
        grievances.grievance_answer(
            actor=staff["street_officer"], grievance_id=g.pk, answer="维持", upheld=False
        )
    assert exc.value.code == "not_permitted"
    grievances.grievance_answer(
        actor=staff["district_approver"], grievance_id=g.pk, answer="维持原决定", upheld=False
    )
    with pytest.raises(ServiceError) as exc:
        grievances.grievance_answer(
            actor=staff["district_approver"], grievance_id=g.pk, answer="再答", upheld=True
        )
    assert exc.value.code == "grievance_already_answered"
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds.count("grievance") == 3 and "grievance_answered" in kinds


def test_complaint_needs_no_decision_but_reconsideration_does(staff, family, clock):
    case = apply(staff["community_worker"], family)
    with pytest.raises(ServiceError) as exc:
        grievances.grievance_record(
            actor=staff["community_worker"], case_id=case.pk, kind="reconsideration", content="x"
        )
    assert exc.value.code == "grievance_no_decision"
    # complaint on Fri 2025-09-26: 15 working days → 9-28, 9-29, 9-30, 10-9, 10-10, 10-11,
    # 10-13…10-17, 10-20…10-23 → 2025-10-23
    g = grievances.grievance_record(
        actor=staff["community_worker"], case_id=case.pk, kind="complaint", content="受理太慢"
    )
    assert g.answer_due == dt.date(2025, 10, 23)


def test_price_subsidy_list_in_a_triggered_month(staff, enrolled, clock):
    assert enrolled  # dibao only since 2024-09 and 2025-01: not recipients in 2019
    cw = staff["community_worker"]
    fam = make_family(cw, 6)
    enrol(cw, fam.head, "dibao", dt.date(2019, 3, 1), fam.household)
    clock.set(dt.date(2019, 8, 5))
    # 2019-08: food CPI +10% triggers (CPI +2.8% does not): 800 yuan × 10% = 80 yuan each
    entries = proactive.propose_price_subsidy(month="2019-08", prefix="350203")
    assert [(e["person_id"], e["amount_fen"]) for e in entries] == [(fam.head.pk, 8_000)]
    # 2019-01: no index triggers: nobody
    assert proactive.propose_price_subsidy(month="2019-01", prefix="350203") == []
    proactive.proposals_make(month="2019-08", prefix="350203")
    plist = ProposalList.objects.get(kind="price_subsidy")
    proactive.proposal_list_confirm(actor=staff["street_officer"], list_id=plist.pk)
    g = Grant.objects.get(person=fam.head)
    assert (g.program, g.month, g.amount_fen) == ("price_subsidy", "2019-08", 8_000)
    assert proactive.propose_price_subsidy(month="2019-08", prefix="350203") == []


def test_review_opened_by_a_batch_review_task(staff, enrolled, clock):
    from safetynet.verification.models import BatchRun, ReviewTask

    young, _old = enrolled
    clock.set(dt.date(2025, 10, 9))
    run = BatchRun.objects.create(**_batch_run_fields())
    task = ReviewTask.objects.create(
        household=young.household, street=young.household.division.parent, batch_run=run
    )
    r = reviews.review_open(
        actor=staff["street_officer"],
        household_id=young.household.pk,
        program="dibao",
        trigger="finding",
        review_task_id=task.pk,
    )
    assert r.review_task_id == task.pk and r.trigger == "finding"
    # the schedule does not open a second one
    assert reviews.reviews_schedule(month="2025-10", prefix="350203") == 0
    reviews.review_decide(actor=staff["district_approver"], review_id=r.pk, outcome="continue")
    task.refresh_from_db()
    assert (task.status, task.outcome) == ("closed", "no_change")
    assert task.closed_by == staff["district_approver"]
    with pytest.raises(ServiceError) as exc:
        reviews.review_open(
            actor=staff["community_worker"],
            household_id=young.household.pk,
            program="tekun",
            trigger="reported_change",
            reported_change="x",
        )
    assert exc.value.code == "review_not_enrolled"


def _batch_run_fields():
    from safetynet.verification.models import BatchRun

    fields = {}
    for f in BatchRun._meta.concrete_fields:
        if f.primary_key or f.null or f.has_default() or getattr(f, "auto_now_add", False):
            continue
        fields[f.name] = {
            "DateField": dt.date(2025, 10, 1),
            "DateTimeField": dt.datetime(2025, 10, 1, tzinfo=dt.UTC),
            "JSONField": {},
            "IntegerField": 0,
            "PositiveIntegerField": 0,
            "BigIntegerField": 0,
        }.get(f.get_internal_type(), "2025-10")
    return fields


@pytest.mark.django_db(transaction=True)
def test_two_reviews_opened_at_once_make_one(staff, enrolled, clock):
    """PostgreSQL: two offices opening a review of the same household at once, and two monthly
    schedules at once, leave exactly one open review."""
    import threading

    from django.db import close_old_connections, connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL")
    young, _old = enrolled
    clock.set(dt.date(2025, 10, 9))
    codes: list[str] = []
    barrier = threading.Barrier(2)

    def open_one(actor) -> None:
        try:
            barrier.wait()
            reviews.review_open(
                actor=actor,
                household_id=young.household.pk,
                program="dibao",
                trigger="reported_change",
                reported_change="收入变化",
            )
            codes.append("opened")
        except ServiceError as exc:
            codes.append(exc.code)
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=open_one, args=(staff[r],))
        for r in ("community_worker", "street_officer")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == ["opened", "review_already_open"]

    def schedule() -> None:
        try:
            barrier.wait()
            reviews.reviews_schedule(month="2026-06", prefix="350203")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=schedule) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the young household's review is open: only the elders' (due 2026-01) is added, once
    assert Review.objects.filter(closed_on__isnull=True).count() == 2


def test_selectors_scope_and_overdue(staff, enrolled, clock):
    from safetynet.cases import dynamic_selectors as sel

    young, _old = enrolled
    clock.set(dt.date(2025, 10, 9))
    reviews.reviews_schedule(month="2025-10", prefix="350203")
    mine = list(sel.reviews_open(actor=staff["street_officer"], today=dt.date(2025, 10, 30)))
    assert [(r.household_id, r.overdue) for r in mine] == [(young.household.pk, True)]
    assert not sel.reviews_open(actor=staff["huli_officer"]).exists()  # another street
    with pytest.raises(ServiceError) as exc:
        sel.review_get(actor=staff["huli_officer"], review_id=mine[0].pk)
    assert exc.value.code == "not_found"
    assert [e.kind for e in sel.review_timeline(review=mine[0])] == ["review_opened"]
    reviews.review_decide(
        actor=staff["district_approver"], review_id=mine[0].pk, outcome="continue"
    )
    assert [e.kind for e in sel.review_timeline(review=mine[0])] == [
        "review_opened",
        "review_decided",
    ]
    assert not sel.reviews_open(actor=staff["street_officer"]).exists()
    with pytest.raises(ServiceError) as exc:
        sel.reviews_open(actor=staff["verification_operator"])
    assert exc.value.code == "not_permitted"
