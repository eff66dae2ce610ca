"""The home page in a real browser (ADR 1000): the counts waiting for the user, the charts drawn
by the vendored ECharts from the page's json_script data (strict CSP: the page fixture fails on
any blocked script or style), and the drill-down from the city to a district, a street and a
community's recipients."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS
from tests.helpers.city import ZHONGHUA, ZHONGHUA_C1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_charts_and_drill_down(login, registry):
    page = login("ca")  # the city administrator lands on the home page
    expect(page.locator("h1")).to_contain_text("首页")
    expect(page.get_by_test_id("waiting")).to_contain_text("逾期案件")
    for chart in ("chart-categories", "chart-divisions", "chart-trend"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-ready", "1")
    divisions = page.locator("#chart-divisions")
    expect(divisions.locator("text", has_text="湖里区")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home-city.png"), full_page=True)

    # a click on the district's name in the chart drills into its streets
    divisions.locator("text", has_text="思明区").click()
    expect(page).to_have_url(re.compile(r"\?at=350203$"))
    expect(page.get_by_test_id("drill-path")).to_contain_text("思明区")
    expect(page.locator("#chart-divisions")).to_have_attribute("data-ready", "1")
    expect(page.locator("#chart-divisions text", has_text="中华街道")).to_have_count(1)
    expect(page.locator("#chart-divisions text", has_text="湖里")).to_have_count(0)

    # the table says the same, and leads on: the street's communities, then their recipients
    page.get_by_test_id(f"drill-{ZHONGHUA}").click()
    expect(page).to_have_url(re.compile(rf"\?at={ZHONGHUA}$"))
    rows = page.get_by_test_id("division-rows")
    expect(rows).to_contain_text("测试一社区")
    rows.get_by_role("link", name="测试一社区").click()
    expect(page).to_have_url(re.compile(rf"/persons/\?division={ZHONGHUA_C1}$"))
    expect(page.locator("body")).to_contain_text("张伟")

    # back up through the drill path
    page.goto(f"/?at={ZHONGHUA}")
    page.get_by_test_id("drill-path").get_by_role("link", name="思明区").click()
    expect(page).to_have_url(re.compile(r"\?at=350203$"))
