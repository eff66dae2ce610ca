"""The payroll after its draft in a real browser: the city administrator prepares August 2019's
payroll (the `payroll_run` service, on the small pay city: lines in 思明区 and 湖里区); the
preparer's own check is refused with a message; the city finance officer checks it on the
payroll page; each district approver approves the district's part, the payroll is approved after
the second; the household page shows what was paid."""

import pytest
from playwright.sync_api import expect

from safetynet.accounts.models import Role
from safetynet.payments.models import PaymentLine
from safetynet.payments.services import payroll_run
from safetynet.rules.money import yuan
from tests.browser import SCREENSHOTS
from tests.helpers.city import make_user
from tests.helpers.login import login_as
from tests.helpers.payments import build_pay_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_check_and_approve_through_the_screens(page, users):
    make_user("fin", Role.CITY_FINANCE, "350200")
    make_user("hda", Role.DISTRICT_APPROVER, "350206")
    city = build_pay_city()
    report = payroll_run(actor=users["city_admin"], month="2019-08")
    payroll = report.payroll
    siming = sum(
        x.amount_fen
        for x in PaymentLine.objects.filter(payroll=payroll, division__code__startswith="350203")
    )

    login_as(page, "ca")  # the preparer may not check
    page.goto(f"/payments/{payroll.pk}/")
    page.get_by_test_id("check").click()
    expect(page.locator(".messages")).to_contain_text("编制发放名册的人员不得复核该名册")
    expect(page.get_by_test_id("payroll-status")).to_have_text("草稿")

    login_as(page, "fin")
    page.get_by_role("link", name="发放名册").click()
    page.get_by_test_id("payroll-2019-08").get_by_role("link").click()
    expect(page.get_by_test_id("total-amount")).to_have_text(yuan(report.amount_fen))
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("payroll-status")).to_have_text("已复核")
    expect(page.get_by_test_id("approval-350203")).to_contain_text(yuan(siming))

    login_as(page, "da")
    page.goto(f"/payments/{payroll.pk}/")
    expect(page.get_by_test_id("approve-350206")).to_have_count(0)  # not 思明's
    page.get_by_test_id("approve-350203").click()
    expect(page.get_by_test_id("payroll-status")).to_have_text("已复核")
    expect(page.get_by_test_id("approval-350203")).to_contain_text("da")

    login_as(page, "hda")
    page.goto(f"/payments/{payroll.pk}/")
    page.get_by_test_id("approve-350206").click()
    expect(page.get_by_test_id("payroll-status")).to_have_text("已审批")
    page.screenshot(path=str(SCREENSHOTS / "payroll-approved.png"), full_page=True)

    page.goto(f"/households/{city.elder_h.pk}/")
    expect(page.get_by_test_id("household-payments")).to_contain_text("2019-08")
