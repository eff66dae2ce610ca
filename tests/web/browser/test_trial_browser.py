"""The trial calculation in a real browser: from the household page, the form prefilled with the
members by name, incomes typed in yuan, the results and the trace in Chinese (ADR 1011)."""

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_trial_calculation_from_the_household_page(login, registry):
    page = login("so")
    page.goto(f"/households/{registry.zh1.pk}/")
    page.get_by_test_id("trial-from-household").click()
    expect(page.locator("h1")).to_contain_text("试算：张伟户")
    members = page.get_by_test_id("trial-members")
    expect(members.locator('input[name="m-0-name"]')).to_have_value("张伟")
    expect(members.locator('input[name="m-1-name"]')).to_have_value("李娜")
    expect(members.locator('input[name="m-2-name"]')).to_have_value("张小明")
    page.fill("#id_month", "2019-07")
    page.fill('input[name="m-0-pension"]', "300")
    page.fill('input[name="m-2-wage"]', "500.50")
    page.get_by_role("button", name="计算").click()
    dibao = page.get_by_test_id("result-dibao")
    # 3 × 800 yuan − (300 + 500.50) yuan
    expect(dibao).to_contain_text("1,599.50")
    expect(dibao).to_contain_text("符合条件")
    expect(dibao).to_contain_text("最低生活保障（低保）")
    trace = page.get_by_test_id("trace-dibao")
    expect(trace).to_contain_text("城乡低保标准（每人每月）：800.00 元（自 2019-07-01 起施行")
    expect(trace).to_contain_text("家庭月计算收入：800.50 元")
    expect(page.get_by_test_id("trial-result")).not_to_contain_text("ELIGIBLE")
    # the form keeps what was typed, for the next try
    expect(page.locator('input[name="m-2-wage"]')).to_have_value("500.50")
    page.screenshot(path=SCREENSHOTS / "trial-from-household.png", full_page=True)


def test_members_are_added_and_removed_on_the_page(login, registry):
    """ADR 1034: 添加家庭成员 adds a row (the script), 删除 hides one and leaves it out:
    张伟 (pension 300), 李娜 and a new child, 张小明 removed: 3 × 800 − 300 = 2,100.00 yuan."""
    page = login("so")
    page.goto(f"/rules/calculate/?household={registry.zh1.pk}")
    page.fill("#id_month", "2019-07")
    page.fill('input[name="m-0-pension"]', "300")
    page.fill('input[name="m-2-wage"]', "500.50")
    total = page.locator('input[name="m-TOTAL_FORMS"]')
    before = int(total.input_value())
    page.get_by_test_id("trial-add-member").click()
    n = before
    expect(total).to_have_value(str(before + 1))
    page.fill(f'input[name="m-{n}-name"]', "张小红")
    page.select_option(f'select[name="m-{n}-relation"]', "child")
    page.select_option(f'select[name="m-{n}-sex"]', "F")
    page.fill(f'input[name="m-{n}-birth_date"]', "2015-01-01")
    page.check('input[name="m-2-DELETE"]')
    expect(page.locator('input[name="m-2-name"]')).to_be_hidden()
    page.get_by_role("button", name="计算").click()
    expect(page.get_by_test_id("result-dibao")).to_contain_text("2,100.00")
