"""The price-index screen and the policy audit trail (ADR 1430, 1432): entry, upload all or
nothing with row/field problems, the trigger flag; the auditor's filterable trail and export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from safetynet.accounts.models import Role
from safetynet.policy.models import PriceIndex
from safetynet.policy.services import approve_change, propose_change
from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db
URL = "/rules/indices/"
AUDIT = "/rules/audit/"
ENTRY = {"month": "2020-06", "kind": "cpi", "value": "104.0", "source": "厦门市统计局"}


def test_enter_a_month_and_see_it_flagged(client, users):
    client.force_login(users["city_admin"])
    assert client.post(URL, ENTRY).status_code == 302
    page = client.get(URL).content.decode()
    assert 'data-month="2020-06" class="flag"' in page
    assert "32.00" in page  # 800 × 4 % per person


def test_a_bad_entry_names_the_field(client, users):
    client.force_login(users["city_admin"])
    r = client.post(URL, {**ENTRY, "value": "4.0"})
    assert r.status_code == 422 and not PriceIndex.objects.exists()


def test_upload_all_or_nothing(client, users):
    client.force_login(users["city_admin"])
    bad = "月份,指数,同比指数,累计指数,来源\n2020-06,cpi,104,,统计局\n2020-07,cpi,abc,,统计局\n"
    r = client.post(URL, {"file": SimpleUploadedFile("i.csv", bad.encode())})
    assert r.status_code == 422
    page = r.content.decode()
    assert 'data-testid="import-problems"' in page and 'data-code="wrong_unit"' in page
    assert not PriceIndex.objects.exists()
    good = bad.replace("abc", "103.1")
    r = client.post(URL, {"file": SimpleUploadedFile("i.csv", good.encode())})
    assert r.status_code == 200 and 'data-testid="import-ok"' in r.content.decode()
    assert PriceIndex.objects.count() == 2


def test_only_the_city_enters(client, users):
    for role in ("street_officer", "auditor"):
        client.force_login(users[role])
        assert client.get(URL).status_code == 200
        assert 'data-testid="index-form"' not in client.get(URL).content.decode()
        assert client.post(URL, ENTRY).status_code == 403
    assert not PriceIndex.objects.exists()


def test_the_auditor_reads_filters_and_exports_the_trail(client, users):
    ca2 = make_user("ca2", Role.CITY_ADMIN, "350200")
    change = propose_change(
        users["city_admin"],
        name="dibao.standard",
        kind="new_value",
        effective="2020-07-01",
        value="850",
        reference_number="厦民〔2020〕12号",
        reference_date="2020-05-20",
    )
    approve_change(ca2, change.pk)
    client.force_login(users["city_admin"])
    client.post(URL, ENTRY)
    client.force_login(users["auditor"])
    page = client.get(AUDIT).content.decode()
    assert page.count('data-area="parameter"') == 2 and page.count('data-area="index"') == 1
    assert "厦民〔2020〕12号" in page
    page = client.get(AUDIT, {"event": "approved"}).content.decode()
    assert page.count("<tr data-area") == 1 and "ca2" in page
    page = client.get(AUDIT, {"area": "index"}).content.decode()
    assert page.count("<tr data-area") == 1 and 'data-event="entered"' in page
    page = client.get(AUDIT, {"user": "ca2"}).content.decode()
    assert page.count("<tr data-area") == 1
    r = client.get("/rules/audit/export.xlsx", {"area": "parameter"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 3  # header + proposed + approved
    assert {row[1] for row in rows[1:]} == {"ca", "ca2"}
    assert all("厦民〔2020〕12号" in row[6] for row in rows[1:])
    for role in ("street_officer", "district_approver"):
        client.force_login(users[role])
        assert client.get(AUDIT).status_code == 403
        assert client.get("/rules/audit/export.xlsx").status_code == 403


def test_the_menu_links_the_trail_for_the_auditor_only(client, users):
    for role, shown in (("auditor", True), ("city_admin", True), ("street_officer", False)):
        client.force_login(users[role])
        assert ('href="/rules/audit/"' in client.get("/").content.decode()) is shown


def test_the_trail_has_rejections_and_filters_by_date(client, users):
    import datetime as dt

    from django.utils import timezone

    from safetynet.policy.audit import audit_trail
    from safetynet.policy.services import reject_change

    ca2 = make_user("ca2", Role.CITY_ADMIN, "350200")
    change = propose_change(
        users["city_admin"],
        name="dibao.standard",
        kind="new_value",
        effective="2020-07-01",
        value="850",
        reference_number="厦民〔2020〕12号",
        reference_date="2020-05-20",
    )
    reject_change(ca2, change.pk, "依据不足")
    rows = audit_trail(users["auditor"], event="rejected")
    assert [(r.actor, r.item, r.detail["note"]) for r in rows] == [
        ("ca2", f"#{change.pk}", "依据不足")
    ]
    today = timezone.localdate()
    assert len(audit_trail(users["auditor"], since=today, until=today)) == 2
    assert audit_trail(users["auditor"], until=today - dt.timedelta(days=1)) == []
    assert len(audit_trail(users["auditor"], text="厦民〔2020〕12号")) == 2
    client.force_login(users["auditor"])
    page = client.get(AUDIT, {"since": str(today), "event": "rejected"}).content.decode()
    assert "依据不足" in page
    with pytest.raises(Exception) as e:
        audit_trail(users["street_officer"])
    assert getattr(e.value, "code", "") == "not_permitted"


def test_the_trail_sorts_filters_and_pages(client, users, monkeypatch):
    """ADR 1038: the audit trail (rows merged from three tables) sorts by a column, keeps its
    filters in the sort links, and pages with the total."""
    from safetynet.web import lists

    ca2 = make_user("ca2", Role.CITY_ADMIN, "350200")
    change = propose_change(
        users["city_admin"],
        name="dibao.standard",
        kind="new_value",
        effective="2020-07-01",
        value="850",
        reference_number="厦民〔2020〕12号",
        reference_date="2020-05-20",
    )
    approve_change(ca2, change.pk)
    client.force_login(users["city_admin"])
    client.post(URL, ENTRY)
    client.force_login(users["auditor"])
    r = client.get(AUDIT)  # newest first
    assert [x.event for x in r.context["list"].rows] == ["entered", "approved", "proposed"]
    r = client.get(AUDIT, {"sort": "at"})
    assert [x.event for x in r.context["list"].rows] == ["proposed", "approved", "entered"]
    r = client.get(AUDIT, {"sort": "-by"})
    assert r.context["list"].rows[0].actor == "ca2"
    r = client.get(AUDIT, {"area": "parameter", "sort": "at"})
    assert [x.event for x in r.context["list"].rows] == ["proposed", "approved"]
    body = r.content.decode()
    assert 'aria-sort="ascending"' in body and "area=parameter&amp;sort=-at" in body
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    r = client.get(AUDIT, {"sort": "at", "page": "2"})
    assert [x.event for x in r.context["list"].rows] == ["entered"]
    assert "共3条 · 第2/2页" in r.content.decode()
    assert client.get("/rules/audit/export.xlsx", {"sort": "at"}).status_code == 200
