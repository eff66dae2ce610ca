"""The bank part of issue 9's flow in a real browser: a payroll prepared (as the run leaves it),
checked and approved on the screens; the finance officer makes the bank files and downloads one;
the simulated bank answers with a failure (a name the bank does not know); the result upload
shows it failed and pending a correction; the street officer fixes the account; the next
payroll's file pays it — once."""

import pytest
from playwright.sync_api import expect

from safetynet.accounts.models import Role
from safetynet.payments.models import BankFileEntry, PaymentLine
from safetynet.simulated.banks.bank import BankBehaviour, Fault, SimulatedBank
from safetynet.simulated.banks.server import answer_payment_file
from tests.browser import SCREENSHOTS
from tests.helpers.banks import set_account
from tests.helpers.city import make_user
from tests.helpers.login import login_as
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZW, WF = "6222000000000000001", "6227000000000000002"
BANK = SimulatedBank(
    {("CCB", WF): Fault("name_mismatch", "王芳")}, BankBehaviour(failure_rate=0, late_rate=0)
)


def make_and_answer(page, payroll, tmp_path, tag) -> list:
    """On the payroll's bank page: make the CSV files, download each, let the bank answer."""
    page.goto(f"/payments/banks/payrolls/{payroll.pk}/")
    page.select_option("#id_format", "csv")
    page.get_by_test_id("make-files").click()
    expect(page.locator(".messages")).to_contain_text("已生成")
    results = []
    for link in page.locator("[data-testid^=download-]").all():
        with page.expect_download() as d:
            link.click()
        path = tmp_path / f"{tag}-{d.value.suggested_filename}"
        d.value.save_as(path)
        for name, data, _n in answer_payment_file(BANK, path.read_bytes()):
            out = tmp_path / f"{tag}-{name}"
            out.write_bytes(data)
            results.append(str(out))
    return results


def test_bank_files_results_fix_and_pay_next_run(page, users, registry, tmp_path):
    make_user("fin", Role.CITY_FINANCE, "350200")
    set_account(users["city_admin"], registry.zhang_wei, ZW)
    set_account(users["city_admin"], registry.wang_fang, WF, bank="CCB", holder="王芬")
    may = make_payroll("2024-05", prepared_by=users["city_admin"])
    add_line(may, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    wf_line = add_line(may, person=registry.wang_fang, household=registry.zh2, amount_fen=35050)

    login_as(page, "fin")  # check
    page.goto(f"/payments/{may.pk}/")
    page.get_by_test_id("check").click()
    expect(page.get_by_test_id("payroll-status")).to_have_text("已复核")
    login_as(page, "da")  # approve
    page.goto(f"/payments/{may.pk}/")
    page.get_by_test_id("approve-350203").click()
    expect(page.get_by_test_id("payroll-status")).to_have_text("已审批")

    login_as(page, "fin")  # bank files out, results in
    page.get_by_role("link", name="银行代发").click()
    page.get_by_test_id("bank-payroll-2024-05").get_by_role("link").first.click()
    results = make_and_answer(page, may, tmp_path, "may")
    expect(page.get_by_test_id("file-CCB")).to_contain_text("350.50")
    page.set_input_files("input[name=files]", results)
    page.get_by_test_id("upload-results").click()
    expect(page.locator(".messages")).to_contain_text("成功 1 笔，失败 1 笔")
    expect(page.get_by_test_id("rec-total")).to_contain_text("350.50")  # failed (yuan)
    expect(page.get_by_test_id("rec-CCB")).to_contain_text("350.50")
    page.screenshot(path=str(SCREENSHOTS / "bank-reconciliation.png"), full_page=True)
    page.get_by_role("link", name="支付失败").first.click()
    expect(page.get_by_test_id(f"failed-{wf_line.pk}")).to_contain_text("户名与账户不符")

    login_as(page, "so")  # the street officer corrects the holder's name
    page.goto("/payments/banks/failed/")
    page.get_by_test_id(f"fix-{wf_line.pk}").click()
    page.fill("#id_holder_name", "王芳")
    page.get_by_test_id("save-account").click()
    expect(page.get_by_test_id(f"corrected-{wf_line.pk}")).to_be_visible()

    # the next month's payroll, approved, carries the corrected line
    june = make_payroll("2024-06", prepared_by=users["city_admin"], status="approved")
    add_line(june, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    login_as(page, "fin")
    results = make_and_answer(page, june, tmp_path, "june")
    expect(page.get_by_test_id("file-CCB")).to_contain_text("350.50")
    page.set_input_files("input[name=files]", results)
    page.get_by_test_id("upload-results").click()
    expect(page.locator(".messages")).to_contain_text("成功 2 笔，失败 0 笔")
    page.goto("/payments/banks/failed/")
    expect(page.get_by_test_id("failed-lines")).to_contain_text("没有支付失败的记录")
    wf_line.refresh_from_db()
    assert wf_line.status == "paid"
    assert BankFileEntry.objects.filter(line=wf_line, result="paid").count() == 1
    assert PaymentLine.objects.filter(status="paid").count() == 3
