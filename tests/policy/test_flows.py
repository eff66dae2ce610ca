"""Price indices and approved changes reaching the casework and the payroll (ADR 1430, 1431),
hand-computed on the payroll's test city (tests.helpers.payments.build_pay_city): a dibao
household of two (wage 300 yuan), a tekun person, 80+ elders. Standard 800 yuan from
2019-07-01; minimum wage 1,800; dibao and tekun funded 50 % city, 50 % district; the price
subsidy 50/50 too."""

import pytest

from safetynet.accounts.models import Role
from safetynet.cases import proactive
from safetynet.cases.dynamic_models import Grant, ProposalList
from safetynet.payments import compute
from safetynet.payments.models import PaymentLine, Payroll
from safetynet.payments.services import payroll_run, payroll_transition
from safetynet.policy.indices import index_enter
from safetynet.policy.models import RetroactiveAssessment
from safetynet.policy.retroactive import per_household, workbook
from safetynet.policy.services import approve_change, propose_change
from tests.helpers.city import make_user
from tests.helpers.payments import build_pay_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(divisions):
    return build_pay_city()


@pytest.fixture
def ca2(users):
    return make_user("ca2", Role.CITY_ADMIN, "350200")


def approve(payroll, actor):
    payroll_transition(payroll, "checked", actor, "check")
    payroll_transition(payroll, "approved", actor, "approve")


def lines(month):
    return {
        (x.beneficiary_key, x.program, x.benefit_month, x.kind): (x.amount_fen, x.city_fen)
        for x in PaymentLine.objects.filter(payroll__month=month)
    }


def test_a_triggered_month_reaches_the_list_and_the_payroll(city, users):
    admin = users["city_admin"]
    # 2020-06 has no index yet: nobody is proposed
    assert proactive.propose_price_subsidy(month="2020-06", prefix="350203") == []
    index_enter(admin, month="2020-06", kind="cpi", value="104.5", source="厦门市统计局")
    # CPI +4.5 % ≥ 3.5 %: 800 × 4.5 % = 36 yuan for each covered person (2 dibao + 1 tekun)
    proactive.proposals_make(month="2020-06", prefix="350203")
    plist = ProposalList.objects.get(kind="price_subsidy", month="2020-06")
    got = sorted((e.person_id, e.amount_fen) for e in plist.entries.all())
    expected = sorted(
        [(city.dibao_head.pk, 3600), (city.tekun.pk, 3600)]
        + [(m.person_id, 3600) for m in city.dibao_h.memberships.exclude(relation="head")]
    )
    assert got == expected
    proactive.proposal_list_confirm(actor=users["street_officer"], list_id=plist.pk)
    assert Grant.objects.filter(program="price_subsidy", month="2020-06").count() == 3
    payroll_run(actor=admin, month="2020-06")
    grants = PaymentLine.objects.filter(kind="grant", program="price_subsidy")
    assert sorted(g.amount_fen for g in grants) == [3600, 3600, 3600]
    assert {(g.city_fen, g.district_fen, g.street_fen) for g in grants} == {(1800, 1800, 0)}
    assert sum(g.amount_fen for g in grants) == 10800


def _raise(admin, ca2, frm: str, yuan: str, kind: str = "new_value"):
    change = propose_change(
        admin,
        name="dibao.standard",
        kind=kind,
        effective=frm,
        value=yuan,
        reference_number="厦民〔2019〕99号",
        reference_date="2019-07-15",
    )
    return approve_change(ca2, change.pk)


def test_a_future_dated_change_leaves_past_months_untouched(city, users, ca2):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")
    approve(Payroll.objects.get(month="2019-08"), admin)
    digest = Payroll.objects.get(month="2019-08").parameters_digest
    _raise(admin, ca2, "2019-10-01", "850")
    assert not RetroactiveAssessment.objects.exists()  # no paid month reached
    assert compute.parameters_digest("2019-08") == digest
    report = payroll_run(actor=admin, month="2019-09")
    assert report.arrears_months == []
    h = city.dibao_h.pk
    assert lines("2019-09")[(f"H{h}", "dibao", "2019-09", "regular")][0] == 130000  # 800×2−300
    approve(Payroll.objects.get(month="2019-09"), admin)
    payroll_run(actor=admin, month="2019-10")
    assert lines("2019-10")[(f"H{h}", "dibao", "2019-10", "regular")][0] == 140000  # 850×2−300


