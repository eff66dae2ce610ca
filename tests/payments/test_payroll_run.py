"""The monthly payroll run (ADR 0900, 0901): hand-computed amounts for a dibao household, a tekun
person, 80+ elders, a death, a grant and arrears after a retroactive standard change; re-runs,
refusals and the database's paid-once rules.

Standard 2019-07 on: 800 yuan. Minimum wage 1,800 yuan. Funding dibao/tekun 50% city, 50%
district; age allowance all district.
"""

import datetime as dt
import shutil

import pytest
from django.db import IntegrityError, transaction

from safetynet.core.errors import ServiceError
from safetynet.payments.models import AmountBasisPerson, PaymentLine, Payroll
from safetynet.payments.services import payroll_run, payroll_transition
from tests.helpers.city import HULI_STREET, ZHONGHUA
from tests.helpers.payments import build_pay_city, funeral_grant

pytestmark = pytest.mark.django_db


def lines(month=None):
    qs = PaymentLine.objects.order_by("program", "beneficiary_key", "benefit_month", "kind")
    if month:
        qs = qs.filter(payroll__month=month)
    return {
        (x.beneficiary_key, x.program, x.benefit_month, x.kind): (
            x.amount_fen,
            x.city_fen,
            x.district_fen,
            x.street_fen,
            x.status,
        )
        for x in qs
    }


def approve(payroll, actor):
    payroll_transition(payroll, "checked", actor, "check")
    payroll_transition(payroll, "approved", actor, "approve")


@pytest.fixture
def city(divisions):
    return build_pay_city()


def test_regular_lines_are_the_engines_amounts_for_the_enrolled(city, users):
    report = payroll_run(actor=users["city_admin"], month="2019-08")
    h, t, e, d = city.dibao_h.pk, city.tekun.pk, city.elder.pk, city.dying.pk
    na = city.no_account.pk
    assert lines() == {
        # (800 × 2 − 300) yuan = 1,300; half city, half district
        (f"H{h}", "dibao", "2019-08", "regular"): (130000, 65000, 65000, 0, "pending"),
        # 1.5 × 800 + 5 % × 1,800 = 1,290 yuan
        (f"P{t}", "tekun", "2019-08", "regular"): (129000, 64500, 64500, 0, "pending"),
        (f"P{e}", "age_allowance", "2019-08", "regular"): (10000, 0, 10000, 0, "pending"),
        # died 2019-08-15: the death month is paid
        (f"P{d}", "age_allowance", "2019-08", "regular"): (10000, 0, 10000, 0, "pending"),
        (f"P{na}", "age_allowance", "2019-08", "regular"): (10000, 0, 10000, 0, "held_no_account"),
    }
    head_line = PaymentLine.objects.get(program="dibao")
    assert head_line.person_id == city.dibao_head.pk  # paid to the head
    assert head_line.household_id == h
    assert head_line.division_id == ZHONGHUA  # the household's street
    assert head_line.account_number == "6222020000000000101"
    assert head_line.bank_account.person_id == city.dibao_head.pk
    assert "低保" in head_line.reason
    assert PaymentLine.objects.get(person=city.elder).division_id == HULI_STREET
    assert report.amount_fen == 130000 + 129000 + 3 * 10000
    assert report.programs["age_allowance"] == {
        "lines": 3,
        "amount_fen": 30000,
        "regular_fen": 30000,
    }
    assert report.held_no_account == 1
    assert report.first_run
    p = Payroll.objects.get(month="2019-08")
    assert (p.status, p.runs, p.prepared_by) == ("draft", 1, users["city_admin"])
    assert p.totals["amount_fen"] == report.amount_fen
    assert list(p.events.values_list("kind", flat=True)) == ["run"]


def test_a_death_stops_the_month_after(city, users):
    payroll_run(actor=users["city_admin"], month="2019-09")
    keys = {k[0] for k in lines("2019-09")}
    assert f"P{city.dying.pk}" not in keys
    assert f"P{city.elder.pk}" in keys


def test_enrolled_but_nothing_due_is_listed_for_review(city, users):
    # the dibao household's income rises above the line: enrolled, the engine gives 0
    AmountBasisPerson.objects.filter(person=city.dibao_head).update(income_wage_fen=500000)
    report = payroll_run(actor=users["city_admin"], month="2019-08")
    assert (f"H{city.dibao_h.pk}", "dibao") not in {k[:2] for k in lines()}
    assert report.needs_review_count == 1
    assert report.needs_review == [
        {
            "beneficiary_key": f"H{city.dibao_h.pk}",
            "program": "dibao",
            "reason": "INCOME_AT_OR_ABOVE_STANDARD",
        }
    ]


