"""Confirming a no-application list in a real browser: the street officer opens 无需申请名单
from the workbench, generates the month's lists, opens the age-allowance list, excludes one
person with the reason and confirms; the list reads 已确认 and the other person is enrolled."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from safetynet.cases.dynamic_models import ProposalEntry, ProposalList
from safetynet.registry.models import Enrolment
from tests.browser import SCREENSHOTS
from tests.helpers.dynamic import make_elders
from tests.helpers.login import login_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_street_officer_confirms_the_age_allowance_list(page, staff, clock):
    _fam, turning, ninety = make_elders(staff["community_worker"])
    clock.set(dt.date(2025, 11, 3))
    login_as(page, "so")
    page.get_by_role("link", name="救助办理").click()
    page.get_by_test_id("nav-lists").click()
    page.get_by_role("button", name="生成 2025-11 名单").click()
    expect(page.locator("body")).to_contain_text("已生成 2025-11 名单")
    page.get_by_role("link", name="高龄津贴").first.click()
    entries = page.get_by_test_id("entries")
    expect(entries).to_contain_text("郑八十")
    expect(page.get_by_test_id(f"entry-{turning.pk}")).to_contain_text("100.00")
    expect(page.get_by_test_id(f"entry-{ninety.pk}")).to_contain_text("200.00")
    row = page.get_by_test_id(f"entry-{ninety.pk}")
    row.locator("input[type=checkbox]").check()
    page.get_by_role("button", name="确认名单").click()
    # the reason is missing: the page says so and nothing is confirmed
    expect(page.get_by_text("请填写排除原因。")).to_be_visible()
    assert ProposalList.objects.get(kind="age_allowance").status == "proposed"
    row = page.get_by_test_id(f"entry-{ninety.pk}")
    row.locator("input[type=checkbox]").check()
    row.locator("input[type=text]").fill("户籍已迁出")
    page.get_by_role("button", name="确认名单").click()
    expect(page.get_by_test_id("list-status")).to_have_text("已确认")
    expect(page.get_by_test_id(f"entry-{ninety.pk}")).to_contain_text("户籍已迁出")
    page.screenshot(path=str(SCREENSHOTS / "cases-proactive-list.png"), full_page=True)
    assert ProposalEntry.objects.get(person=ninety).outcome == "excluded"
    assert Enrolment.objects.filter(person=turning, category="elderly_80").exists()