def test_a_retroactive_change_yields_the_hand_computed_arrears(city, users, ca2, client):
    admin = users["city_admin"]
    for m in ("2019-08", "2019-09"):
        payroll_run(actor=admin, month=m)
        approve(Payroll.objects.get(month=m), admin)
    # 850 yuan from 2019-08-01, approved after August and September were paid
    change = _raise(admin, ca2, "2019-08-01", "850")
    a = RetroactiveAssessment.objects.get(change=change)
    assert a.months == ["2019-08", "2019-09"]
    h, t = city.dibao_h.pk, city.tekun_h.pk
    # dibao: (850×2−300) − (800×2−300) = 100 yuan a month; tekun: 1.5 × 50 = 75 yuan a month
    assert per_household(a) == {(h, "dibao"): 20000, (t, "tekun"): 15000}
    assert (a.arrears_fen, a.overpayment_fen, a.households) == (35000, 0, 2)
    assert workbook(a)[:2] == b"PK"
    # the next payroll pays exactly those arrears, split like the program
    report = payroll_run(actor=admin, month="2019-10")
    assert report.arrears_months == ["2019-08", "2019-09"]
    got = lines("2019-10")
    arrears = {k: v for k, v in got.items() if k[3] == "arrears"}
    assert arrears == {
        (f"H{h}", "dibao", "2019-08", "arrears"): (10000, 5000),
        (f"H{h}", "dibao", "2019-09", "arrears"): (10000, 5000),
        (f"P{city.tekun.pk}", "tekun", "2019-08", "arrears"): (7500, 3750),
        (f"P{city.tekun.pk}", "tekun", "2019-09", "arrears"): (7500, 3750),
    }
    assert sum(v[0] for v in arrears.values()) == a.arrears_fen
    # the auditor sees the list (and its workbook) from the audit trail
    client.force_login(users["auditor"])
    trail = client.get("/rules/audit/", {"event": "approved"}).content.decode()
    assert 'data-testid="arrears-link"' in trail and "350.00" in trail
    page = client.get(f"/rules/arrears/{change.pk}/").content.decode()
    assert city.dibao_h.number in page and "100.00" in page and "75.00" in page
    r = client.get(f"/rules/arrears/{change.pk}/", {"format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    client.force_login(users["street_officer"])
    assert client.get(f"/rules/arrears/{change.pk}/").status_code == 403


def test_a_retroactive_cut_is_an_overpayment(city, users, ca2):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")
    approve(Payroll.objects.get(month="2019-08"), admin)
    # the 2019-07-01 standard corrected to 790 yuan: 10 yuan × 2 persons less a month for the
    # dibao household; tekun 1.5 × 10 = 15 yuan less
    change = _raise(admin, ca2, "2019-07-01", "790", kind="correction")
    a = RetroactiveAssessment.objects.get(change=change)
    assert a.months == ["2019-08"]
    assert per_household(a) == {
        (city.dibao_h.pk, "dibao"): -2000,
        (city.tekun_h.pk, "tekun"): -1500,
    }
    assert (a.arrears_fen, a.overpayment_fen) == (0, 3500)
    report = payroll_run(actor=admin, month="2019-09")
    over = {(o["beneficiary_key"], o["program"]): o["overpaid_fen"] for o in report.overpayments}
    assert over[(f"H{city.dibao_h.pk}", "dibao")] == 2000
    assert over[(f"P{city.tekun.pk}", "tekun")] == 1500


def test_the_cli_approval_reports_the_arrears(city, users, ca2, capsys):
    from tests.policy.test_cli import run

    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")
    approve(Payroll.objects.get(month="2019-08"), admin)
    change = propose_change(
        admin,
        name="dibao.standard",
        kind="new_value",
        effective="2019-08-01",
        value="850",
        reference_number="厦民〔2019〕99号",
        reference_date="2019-07-15",
    )
    code, out, err = run(capsys, "rules", "parameters", "approve", str(change.pk), "--as", "ca2")
    assert code == 0, err
    # one paid month: dibao 100 yuan + tekun 75 yuan
    assert "retroactive over 2019-08: 2 households, arrears 175.00 yuan, overpaid 0.00" in out


def test_the_assessment_reaches_back_as_far_as_the_payroll_pays(users):
    from safetynet.policy.retroactive import paid_months
    from tests.helpers.payroll_flow import make_payroll

    admin = users["city_admin"]
    months = [f"{y}-{m:02d}" for y in (2018, 2019) for m in range(1, 13)]
    for m in months[:20]:  # 2018-01 … 2019-08 paid
        make_payroll(m, prepared_by=admin, status="approved")
    make_payroll("2019-09", prepared_by=admin)  # a draft is recomputed, not assessed
    # the next payroll (2019-09) pays arrears for the 12 months before it: 2018-09 … 2019-08
    assert paid_months("2018-01") == months[8:20]
    assert paid_months("2019-07") == ["2019-07", "2019-08"]
    assert paid_months("2019-09") == []
