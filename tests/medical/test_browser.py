"""Through Chromium: the city administrator finds a hospital's settlement, the person's annual
room, then makes the month's hospital statement and downloads it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetynet.medical import services
from safetynet.medical.models import Settlement
from tests.helpers.institutions import make_institution
from tests.helpers.medical import settle_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_settlement_room_and_statement(page, login, users, registry):
    hospital = make_institution("H350203001", "hospital", name="厦门市第一医院")
    services.settlement_create(hospital=hospital, data=settle_body(registry.zhang_wei, "JS-1"))
    Settlement.objects.update(settled_at=timezone.make_aware(dt.datetime(2019, 7, 15, 10)))
    login("ca")
    page.get_by_role("link", name="医疗救助").first.click()
    page.select_option("#hospital", "H350203001")
    page.fill("#month", "2019-07")
    page.get_by_role("button", name="筛选").click()
    table = page.get_by_test_id("settlements-table")
    expect(table).to_contain_text("JS-1")
    expect(table).to_contain_text("600.00")
    table.get_by_role("link", name="张伟").click()
    expect(page.get_by_test_id("annual-room")).to_contain_text("99400.00")
    page.get_by_role("link", name="医院清算单").click()
    page.fill("#act-month", "2019-07")
    page.get_by_role("button", name="生成本月清算单").click()
    expect(page.get_by_test_id("statements-table")).to_contain_text("600.00")
    with page.expect_download() as info:
        page.get_by_test_id("statements-table").get_by_role("link", name="Excel").click()
    assert info.value.suggested_filename == "statement-H350203001-2019-07.xlsx"
