"""The UI in a real browser: login, search, household page, jurisdiction denial, language."""

import re

import pytest
from playwright.sync_api import expect

from safetynet.registry.ids import mask_id_number
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_wrong_password_then_success(page, users):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", "so")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit].primary")
    expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码不正确。")
    page.fill("#id_password", "pass-for-tests-1")
    page.click("button[type=submit].primary")
    expect(page.get_by_test_id("who")).to_contain_text("街道（镇）经办人员")
    expect(page.get_by_test_id("who")).to_contain_text("中华街道")
    expect(page.locator("h1")).to_contain_text("首页")


def test_search_by_name_and_by_id_number(login, registry):
    page = login("so")
    page.get_by_role("link", name="查询", exact=True).click()
    box = page.locator("#id_q")
    box.press_sequentially("张")  # htmx live results, no submit
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text(registry.zh1.number)
    expect(results).to_contain_text(mask_id_number(registry.zhang_wei.id_number))
    expect(results).not_to_contain_text(registry.zhang_wei.id_number)
    expect(page).to_have_url(re.compile(r"q=%E5%BC%A0|q=张"))

    box.fill(registry.wang_fang.id_number)
    box.press("Enter")
    expect(page.get_by_test_id("search-results")).to_contain_text(registry.zh2.number)
    expect(page.get_by_test_id("search-results")).not_to_contain_text(registry.zh1.number)

    box.fill(registry.chen_jie.id_number)  # 湖里区: outside 中华街道
    box.press("Enter")
    expect(page.get_by_test_id("no-results")).to_be_visible()


def test_household_page(login, registry):
    page = login("so")
    page.goto("/search/?q=张伟")
    page.get_by_role("link", name=registry.zh1.number).click()
    expect(page.locator("h1")).to_contain_text(registry.zh1.number)
    expect(page.get_by_test_id("division-path")).to_contain_text("思明区")
    expect(page.get_by_test_id("division-path")).to_contain_text("中华街道")
    members = page.get_by_test_id("members")
    expect(members).to_contain_text("张伟")
    expect(members).to_contain_text("户主")
    expect(members).to_contain_text(re.compile(r"2级 · 肢体"))
    expect(page.get_by_test_id("enrolments")).to_contain_text("低保")
    expect(page.get_by_test_id("history")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "household.png"), full_page=True)

    members.get_by_role("link", name="张伟").click()
    expect(page.get_by_test_id("id-number")).to_have_text(registry.zhang_wei.id_number)


def test_auditor_sees_masked_id_on_person_page(login, registry, users):
    page = login("au")
    page.goto(f"/persons/{registry.zhang_wei.pk}/")
    expect(page.get_by_test_id("id-number")).to_have_text(
        mask_id_number(registry.zhang_wei.id_number)
    )


def test_jurisdiction_denial_is_a_404_page(login, registry):
    page = login("so")
    response = page.goto(f"/households/{registry.hl1.pk}/")
    assert response.status == 404
    expect(page.get_by_test_id("not-found")).to_contain_text("您的辖区内没有找到此记录")
    expect(page.locator("body")).not_to_contain_text(registry.hl1.number)
    response = page.goto(f"/persons/{registry.chen_jie.pk}/")
    assert response.status == 404


def test_huli_officer_is_denied_zhonghua(login, registry):
    page = login("hso")
    assert page.goto(f"/households/{registry.zh1.pk}/").status == 404
    assert page.goto(f"/households/{registry.hl1.pk}/").status == 200


def test_language_switch_to_english_and_back(login, registry):
    page = login("so")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Overview")
    expect(page.locator("nav.mainnav")).to_contain_text("Households")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_contain_text("首页")


def test_navigation_by_role(login, registry):
    page = login("au")
    nav = page.locator("nav.mainnav")
    expect(nav).to_contain_text("家庭")
    expect(nav).not_to_contain_text("导入")
    page.goto("/households/")
    expect(page.get_by_test_id("export")).to_be_visible()


def test_logout(login, registry):
    page = login("so")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login/"))
