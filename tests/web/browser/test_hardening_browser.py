"""Web hardening in a real browser: the lockout page, and pages whose scripts and styles must run
under the strict Content-Security-Policy (the page fixture fails on any CSP violation)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sixth_try_shows_the_chinese_lockout_page(page, users):
    page.goto("/login/")
    for _ in range(5):
        page.fill("#id_username", "so")
        page.fill("#id_password", "wrong-password")
        page.click("button[type=submit].primary")
        if page.get_by_test_id("locked-out").count():
            break
    page.goto("/login/")
    page.fill("#id_username", "so")
    page.fill("#id_password", "pass-for-tests-1")
    page.click("button[type=submit].primary")
    locked = page.get_by_test_id("locked-out")
    expect(locked).to_contain_text("登录已锁定")
    expect(locked).to_contain_text("15 分钟后重试")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_swagger_ui_runs_under_the_csp(login, registry):
    page = login("ca")
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .title")).to_contain_text("SafetyNet API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()


def test_verification_home_and_live_search_under_the_csp(login, registry):
    page = login("so")
    page.goto("/verification/")
    expect(page.get_by_test_id("coverage")).to_be_visible()
    page.goto("/search/")
    page.locator("#id_q").press_sequentially("张")
    expect(page.get_by_test_id("search-results")).to_contain_text(registry.zh1.number)