def test_a_grant_is_paid_once_in_the_month_it_was_decided(city, users):
    admin = users["city_admin"]
    g = funeral_grant(city.dying, city.dying_h, "2019-08", 150000, ZHONGHUA)
    payroll_run(actor=admin, month="2019-08")
    payroll_run(actor=admin, month="2019-08")  # a re-run: still one line
    grant = PaymentLine.objects.get(kind="grant")
    assert (grant.source_ref, grant.amount_fen, grant.benefit_month) == (
        f"grant:{g.pk}",
        150000,
        "2019-08",
    )
    assert grant.city_fen + grant.district_fen + grant.street_fen == 150000
    # the grant of the deceased is paid to the head of the household
    assert grant.beneficiary_key == f"P{city.dying.pk}"
    assert grant.person_id == city.dying_h.memberships.get(relation="head").person_id
    assert grant.status == "held_no_account"  # the son has no account
    approve(Payroll.objects.get(month="2019-08"), admin)
    payroll_run(actor=admin, month="2019-09")
    assert PaymentLine.objects.filter(kind="grant").count() == 1


def test_arrears_after_a_retroactive_standard_change(city, users, monkeypatch):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-07")
    approve(Payroll.objects.get(month="2019-07"), admin)
    # the standard of 2019-07-01 is corrected to 850 yuan after July was paid
    import safetynet.rules as rules_pkg
    import safetynet.rules.engine as engine
    from safetynet.rules.parameters import load_parameters

    changed = load_parameters().with_values("dibao.standard", {"2019-07-01": 85000})
    monkeypatch.setattr(engine, "load_parameters", lambda: changed)
    monkeypatch.setattr(rules_pkg, "load_parameters", lambda: changed)
    report = payroll_run(actor=admin, month="2019-08")
    assert report.arrears_months == ["2019-07"]
    got = lines("2019-08")
    h, t = city.dibao_h.pk, city.tekun.pk
    # August at the new standard: 850 × 2 − 300 = 1,400 yuan
    assert got[(f"H{h}", "dibao", "2019-08", "regular")][0] == 140000
    # July: 1,400 now, 1,300 paid → 100 yuan arrears, split like the program
    assert got[(f"H{h}", "dibao", "2019-07", "arrears")] == (10000, 5000, 5000, 0, "pending")
    # tekun: 1.5 × 850 + 90 = 1,365 now, 1,290 paid → 75 yuan
    assert got[(f"P{t}", "tekun", "2019-07", "arrears")] == (7500, 3750, 3750, 0, "pending")
    # the age allowance did not change: no arrears line
    assert not [k for k in got if k[1] == "age_allowance" and k[3] == "arrears"]
    # a re-run does not pay the arrears twice
    payroll_run(actor=admin, month="2019-08")
    assert lines("2019-08") == got
    # once August is approved, September finds July settled
    approve(Payroll.objects.get(month="2019-08"), admin)
    report = payroll_run(actor=admin, month="2019-09")
    assert report.arrears_months == ["2019-07"]  # August ran with the new value
    assert not [k for k in lines("2019-09") if k[3] == "arrears"]


def test_a_lower_retroactive_amount_is_reported_not_deducted(city, users, monkeypatch):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-07")
    approve(Payroll.objects.get(month="2019-07"), admin)
    import safetynet.rules as rules_pkg
    import safetynet.rules.engine as engine
    from safetynet.rules.parameters import load_parameters

    changed = load_parameters().with_values("dibao.standard", {"2019-07-01": 79000})
    monkeypatch.setattr(engine, "load_parameters", lambda: changed)
    monkeypatch.setattr(rules_pkg, "load_parameters", lambda: changed)
    report = payroll_run(actor=admin, month="2019-08")
    over = {(o["beneficiary_key"], o["program"]): o["overpaid_fen"] for o in report.overpayments}
    assert over[(f"H{city.dibao_h.pk}", "dibao")] == 2000  # 2 × 10 yuan
    assert not [k for k in lines("2019-08") if k[3] == "arrears" and k[1] == "dibao"]
    assert all(x.amount_fen >= 0 for x in PaymentLine.objects.all())


def test_a_rerun_replaces_the_draft_and_tells_what_changed(city, users):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")
    first = lines()
    again = payroll_run(actor=admin, month="2019-08")
    assert lines() == first
    assert (again.changes["added"], again.changes["removed"], again.changes["changed"]) == (
        0,
        0,
        0,
    )
    # the head's wage falls by 100 yuan: the dibao line rises by 100 yuan
    AmountBasisPerson.objects.filter(person=city.dibao_head).update(income_wage_fen=20000)
    third = payroll_run(actor=admin, month="2019-08")
    assert (third.changes["added"], third.changes["removed"], third.changes["changed"]) == (
        0,
        0,
        1,
    )
    assert third.changes["programs"]["dibao"] == {"before_fen": 130000, "after_fen": 140000}
    assert Payroll.objects.get(month="2019-08").runs == 3


