"""The payroll after the draft (ADR 0940): check by someone other than the preparer, approval per
scope — each district its lines, the city administrator the city-paid programs — by someone who
neither prepared nor checked, the payroll approved with the last scope; refusals write nothing."""

import pytest

from safetynet.accounts.models import Role
from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.payments import approval
from safetynet.payments import flow_errors as E
from safetynet.payments import flow_screens as screens
from safetynet.payments.flow_models import PayrollApproval
from safetynet.payments.models import Payroll
from tests.helpers.city import make_user
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(users):
    return {
        **users,
        "finance": make_user("fin", Role.CITY_FINANCE, "350200"),
        "city2": make_user("ca2", Role.CITY_ADMIN, "350200"),
        "huli_approver": make_user("hda", Role.DISTRICT_APPROVER, "350206"),
    }


@pytest.fixture
def payroll(registry, people):
    """2024-05, prepared by the city administrator `ca`: 思明 dibao 600.00 + 350.50, 湖里 tekun
    1,080.00, and the five elders' subsidy (city-paid) 500.00 in 思明."""
    p = make_payroll("2024-05", prepared_by=people["city_admin"])
    add_line(p, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000)
    add_line(p, person=registry.wang_fang, household=registry.zh2, amount_fen=35050)
    add_line(
        p, person=registry.chen_jie, household=registry.hl1, program="tekun", amount_fen=108000
    )
    add_line(p, person=registry.zhang_wei, program="five_elders", amount_fen=50000)
    return p


def _refused(code, fn, **kw):
    with pytest.raises(ServiceError) as exc:
        fn(**kw)
    assert exc.value.code == code
    return exc.value


def test_scopes_follow_the_funding_parameters(payroll):
    assert approval.city_paid("five_elders", "2024-05")
    assert not approval.city_paid("dibao", "2024-05")
    assert approval.scope_totals(payroll) == {
        "350203": {"lines": 2, "amount_fen": 95050},
        "350206": {"lines": 1, "amount_fen": 108000},
        "city": {"lines": 1, "amount_fen": 50000},
    }


def test_check_opens_one_approval_per_scope(payroll, people):
    approval.payroll_check(actor=people["finance"], payroll_id=payroll.pk)
    payroll.refresh_from_db()
    assert payroll.status == "checked"
    rows = {a.scope: (a.lines, a.amount_fen, a.approved_at) for a in payroll.approvals.all()}
    assert rows == {
        "350203": (2, 95050, None),
        "350206": (1, 108000, None),
        "city": (1, 50000, None),
    }
    event = payroll.events.get(kind="check")
    assert (event.actor, event.from_status, event.to_status) == (
        people["finance"],
        "draft",
        "checked",
    )


def test_the_preparer_may_not_check_and_nothing_is_written(payroll, people):
    _refused(
        E.CHECKER_IS_PREPARER,
        approval.payroll_check,
        actor=people["city_admin"],
        payroll_id=payroll.pk,
    )
    payroll.refresh_from_db()
    assert payroll.status == "draft"
    assert not PayrollApproval.objects.exists()
    assert not payroll.events.filter(kind="check").exists()


@pytest.mark.parametrize("role", ["auditor", "district_approver", "street_officer"])
def test_roles_without_the_ability_may_not_check(payroll, people, role):
    with pytest.raises(NotPermittedError):
        approval.payroll_check(actor=people[role], payroll_id=payroll.pk)


def test_an_empty_payroll_is_not_checked(registry, people):
    p = make_payroll("2024-06", prepared_by=people["city_admin"])
    _refused(E.EMPTY, approval.payroll_check, actor=people["finance"], payroll_id=p.pk)


def test_each_scope_by_its_approver_then_the_payroll_is_approved(payroll, people):
    approval.payroll_check(actor=people["finance"], payroll_id=payroll.pk)
    a = approval.payroll_approve(actor=people["district_approver"], payroll_id=payroll.pk)
    assert (a.scope, a.approved_by) == ("350203", people["district_approver"])
    payroll.refresh_from_db()
    assert payroll.status == "checked"  # two scopes still open
    approval.payroll_approve(actor=people["huli_approver"], payroll_id=payroll.pk, scope="350206")
    approval.payroll_approve(actor=people["city2"], payroll_id=payroll.pk, scope="city")
    payroll.refresh_from_db()
    assert payroll.status == "approved"
    last = payroll.events.filter(kind="approve").order_by("-id").first()
    assert (last.from_status, last.to_status, last.data["scope"]) == ("checked", "approved", "city")
    assert payroll.events.filter(kind="approve").count() == 3


