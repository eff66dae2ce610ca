"""The funds screens and API: who sees what, budgets and income entered through the pages, the
statement downloads, the chart's data handed over by json_script (no inline script)."""

import json

import pytest

from safetynet.funds.models import Budget, FundIncome
from tests.helpers.funds import HULI, SIMING, book_year

pytestmark = pytest.mark.django_db
PASSWORD = "pass-for-tests-1"


def _client(client, user):
    client.force_login(user)
    return client


def test_execution_page_hands_the_chart_its_data_without_inline_script(client, users):
    book_year(users["city_admin"])
    page = _client(client, users["auditor"]).get("/funds/?year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="execution-data" type="application/json"' in html
    assert "vendor/echarts/echarts.min.js" in html and "funds/execution.js" in html
    data = json.loads(html.split('id="execution-data" type="application/json">')[1].split("<")[0])
    assert "10000.00" in data["budget"] and "840.00" in data["spent"]
    # every script is a file (strict CSP); the one without src is the JSON data block
    assert html.count("<script") == html.count("<script src=") + 1


def test_who_sees_the_funds_screens(client, users):
    book_year(users["city_admin"])
    for role, code in [
        ("street_officer", 403),
        ("community_worker", 403),
        ("auditor", 200),
        ("district_approver", 200),
        ("city_admin", 200),
    ]:
        client.force_login(users[role])
        for url in (
            "/funds/",
            "/funds/journal/",
            "/funds/budgets/",
            "/funds/income/",
            "/funds/statements/",
        ):
            assert client.get(url).status_code == code, (role, url)
    client.force_login(users["district_approver"])
    page = client.get(f"/funds/statements/?month=2026-03&district={HULI}")
    assert page.status_code == 200 and "statement-levels" not in page.content.decode()
    assert client.get(f"/funds/statements/?month=2026-03&district={SIMING}").status_code == 200


def test_city_allocates_budgets_and_records_income_on_the_pages(client, users):
    c = _client(client, users["city_admin"])
    r = c.post(
        "/funds/budgets/?year=2026",
        {
            "year": 2026,
            "program": "dibao",
            "level": "district",
            "district": SIMING,
            "amount": "1234.56",
        },
    )
    assert r.status_code == 302
    assert Budget.objects.get(level="district").amount_fen == 123456
    r = c.post(
        "/funds/budgets/",
        {"year": 2026, "program": "dibao", "level": "city", "district": "", "amount": "1.234"},
    )
    assert r.status_code == 200 and "两位小数" in r.content.decode()
    r = c.post(
        "/funds/income/",
        {
            "kind": "donation",
            "on": "2026-02-01",
            "amount": "500",
            "payer": "某基金会",
            "receipt": "JZ-9",
            "memo": "",
        },
    )
    assert r.status_code == 302 and FundIncome.objects.get().amount_fen == 50000
    # the auditor reads, never writes
    client.force_login(users["auditor"])
    r = client.post(
        "/funds/income/",
        {"kind": "donation", "on": "2026-02-01", "amount": "5", "payer": "x", "receipt": "JZ-10"},
    )
    assert r.status_code == 403 and FundIncome.objects.count() == 1


def test_statement_downloads(client, users):
    book_year(users["city_admin"])
    c = _client(client, users["district_approver"])
    r = c.get(f"/funds/statements/?month=2026-04&district={SIMING}&format=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "attachment" in r["Content-Disposition"]
    r = c.get(f"/funds/statements/?month=2026-04&district={SIMING}&format=pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")


def test_journal_and_entry_pages(client, users):
    out = book_year(users["city_admin"])
    c = _client(client, users["auditor"])
    page = c.get("/funds/journal/?kind=approval")
    assert page.status_code == 200 and "approval:payroll:1" in page.content.decode()
    entry = c.get(f"/funds/journal/{out['failed'].pk}/")
    assert "Assets:Clearing:Bank" in entry.content.decode()
    # Siming's approver does not see an entry touching only Huli
    client.force_login(users["district_approver"])
    assert client.get(f"/funds/journal/{out['failed'].pk}/").status_code == 404


def test_api_reads(client, users):
    out = book_year(users["city_admin"])
    c = _client(client, users["auditor"])
    rows = c.get("/api/funds/execution/?year=2026").json()
    assert {
        "program": "tekun",
        "level": "city",
        "district": "",
        "budget_fen": 500000,
        "spent_fen": 50000,
        "rate_percent": "10.0%",
    } in rows
    journal = c.get("/api/funds/journal/?kind=write_off").json()
    assert [e["source"] for e in journal["results"]] == ["write_off:recovery:1"]
    entry = c.get(f"/api/funds/journal/{out['approval'].pk}/").json()
    assert sum(p["amount_fen"] for p in entry["postings"]) == 0
    stmt = c.get(f"/api/funds/statement/?month=2026-03&district={HULI}").json()
    assert stmt["programs"][0]["failed_fen"] == 20000
    assert c.get("/api/funds/statement/?month=2026-3&district=350206").status_code == 400
    client.force_login(users["street_officer"])
    r = client.get("/api/funds/execution/")
    assert r.status_code == 403 and r.json()["code"] == "not_permitted"


def test_journal_and_income_sort_filter_page_and_pick_a_district(client, users, monkeypatch):
    """ADR 1036: the journal and the income on the list component."""
    from safetynet.web import lists

    out = book_year(users["city_admin"])
    c = _client(client, users["auditor"])
    r = c.get("/funds/journal/", {"sort": "id"})
    ids = [e.pk for e in r.context["list"].rows]
    assert ids == sorted(ids) and r.context["list"].page.paginator.count == len(ids)
    r = c.get("/funds/journal/", {"sort": "-id"})
    assert [e.pk for e in r.context["list"].rows] == sorted(ids, reverse=True)
    body = r.content.decode()
    assert 'data-testid="division-picker"' in body and 'data-testid="pager"' in body
    r = c.get("/funds/journal/", {"q": "recovery:1:refund"})
    assert [e.pk for e in r.context["list"].rows] == [out["refund"].pk]
    r = c.get("/funds/journal/", {"district": HULI})  # the failed line's entry touches Huli only
    huli = {e.pk for e in r.context["list"].rows}
    assert out["failed"].pk in huli and out["write_off"].pk not in huli
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    r = c.get("/funds/journal/", {"sort": "id", "page": "2"})
    assert [e.pk for e in r.context["list"].rows] == ids[2:4]
    assert r.context["list"].page.paginator.num_pages == (len(ids) + 1) // 2
    monkeypatch.setattr(lists, "PAGE_SIZE", 50)
    r = c.get("/funds/income/", {"sort": "amount"})
    amounts = [x.amount_fen for x in r.context["list"].rows]
    assert amounts == sorted(amounts) and 8_000_000 in amounts
    r = c.get("/funds/income/", {"q": "福彩"})
    assert [x.amount_fen for x in r.context["list"].rows] == [8_000_000]
    assert 'data-testid="pager"' in r.content.decode()
