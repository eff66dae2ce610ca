"""Due dates running into a year the working-day calendar does not know yet (ADR 0814): the
application and the later steps go on with the dates pending, nothing is overdue; when the
bureau adds the year's file, `cases_deadlines_fill` sets exactly the dates the known calendar
gives, once. The expected dates are counted by hand in the comments.

2026 is known (package); 2027 is the test file of tests/helpers/cases.py: 1–3 Jan and 6–14 Feb
off. December 2026 has no holiday: its working days are Mon–Fri."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.cases import selectors, services
from safetynet.cases.models import Case, CaseEvent, Decision, EventKind
from tests.helpers.cases import add_calendar_2027, apply, investigate, make_family

D = dt.date


def _walk_to_refusal(staff, family, clock):
    """Accepted Tue 15 Dec 2026, notice posted Sun 20 Dec (ends Sun 27 Dec), closed Mon 28 Dec,
    refused Tue 29 Dec 2026: every working-day limit runs into 2027."""
    so = staff["street_officer"]
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    clock.set(D(2026, 12, 18))
    case = investigate(staff, case, clock)
    assert case.proposed_eligible
    clock.set(D(2026, 12, 20))
    case = services.case_notice_publish(actor=so, case_id=case.pk)
    assert case.notice_ends_on == D(2026, 12, 27)  # 7 calendar days
    assert case.decision_due is None  # 10 working days after 27 Dec: 28–31 Dec 1–4, then 2027
    clock.set(D(2026, 12, 28))
    case = services.case_notice_close(actor=so, case_id=case.pk)
    clock.set(D(2026, 12, 29))
    decision = services.case_decide(
        actor=staff["district_approver"], case_id=case.pk, outcome="refused", reasons=["测试"]
    )
    assert decision.refusal_notice_due is None  # 30, 31 Dec 1–2, then 2027
    return Case.objects.get(pk=case.pk)


def test_application_in_december_2026_goes_on_with_pending_due_dates(
    staff, family, clock, calendar_dir
):
    # Accepted Tue 15 Dec 2026: 16–18, 21–25, 28–31 Dec are 12 working days, so both the
    # 15-day investigation and the 30-day whole case run into 2027: pending.
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    assert (case.investigation_due, case.total_due) == (None, None)
    assert case.deadlines_pending_year == 2027
    ev = CaseEvent.objects.get(case=case, kind=EventKind.DEADLINES_PENDING)
    assert ev.data == {"year": 2027, "steps": ["investigation", "total"]}
    rows = {r.step: r for r in selectors.case_due_dates(case=case, today=clock())}
    assert rows["total"].pending and rows["total"].pending_year == 2027
    assert not rows["total"].overdue and rows["total"].workdays_left is None

    # Accepted Tue 1 Dec 2026: 2–4, 7–11, 14–18 Dec are 13, Mon 21 14, Tue 22 Dec 15 →
    # investigation due 22 Dec 2026 (known); the whole case (30) is pending.
    clock.set(D(2026, 12, 1))
    other = apply(staff["community_worker"], make_family(staff["community_worker"], seq=2))
    assert other.investigation_due == D(2026, 12, 22)
    assert other.total_due is None and other.deadlines_pending_year == 2027


def test_the_case_walks_to_its_decision_with_pending_dates_and_is_never_overdue(
    staff, family, clock, calendar_dir
):
    case = _walk_to_refusal(staff, family, clock)
    assert case.status == "refused"
    assert case.deadlines_pending_year == 2027
    # the event says so once, with the first pending steps
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DEADLINES_PENDING).count() == 1
    rows = {r.step: r for r in selectors.case_due_dates(case=case, today=clock())}
    assert {s for s, r in rows.items() if r.pending} == {
        "investigation",
        "decision",
        "refusal_notice",
        "total",
    }
    assert not any(r.overdue for r in rows.values())


def test_pending_open_case_is_not_overdue_nor_escalated(staff, family, clock, calendar_dir):
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    # long after: still pending (2027 unknown), so never overdue, never escalated
    day = D(2026, 12, 31)
    assert not selectors.case_overdue(actor=staff["street_officer"], today=day).exists()
    assert services.cases_escalate_overdue(today=day) == []
    case.refresh_from_db()
    assert case.escalated_on is None


def test_fill_sets_the_hand_computed_dates_once(staff, family, clock, calendar_dir):
    refused = _walk_to_refusal(staff, family, clock)
    # an open case, extended on Wed 16 Dec 2026 (45 working days from acceptance)
    clock.set(D(2026, 12, 15))
    extended = apply(staff["community_worker"], make_family(staff["community_worker"], seq=2))
    clock.set(D(2026, 12, 16))
    services.case_extend(actor=staff["street_officer"], case_id=extended.pk, reason="等待核对。")
    # nothing to fill while 2027 is unknown
    assert services.cases_deadlines_fill(today=D(2026, 12, 31)) == 0

    add_calendar_2027(calendar_dir)
    assert services.cases_deadlines_fill(today=D(2027, 1, 2)) == 2
    refused.refresh_from_db()
    # From Tue 15 Dec 2026: 12 working days in December; Fri 1–Sun 3 Jan off;
    # Mon 4 Jan 13, Tue 5 14, Wed 6 Jan 15 → investigation due 6 Jan 2027.
    assert refused.investigation_due == D(2027, 1, 6)
    # 7 Jan 16, 8 Jan 17, 11–15 Jan 18–22, 18–22 Jan 23–27, 25 28, 26 29, Wed 27 Jan 30.
    assert refused.total_due == D(2027, 1, 27)
    # From the notice's end Sun 27 Dec: 28–31 Dec 1–4, 4–8 Jan 5–9, Mon 11 Jan 10.
    assert refused.decision_due == D(2027, 1, 11)
    # From the refusal Tue 29 Dec: 30 Dec 1, 31 Dec 2, Mon 4 Jan 3.
    assert Decision.objects.get(case=refused).refusal_notice_due == D(2027, 1, 4)
    assert refused.deadlines_pending_year is None
    extended.refresh_from_db()
    # 45 working days from 15 Dec: 27 Jan is 30, 28–29 Jan 31–32, 1–5 Feb 33–37,
    # 6–14 Feb off, 15–19 Feb 38–42, Sat 20 Feb (worked) 43, Mon 22 44, Tue 23 Feb 45.
    assert extended.total_due == D(2027, 2, 23)
    assert extended.investigation_due == D(2027, 1, 6)

    ev = CaseEvent.objects.get(case=refused, kind=EventKind.DEADLINES_FILLED)
    assert ev.actor is None and ev.on == D(2027, 1, 2)
    assert ev.data["due"] == {
        "investigation": "2027-01-06",
        "total": "2027-01-27",
        "decision": "2027-01-11",
        "refusal_notice": "2027-01-04",
    }
    # idempotent: a second run fills nothing and writes nothing
    before = CaseEvent.objects.count()
    assert services.cases_deadlines_fill(today=D(2027, 1, 3)) == 0
    assert CaseEvent.objects.count() == before
    refused.refresh_from_db()
    assert refused.total_due == D(2027, 1, 27)


def test_referral_decision_due_is_filled_from_the_referral_day(staff, family, clock, calendar_dir):
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family, wage=2_000_000)  # ineligible: referred
    clock.set(D(2026, 12, 18))
    case = investigate(staff, case, clock)
    assert not case.proposed_eligible
    clock.set(D(2026, 12, 21))  # Mon
    case = services.case_refer_for_decision(actor=staff["street_officer"], case_id=case.pk)
    assert case.decision_due is None and case.status == "awaiting_decision"
    add_calendar_2027(calendar_dir)
    assert services.cases_deadlines_fill(today=D(2027, 1, 4)) == 1
    case.refresh_from_db()
    # From Mon 21 Dec: 22–25 Dec 1–4, 28–31 Dec 5–8, Mon 4 Jan 9, Tue 5 Jan 10.
    assert case.decision_due == D(2027, 1, 5)


def test_the_escalation_fills_first_then_escalates(staff, family, clock, calendar_dir):
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    add_calendar_2027(calendar_dir)
    # on Thu 7 Jan 2027 the investigation (due Wed 6 Jan) is late
    assert services.cases_escalate_overdue(today=D(2027, 1, 7)) == [case.number]
    case.refresh_from_db()
    assert case.investigation_due == D(2027, 1, 6) and case.escalated_on == D(2027, 1, 7)


def test_the_deadlines_command(staff, family, clock, calendar_dir, capsys):
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    call_command("cases", "deadlines", "--date", "2026-12-31")
    out = capsys.readouterr()
    assert out.out == ""
    assert "0 case(s) filled" in out.err
    assert "1 case(s) still pending: 2027" in out.err
    add_calendar_2027(calendar_dir)
    call_command("cases", "deadlines", "--date", "2027-01-02")
    out = capsys.readouterr()
    assert "1 case(s) filled" in out.err and "still pending" not in out.err
    case.refresh_from_db()
    assert case.total_due == D(2027, 1, 27)
    with pytest.raises(CommandError) as exc:
        call_command("cases", "deadlines", "--date", "2027-13-01")
    assert exc.value.returncode == 2 and "--date" in str(exc.value)


PENDING_ZH = "待定（等待2027年工作日安排）"


def test_pages_show_pending_and_the_workbench_notice(client, staff, family, clock, calendar_dir):
    from django.urls import reverse

    case = _walk_to_refusal(staff, family, clock)
    clock.set(D(2026, 12, 15))
    open_case = apply(staff["community_worker"], make_family(staff["community_worker"], seq=2))
    for who in ("community_worker", "street_officer", "district_approver"):
        client.force_login(staff[who])
        page = client.get(reverse("cases:workbench"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = page.content.decode()
        assert page.status_code == 200
        notice = '<p class="card notice" role="status" data-testid="deadlines-pending">'
        assert notice in html, who
        # both cases (the refused one is counted: its refusal notice date is pending too)
        assert "2 件案件的办理期限待定：尚无2027年工作日安排。" in html, who
        assert "请系统管理员添加2027年工作日历文件" in html
    client.force_login(staff["street_officer"])
    html = client.get(reverse("cases:workbench"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert open_case.number in html and html.count(PENDING_ZH) == 2  # step due, whole case
    detail = client.get(reverse("cases:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert detail.content.decode().count(PENDING_ZH) == 4  # investigation, decision, refusal, total
    client.cookies["django_language"] = "en"
    en = client.get(reverse("cases:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    del client.cookies["django_language"]
    assert "Pending (waiting for the 2027 working-day calendar)" in en.content.decode()

    add_calendar_2027(calendar_dir)
    services.cases_deadlines_fill(today=D(2027, 1, 2))
    html = client.get(reverse("cases:workbench"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert PENDING_ZH not in html and "deadlines-pending" not in html
    assert "2027-01-27" in html


def test_the_approver_queue_shows_pending(client, staff, family, clock, calendar_dir):
    from django.urls import reverse

    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    clock.set(D(2026, 12, 18))
    case = investigate(staff, case, clock)
    clock.set(D(2026, 12, 20))
    services.case_notice_publish(actor=staff["street_officer"], case_id=case.pk)
    clock.set(D(2026, 12, 28))
    services.case_notice_close(actor=staff["street_officer"], case_id=case.pk)
    client.force_login(staff["district_approver"])
    html = client.get(reverse("cases:queue"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert case.number in html and html.count(PENDING_ZH) == 2  # decision due, whole case


def test_the_api_gives_null_due_dates_with_the_pending_year(staff, family, clock, calendar_dir):
    from rest_framework.test import APIClient

    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    api = APIClient()
    api.force_authenticate(staff["street_officer"])
    row = api.get("/api/cases/").data["results"][0]
    assert row["number"] == case.number
    assert row["investigation_due"] is None and row["total_due"] is None
    assert row["step_due"] is None and row["pending_year"] == 2027 and row["overdue"] == []
    d = api.get(f"/api/cases/{case.pk}/").data
    assert d["pending_year"] == 2027
    total = next(r for r in d["due_dates"] if r["step"] == "total")
    assert total == {
        "step": "total",
        "due": None,
        "pending_year": 2027,
        "done_on": None,
        "workdays_left": None,
        "overdue": False,
    }
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    for name in ("CaseList", "DueDate"):
        props = schema[name]["properties"]
        assert "pending_year" in props, name
        due = props["due" if name == "DueDate" else "total_due"]
        assert due.get("nullable") is True, (name, due)
    assert schema["CaseList"]["properties"]["investigation_due"]["nullable"] is True


def test_a_process_without_the_new_year_shows_a_filled_date_without_counting(
    staff, family, clock, calendar_dir
):
    # the cron job filled the dates with the 2027 file; the web server's calendar was loaded
    # before the file was added: the date shows, the working days left are not guessed
    clock.set(D(2026, 12, 15))
    case = apply(staff["community_worker"], family)
    add_calendar_2027(calendar_dir)
    services.cases_deadlines_fill(today=D(2026, 12, 16))
    (calendar_dir / "2027.yaml").unlink()
    from safetynet.workdays import default_calendar

    default_calendar.cache_clear()
    case.refresh_from_db()
    rows = {r.step: r for r in selectors.case_due_dates(case=case, today=D(2026, 12, 16))}
    assert rows["total"].due == D(2027, 1, 27) and rows["total"].workdays_left is None
    assert not rows["total"].overdue


def test_reinvestigation_drops_a_pending_decision_date(staff, family, clock, calendar_dir):
    # accepted Mon 2 Nov 2026: both limits known (investigation and whole case in 2026)
    clock.set(D(2026, 11, 2))
    case = apply(staff["community_worker"], family)
    assert case.total_due is not None and case.deadlines_pending_year is None
    clock.set(D(2026, 12, 18))
    case = investigate(staff, case, clock)
    clock.set(D(2026, 12, 20))
    case = services.case_notice_publish(actor=staff["street_officer"], case_id=case.pk)
    assert case.decision_due is None and case.deadlines_pending_year == 2027
    ev = CaseEvent.objects.get(case=case, kind=EventKind.DEADLINES_PENDING)
    assert ev.data == {"year": 2027, "steps": ["decision"]}
    case = services.case_reinvestigate(
        actor=staff["street_officer"], case_id=case.pk, reason="异议成立，重新调查。"
    )
    assert case.deadlines_pending_year is None
    assert selectors.case_deadlines_pending_count(actor=staff["street_officer"]) == {}


def test_emergency_aid_and_a_complaint_in_late_december_wait_for_2027(
    staff, family, clock, calendar_dir
):
    """Emergency aid and a complaint go on with pending dates; the fill sets them from their own
    start dates once 2027 is known."""
    from safetynet.cases import emergency, grievances

    so = staff["street_officer"]
    clock.set(D(2026, 12, 28))  # Monday
    aid = emergency.emergency_aid_grant(
        actor=so, household_id=family.household.pk, amount_fen=50_000, hardship="家中失火"
    )
    # 5 working days after Mon 28 Dec: 29, 30, 31 Dec, then 2027 (unknown): pending
    assert aid.formalities_due is None
    assert aid.case.deadlines_pending_year == 2027
    assert not emergency.emergency_overdue(actor=so, today=D(2027, 3, 1)).exists()
    for item in emergency.FORMALITIES:  # completing them while the due date is pending
        emergency.emergency_formality_done(actor=so, case_id=aid.case_id, item=item)
    ev = CaseEvent.objects.get(case_id=aid.case_id, kind=EventKind.FORMALITIES_COMPLETED)
    assert ev.data["late"] is False and ev.data["formalities_due"] is None
    assert grievances.answer_due(grievances.GrievanceKind.COMPLAINT, D(2026, 12, 28)) is None

    add_calendar_2027(calendar_dir)
    services.cases_deadlines_fill(today=D(2027, 1, 4))
    aid.refresh_from_db()
    # 29, 30, 31 Dec (3), 1–3 Jan off, Mon 4 Jan (4), Tue 5 Jan (5)
    assert aid.formalities_due == D(2027, 1, 5)
    assert Case.objects.get(pk=aid.case_id).deadlines_pending_year is None


def test_a_complaint_with_a_pending_answer_date_is_recorded_and_answered(
    staff, family, clock, calendar_dir, client
):
    """A complaint lodged Tue 29 Dec 2026: its answer date runs into 2027 (pending); the page
    says so, and the district answers it without a date to compare with."""
    from django.urls import reverse

    from safetynet.cases import grievances

    case = _walk_to_refusal(staff, family, clock)
    client.force_login(staff["street_officer"])
    r = client.post(
        reverse("cases:grievance-new", args=[case.pk]),
        {
            "grievance-kind": "complaint",
            "grievance-content": "不服决定",
            "grievance-lodged_by": "陈一",
        },
        follow=True,
    )
    assert r.status_code == 200
    g = case.grievances.get()
    assert g.answer_due is None
    assert "待定" in r.content.decode()
    g = grievances.grievance_answer(
        actor=staff["district_approver"], grievance_id=g.pk, answer="已复核", upheld=False
    )
    ev = CaseEvent.objects.filter(case=case, kind=EventKind.GRIEVANCE_ANSWERED).get()
    assert ev.data["late"] is False
