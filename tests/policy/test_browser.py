"""In Chromium: one city officer proposes a new dibao standard, a second approves it, and the
parameters page shows it in force from its date (ADR 1400)."""

import pytest

from safetynet.accounts.models import Role
from tests.helpers.city import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_and_approve_a_new_standard(page, login, users):
    make_user("ca2", Role.CITY_ADMIN, "350200")
    login("ca")
    page.goto("/rules/parameters/")
    page.get_by_test_id("parameter-changes-link").click()
    page.fill("#id_name", "dibao.standard")
    page.select_option("#id_kind", "new_value")
    page.fill("#id_effective", "2020-07-01")
    page.fill("#id_value", "850.123")
    page.fill("#id_reference_number", "厦民〔2020〕12号")
    page.fill("#id_reference_date", "2020-05-20")
    page.get_by_test_id("propose").click()
    assert page.get_by_test_id("change-error").is_visible()  # a third decimal is refused
    page.fill("#id_value", "850")
    page.get_by_test_id("propose").click()
    row = page.get_by_test_id("proposed-changes").locator("tr[data-testid^=change-]")
    assert "800.00" in row.inner_text() and "850.00" in row.inner_text()
    assert row.locator("button[data-testid^=approve-]").count() == 0  # its author cannot approve
    page.context.clear_cookies()
    login("ca2")
    page.goto("/rules/parameters/changes/")
    page.get_by_test_id("proposed-changes").locator("button[data-testid^=approve-]").click()
    assert "850.00" in page.get_by_test_id("decided-changes").inner_text()
    page.goto("/rules/parameters/?on=2020-07-01&program=dibao")
    assert "850.00" in page.get_by_test_id("param-dibao.standard").inner_text()
    page.goto("/rules/parameters/?on=2020-06-30&program=dibao")
    assert "800.00" in page.get_by_test_id("param-dibao.standard").inner_text()
