"""Through Chromium: the bureau head opens the plan's dashboard, sees the targets with their
lights and charts (ECharts under the strict CSP), drills down city → 思明区 → its streets, opens
a target's page with its trend, and downloads the progress report."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from safetynet.plan import seed, services
from safetynet.plan.models import CareInstitution, CarePlacement
from safetynet.registry.models import Enrolment
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_drill_down(page, login, users, registry):
    admin = users["city_admin"]
    seed.seed_tasks(actor=admin)
    # concentrated care: 陈杰 (湖里区, tekun) cannot care for himself and is placed; 张伟 (思明区)
    # becomes a dependent tekun person at home → city 1/2, 思明区 0/1, 湖里区 1/1
    for p in (registry.chen_jie, registry.zhang_wei):
        p.selfcare_failed_items = 5
        p.save()
    Enrolment.objects.create(
        person=registry.zhang_wei,
        household=registry.zh1,
        category="tekun",
        start_date=dt.date(2018, 1, 1),
        legal_basis="x",
    )
    home = CareInstitution.objects.create(name="湖里区社会福利中心", division_id="350206", beds=5)
    CarePlacement.objects.create(
        person=registry.chen_jie, institution=home, start_on=dt.date(2018, 2, 1)
    )
    today = dt.date.today()
    month = f"{today.year:04d}-{today.month:02d}"
    services.snapshot_take(actor=admin, month=month)

    login("ca")
    page.goto("/")
    page.get_by_role("link", name="规划实施").click()
    expect(page.get_by_role("heading", name="实施方案目标完成情况")).to_be_visible()
    care = page.get_by_test_id("target-concentrated_care")
    expect(care.get_by_test_id("value")).to_contain_text("50.0%")
    expect(care.get_by_test_id("light")).to_have_text("已达标")
    homes = page.get_by_test_id("target-homes_built_total")
    expect(homes.get_by_test_id("value")).to_contain_text("暂无数据")
    expect(page.get_by_test_id("trend-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("children-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("child-350203")).to_contain_text("0.0%")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "plan-dashboard.png"), full_page=True)
    # drill down to 思明区: its streets
    page.get_by_test_id("child-350203").get_by_test_id("drill").click()
    expect(page.get_by_test_id("current-division")).to_have_text("思明区")
    expect(page.get_by_test_id("children")).to_contain_text("中华街道")
    expect(page.get_by_test_id("target-concentrated_care").get_by_test_id("light")).to_have_text(
        "未达标"
    )
    # the target's page: trend and who is behind
    page.get_by_test_id("breadcrumb").get_by_role("link", name="厦门市").click()
    expect(page.get_by_test_id("current-division")).to_have_text("厦门市")
    page.get_by_test_id("target-concentrated_care").get_by_role("link").click()
    expect(page.get_by_test_id("indicator-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("behind")).to_contain_text("思明区")
    with page.expect_download() as info:
        page.get_by_test_id("report-pdf").click()
    assert info.value.suggested_filename.endswith(".pdf")