def test_a_line_already_paid_is_never_changed_by_a_rerun(city, users):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")
    sent = PaymentLine.objects.get(program="dibao")
    PaymentLine.objects.filter(pk=sent.pk).update(status="paid")
    AmountBasisPerson.objects.filter(person=city.dibao_head).update(income_wage_fen=0)
    payroll_run(actor=admin, month="2019-08")
    again = PaymentLine.objects.get(program="dibao")
    assert (again.pk, again.amount_fen, again.status) == (sent.pk, 130000, "paid")
    assert PaymentLine.objects.filter(program="dibao").count() == 1


def test_after_approval_a_run_is_refused(city, users):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")
    approve(Payroll.objects.get(month="2019-08"), admin)
    before = lines()
    with pytest.raises(ServiceError) as exc:
        payroll_run(actor=admin, month="2019-08")
    assert exc.value.code == "payroll_not_draft"
    assert exc.value.problems[0].field == "month"
    assert "approved" in exc.value.message
    assert lines() == before


@pytest.mark.parametrize("month", ["2019-13", "2019-8", "", "abcd-ef", None])
def test_a_bad_month_is_refused_naming_the_field(city, users, month):
    with pytest.raises(ServiceError) as exc:
        payroll_run(actor=users["city_admin"], month=month)
    assert (exc.value.code, exc.value.problems[0].field) == ("payroll_month_invalid", "month")
    assert not Payroll.objects.exists()


@pytest.mark.parametrize(
    "role", ["community_worker", "street_officer", "district_approver", "auditor"]
)
def test_only_the_city_administrator_prepares(city, users, role):
    with pytest.raises(ServiceError) as exc:
        payroll_run(actor=users[role], month="2019-08")
    assert exc.value.code == "not_permitted"
    assert not Payroll.objects.exists()


def test_the_database_refuses_a_second_line_and_a_split_that_does_not_add_up(city, users):
    payroll_run(actor=users["city_admin"], month="2019-08")
    line = PaymentLine.objects.get(program="dibao")
    twin = PaymentLine.objects.filter(pk=line.pk).values()[0]
    twin.pop("id")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(**twin)
    twin.update(kind="arrears", benefit_month="2019-07", amount_fen=100, city_fen=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(**twin)
    twin.update(amount_fen=-1, city_fen=-1, district_fen=0, street_fen=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(**twin)
    # a cancelled line does not block a new one
    PaymentLine.objects.filter(pk=line.pk).update(status="cancelled")
    twin.update(kind="regular", benefit_month="2019-08", amount_fen=5, city_fen=5)
    PaymentLine.objects.create(**twin)


def test_the_payroll_states_follow_the_table(city, users):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-08")
    p = Payroll.objects.get(month="2019-08")
    with pytest.raises(ServiceError) as exc:
        payroll_transition(p, "approved", admin, "approve")
    assert exc.value.code == "payroll_transition_not_allowed"
    payroll_transition(p, "checked", admin, "check", {"note": "ok"})
    assert p.status == "checked"
    event = p.events.order_by("-id").first()
    assert (event.kind, event.from_status, event.to_status, event.data) == (
        "check",
        "draft",
        "checked",
        {"note": "ok"},
    )


def test_next_month_after_a_death_still_pays_the_others(city, users):
    report = payroll_run(actor=users["city_admin"], month="2019-09")
    assert report.lines == 4
    assert dt.date(2019, 8, 15) == city.dying.death_date


@pytest.mark.slow
@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime")
def test_spark_pays_exactly_what_duckdb_pays(city, users):
    payroll_run(actor=users["city_admin"], month="2019-08")
    duck = lines()
    Payroll.objects.get().lines.all().delete()
    Payroll.objects.get().events.all().delete()
    Payroll.objects.all().delete()
    report = payroll_run(actor=users["city_admin"], month="2019-08", engine="spark")
    assert lines() == duck
    assert Payroll.objects.get().summary["engine"] == "spark"
    assert report.lines == 5


def test_an_exit_stops_after_the_month_of_exit(city, users):
    from safetynet.registry.models import Enrolment

    Enrolment.objects.filter(household=city.dibao_h, category="dibao").update(
        end_date=dt.date(2019, 8, 10)
    )
    payroll_run(actor=users["city_admin"], month="2019-08")
    payroll_run(actor=users["city_admin"], month="2019-09")
    dibao = {k[2] for k in lines() if k[1] == "dibao"}
    assert dibao == {"2019-08"}  # paid through the month of exit, not after