def test_approval_refusals(payroll, people):
    pid = payroll.pk
    _refused(
        E.TRANSITION_NOT_ALLOWED,
        approval.payroll_approve,
        actor=people["district_approver"],
        payroll_id=pid,
    )
    approval.payroll_check(actor=people["finance"], payroll_id=pid)
    # another district's lines are outside the jurisdiction: not found
    with pytest.raises(NotFoundError):
        approval.payroll_approve(actor=people["district_approver"], payroll_id=pid, scope="350206")
    # the district does not approve the city-paid programs, nor the city a district's lines
    _refused(
        E.SCOPE_NOT_YOURS,
        approval.payroll_approve,
        actor=people["district_approver"],
        payroll_id=pid,
        scope="city",
    )
    _refused(
        E.SCOPE_NOT_YOURS,
        approval.payroll_approve,
        actor=people["city2"],
        payroll_id=pid,
        scope="350203",
    )
    # the preparer (ca) never approves
    _refused(
        E.APPROVER_CONFLICT,
        approval.payroll_approve,
        actor=people["city_admin"],
        payroll_id=pid,
        scope="city",
    )
    _refused(
        E.SCOPE_INVALID,
        approval.payroll_approve,
        actor=people["district_approver"],
        payroll_id=pid,
        scope="x",
    )
    with pytest.raises(NotPermittedError):
        approval.payroll_approve(actor=people["finance"], payroll_id=pid, scope="city")
    assert not PayrollApproval.objects.filter(approved_at__isnull=False).exists()
    approval.payroll_approve(actor=people["district_approver"], payroll_id=pid)
    _refused(
        E.SCOPE_APPROVED,
        approval.payroll_approve,
        actor=people["district_approver"],
        payroll_id=pid,
    )


def test_the_checker_never_approves(registry, people):
    """A city administrator who checked (someone else prepared) may not approve the city's part."""
    p = make_payroll("2024-07", prepared_by=people["city_admin"])
    add_line(p, person=registry.zhang_wei, program="five_elders", amount_fen=50000)
    approval.payroll_check(actor=people["city2"], payroll_id=p.pk)
    _refused(
        E.APPROVER_CONFLICT,
        approval.payroll_approve,
        actor=people["city2"],
        payroll_id=p.pk,
        scope="city",
    )


def test_the_budget_check_refuses_unless_the_city_overrides(payroll, people, monkeypatch):
    calls = []

    def budget(*, payroll, scope, actor, override):
        calls.append((scope, override))
        if not override:
            raise ServiceError("budget_exceeded", "over budget")

    monkeypatch.setattr(approval, "BUDGET_CHECKS", [budget])
    approval.payroll_check(actor=people["finance"], payroll_id=payroll.pk)
    _refused(
        "budget_exceeded",
        approval.payroll_approve,
        actor=people["city2"],
        payroll_id=payroll.pk,
        scope="city",
    )
    _refused(
        E.OVERRIDE_CITY_ONLY,
        approval.payroll_approve,
        actor=people["district_approver"],
        payroll_id=payroll.pk,
        budget_override=True,
    )
    a = approval.payroll_approve(
        actor=people["city2"], payroll_id=payroll.pk, scope="city", budget_override=True
    )
    assert a.budget_override and calls == [("city", False), ("city", True)]


def test_send_back_drops_the_approvals(payroll, people):
    approval.payroll_check(actor=people["finance"], payroll_id=payroll.pk)
    approval.payroll_approve(actor=people["district_approver"], payroll_id=payroll.pk)
    _refused(
        E.REASON_REQUIRED,
        approval.payroll_send_back,
        actor=people["finance"],
        payroll_id=payroll.pk,
        reason=" ",
    )
    approval.payroll_send_back(actor=people["finance"], payroll_id=payroll.pk, reason="少算一户")
    payroll.refresh_from_db()
    assert payroll.status == "draft" and not payroll.approvals.exists()
    assert payroll.events.get(kind="reopen").data["approvals_dropped"] == ["350203"]


def test_close_needs_a_reconciled_payroll(payroll, people):
    _refused(
        E.TRANSITION_NOT_ALLOWED,
        approval.payroll_close,
        actor=people["finance"],
        payroll_id=payroll.pk,
    )
    Payroll.objects.filter(pk=payroll.pk).update(status="reconciled")
    approval.payroll_close(actor=people["finance"], payroll_id=payroll.pk)
    payroll.refresh_from_db()
    assert payroll.status == "closed"


def test_lines_and_totals_are_scoped_to_the_jurisdiction(payroll, people):
    da = screens.payroll_totals(actor=people["district_approver"], payroll=payroll)
    assert (da.lines, da.amount_fen) == (3, 145050)  # 思明: 600.00 + 350.50 + 500.00
    assert set(da.by_district) == {"350203"}
    city = screens.payroll_totals(actor=people["finance"], payroll=payroll)
    assert (city.lines, city.amount_fen) == (4, 253050)
    assert city.by_program == {
        "dibao": {"lines": 2, "amount_fen": 95050},
        "five_elders": {"lines": 1, "amount_fen": 50000},
        "tekun": {"lines": 1, "amount_fen": 108000},
    }
    names = set(
        screens.lines_filtered(actor=people["huli_approver"], payroll=payroll).values_list(
            "person__name", flat=True
        )
    )
    assert names == {"陈杰"}
    filtered = screens.lines_filtered(
        actor=people["finance"], payroll=payroll, program="dibao", name="王"
    )
    assert [line.amount_fen for line in filtered] == [35050]
    with pytest.raises(NotPermittedError):
        screens.payroll_totals(actor=people["verification_operator"], payroll=payroll)


def test_differences_from_last_month(payroll, registry, people):
    before = make_payroll("2024-04", prepared_by=people["city_admin"])
    add_line(before, person=registry.zhang_wei, household=registry.zh1, amount_fen=58000)
    prev, rows = screens.differences(actor=people["finance"], payroll=payroll)
    assert prev == before
    dibao = next(r for r in rows if r["program"] == "dibao")
    assert (dibao["lines_change"], dibao["amount_change_fen"]) == (1, 95050 - 58000)
