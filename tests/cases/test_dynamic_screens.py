"""The pages of the no-application lists, reviews, emergency aid and grievances through the
Django test client: each action offered only to the role that may, each refusal a message
(never a 500)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from safetynet.cases import reviews
from safetynet.cases.dynamic_models import Grievance, ProposalEntry, ProposalList, Review
from safetynet.cases.models import EmergencyAid
from safetynet.registry.models import Enrolment
from safetynet.verification.models import AccessLog
from tests.helpers.dynamic import make_elders, make_enrolled, refused_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_counts():
    cache.clear()
    yield
    cache.clear()


def test_lists_generate_and_confirm_with_an_exclusion(client, staff, clock):
    _fam, turning, ninety = make_elders(staff["community_worker"])
    clock.set(dt.date(2025, 11, 3))
    # the community worker sees the page, but neither the generate button nor the confirmation
    client.force_login(staff["community_worker"])
    r = client.get(reverse("cases:lists"))
    assert r.status_code == 200 and 'data-testid="generate"' not in r.content.decode()
    assert client.post(reverse("cases:lists-generate"), {"month": "2025-11"}).status_code == 403
    so = staff["street_officer"]
    client.force_login(so)
    assert 'data-testid="nav-lists"' in client.get(reverse("cases:workbench")).content.decode()
    r = client.post(reverse("cases:lists-generate"), {"month": "2025-13"})
    assert r.status_code == 422 and "YYYY-MM" in r.content.decode()
    r = client.post(reverse("cases:lists-generate"), {"month": "2025-11"}, follow=True)
    assert r.status_code == 200
    plist = ProposalList.objects.get(kind="age_allowance", month="2025-11")
    assert reverse("cases:list-detail", args=[plist.pk]) in r.content.decode()
    page = client.get(reverse("cases:list-detail", args=[plist.pk])).content.decode()
    assert "郑八十" in page and "100.00" in page and "200.00" in page  # per-person amounts
    url = reverse("cases:list-confirm", args=[plist.pk])
    # an exclusion without its reason: the field is named, nothing written
    r = client.post(url, {f"exclude_{ninety.pk}": "on"})
    assert r.status_code == 422
    assert ProposalList.objects.get(pk=plist.pk).status == "proposed"
    r = client.post(url, {f"exclude_{ninety.pk}": "on", f"reason_{ninety.pk}": "户籍已迁出"})
    assert r.status_code == 302
    assert ProposalEntry.objects.get(person=ninety).outcome == "excluded"
    assert Enrolment.objects.filter(person=turning, category="elderly_80").exists()
    # a second confirmation is a message, not a 500
    r = client.post(url, {})
    assert r.status_code == 422
    page = client.get(reverse("cases:list-detail", args=[plist.pk])).content.decode()
    assert 'data-testid="confirm-list"' not in page and "户籍已迁出" in page


def test_review_list_decide_notice_and_household_link(client, staff, clock):
    young = make_enrolled(staff["community_worker"])
    clock.set(dt.date(2025, 10, 9))
    r = reviews.review_open(
        actor=staff["community_worker"],
        household_id=young.household.pk,
        program="dibao",
        trigger="reported_change",
        reported_change="收入大幅增加",
    )
    client.force_login(staff["street_officer"])
    assert f"#{r.pk}" in client.get(reverse("cases:reviews")).content.decode()
    page = client.get(reverse("cases:review-detail", args=[r.pk])).content.decode()
    assert "form-decide-review" not in page  # only the district decides
    assert client.post(reverse("cases:review-decide", args=[r.pk]), {}).status_code == 403
    hh = client.get(reverse("household-detail", args=[young.household.pk])).content.decode()
    assert reverse("cases:review-detail", args=[r.pk]) in hh
    client.force_login(staff["district_approver"])
    url = reverse("cases:review-decide", args=[r.pk])
    # a gradual exit without a reason: the service's refusal is a message on the page
    resp = client.post(url, {"outcome": "gradual_exit", f"wage_{young.head.pk}": "20000"})
    assert resp.status_code == 422 and Review.objects.get(pk=r.pk).closed_on is None
    resp = client.post(
        url,
        {
            "outcome": "gradual_exit",
            "reason": "务工收入超过低保标准",
            f"wage_{young.head.pk}": "20000",
        },
    )
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.outcome == "gradual_exit" and r.exit_last_month == "2026-04"
    page = client.get(reverse("cases:review-detail", args=[r.pk])).content.decode()
    assert "作出复核决定" in page and "· 渐退期</li>" in page  # the timeline in words
    logs = AccessLog.objects.count()
    pdf = client.get(reverse("cases:review-notice-pdf", args=[r.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert AccessLog.objects.count() == logs + 1
    # another street's officer: not found, and no access logged
    client.force_login(staff["huli_officer"])
    assert client.get(reverse("cases:review-notice-pdf", args=[r.pk])).status_code == 404
    assert client.get(reverse("cases:review-detail", args=[r.pk])).status_code == 404
    assert AccessLog.objects.count() == logs + 1


def test_emergency_grant_and_formalities(client, staff, family, clock):
    client.force_login(staff["community_worker"])
    url = reverse("cases:emergency") + f"?household={family.household.pk}"
    assert client.get(url).status_code == 403
    client.force_login(staff["street_officer"])
    r = client.get(url)
    assert r.status_code == 200 and "1,600.00" in r.content.decode()  # 2 members × 800 yuan
    r = client.post(url, {"amount": "1600.01", "hardship": "家中失火"})
    assert r.status_code == 422 and not EmergencyAid.objects.exists()
    r = client.post(url, {"amount": "1200", "hardship": "家中失火"})
    aid = EmergencyAid.objects.get()
    assert aid.amount_fen == 120_000
    assert r.status_code == 302 and r["Location"] == reverse("cases:detail", args=[aid.case_id])
    page = client.get(r["Location"]).content.decode()
    assert 'data-testid="done-identity"' in page and "2025-10-10" in page
    done = reverse("cases:formality-done", args=[aid.case_id])
    assert client.post(done, {"item": "identity"}).status_code == 302
    aid.refresh_from_db()
    assert aid.checklist["identity"] == "2025-09-26"
    page = client.post(done, {"item": "identity"}, follow=True).content.decode()
    assert 'data-testid="done-identity"' not in page  # already done: a message, no 500


def test_grievance_recorded_and_answered_on_a_decided_case(client, staff, family, clock):
    case = refused_case(staff, family, clock)
    client.force_login(staff["community_worker"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-testid="form-grievance"' in page
    url = reverse("cases:grievance-new", args=[case.pk])
    r = client.post(
        url,
        {"grievance-kind": "reconsideration", "grievance-content": "收入计算有误"},
        follow=True,
    )
    assert r.status_code == 200
    g = Grievance.objects.get()
    assert g.lodge_deadline == clock() + dt.timedelta(days=60)
    assert g.answer_due.isoformat() in r.content.decode()
    # too late: a message, nothing written
    clock.advance(61)
    r = client.post(
        url, {"grievance-kind": "reconsideration", "grievance-content": "再议"}, follow=True
    )
    assert r.status_code == 200 and Grievance.objects.count() == 1
    assert "form-answer-grievance" not in r.content.decode()
    ans = reverse("cases:grievance-answer", args=[g.pk])
    assert client.post(ans, {f"answer-{g.pk}-answer": "维持"}).status_code == 403
    client.force_login(staff["district_approver"])
    assert (
        f"form-answer-grievance-{g.pk}"
        in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    )
    assert client.post(ans, {f"answer-{g.pk}-answer": "维持原决定"}).status_code == 302
    g.refresh_from_db()
    assert g.answer == "维持原决定" and g.upheld is False


def test_review_opened_from_the_household_page(client, staff, family, clock):
    young = make_enrolled(staff["community_worker"])
    clock.set(dt.date(2025, 10, 9))
    client.force_login(staff["district_approver"])  # may not open one: no form
    hh = reverse("household-detail", args=[young.household.pk])
    assert "form-open-review" not in client.get(hh).content.decode()
    client.force_login(staff["community_worker"])
    assert "form-open-review" in client.get(hh).content.decode()
    url = reverse("cases:review-open", args=[young.household.pk])
    data = {"review-program": "dibao", "review-reported_change": "户主找到临时工作"}
    r = client.post(url, data)
    review = Review.objects.get()
    assert r["Location"] == reverse("cases:review-detail", args=[review.pk])
    assert review.trigger == "reported_change" and review.reported_change == "户主找到临时工作"
    # again: already open, a message on the household page
    r = client.post(url, data, follow=True)
    assert r.status_code == 200 and Review.objects.count() == 1
    # a household not enrolled: refused with a message, nothing written
    r = client.post(reverse("cases:review-open", args=[family.household.pk]), data, follow=True)
    assert r.status_code == 200 and Review.objects.count() == 1
    assert len(list(r.context["messages"])) == 1


def test_reviews_sort_filter_page_and_pick_a_division(client, staff, clock, monkeypatch):
    """ADR 1037: the open reviews on the list component."""
    from safetynet.web import lists
    from tests.helpers.city import ZHONGHUA_C1, ZHONGHUA_C2
    from tests.helpers.dynamic import make_elder_household

    young = make_enrolled(staff["community_worker"])
    old, _head = make_elder_household(staff["community_worker"])
    clock.set(dt.date(2025, 10, 9))
    street = young.household.division.parent_id
    a = Review.objects.create(
        household=young.household, program="dibao", street_id=street, trigger="scheduled",
        opened_on=dt.date(2025, 10, 1), due_on=dt.date(2025, 12, 1),
    )  # fmt: skip
    b = Review.objects.create(
        household=old, program="dibao", street_id=street, trigger="scheduled",
        opened_on=dt.date(2025, 9, 1), due_on=dt.date(2025, 11, 1),
    )  # fmt: skip
    client.force_login(staff["city_admin"])
    url = reverse("cases:reviews")
    r = client.get(url)  # default: the earliest due first
    assert [x.pk for x in r.context["list"].rows] == [b.pk, a.pk]
    assert r.context["list"].page.paginator.count == 2
    r = client.get(url, {"sort": "-opened"})
    assert [x.pk for x in r.context["list"].rows] == [a.pk, b.pk]
    body = r.content.decode()
    assert 'data-testid="division-picker"' in body and 'data-testid="pager"' in body
    r = client.get(url, {"q": old.number})
    assert [x.pk for x in r.context["list"].rows] == [b.pk]
    r = client.get(url, {"division": ZHONGHUA_C1})
    assert {x.pk for x in r.context["list"].rows} == {a.pk, b.pk}
    r = client.get(url, {"division": ZHONGHUA_C2})
    assert list(r.context["list"].rows) == []
    monkeypatch.setattr(lists, "PAGE_SIZE", 1)
    r = client.get(url, {"page": "2"})
    assert [x.pk for x in r.context["list"].rows] == [a.pk]
    assert "共2条 · 第2/2页" in r.content.decode()


def test_no_application_lists_sort_filter_page_and_pick_a_division(client, staff, monkeypatch):
    """ADR 1037: the month's no-application lists on the list component."""
    from safetynet.web import lists
    from tests.helpers.city import HULI_STREET, ZHONGHUA

    def make(kind, street):
        return ProposalList.objects.create(
            kind=kind, month="2025-11", street_id=street, proposed_on=dt.date(2025, 11, 3)
        )

    a = make("age_allowance", ZHONGHUA)
    b = make("funeral", ZHONGHUA)
    c = make("age_allowance", HULI_STREET)
    client.force_login(staff["city_admin"])
    url = reverse("cases:lists")
    r = client.get(url, {"month": "2025-11", "sort": "-street"})
    assert [x.pk for x in r.context["list"].rows] == [c.pk, b.pk, a.pk]
    assert r.context["list"].page.paginator.count == 3
    r = client.get(url, {"month": "2025-11", "sort": "kind"})
    assert [x.pk for x in r.context["list"].rows] == [a.pk, c.pk, b.pk]
    body = r.content.decode()
    assert 'data-testid="division-picker"' in body and 'data-testid="pager"' in body
    r = client.get(url, {"month": "2025-11", "division": "350206"})
    assert [x.pk for x in r.context["list"].rows] == [c.pk]
    r = client.get(url, {"month": "2025-11", "q": "中华"})
    assert {x.pk for x in r.context["list"].rows} == {a.pk, b.pk}
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    r = client.get(url, {"month": "2025-11", "sort": "kind", "page": "2"})
    assert [x.pk for x in r.context["list"].rows] == [b.pk]
