"""The payroll workflow books the ledger: a district's approval refused while its budget would
be exceeded until the city's override, the approved payroll's entry split by the lines' funding
shares, a detected overpayment's receivable and its write-off. Amounts computed by hand."""

import pytest

from safetynet.accounts.models import Role
from safetynet.core.errors import ServiceError
from safetynet.funds import services as fs
from safetynet.funds.models import JournalEntry
from safetynet.funds.selectors import account_balances, trial_balance, unbalanced_entries
from safetynet.payments import approval
from safetynet.payments.flow_models import Recovery
from safetynet.payments.recoveries import recoveries_detect, recovery_write_off
from tests.helpers.city import make_user
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = pytest.mark.django_db
SIMING, HULI = "350203", "350206"


@pytest.fixture
def people(users):
    return {
        **users,
        "finance": make_user("fin", Role.CITY_FINANCE, "350200"),
        "city2": make_user("ca2", Role.CITY_ADMIN, "350200"),
        "huli_approver": make_user("hda", Role.DISTRICT_APPROVER, HULI),
    }


def _legs(source):
    entry = JournalEntry.objects.get(source=source)
    return {(p.account.code, p.district, p.amount_fen) for p in entry.postings.all()}


def test_budget_override_then_approval_books_the_payroll(registry, people):
    ca = people["city_admin"]
    p = make_payroll("2024-05", prepared_by=ca)
    # 思明 dibao 600.00 + 350.50 (half city, half district), 湖里 tekun 1,080.00, five elders
    # (city-paid) 500.00
    add_line(p, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    add_line(p, person=registry.wang_fang, household=registry.zh2, amount_fen=35050)
    add_line(p, person=registry.chen_jie, household=registry.hl1, program="tekun",
             amount_fen=108000)  # fmt: skip
    add_line(p, person=registry.zhang_wei, program="five_elders", amount_fen=50000)
    big = 10_000_000
    for program, level, district, amount in [
        ("dibao", "city", "", big), ("dibao", "district", SIMING, 40_000),
        ("tekun", "city", "", big), ("tekun", "district", HULI, big),
        ("five_elders", "city", "", big),
    ]:  # fmt: skip
        fs.budget_allocate(actor=ca, year=2024, program=program, level=level,
                           district=district, amount_fen=amount)  # fmt: skip
    approval.payroll_check(actor=people["finance"], payroll_id=p.pk)
    # 思明's dibao share is 300.00 + 175.25 = 475.25 yuan against a budget of 400.00
    with pytest.raises(ServiceError) as exc:
        approval.payroll_approve(actor=people["district_approver"], payroll_id=p.pk)
    assert exc.value.code == "budget_exceeded"
    [short] = fs.budget_check(p)
    assert (short.program, short.level, short.district, short.over_fen) == (
        "dibao", "district", SIMING, 7_525)  # fmt: skip
    fs.budget_override(actor=ca, payroll=p, reason="年中追加预算已报批")
    approval.payroll_approve(actor=people["district_approver"], payroll_id=p.pk)
    approval.payroll_approve(actor=people["huli_approver"], payroll_id=p.pk, scope=HULI)
    assert not JournalEntry.objects.filter(kind="approval").exists()  # not before the last
    approval.payroll_approve(actor=people["city2"], payroll_id=p.pk, scope="city")
    p.refresh_from_db()
    assert p.status == "approved"
    assert _legs(f"approval:payroll:{p.pk}") == {
        ("Expenses:Benefits:City:Dibao", SIMING, 47_525),
        (f"Expenses:Benefits:District:D{SIMING}:Dibao", SIMING, 47_525),
        ("Expenses:Benefits:City:Tekun", HULI, 54_000),
        (f"Expenses:Benefits:District:D{HULI}:Tekun", HULI, 54_000),
        ("Expenses:Benefits:City:FiveElders", SIMING, 50_000),
        ("Liabilities:Payable:Dibao", SIMING, -95_050),
        ("Liabilities:Payable:Tekun", HULI, -108_000),
        ("Liabilities:Payable:FiveElders", SIMING, -50_000),
    }
    assert trial_balance() == 0 and unbalanced_entries() == []


def test_overpayment_and_write_off_are_booked(registry, people):
    ca = people["city_admin"]
    p = make_payroll("2020-01", prepared_by=ca, status="closed")
    # 王芳's low-income benefit paid after her enrolment ended: 500.00, half city half district
    stopped = add_line(p, person=registry.wang_fang, household=registry.zh2,
                       program="low_income", amount_fen=50000, status="paid")  # fmt: skip
    recoveries_detect(actor=ca)
    rec = Recovery.objects.get(line=stopped)
    assert _legs(f"recovery:recovery:{rec.pk}") == {
        ("Assets:Receivable:Recoveries:LowIncome", SIMING, 50_000),
        ("Expenses:Benefits:City:LowIncome", SIMING, -25_000),
        (f"Expenses:Benefits:District:D{SIMING}:LowIncome", SIMING, -25_000),
    }
    recovery_write_off(actor=people["district_approver"], recovery_id=rec.pk, reason="无力偿还")
    assert _legs(f"write_off:recovery:{rec.pk}") == {
        ("Expenses:WriteOff:LowIncome", SIMING, 50_000),
        ("Assets:Receivable:Recoveries:LowIncome", SIMING, -50_000),
    }
    assert account_balances()["Assets:Receivable:Recoveries:LowIncome"] == 0
    assert trial_balance() == 0


def test_override_page_and_command(client, registry, people, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from safetynet.funds.models import BudgetOverride

    ca = people["city_admin"]
    p = make_payroll("2024-06", prepared_by=ca)
    add_line(p, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    fs.budget_allocate(actor=ca, year=2024, program="dibao", level="city", amount_fen=100_000)
    # no district budget for 思明 in 2024: its 300.00 share is over
    client.force_login(people["auditor"])
    page = client.get("/funds/overrides/")
    assert page.status_code == 200 and "300.00" in page.content.decode()
    assert client.post("/funds/overrides/", {"payroll": p.pk, "reason": "x"}).status_code == 403
    with pytest.raises(CommandError) as exc:
        call_command("ledger", "override", str(p.pk), "--reason", "x", "--as", "da")
    assert exc.value.returncode == 2 and "not_permitted" in str(exc.value)
    call_command("ledger", "override", str(p.pk), "--reason", "追加预算", "--as", "ca")
    assert "dibao district 350203: over 30000 fen" in capsys.readouterr().out
    assert BudgetOverride.objects.get().reason == "追加预算"
