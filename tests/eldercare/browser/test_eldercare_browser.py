"""Through Chromium (issue 12): a relative calls 12349, the operator finds the elderly person by
the caller's number and creates the order in one step; the provider's staff accept it, report it
done and settle it against the card on their portal; the operator's visit back records the
rating, which lands on the order and in the statistics (ECharts drawn under the strict CSP)."""

import pytest
from playwright.sync_api import expect

from safetynet.eldercare import services
from safetynet.eldercare.models import CreditAccount, ServiceOrder
from tests.browser import SCREENSHOTS
from tests.eldercare.helpers import admitted_provider, operator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_call_makes_an_order_the_provider_completes_it_and_the_rating_lands(
    page, login, users, registry
):
    admin, cw = users["city_admin"], users["community_worker"]
    op = operator()
    provider = admitted_provider(admin)
    services.provider_staff_add(
        actor=admin, provider_id=provider.pk, username="ludao-1",
        password="pass-for-tests-1", last_name="周", first_name="敏",
    )  # fmt: skip
    zw = registry.zhang_wei
    services.profile_update(actor=cw, person_id=zw.pk, living_situation="alone")
    services.contact_add(actor=cw, person_id=zw.pk, name="张丽", phone="13900000002",
                         relation="child")  # fmt: skip
    services.credit_grant_month(actor=admin, month="2026-12")
    card = services.card_issue(actor=op, person_id=zw.pk)

    # the operator: the caller's number finds 张伟 through his daughter; one step makes the order
    login(op.username)
    page.goto("/eldercare/")
    page.get_by_test_id("lookup-q").fill("139 0000 0002")
    page.get_by_role("button", name="查找").click()
    found = page.get_by_test_id("found")
    expect(found).to_contain_text("张伟")
    expect(found).to_contain_text("来电人为张丽（子女）")
    found.get_by_test_id("call-item").select_option("bathing")
    found.get_by_test_id("call-submit").click()
    expect(page.locator(".messages")).to_contain_text("已登记来电，并创建工单")
    order = ServiceOrder.objects.get()
    expect(page.get_by_test_id("open-orders")).to_contain_text(order.number)
    expect(page.get_by_test_id("open-orders")).to_contain_text("已派单")

    # the provider's staff on their portal: accept, done, settle against the card
    login("ludao-1")
    page.goto("/eldercare/portal/")
    row = page.get_by_test_id(f"portal-order-{order.number}")
    row.get_by_test_id("accept").click()
    row = page.get_by_test_id(f"portal-order-{order.number}")
    row.get_by_test_id("done-staff").fill("周敏")
    row.get_by_test_id("done").click()
    row = page.get_by_test_id(f"portal-order-{order.number}")
    row.get_by_test_id("settle-card").fill(card.number)
    row.get_by_test_id("settle").click()
    expect(page.get_by_test_id(f"portal-order-{order.number}")).to_contain_text("已结算")
    assert CreditAccount.objects.get(person=zw).balance_fen == 20000 - 8000

    # the operator visits back and rates; the rating lands on the order and in the statistics
    login(op.username)
    page.goto(f"/eldercare/orders/{order.pk}/")
    page.get_by_test_id("visit-rating").select_option("4")
    page.get_by_test_id("visit-submit").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已回访")
    expect(page.get_by_test_id("order-rating")).to_contain_text("4")
    page.goto("/eldercare/stats/")
    expect(page.get_by_test_id("stat-rating")).to_have_text("4.0")
    expect(page.get_by_test_id("item-chart")).to_have_attribute("data-ready", "1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "eldercare-stats.png"), full_page=True)
