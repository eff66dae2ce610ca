"""The payroll after its draft in a real browser: a payroll prepared by the city administrator
(written as the payroll run leaves it); the preparer's own check is refused with a message; the
city finance officer checks it on the payroll page; the district approver approves the
district's part and the payroll is approved; the household page shows the line."""

import pytest
from playwright.sync_api import expect

from safetynet.accounts.models import Role
from tests.browser import SCREENSHOTS
from tests.helpers.city import make_user
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login_as(page, username):
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-for-tests-1")
    page.click("button[type=submit].primary")
    page.get_by_test_id("who").wait_for()


def test_check_and_approve_through_the_screens(page, users, registry):
    make_user("fin", Role.CITY_FINANCE, "350200")
    payroll = make_payroll("2024-05", prepared_by=users["city_admin"])
    add_line(payroll, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    add_line(payroll, person=registry.wang_fang, household=registry.zh2, amount_fen=35050)

    login_as(page, "ca")  # the preparer may not check
    page.goto(f"/payments/{payroll.pk}/")
    page.get_by_test_id("check").click()
    expect(page.locator(".messages")).to_contain_text("编制")
    expect(page.get_by_test_id("payroll-status")).to_have_text("草稿")

    login_as(page, "fin")
    page.get_by_role("link", name="发放名册").click()
    page.get_by_test_id("payroll-2024-05").get_by_role("link").click()
    expect(page.get_by_test_id("total-amount")).to_have_text("950.50")
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("payroll-status")).to_have_text("已复核")
    expect(page.get_by_test_id("approval-350203")).to_contain_text("950.50")

    login_as(page, "da")
    page.goto(f"/payments/{payroll.pk}/")
    page.get_by_test_id("approve-350203").click()
    expect(page.get_by_test_id("payroll-status")).to_have_text("已审批")
    expect(page.get_by_test_id("approval-350203")).to_contain_text("da")
    page.screenshot(path=str(SCREENSHOTS / "payroll-approved.png"), full_page=True)

    page.goto(f"/households/{registry.zh1.pk}/")
    expect(page.get_by_test_id("household-payments")).to_contain_text("600.00")
