"""Through Chromium: an alarm device signals over HTTP; the emergency appears on the operator's
screen without a reload, flashes once overdue, and is assigned, reached and closed from its page.
The statistics page draws its charts under the strict CSP."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safetynet.eldercare.emergency import services
from safetynet.eldercare.emergency.models import Emergency
from safetynet.simulated.devices import DeviceClient
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_signal_over_http_appears_live_and_is_closed(page, login, live_server, users, registry):
    reg = services.device_register(
        actor=users["community_worker"], person_id=registry.zhang_wei.pk, device_id="YJT-0001"
    )
    login("cw")
    page.goto("/eldercare/emergency/")
    panel = page.get_by_test_id("emergency-panel")
    expect(panel).to_have_attribute("data-loaded", "1")
    expect(page.get_by_test_id("emergency-table")).to_contain_text("暂无未结紧急事件")
    url = page.url

    # the device presses its button: over HTTP, with its key
    status, answer = DeviceClient(live_server.url, reg.key).signal("P-1")
    assert status == 201, answer
    row = page.locator("[data-emergency-id]")
    expect(row).to_have_count(1)  # no reload: the feed brought it
    assert page.url == url
    expect(row).to_contain_text("张伟")
    expect(row).to_contain_text("一键通设备")
    expect(row).not_to_have_class("overdue")

    # nobody assigned within the limit: it flashes (the clock moved by rewriting the times)
    past = timezone.now() - dt.timedelta(minutes=16)
    Emergency.objects.update(opened_at=past, due_at=past + dt.timedelta(minutes=15))
    expect(row).to_have_class("overdue")
    expect(page.locator("[data-emergency-overdue]")).to_have_text("1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "eldercare-emergency-screen.png"), full_page=True)

    # the operator opens it: the person's address and household on the card
    row.get_by_role("link").click()
    expect(page.get_by_test_id("emergency-status")).to_have_text("待派单")
    expect(page.get_by_test_id("emergency-card")).to_contain_text("ZH-0001 号测试路")
    expect(page.get_by_test_id("emergency-card")).to_contain_text("李娜")
    form = page.get_by_test_id("assign-form")
    form.locator("select[name=responder_kind]").select_option("community_worker")
    form.locator("input[name=responder_name]").fill("王社工")
    form.locator("input[name=responder_phone]").fill("13900000000")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("emergency-status")).to_have_text("已派单")
    expect(page.get_by_test_id("emergency-responder")).to_contain_text("王社工")
    page.get_by_test_id("arrive-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("emergency-status")).to_have_text("已到场")
    close = page.get_by_test_id("close-form")
    close.locator("select[name=outcome]").select_option("helped")
    close.locator("input[name=note]").fill("扶起，无大碍")
    close.locator("button[type=submit]").click()
    expect(page.get_by_test_id("emergency-status")).to_have_text("已结案")
    expect(page.get_by_test_id("emergency-events")).to_contain_text("扶起，无大碍")
    e = Emergency.objects.get()
    assert e.status == "closed" and e.outcome == "helped" and e.responder_name == "王社工"

    # back on the screen: no open emergency, the closed one listed
    page.goto("/eldercare/emergency/")
    expect(page.get_by_test_id("emergency-table")).to_contain_text("暂无未结紧急事件")
    expect(page.get_by_test_id("closed-table")).to_contain_text(e.number)


def test_statistics_charts_draw(page, login, users, registry):
    services.emergency_open_by_phone(actor=users["street_officer"], person_id=registry.zhang_wei.pk)
    login("so")
    page.goto("/eldercare/emergency/statistics/")
    expect(page.get_by_test_id("street-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("month-chart")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("stats-streets")).to_contain_text("中华街道")
