"""Through Chromium: a community worker registers an affected household of a typhoon with a
photo on the event's page; the dashboard counts it, its charts draw under the strict CSP, and
the photo downloads as an attachment."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from safetynet.disaster import services
from safetynet.verification.models import AccessLog
from tests.browser import SCREENSHOTS
from tests.conftest import ZHONGHUA
from tests.helpers.cases import PNG, make_family

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_an_affected_household_with_a_photo(page, login, users, tmp_path):
    family = make_family(users["community_worker"])
    event = services.event_declare(
        actor=users["district_approver"],
        name="台风测试",
        kind="typhoon",
        occurred_on=dt.date.today() - dt.timedelta(days=3),
        division_codes=[ZHONGHUA],
    )
    photo = tmp_path / "倒塌.png"
    photo.write_bytes(PNG)
    login("cw")
    page.goto("/disaster/")
    page.get_by_role("link", name=event.number).click()
    page.fill("#id_household_number", family.household.number)
    page.select_option("#id_damage", "collapsed")
    page.fill("#id_loss", "80000.50")
    page.set_input_files("#id_photos", str(photo))
    page.get_by_test_id("affected-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("households")).to_have_text("1")
    expect(page.get_by_test_id("loss")).to_have_text("80000.50")
    expect(page.get_by_test_id("affected-table")).to_contain_text("倒塌")
    chart = page.get_by_test_id("damage-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "disaster-event.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_test_id("affected-table").get_by_role("link", name="受灾照片").click()
    assert info.value.suggested_filename.endswith(".png")
    assert AccessLog.objects.filter(user=users["community_worker"]).count() == 1
    # a wrong household number is named on its field, nothing is written
    page.fill("#id_household_number", "nope")
    page.fill("#id_loss", "1")
    page.get_by_test_id("affected-form").locator("button[type=submit]").click()
    expect(page.locator("form[data-testid=affected-form]")).to_contain_text("辖区内无此家庭")
    expect(page.get_by_test_id("households")).to_have_text("1")
