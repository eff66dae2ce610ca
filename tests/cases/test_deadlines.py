"""Due dates on China's working-day calendar (POLICY §8, docs/calendar.md): National Day 2025
and Spring Festival 2026 with their adjusted working days, the notice in calendar days, the
extension to 45 working days with a reason, overdue lists and the escalation to the district.
The expected dates are counted by hand in the comments, not computed by the code under test."""

import datetime as dt

import pytest

from safetynet.cases import selectors, services
from safetynet.cases.errors import ServiceError
from safetynet.cases.models import Case, CaseEvent, EventKind
from tests.helpers.cases import apply, investigate, make_family

D = dt.date


def test_accepted_before_national_day_2025(staff, family, clock):
    # Fri 26 Sep 2025. Working days after it: Sun 28 Sep (worked) 1, 29 Sep 2, 30 Sep 3,
    # 1–8 Oct holiday, 9 Oct 4, 10 Oct 5, Sat 11 Oct (worked) 6, 13–17 Oct 7–11,
    # 20–23 Oct 12–15 → investigation due Thu 23 Oct.
    # 24 Oct 16, 27–31 Oct 17–21, 3–7 Nov 22–26, 10–13 Nov 27–30 → whole case due 13 Nov.
    case = apply(staff["community_worker"], family)
    assert case.investigation_due == D(2025, 10, 23)
    assert case.total_due == D(2025, 11, 13)
    # extension: 14 Nov 31, 17–21 Nov 32–36, 24–28 Nov 37–41, 1–4 Dec 42–45 → 4 Dec
    case = services.case_extend(
        actor=staff["street_officer"], case_id=case.pk, reason="需等待税务核对回复。"
    )
    assert case.total_due == D(2025, 12, 4)
    assert case.extension_reason == "需等待税务核对回复。"
    ev = CaseEvent.objects.get(case=case, kind=EventKind.EXTENDED)
    assert ev.data["total_due_before"] == "2025-11-13"
    assert ev.data["total_due"] == "2025-12-04"


def test_extension_needs_a_reason_and_happens_once(staff, family, clock):
    case = apply(staff["community_worker"], family)
    so = staff["street_officer"]
    with pytest.raises(ServiceError) as exc:
        services.case_extend(actor=so, case_id=case.pk, reason="  ")
    assert exc.value.code == "case_reason_required"
    assert Case.objects.get(pk=case.pk).total_due == D(2025, 11, 13)
    services.case_extend(actor=so, case_id=case.pk, reason="人户分离，需协查。")
    with pytest.raises(ServiceError) as exc:
        services.case_extend(actor=so, case_id=case.pk, reason="again")
    assert exc.value.code == "case_already_extended"


def test_spring_festival_2026(staff, family, clock):
    # Fri 13 Feb 2026. Sat 14 Feb (worked) 1; 15–23 Feb holiday; 24–27 Feb 2–5,
    # Sat 28 Feb (worked) 6; 2–6 Mar 7–11; 9–12 Mar 12–15 → investigation due Thu 12 Mar.
    clock.set(D(2026, 2, 13))
    case = apply(staff["community_worker"], family)
    assert case.investigation_due == D(2026, 3, 12)
    # The notice posted Thu 12 Feb runs 7 calendar days, holiday or not: ends Thu 19 Feb.
    # Decision within 10 working days of the end: 24–27 Feb 1–4, Sat 28 Feb 5, 2–6 Mar 6–10
    # → Fri 6 Mar.
    clock.set(D(2026, 2, 5))
    case = apply(staff["community_worker"], make_family(staff["community_worker"], seq=3))
    clock.set(D(2026, 2, 12))
    case = investigate(staff, case, clock)
    case = services.case_notice_publish(actor=staff["street_officer"], case_id=case.pk)
    assert case.notice_ends_on == D(2026, 2, 19)
    assert case.decision_due == D(2026, 3, 6)
    # A refusal decided on Fri 13 Feb 2026 is notified within 3 working days: Sat 14 Feb 1,
    # Tue 24 Feb 2, Wed 25 Feb 3 → 25 Feb.
    from safetynet.cases import deadlines

    assert deadlines.refusal_notice_due(D(2026, 2, 13)) == D(2026, 2, 25)


def test_a_deadline_beyond_the_known_calendar_is_pending_not_refused(
    staff, family, clock, calendar_dir
):
    # 15 working days after 15 Dec 2026 run into 2027, which the calendar does not know yet:
    # the application is accepted, its due dates pending (ADR 0814)
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    assert case.investigation_due is None and case.total_due is None
    assert case.deadlines_pending_year == 2027


def test_due_dates_per_step(staff, awaiting, clock):
    rows = {r.step: r for r in selectors.case_due_dates(case=awaiting, today=clock())}
    assert set(rows) == {"investigation", "notice", "decision", "total"}
    assert rows["investigation"].done_on == awaiting.proposed_on
    assert not rows["investigation"].overdue
    assert rows["decision"].done_on is None and rows["decision"].workdays_left >= 0
    services.case_decide(
        actor=staff["district_approver"], case_id=awaiting.pk, outcome="refused", reasons=["x"]
    )
    case = Case.objects.get(pk=awaiting.pk)
    rows = {r.step: r for r in selectors.case_due_dates(case=case, today=clock())}
    assert rows["refusal_notice"].done_on == clock()  # the notice is issued with the decision
    assert rows["decision"].done_on == clock() and not rows["decision"].overdue


def test_overdue_cases_per_office_and_escalation_to_the_district(staff, family, clock):
    cw, so, da = staff["community_worker"], staff["street_officer"], staff["district_approver"]
    late = apply(cw, family)  # investigation due Thu 23 Oct 2025
    clock.set(D(2025, 10, 20))
    on_time = apply(cw, make_family(cw, seq=2))  # due in November
    clock.set(D(2025, 10, 23))
    assert not selectors.case_overdue(actor=so).exists()  # met on the day itself
    assert services.cases_escalate_overdue() == []
    clock.set(D(2025, 10, 24))
    assert list(selectors.case_overdue(actor=so)) == [late]
    assert list(selectors.case_overdue(actor=da)) == [late]
    assert selectors.case_overdue_by_office(actor=da) == {"350203002": [late]}
    assert not selectors.case_overdue(actor=staff["huli_officer"]).exists()
    # the daily job escalates it once
    assert services.cases_escalate_overdue() == [late.number]
    assert services.cases_escalate_overdue() == []
    assert list(selectors.case_escalated(actor=da)) == [late]
    ev = CaseEvent.objects.get(case=late, kind=EventKind.ESCALATED)
    assert ev.data["steps"] == [{"step": "investigation", "due": "2025-10-23"}]
    assert ev.data["district"] == "350203"
    rows = {r.step: r for r in selectors.case_due_dates(case=late, today=clock())}
    assert rows["investigation"].overdue and rows["investigation"].workdays_left == -1
    assert on_time not in selectors.case_overdue(actor=so)


def test_the_escalation_command(staff, family, clock, capsys):
    from django.core.management import CommandError, call_command

    case = apply(staff["community_worker"], family)
    call_command("cases", "escalate", "--date", "2025-10-23")
    assert capsys.readouterr().out == ""
    call_command("cases", "escalate", "--date", "2025-10-24")
    assert capsys.readouterr().out.split() == [case.number]
    assert Case.objects.get(pk=case.pk).escalated_on == D(2025, 10, 24)
    with pytest.raises(CommandError) as exc:
        call_command("cases", "escalate", "--date", "24/10/2025")
    assert exc.value.returncode == 2
