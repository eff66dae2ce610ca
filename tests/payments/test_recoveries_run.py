"""Recoveries through the payroll run itself (ADR 0941): a retroactive lowering of the dibao
standard overpaid July; the August run opens the recovery and withholds it from August's line
of the same household, in the run's transaction; a re-run does not withhold twice.

Household PAY-1: two members, the head's wage 300 yuan: per capita 150 yuan. July was paid at a
standard of 800 yuan: (800 − 150) × 2 = 1,300 yuan. The standard of July is then lowered to 790
yuan: (790 − 150) × 2 = 1,280 yuan due, 20.00 yuan overpaid. August (790 yuan): 1,280 yuan; at
most 30 % = 384.00 yuan may be withheld, so the 20.00 yuan are withheld whole: 1,260 yuan paid.
The tekun person's basic living (1.5 × the standard) was overpaid 1.5 × 10 = 15.00 yuan the same
way and is withheld from August's tekun line."""

import pytest

from safetynet.payments.flow_models import Recovery
from safetynet.payments.models import PaymentLine, Payroll
from safetynet.payments.recoveries import net_amounts, outstanding_fen
from safetynet.payments.services import payroll_run, payroll_transition
from tests.helpers.payments import build_pay_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(divisions):
    return build_pay_city()


def test_a_retroactive_overpayment_is_withheld_in_the_next_run(city, users, monkeypatch):
    admin = users["city_admin"]
    payroll_run(actor=admin, month="2019-07")
    july = Payroll.objects.get(month="2019-07")
    payroll_transition(july, "checked", admin, "check")
    payroll_transition(july, "approved", admin, "approve")
    PaymentLine.objects.filter(payroll=july).update(status="paid")
    key = f"H{city.dibao_h.pk}"
    assert PaymentLine.objects.get(payroll=july, beneficiary_key=key).amount_fen == 130000

    import safetynet.rules as rules_pkg
    import safetynet.rules.engine as engine
    from safetynet.rules.parameters import load_parameters

    changed = load_parameters().with_values("dibao.standard", {"2019-07-01": 79000})
    monkeypatch.setattr(engine, "load_parameters", lambda: changed)
    monkeypatch.setattr(rules_pkg, "load_parameters", lambda: changed)

    report = payroll_run(actor=admin, month="2019-08")
    assert report.payroll.summary["recoveries"] == {
        "detected": 2,
        "deductions": 2,
        "amount_fen": 2000 + 1500,
    }
    tekun = Recovery.objects.get(program="tekun")
    assert (tekun.amount_fen, tekun.reason_code) == (1500, "retroactive")
    rec = Recovery.objects.get(program="dibao")
    assert (rec.beneficiary_key, rec.benefit_month, rec.amount_fen, rec.reason_code) == (
        key,
        "2019-07",
        2000,
        "retroactive",
    )
    august = PaymentLine.objects.get(payroll__month="2019-08", beneficiary_key=key)
    assert august.amount_fen == 128000
    tekun_aug = PaymentLine.objects.get(payroll__month="2019-08", program="tekun")
    assert net_amounts(report.payroll) == {
        august.pk: 126000,
        tekun_aug.pk: tekun_aug.amount_fen - 1500,
    }
    assert outstanding_fen(rec) == 0
    rec.refresh_from_db()
    assert rec.status == "recovered"

    again = payroll_run(actor=admin, month="2019-08")  # a re-run of the draft
    assert again.payroll.summary["recoveries"] == {
        "detected": 0,
        "deductions": 2,
        "amount_fen": 3500,
    }
    august = PaymentLine.objects.get(payroll__month="2019-08", beneficiary_key=key)
    assert net_amounts(again.payroll)[august.pk] == 126000
    assert Recovery.objects.count() == 2
