"""End to end in Chromium: a caseworker opens a request for a household, sees the automatic
sources answer within seconds, imports a manual source's response file, and downloads the PDF."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from safetynet.simulated.agencies.manual import answer_request_file
from safetynet.verification.models import Report, VerificationRequest
from safetynet.verification.sources.catalog import automatic_sources
from tests.browser import SCREENSHOTS
from tests.helpers.login import login_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer_manual(page, agency_city, source, tmp_path):
    with page.expect_download() as dl:
        page.get_by_test_id(f"download-{source}").click()
    request_file = tmp_path / f"{source}-request.xlsx"
    dl.value.save_as(request_file)
    name, content, _ = answer_request_file(city=agency_city, content=request_file.read_bytes())
    response_file = tmp_path / name
    response_file.write_bytes(content)
    form = page.get_by_test_id(f"upload-{source}")
    form.locator("input[type=file]").set_input_files(str(response_file))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id(f"source-{source}")).to_have_attribute("data-status", "answered")


def test_caseworker_verifies_a_household(
    page, agencies, agency_city, caseworker, city_facts, tmp_path
):
    c = city_facts.honest
    login_as(page, caseworker.username)
    page.goto(f"/households/{c.household_id}/")
    open_url = f"/verification/households/{c.household_id}/open/"
    link = page.locator(f'a[href="{open_url}"]')
    if link.count():
        link.first.click()
    else:  # until the household page links here
        page.goto(open_url)
    expect(page.locator("h1")).to_contain_text("核对")
    page.select_option("#id_purpose", "periodic_review")
    page.select_option("#id_program", "dibao")
    page.fill("#id_month", "2020-06")
    page.set_input_files(
        "#id_authorization_scan",
        files=[{"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed"}],
    )
    page.select_option("#id_signed_by", str(c.head["person_id"]))
    page.fill("#id_signed_on", "2020-06-01")
    for pid, income in c.declared_income.items():
        for kind, fen in income.items():
            page.fill(f"#id_income_{pid}_{kind}", f"{fen / 100:.2f}")
    page.fill("#id_financial_assets", f"{c.household['declared_financial_assets_fen'] / 100:.2f}")
    page.fill("#id_homes", str(c.household["declared_homes"]))
    page.get_by_role("button", name=re.compile("开启|Open")).click()

    # Automatic sources answer within seconds.
    sources = page.get_by_test_id("sources")
    for s in automatic_sources():
        expect(sources.get_by_test_id(f"source-{s.code}")).to_have_attribute(
            "data-status", "answered", timeout=10_000
        )
    number = VerificationRequest.objects.get().number
    expect(page.locator("h1")).to_contain_text(number)

    # The manual sources: download the request file, import the agency's answer.
    _answer_manual(page, agency_city, "tax", tmp_path)
    _answer_manual(page, agency_city, "securities", tmp_path)

    page.get_by_test_id("build-report").click()
    report = Report.objects.get()
    expect(page.get_by_test_id("report-number")).to_have_text(report.number)
    expect(page.get_by_test_id("report-conclusion")).to_contain_text("符合条件")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "verification-report.png"), full_page=True)

    with page.expect_download() as dl:
        page.get_by_test_id("download-pdf").click()
    pdf_path = tmp_path / "report.pdf"
    dl.value.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "家庭经济状况核对报告" in text and report.number in text
