"""Through Chromium: the city allocates a budget on the page, the execution chart draws under
the strict CSP (ECharts from the vendored file, data from json_script), the auditor downloads
a district's statement."""

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS
from tests.helpers.funds import SIMING, book_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_budget_entry_chart_and_statement(page, login, users):
    book_year(users["city_admin"])
    login("ca")
    page.goto("/funds/budgets/?year=2026")
    page.select_option("#id_program", "tekun")
    page.select_option("#id_level", "district")
    page.select_option("#id_district", SIMING)
    page.fill("#id_amount", "2500.50")
    page.get_by_test_id("budget-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("budget-table")).to_contain_text("2500.50")
    page.goto("/funds/?year=2026")
    chart = page.get_by_test_id("execution-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    expect(chart.locator("svg")).to_have_count(1)
    expect(page.get_by_test_id("execution-table")).to_contain_text("8.4%")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "funds-execution.png"), full_page=True)
    page.goto(f"/funds/statements/?month=2026-04&district={SIMING}")
    expect(page.get_by_test_id("statement-levels")).to_contain_text("720.00")
    with page.expect_download() as info:
        page.get_by_test_id("statement-xlsx").click()
    assert info.value.suggested_filename == f"fund-statement-{SIMING}-2026-04.xlsx"
