"""The home page (ADR 1000): what waits for each role, the chart aggregates, the drill-down, and the
household page's verification block. Counts are computed by hand from the tiny registry of
tests/helpers/city.py (ZH1, ZH2 in 中华街道 of 思明区; HL1 in 湖里街道 of 湖里区) and the work
made below."""

import datetime as dt
from html import escape

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from safetynet.cases.models import Case
from safetynet.registry.models import Enrolment
from safetynet.verification.models import BatchRun, Report, ReviewTask, VerificationRequest
from safetynet.web import home_selectors as hs
from tests.helpers.city import HULI_C1, HULI_STREET, ZHONGHUA, ZHONGHUA_C1, ZHONGHUA_C2

FAR = dt.date(2099, 1, 1)
PAST = dt.date(2020, 1, 1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the counts are kept per jurisdiction: each test starts from none
    yield
    cache.clear()


@pytest.fixture
def work(registry, users):
    """Review tasks, verification requests with reports, and cases across the three households.

    ZH1 (中华 community 1): task open; request awaiting manual sources; request reported whose
        case is still open (accepted, investigation overdue).
    ZH2 (中华 community 2): task in progress; request ready for its report; a case awaiting the
        decision (not overdue).
    HL1 (湖里): task open; request awaiting manual sources; request reported whose case was
        approved (decided: not waiting); a case being investigated (not overdue).
    """
    so = users["street_officer"]
    run = BatchRun.objects.create(
        month="2020-06",
        engine="duckdb",
        source_dir="/tmp",
        started_at=dt.datetime(2020, 6, 30, tzinfo=dt.UTC),
        finished_at=dt.datetime(2020, 6, 30, tzinfo=dt.UTC),
    )
    ReviewTask.objects.create(household=registry.zh1, street_id=ZHONGHUA, batch_run=run)
    ReviewTask.objects.create(
        household=registry.zh2, street_id=ZHONGHUA, batch_run=run, status="in_progress"
    )
    ReviewTask.objects.create(household=registry.hl1, street_id=HULI_STREET, batch_run=run)
    seq = iter(range(1, 100))

    def request(household, status):
        return VerificationRequest.objects.create(
            number=f"HD-2020-{next(seq):05d}",
            household=household,
            purpose="application",
            program="dibao",
            month="2020-06",
            status=status,
            authorization_scan="authorizations/2020/x.pdf",
            authorization_signed_by="测试",
            authorization_signed_on=dt.date(2020, 6, 1),
            created_by=so,
        )

    request(registry.zh1, "awaiting_manual")
    zh1_reported = request(registry.zh1, "reported")
    request(registry.zh2, "ready")
    request(registry.hl1, "awaiting_manual")
    hl1_reported = request(registry.hl1, "reported")
    for n, req in enumerate([zh1_reported, hl1_reported], start=1):
        Report.objects.create(
            number=f"BG-2020-{n:05d}",
            request=req,
            counted_income_fen=0,
            financial_assets_fen=0,
            conclusion="meets",
            created_by=so,
        )

    def case(household, community, street, applicant, status, request=None, **due):
        return Case.objects.create(
            number=f"SQ-2020-{next(seq):05d}",
            program="dibao",
            household=household,
            applicant=applicant,
            status=status,
            accepting_division_id=community,
            handling_division_id=street,
            accepted_by=so,
            accepted_on=dt.date(2020, 6, 1),
            verification_request=request,
            **{"total_due": FAR, **due},
        )

    z, w, c = registry.zhang_wei, registry.wang_fang, registry.chen_jie
    case(registry.zh1, ZHONGHUA_C1, ZHONGHUA, z, "accepted", zh1_reported, investigation_due=PAST)
    case(registry.zh2, ZHONGHUA_C2, ZHONGHUA, w, "awaiting_decision", decision_due=FAR)
    case(registry.hl1, HULI_C1, HULI_STREET, c, "investigating", investigation_due=FAR)
    case(registry.hl1, HULI_C1, HULI_STREET, c, "approved", hl1_reported)
    return registry


def counts(actor) -> dict[str, int]:
    return {w.key: w.count for w in hs.waiting_for(actor=actor)}


VERIFICATION_KEYS = [
    "tasks_open",
    "tasks_in_progress",
    "requests_manual",
    "requests_ready",
    "reports_undecided",
]
CASE_KEYS = [
    "cases_overdue",
    "cases_accepted",
    "cases_investigating",
    "cases_proposed",
    "cases_in_notice",
    "cases_awaiting_decision",
]
# Hand-computed from the fixture's docstring, per role and jurisdiction.
EXPECTED = {
    "community_worker": {  # ZH1 only (community 1)
        **dict(zip(VERIFICATION_KEYS, [1, 0, 1, 0, 1], strict=True)),
        **dict(zip(CASE_KEYS, [1, 1, 0, 0, 0, 0], strict=True)),
    },
    "street_officer": {  # ZH1, ZH2
        **dict(zip(VERIFICATION_KEYS, [1, 1, 1, 1, 1], strict=True)),
        **dict(zip(CASE_KEYS, [1, 1, 0, 0, 0, 1], strict=True)),
        "lists_to_confirm": 0,
    },
    "district_approver": {  # 思明区: ZH1, ZH2
        **dict(zip(VERIFICATION_KEYS, [1, 1, 1, 1, 1], strict=True)),
        **dict(zip(CASE_KEYS, [1, 1, 0, 0, 0, 1], strict=True)),
        "payrolls_to_approve": 0,
    },
    "city_admin": {  # the city; no verification data (ADR 0720)
        **dict(zip(CASE_KEYS, [1, 1, 1, 0, 0, 1], strict=True)),
        "payrolls_to_check": 0,
        "payrolls_to_approve": 0,
        "payrolls_to_close": 0,
        "budget_overrides": 0,
    },
    "verification_operator": dict(zip(VERIFICATION_KEYS, [2, 1, 2, 1, 1], strict=True)),
    "auditor": dict(zip(CASE_KEYS, [1, 1, 1, 0, 0, 1], strict=True)),
    "huli_officer": {  # 湖里街道: HL1 (its reported request's case is decided)
        **dict(zip(VERIFICATION_KEYS, [1, 0, 1, 0, 0], strict=True)),
        **dict(zip(CASE_KEYS, [0, 0, 1, 0, 0, 0], strict=True)),
        "lists_to_confirm": 0,
    },
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_waiting_counts_per_role_and_jurisdiction(work, users, role):
    found = counts(users[role])
    found.pop("reviews_open", None)  # no review in this fixture (tests/cases cover them)
    assert found == EXPECTED[role]


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_home_page_shows_each_role_its_counts_with_links(client, work, users, role):
    client.force_login(users[role])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    shown = {w.key: w.count for w in response.context["waiting"]}
    shown.pop("reviews_open", None)
    assert shown == EXPECTED[role]
    content = response.content.decode()
    for w in response.context["waiting"]:
        assert f'href="{escape(w.url)}"' in content
    assert ('data-testid="waiting-verification"' in content) == ("tasks_open" in EXPECTED[role])
    assert ('data-testid="cases-due"' in content) == ("cases_overdue" in EXPECTED[role])


def test_counts_link_to_lists_that_filter_the_same_way(client, work, users):
    so = users["street_officer"]
    client.force_login(so)
    links = {w.key: w.url for w in hs.waiting_for(actor=so)}
    undecided = client.get(links["reports_undecided"]).content.decode()
    assert "HD-2020-00002" in undecided  # ZH1's reported request, case open
    assert "HD-2020-00001" not in undecided  # awaiting manual sources
    manual = client.get(links["requests_manual"]).content.decode()
    assert "HD-2020-00001" in manual and "HD-2020-00003" not in manual
    overdue = client.get(links["cases_overdue"]).content.decode()
    assert work.zh1.number in overdue and work.zh2.number not in overdue


def test_district_approver_reaches_the_queue_from_awaiting_decision(work, users):
    links = {w.key: w.url for w in hs.waiting_for(actor=users["district_approver"])}
    assert links["cases_awaiting_decision"] == reverse("cases:queue")
    links = {w.key: w.url for w in hs.waiting_for(actor=users["street_officer"])}
    assert (
        links["cases_awaiting_decision"] == reverse("cases:workbench") + "?step=awaiting_decision"
    )


def test_cases_due_puts_the_overdue_first(work, users):
    rows = hs.cases_due(actor=users["city_admin"])
    assert [c.household_id for c in rows] == [work.zh1.pk, work.zh2.pk, work.hl1.pk]
    assert rows[0].late and not rows[1].late
    assert hs.cases_due(actor=users["verification_operator"]) == []


def test_payroll_counts_for_those_who_check_approve_and_close(work, users):
    from safetynet.payments.models import Payroll

    Payroll.objects.create(month="2020-05", status="draft")
    Payroll.objects.create(month="2020-04", status="reconciled")
    Payroll.objects.create(month="2020-03", status="reconciled")
    found = counts(users["city_admin"])
    assert (found["payrolls_to_check"], found["payrolls_to_close"]) == (1, 2)
    assert "payrolls_to_check" not in counts(users["district_approver"])


# --------------------------------------------------------------------------- recipients
def by_code(breakdown):
    return {r.code: r.by_category for r in breakdown.rows}


def test_recipients_by_district_street_and_community(work, users):
    # In force today: 张伟 dibao + elderly_80 and 张小明 disabled (ZH1, community 1), 陈杰 tekun
    # (HL1); 王芳's low_income ended 2019-12-31.
    admin = users["city_admin"]
    city = hs.recipients_breakdown(actor=admin)
    assert by_code(city) == {
        "350203": {"dibao": 1, "elderly_80": 1, "disabled": 1},
        "350206": {"tekun": 1},
    }
    assert city.by_category == {"dibao": 1, "elderly_80": 1, "disabled": 1, "tekun": 1}
    assert [c for c, _label in city.categories] == ["dibao", "tekun", "elderly_80", "disabled"]
    district = hs.recipients_breakdown(actor=admin, at=hs.drill_target(actor=admin, code="350203"))
    assert by_code(district) == {ZHONGHUA: {"dibao": 1, "elderly_80": 1, "disabled": 1}}
    assert [d.code for d in district.path] == ["350203"]
    street = hs.recipients_breakdown(actor=admin, at=hs.drill_target(actor=admin, code=ZHONGHUA))
    assert by_code(street) == {ZHONGHUA_C1: {"dibao": 1, "elderly_80": 1, "disabled": 1}}
    assert street.rows[0].leaf
    assert [d.code for d in street.path] == ["350203", ZHONGHUA]


def test_drilling_outside_the_jurisdiction_shows_only_ones_own(work, users):
    so = users["street_officer"]
    assert hs.drill_target(actor=so, code="350206") is None
    mine = hs.recipients_breakdown(actor=so, at=hs.drill_target(actor=so, code="350206"))
    assert by_code(mine) == {ZHONGHUA_C1: {"dibao": 1, "elderly_80": 1, "disabled": 1}}
    huli = hs.recipients_breakdown(actor=users["huli_officer"])
    assert by_code(huli) == {HULI_C1: {"tekun": 1}}


def test_trend_counts_recipients_at_each_month_end(work, users):
    Enrolment.objects.create(
        person=work.chen_jie,
        household=work.hl1,
        category="dibao",
        start_date=dt.date(2019, 3, 1),
        end_date=dt.date(2019, 6, 15),
        legal_basis="测试",
    )
    trend = hs.recipient_trend(actor=users["city_admin"], today=dt.date(2026, 12, 1))
    # the latest change is 王芳's end, 2019-12-31: 24 months 2018-01 … 2019-12
    assert trend.months[0] == "2018-01" and trend.months[-1] == "2019-12"
    # 张伟 from 2018-01; 陈杰 in force at the ends of 2019-03, -04, -05 (ended 06-15)
    assert trend.series["dibao"] == [1] * 14 + [2, 2, 2] + [1] * 7
    # 王芳 is in force on her end date, the last day of 2019-12
    assert trend.series["low_income"] == [1] * 24
    street = hs.recipient_trend(actor=users["street_officer"], today=dt.date(2026, 12, 1))
    assert street.series["dibao"] == [1] * 24 and "tekun" not in street.series


def test_home_page_drills_down_by_query(client, work, users):
    client.force_login(users["city_admin"])
    page = client.get(reverse("home"), {"at": "350203"})
    assert page.context["breakdown"].at.code == "350203"
    content = page.content.decode()
    assert f'href="{reverse("home")}?at={ZHONGHUA}"' in content
    charts = page.context["charts"]
    assert charts["divisions"]["codes"] == [ZHONGHUA]
    assert charts["categories"]["values"] == [1, 1, 1]  # dibao, elderly_80, disabled


def test_spending_block_only_for_roles_that_see_funds(client, work, users):
    client.force_login(users["community_worker"])
    assert 'data-testid="home-spending"' not in client.get(reverse("home")).content.decode()
    client.force_login(users["district_approver"])
    assert 'data-testid="home-spending"' in client.get(reverse("home")).content.decode()


def test_numbers_have_thousands_separators(client, users, registry):
    from safetynet.web.selectors import Dashboard

    cache.set(
        f"home:dashboard:{users['street_officer'].scope_prefix}:{timezone.localdate().isoformat()}",
        Dashboard(None, 12345, 1234567, 0, []),
    )
    client.force_login(users["street_officer"])
    content = client.get(reverse("home")).content.decode()
    assert "12,345" in content and "1,234,567" in content


# --------------------------------------------------------------------------- household page
def test_household_page_lists_requests_and_reports_with_the_heads_name(client, work, users):
    client.force_login(users["street_officer"])
    content = client.get(reverse("household-detail", args=[work.zh1.pk])).content.decode()
    assert "户主 张伟 · 户号 ZH-0001" in content
    assert 'data-testid="household-verification"' in content
    assert "HD-2020-00001" in content and "HD-2020-00002" in content
    assert "BG-2020-00001" in content and "BG-2020-00002" not in content  # HL1's report
    assert 'data-testid="household-cases"' in content


def test_household_page_hides_verification_from_roles_without_it(client, work, users):
    client.force_login(users["city_admin"])
    content = client.get(reverse("household-detail", args=[work.zh1.pk])).content.decode()
    assert "户主 张伟" in content
    assert 'data-testid="household-verification"' not in content
    assert "HD-2020-00001" not in content
