"""Casework end to end in a real browser: a community worker accepts a dibao application, the
street investigates (home visit by two staff) and verifies, proposes, posts the notice; the test
moves the casework clock (never sleeps) past the 7 days; the notice is closed, the district
approves and the enrolment shows on the household page. And a refusal whose decision notice PDF
is downloaded and read (pypdf) for its reasons and the rights of reconsideration and lawsuit."""

import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from safetynet.cases.models import Case
from safetynet.verification.models import QueryStatus, SourceQuery
from tests.browser import SCREENSHOTS
from tests.helpers.cases import PDF, PNG, RICH, apply, investigate
from tests.helpers.login import login_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page, action):
    """Open the action's panel (if closed) and submit its form."""
    form = page.get_by_test_id(f"form-{action}")
    if not form.is_visible():
        form.locator("xpath=..").locator("summary").click()
    form.locator("button[type=submit]").click()


def agencies_answer(case):
    """The simulated agencies answer every source of the application's verification request
    (nothing found: the declaration stands), as tests/verification does."""
    SourceQuery.objects.filter(request_id=case.verification_request_id).update(
        status=QueryStatus.ANSWERED, records=[]
    )


def test_dibao_application_to_enrolment(page, staff, family, clock):
    cw, so2 = staff["community_worker"], staff["street_officer_2"]
    # 1. the community worker accepts the application from the household page
    login_as(page, "cw")
    page.goto(f"/households/{family.household.pk}/")
    page.get_by_test_id("apply-for-household").click()
    page.select_option("#id_program", "dibao")
    page.select_option("#id_applicant", str(family.head.pk))
    page.fill(f"#id_income_{family.head.pk}_wage_fen", "500")
    page.fill("#id_financial_assets", "1000")
    page.set_input_files(
        "#id_authorization_scan",
        files=[{"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.fill("#id_signed_on", "2025-09-25")
    page.get_by_role("button", name="受理申请").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已受理")
    case = Case.objects.get()
    expect(page.get_by_test_id("case-number")).to_contain_text(case.number)
    expect(page.get_by_test_id("due-dates")).to_contain_text(case.investigation_due.isoformat())

    # 2. the street officer investigates: home visit by two staff, with a photo
    login_as(page, "so")
    page.get_by_role("link", name="救助办理").click()
    expect(page.get_by_test_id("case-rows")).to_contain_text(case.number)
    page.get_by_role("link", name=case.number).click()
    act(page, "start_investigation")
    expect(page.get_by_test_id("case-status")).to_have_text("调查核实中")
    clock.advance(3)
    page.get_by_test_id("form-record_home_visit").locator("xpath=..").locator("summary").click()
    page.fill("#id_record_home_visit-visited_on", clock().isoformat())
    page.select_option("#id_record_home_visit-staff_1", str(cw.pk))
    page.select_option("#id_record_home_visit-staff_2", str(so2.pk))
    page.fill("#id_record_home_visit-findings", "住房简陋，户主打零工，配偶无业。")
    page.set_input_files(
        "#id_record_home_visit-photos",
        files=[{"name": "家.png", "mimeType": "image/png", "buffer": PNG}],
    )
    page.get_by_test_id("form-record_home_visit").locator("button[type=submit]").click()
    expect(page.get_by_test_id("home-visit")).to_contain_text("住房简陋")

    # 3. verification: the agencies answer; the officer issues the report from the request page
    agencies_answer(case)
    page.get_by_role("link", name=case.verification_request.number).click()
    page.get_by_test_id("build-report").click()
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("report-link")).to_be_visible()

    # 4. proposal (frozen, with its trace) and the public notice
    act(page, "propose")
    expect(page.get_by_test_id("case-status")).to_have_text("已提出审核意见")
    expect(page.get_by_test_id("proposal")).to_contain_text("符合条件")
    act(page, "publish_notice")
    expect(page.get_by_test_id("case-status")).to_have_text("公示中")
    expect(page.get_by_test_id("notice-public")).to_be_visible()
    # closing during the notice: a clear message, not an error page
    act(page, "close_notice")
    expect(page.locator(".messages")).to_contain_text("公示期尚未结束")

    # 5. time moves past the 7 days (the casework clock; nothing sleeps)
    case.refresh_from_db()
    clock.set(case.notice_ends_on + dt.timedelta(days=1))
    page.goto(f"/cases/{case.pk}/")
    act(page, "close_notice")
    expect(page.get_by_test_id("case-status")).to_have_text("待审批")

    # 6. the district approver approves from the queue
    login_as(page, "da")
    page.goto("/cases/queue/")
    page.get_by_role("link", name=case.number).click()
    act(page, "approve")
    expect(page.get_by_test_id("case-status")).to_have_text("已纳入")
    expect(page.get_by_test_id("decision")).to_contain_text("已批准")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "case-approved.png"), full_page=True)

    # 7. the enrolment on the household page
    page.get_by_role("link", name=family.household.number).click()
    expect(page.get_by_test_id("enrolments")).to_contain_text("低保")
    expect(page.get_by_test_id("household-cases")).to_contain_text(case.number)


def test_refusal_notice_pdf_has_reasons_and_rights(page, staff, family, clock):
    case = apply(staff["community_worker"], family, wage=RICH)
    clock.advance(2)
    investigate(staff, case, clock)  # ineligible proposal: no public notice
    login_as(page, "so")
    page.goto(f"/cases/{case.pk}/")
    act(page, "refer_for_decision")
    expect(page.get_by_test_id("case-status")).to_have_text("待审批")

    login_as(page, "da")
    page.goto(f"/cases/{case.pk}/")
    form = page.get_by_test_id("form-refuse")
    form.locator("xpath=..").locator("summary").click()
    page.fill("#id_refuse-reasons", "家庭月人均收入高于本市低保标准")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("case-status")).to_have_text("不予批准")
    with page.expect_download() as info:
        page.get_by_test_id("notice-decision").click()
    data = Path(info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "家庭月人均收入高于本市低保标准" in text
    assert "行政复议" in text and "行政诉讼" in text
