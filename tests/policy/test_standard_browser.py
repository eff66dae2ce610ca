"""In Chromium (issue 14's proof): one city officer proposes a new dibao standard, a second
city officer approves it, and the household page shows the new amount from the effective
month. Also: the index screen flags a triggered month, and the auditor reads the trail.

The household (tests.helpers.payments.build_pay_city, PAY-1): two persons, 300 yuan wage;
dibao = standard × 2 − 300: 1,300 yuan at 800, 1,400 yuan at 850."""

import pytest

from safetynet.accounts.models import Role
from safetynet.payments.models import Payroll
from safetynet.payments.services import payroll_run, payroll_transition
from tests.helpers.city import make_user
from tests.helpers.payments import build_pay_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _approve(month, actor):
    p = Payroll.objects.get(month=month)
    payroll_transition(p, "checked", actor, "check")
    payroll_transition(p, "approved", actor, "approve")


def test_new_standard_proposed_approved_and_paid_from_its_month(page, login, users, divisions):
    city = build_pay_city()
    make_user("ca2", Role.CITY_ADMIN, "350200")
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")  # paid at 800 yuan
    _approve("2019-08", admin)

    # 1. the first city officer proposes 850 yuan from 2019-09-01
    login("ca")
    page.goto("/rules/parameters/changes/")
    page.fill("#id_name", "dibao.standard")
    page.select_option("#id_kind", "new_value")
    page.fill("#id_effective", "2019-09-01")
    page.fill("#id_value", "850")
    page.fill("#id_reference_number", "厦民〔2019〕60号")
    page.fill("#id_reference_date", "2019-08-20")
    page.get_by_test_id("propose").click()
    row = page.get_by_test_id("proposed-changes").locator("tr[data-testid^=change-]")
    assert "850.00" in row.inner_text()

    # 2. the proposer tries it on the whole city (ADR 1410), before the approval: a background
    #    run on the caseload snapshot for 2019-09 — PAY-1 dibao +100 yuan; the tekun PAY-2
    #    1.5 × 850 + 90 − 1,290 = +75; the price subsidy of the month (food +11 %) for their 3
    #    persons 3 × 11 % × 50 = +16.50: +191.50 a month — and the floor check (800 × (1 +
    #    2.4 %) = 819.20 ≤ 850: not below)
    row.locator("button[data-testid^=whatif-]").click()
    page.get_by_test_id("whatif-summary").wait_for()
    assert "191.50" in page.get_by_test_id("whatif-change").inner_text()
    assert "2,298.00" in page.get_by_test_id("whatif-change-yearly").inner_text()
    assert "819.20" in page.get_by_test_id("whatif-floor").inner_text()
    assert page.get_by_test_id("whatif-program-dibao").is_visible()
    page.locator("#whatif-cost-chart[data-ready='1']").wait_for()  # ECharts drew it
    with page.expect_download() as d:
        page.get_by_test_id("whatif-xlsx").click(no_wait_after=True)
    assert d.value.suggested_filename.endswith(".xlsx")  # the briefing (PDF: test_whatif.py)
    page.goto("/rules/parameters/changes/")
    assert (
        page.get_by_test_id("proposed-changes").locator("a[data-testid^=whatif-result-]").count()
        == 1
    )

    # 3. a second city officer approves
    page.context.clear_cookies()
    login("ca2")
    page.goto("/rules/parameters/changes/")
    page.get_by_test_id("proposed-changes").locator("button[data-testid^=approve-]").click()
    assert "850.00" in page.get_by_test_id("decided-changes").inner_text()

    # 4. the payroll of the effective month pays the new amount; the household page shows it
    payroll_run(actor=admin, month="2019-09")
    page.context.clear_cookies()
    login("ca")
    page.goto(f"/households/{city.dibao_h.pk}/")
    payments = page.get_by_test_id("household-payments").inner_text()
    lines = {ln.split("\t")[0]: ln for ln in payments.splitlines() if ln.startswith("2019-")}
    assert "1,300.00" in lines["2019-08"]  # before the effective month: untouched
    assert "1,400.00" in lines["2019-09"]  # from the effective month: 850 × 2 − 300


def test_index_entered_flagged_and_on_the_auditors_trail(page, login, users, divisions):
    login("ca")
    page.goto("/rules/indices/")
    page.fill("#id_month", "2020-06")
    page.select_option("#id_kind", "cpi")
    page.fill("#id_value", "4.5")  # the rise typed instead of the index: refused
    page.fill("#id_source", "厦门市统计局 2020年6月")
    page.get_by_test_id("enter-index").click()
    assert page.locator(".errorlist").count() >= 1
    page.fill("#id_value", "104.5")
    page.get_by_test_id("enter-index").click()
    row = page.locator('tr[data-month="2020-06"]')
    assert "104.50" in row.inner_text()
    assert "36.00" in row.get_by_test_id("trigger").inner_text()  # 800 × 4.5 %
    page.context.clear_cookies()
    login("au")
    page.goto("/rules/audit/")
    trail = page.get_by_test_id("policy-audit").inner_text()
    assert "ca" in trail and "2020-06" in trail and "厦门市统计局" in trail
    with page.expect_download() as d:
        page.get_by_test_id("audit-export").click()
    assert d.value.suggested_filename == "policy-audit.xlsx"
