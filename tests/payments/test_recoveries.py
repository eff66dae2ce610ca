"""Recoveries of overpayments (ADR 0941): detected for paid lines after a death or a stop,
withheld from later lines of the same beneficiary at most 30 % of each (rounded down to the fen),
oldest first, recomputed on every re-run of a draft; written off by the district with a reason.
Every amount below is computed by hand."""

import datetime as dt
from fractions import Fraction

import pytest

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.payments import flow_errors as E
from safetynet.payments.flow_models import Recovery, RecoveryDeduction
from safetynet.payments.models import Payroll
from safetynet.payments.recoveries import (
    deduction_cap,
    max_share,
    net_amounts,
    outstanding_fen,
    recoveries_after_run,
    recoveries_apply,
    recoveries_detect,
    recovery_write_off,
)
from safetynet.registry import services as registry_services
from tests.helpers.city import make_user
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = pytest.mark.django_db


def test_the_share_is_a_dated_parameter_and_rounds_down():
    assert max_share("2024-05") == Fraction(3, 10)
    assert deduction_cap(33333, Fraction(3, 10)) == 9999  # 99.999 yuan → 99.99
    assert deduction_cap(5000, Fraction(3, 10)) == 1500


@pytest.fixture
def paid(registry, users):
    """January 2020 paid: 王芳's low-income benefit (enrolment ended 2019-12-31: stopped) 500.00,
    陈静's own line (died 2019-12-01) 450.00, 陈杰's tekun (enrolled) 1,080.00."""
    p = make_payroll("2020-01", prepared_by=users["city_admin"], status="closed")
    stopped = add_line(
        p,
        person=registry.wang_fang,
        household=registry.zh2,
        program="low_income",
        amount_fen=50000,
        status="paid",
    )
    dead = add_line(
        p, person=registry.chen_jing, program="entitled_groups", amount_fen=45000, status="paid"
    )
    fine = add_line(
        p,
        person=registry.chen_jie,
        household=registry.hl1,
        program="tekun",
        amount_fen=108000,
        status="paid",
    )
    return {"payroll": p, "stopped": stopped, "dead": dead, "fine": fine}


def test_detection_finds_the_death_and_the_stop_once(paid, users):
    found = recoveries_detect(actor=users["city_admin"])
    got = {(r.line_id, r.reason_code, r.amount_fen) for r in found}
    assert got == {
        (paid["stopped"].pk, "stopped", 50000),
        (paid["dead"].pk, "death", 45000),
    }
    assert recoveries_detect() == []  # once per line
    assert Recovery.objects.count() == 2


def test_a_grant_after_a_death_is_no_overpayment(registry, users):
    p = make_payroll("2020-02", prepared_by=users["city_admin"], status="closed")
    add_line(
        p,
        person=registry.chen_jing,
        program="funeral_grant",
        kind="grant",
        amount_fen=300000,
        status="paid",
    )
    assert recoveries_detect() == []


def test_withheld_from_later_lines_at_most_30_percent_each(paid, registry, users):
    recoveries_detect()
    draft = make_payroll("2020-03", prepared_by=users["city_admin"])
    a = add_line(
        draft, person=registry.wang_fang, household=registry.zh2, program="dibao", amount_fen=33333
    )
    b = add_line(
        draft,
        person=registry.wang_fang,
        household=registry.zh2,
        program="price_subsidy",
        amount_fen=5000,
    )
    other = add_line(draft, person=registry.chen_jie, household=registry.hl1, amount_fen=20000)
    assert recoveries_apply(payroll=draft) == {"deductions": 2, "amount_fen": 9999 + 1500}
    assert net_amounts(draft) == {a.pk: 33333 - 9999, b.pk: 5000 - 1500}
    assert other.pk not in net_amounts(draft)
    rec = Recovery.objects.get(line=paid["stopped"])
    assert outstanding_fen(rec) == 50000 - 11499 == 38501
    # re-running the draft recomputes, never deducts twice
    assert recoveries_apply(payroll=draft) == {"deductions": 2, "amount_fen": 11499}
    assert RecoveryDeduction.objects.count() == 2
    # once checked, the deductions are fixed; the district writes off the rest
    Payroll.objects.filter(pk=draft.pk).update(status="checked")
    assert recoveries_apply(payroll=draft) == {"deductions": 0, "amount_fen": 0}
    done = recovery_write_off(
        actor=users["district_approver"], recovery_id=rec.pk, reason="低保已停，无法追回"
    )
    assert (done.status, done.written_off_fen) == ("written_off", 38501)
    assert outstanding_fen(done) == 0
    assert done.events.get(kind="written_off").data["amount_fen"] == 38501


