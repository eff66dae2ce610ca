"""The case screens through the Django test client: workbench, queue, the case page and its
actions (each refusal a message, never a 500), the application form, the checked file views."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from safetynet.cases.models import Case, HomeVisitPhoto, Notice
from safetynet.verification.models import AccessLog
from tests.helpers.cases import PDF, PNG, apply, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()  # the workbench keeps its counts a minute per jurisdiction (ADR 0820)
    yield
    cache.clear()


def act(client, case, action, data=None, **kw):
    return client.post(reverse("cases:act", args=[case.pk, action]), data or {}, **kw)


def test_workbench_counts_steps_and_marks_overdue(client, staff, family, clock):
    case = apply(staff["community_worker"], family)
    client.force_login(staff["street_officer"])
    r = client.get(reverse("cases:workbench"))
    assert r.status_code == 200
    body = r.content.decode()
    assert case.number in body and "cases-late" not in body.split("<tbody>")[-1]
    assert [n for v, _l, n in r.context["counts"] if v == "accepted"] == [1]
    # the officer's own action refreshes the counts (others' within a minute)
    assert act(client, case, "start_investigation").status_code == 302
    r = client.get(reverse("cases:workbench"))
    assert [n for v, _l, n in r.context["counts"] if v == "investigating"] == [1]
    clock.set(case.investigation_due + dt.timedelta(days=1))
    r = client.get(reverse("cases:workbench"), {"overdue": "on"})
    assert case.number in r.content.decode()
    assert 'class="cases-late"' in r.content.decode()
    assert r.context["overdue"] == 1
    r = client.get(reverse("cases:workbench"), {"step": "in_notice"})
    assert case.number not in r.content.decode()
    # another street's officer does not see it
    client.force_login(staff["huli_officer"])
    assert case.number not in client.get(reverse("cases:workbench")).content.decode()
    client.force_login(staff["verification_operator"])
    assert client.get(reverse("cases:workbench")).status_code == 403


def test_case_page_walk_to_approval(client, staff, family, clock):
    case = apply(staff["community_worker"], family)
    so, cw, so2 = staff["street_officer"], staff["community_worker"], staff["street_officer_2"]
    client.force_login(so)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    names = [a.name for a, _f in page.context["actions"]]
    assert "start_investigation" in names and "approve" not in names and "propose" not in names
    # an impossible step: a clear message on the page, 422, nothing written
    r = act(client, case, "close_notice")
    assert r.status_code == 422
    assert "not possible" in r.content.decode() or "不" in r.content.decode()
    assert act(client, case, "start_investigation").status_code == 302
    clock.advance(3)
    r = act(
        client,
        case,
        "record_home_visit",
        {
            "record_home_visit-visited_on": clock().isoformat(),
            "record_home_visit-staff_1": cw.pk,
            "record_home_visit-staff_2": cw.pk,
            "record_home_visit-findings": "住房简陋",
        },
    )
    assert r.status_code == 422  # the same person twice: the service's message
    r = act(
        client,
        case,
        "record_home_visit",
        {
            "record_home_visit-visited_on": clock().isoformat(),
            "record_home_visit-staff_1": cw.pk,
            "record_home_visit-staff_2": so2.pk,
            "record_home_visit-findings": "住房简陋",
            "record_home_visit-photos": [SimpleUploadedFile("a.png", PNG, "image/png")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    r = act(client, case, "propose")
    assert r.status_code == 422  # no verification report yet
    verify(so, case)
    assert act(client, case, "propose", {"propose-note": "核实无误"}).status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert 'data-testid="proposal"' in page.content.decode()
    assert ("低保标准（每人每月）", "800.00 元") in page.context[
        "figures"
    ]  # named figures, in yuan
    assert act(client, case, "publish_notice").status_code == 302
    # photo and notice PDF through checked views, logged
    photo = HomeVisitPhoto.objects.get(visit__case=case)
    before = AccessLog.objects.count()
    r = client.get(reverse("cases:photo", args=[photo.pk]))
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    notice = Notice.objects.get(case=case, kind="public")
    r = client.get(reverse("cases:notice-pdf", args=[notice.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.count() == before + 2
    client.force_login(staff["huli_officer"])
    assert client.get(reverse("cases:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("cases:notice-pdf", args=[notice.pk])).status_code == 404
    # objection and answer
    client.force_login(cw)
    r = act(client, case, "record_objection", {"record_objection-content": "他家有车"})
    assert r.status_code == 302
    client.force_login(so)
    r = act(client, case, "close_notice")
    assert r.status_code == 422  # the notice runs
    objection = case.objections.get()
    r = client.post(
        reverse("cases:act", args=[case.pk, "answer_objection"]),
        {
            "objection_id": objection.pk,
            f"answer-{objection.pk}-objection": objection.pk,
            f"answer-{objection.pk}-answer": "经核实车辆已于2024年转让",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    clock.set(case.notice_ends_on + dt.timedelta(days=1))
    assert act(client, case, "close_notice").status_code == 302
    # the street officer may not decide; the district approver who did not investigate may
    assert act(client, case, "approve").status_code == 403
    client.force_login(staff["district_approver"])
    q = client.get(reverse("cases:queue"))
    assert case.number in q.content.decode()
    r = act(client, case, "approve")
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "enrolled"
    r = act(client, case, "approve")
    assert r.status_code == 422  # already decided: a message, not a 500
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert 'data-testid="decision"' in page.content.decode()
    hh = client.get(reverse("household-detail", args=[family.household.pk]))
    assert case.number in hh.content.decode()


def test_apply_form_existing_and_new_household(client, staff, family, clock):
    cw = staff["community_worker"]
    client.force_login(cw)
    url = reverse("cases:apply") + f"?household={family.household.pk}"
    r = client.get(url)
    assert r.status_code == 200
    r = client.post(
        url,
        {
            "program": "dibao",
            "applicant": family.head.pk,
            f"income_{family.head.pk}_wage_fen": "500.00",
            "authorization_scan": SimpleUploadedFile("auth.pdf", PDF, "application/pdf"),
            "signed_on": "2025-09-25",
            "financial_assets": "1000",
            "documents": [SimpleUploadedFile("证明.pdf", PDF, "application/pdf")],
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    case = Case.objects.get()
    assert case.documents.count() == 1
    doc = case.documents.get()
    logged = AccessLog.objects.count()
    r = client.get(reverse("cases:document", args=[doc.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment")
    assert AccessLog.objects.count() == logged + 1
    assert case.number in AccessLog.objects.latest("at").purpose
    assert "50000" in json.dumps(case.declared)  # 500 yuan in fen
    # a bad file: a message, nothing written
    r = client.post(
        url,
        {
            "program": "dibao",
            "applicant": family.head.pk,
            "authorization_scan": SimpleUploadedFile("auth.pdf", b"<html>", "application/pdf"),
            "signed_on": "2025-09-25",
        },
    )
    assert r.status_code == 422 and Case.objects.count() == 1
    # by household number
    r = client.get(reverse("cases:apply"), {"household_number": family.household.number})
    assert r.status_code == 302 and f"household={family.household.pk}" in r["Location"]
    # a new household
    from tests.helpers.cases import make_id

    r = client.post(
        reverse("cases:apply"),
        {
            "program": "dibao",
            "division": "350203002001",
            "address": "测试路1号",
            "m0_relation": "head",
            "m0_name": "王五",
            "m0_id_number": make_id(dt.date(1970, 1, 2), 7, "M"),
            "m0_wage": "300",
            "authorization_scan": SimpleUploadedFile("auth.pdf", PDF, "application/pdf"),
            "signed_on": "2025-09-25",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert Case.objects.count() == 2
    client.force_login(staff["district_approver"])
    assert client.get(reverse("cases:apply")).status_code == 403


def test_workbench_and_queue_queries_do_not_grow_with_rows(
    client, staff, clock, django_assert_max_num_queries
):
    from tests.helpers.cases import make_family

    for seq in range(1, 6):
        apply(staff["community_worker"], make_family(staff["community_worker"], seq))
    client.force_login(staff["street_officer"])
    # session, user, jurisdiction, page, counts (2), Django's model permissions (2), and the
    # session saved on every request (idle timeout: savepoint, update, release), and the count of
    # cases whose due dates are pending next year's calendar (ADR 0814), the division picker's
    # first level (ADR 1030)
    with django_assert_max_num_queries(13):
        r = client.get(reverse("cases:workbench"))
    assert len(r.context["list"].rows) == 5
    client.force_login(staff["district_approver"])
    # session, user, queue page, escalated list, model permissions, session save; the division
    # picker's first level and the counts per step, which give the true count (ADR 1030)
    with django_assert_max_num_queries(13):
        client.get(reverse("cases:queue"))


def test_screens_in_chinese_and_english(client, staff, family, clock):
    case = apply(staff["community_worker"], family)
    client.force_login(staff["street_officer"])
    zh = client.get(reverse("cases:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已受理" in zh.content.decode() and "开始调查核实" in zh.content.decode()
    client.cookies["django_language"] = "en"
    en = client.get(reverse("cases:detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = en.content.decode()
    assert "Start the investigation" in body and "Due dates" in body and "已受理" not in body


def test_queue_lists_cases_escalated_to_the_district(client, staff, family, clock):
    from safetynet.cases.services import cases_escalate_overdue

    case = apply(staff["community_worker"], family)
    clock.set(case.investigation_due + dt.timedelta(days=1))
    assert cases_escalate_overdue() == [case.number]
    client.force_login(staff["district_approver"])
    r = client.get(reverse("cases:queue"))
    assert [c.number for c in r.context["escalated"]] == [case.number]
    assert r.context["escalated"][0].late  # shown red
    assert r.context["page"].object_list == []  # nothing awaits the decision yet


def test_workbench_sorts_pages_filters_and_counts(client, staff, clock, settings):
    """ADR 1030: the workbench on the list component: the true count, page numbers, sorting
    by a column, the category column, the text filter and the division picker."""
    from tests.helpers.cases import ZHONGHUA_C1, make_family

    cases = [
        apply(staff["community_worker"], make_family(staff["community_worker"], seq))
        for seq in range(1, 4)
    ]
    client.force_login(staff["street_officer"])
    r = client.get(reverse("cases:workbench"))
    body = r.content.decode()
    assert r.context["list"].page.paginator.count == 3  # from the cached counts per step
    assert 'data-testid="list-total"' in body and 'aria-sort="ascending"' in body
    assert "最低生活保障" in body or "低保" in body  # the category column, in Chinese
    # sort by case number, descending: the last applied first
    r = client.get(reverse("cases:workbench"), {"sort": "-number"})
    assert [c.number for c in r.context["list"].rows] == sorted(
        (c.number for c in cases), reverse=True
    )
    # an unknown sort key falls back to the default (no arbitrary ORDER BY)
    assert client.get(reverse("cases:workbench"), {"sort": "password"}).status_code == 200
    # the text filter: a case number, an applicant's name
    r = client.get(reverse("cases:workbench"), {"q": cases[1].number})
    assert [c.number for c in r.context["list"].rows] == [cases[1].number]
    assert r.context["list"].page.paginator.count == 1
    r = client.get(reverse("cases:workbench"), {"q": cases[2].applicant.name})
    assert cases[2].number in [c.number for c in r.context["list"].rows]
    # the division picker: the community of the households, then another one (no rows)
    r = client.get(reverse("cases:workbench"), {"division": ZHONGHUA_C1})
    assert r.context["list"].page.paginator.count == 3
    assert 'data-testid="division-picker"' in r.content.decode()
    # page numbers: two to a page
    import safetynet.web.lists as lists

    settings.DEBUG = False
    old, lists.PAGE_SIZE = lists.PAGE_SIZE, 2
    try:
        r = client.get(reverse("cases:workbench"), {"page": "2", "q": "SQ"})
        assert r.context["list"].page.number == 2 and len(r.context["list"].rows) == 1
        assert r.context["list"].page_links == [1, 2]
        assert "sort=" not in r.context["list"].querystring
    finally:
        lists.PAGE_SIZE = old


def test_queue_sorts_filters_and_counts(client, staff, clock):
    from tests.helpers.cases import make_family

    for seq in range(1, 3):
        case = apply(staff["community_worker"], make_family(staff["community_worker"], seq))
        Case.objects.filter(pk=case.pk).update(
            status="awaiting_decision", decision_due=dt.date(2025, 10, seq)
        )
    client.force_login(staff["district_approver"])
    r = client.get(reverse("cases:queue"))
    assert r.context["list"].page.paginator.count == 2
    due = [c.decision_due for c in r.context["list"].rows]
    assert due == sorted(due)
    r = client.get(reverse("cases:queue"), {"sort": "-decision_due"})
    assert [c.decision_due for c in r.context["list"].rows] == sorted(due, reverse=True)
    r = client.get(reverse("cases:queue"), {"program": "low_income"})
    assert r.context["list"].page.paginator.count == 0
    assert 'data-testid="division-picker"' in r.content.decode()