def test_oldest_recovery_first_and_fully_recovered(registry, users):
    """Two recoveries on one household: 10.00 (2020-01) and 500.00 (2020-02); a line of 100.00
    withholds 30.00: 10.00 closes the first, 20.00 goes to the second."""
    done = make_payroll("2020-01", prepared_by=users["city_admin"], status="closed")
    first = add_line(
        done,
        person=registry.wang_fang,
        household=registry.zh2,
        program="low_income",
        amount_fen=1000,
        status="paid",
    )
    done2 = make_payroll("2020-02", prepared_by=users["city_admin"], status="closed")
    second = add_line(
        done2,
        person=registry.wang_fang,
        household=registry.zh2,
        program="low_income",
        amount_fen=50000,
        status="paid",
    )
    draft = make_payroll("2020-04", prepared_by=users["city_admin"])
    add_line(draft, person=registry.wang_fang, household=registry.zh2, amount_fen=10000)
    out = recoveries_after_run(payroll=draft, actor=users["city_admin"])
    assert out == {"detected": 2, "deductions": 2, "amount_fen": 3000}
    r1, r2 = Recovery.objects.get(line=first), Recovery.objects.get(line=second)
    assert (r1.status, outstanding_fen(r1)) == ("recovered", 0)
    assert (r2.status, outstanding_fen(r2)) == ("open", 50000 - 2000)
    # a re-run after the line grows to 200.00: 60.00 withheld (10.00 + 50.00)
    draft.lines.update(amount_fen=20000, city_fen=10000, district_fen=10000)
    assert recoveries_apply(payroll=draft)["amount_fen"] == 6000
    r1.refresh_from_db()
    assert r1.status == "recovered" and outstanding_fen(r2) == 50000 - 5000


def test_a_death_recorded_late_opens_the_recovery_at_once(registry, users):
    """张伟's age allowance for 2024-01 and 2024-02 was paid; his death on 2024-01-15 is recorded
    afterwards: January is due (the month of death), February (100.00) is recovered."""
    p1 = make_payroll("2024-01", prepared_by=users["city_admin"], status="closed")
    jan = add_line(
        p1, person=registry.zhang_wei, program="age_allowance", amount_fen=10000, status="paid"
    )
    p2 = make_payroll("2024-02", prepared_by=users["city_admin"], status="closed")
    feb = add_line(
        p2, person=registry.zhang_wei, program="age_allowance", amount_fen=10000, status="paid"
    )
    registry_services.person_record_death(
        actor=users["street_officer"], person=registry.zhang_wei, death_date=dt.date(2024, 1, 15)
    )
    recs = list(Recovery.objects.all())
    assert [(r.line_id, r.reason_code, r.amount_fen) for r in recs] == [(feb.pk, "death", 10000)]
    assert not Recovery.objects.filter(line=jan).exists()


def test_write_off_refusals(paid, users):
    recoveries_detect()
    rec = Recovery.objects.get(line=paid["stopped"])  # 王芳, 思明区
    with pytest.raises(ServiceError) as exc:
        recovery_write_off(actor=users["district_approver"], recovery_id=rec.pk, reason="  ")
    assert exc.value.code == E.RECOVERY_REASON_REQUIRED
    assert exc.value.problems[0].field == "reason"
    with pytest.raises(NotPermittedError):
        recovery_write_off(actor=users["street_officer"], recovery_id=rec.pk, reason="x")
    huli = make_user("hda", "district_approver", "350206")
    with pytest.raises(NotFoundError):
        recovery_write_off(actor=huli, recovery_id=rec.pk, reason="x")
    recovery_write_off(actor=users["district_approver"], recovery_id=rec.pk, reason="核销")
    with pytest.raises(ServiceError) as exc:
        recovery_write_off(actor=users["district_approver"], recovery_id=rec.pk, reason="again")
    assert exc.value.code == E.RECOVERY_CLOSED
