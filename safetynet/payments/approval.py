"""The payroll after its draft: check, approve per scope, close (ADR 0940).

    draft ─payroll_check→ checked ─payroll_approve (every scope)→ approved
    … reconciled ─payroll_close→ closed
    checked ─payroll_send_back→ draft

Each service is keyword-only: the ability first (`not_permitted`), then the payroll locked
(`select_for_update`), the state table (`payroll_transition_not_allowed`), maker-checker, and the
change with its PayrollEvent in one transaction. A refusal writes nothing.

Scopes: a line belongs to `city` when its program is paid wholly by the city in its benefit month
(the `<program>.funding` parameter), else to its district (the first six digits of its division
code). District approvers approve their district's scope, the city administrator the city's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from safetynet.accounts.models import Role, User
from safetynet.accounts.permissions import require
from safetynet.funds.payments_hooks import book_payroll_approved
from safetynet.registry.models import DivisionLevel
from safetynet.rules.parameters import MissingParameterValue, load_parameters

from . import flow_errors as E
from .events import payroll_event_record
from .flow_models import CITY_SCOPE, PayrollApproval
from .models import LineStatus, Payroll, PayrollEventKind
from .services import payroll_transition
from .states import PayrollStatus

DISTRICT_CODE_LENGTH = 6

# The funds app's budget check (issue 9 "Funds and ledger"): each callable is called as
# `check(payroll=…, scope=…, actor=…, override=…)` before a scope is approved and raises a
# ServiceError to refuse (e.g. the budget would be exceeded and `override` is False). `override`
# is the city's explicit budget override, passed from the screen, the API and the CLI.
BudgetCheck = Callable[..., None]
BUDGET_CHECKS: list[BudgetCheck] = []


# --------------------------------------------------------------------------- scopes
def _month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def city_paid(program: str, month: str) -> bool:
    """Whether the city pays the whole of `program` in benefit month `month` (its funding
    parameter gives the city a share of 1 on the month's first day)."""
    params = load_parameters()
    name = f"{program}.funding"
    if name not in params:
        return False
    try:
        shares = params.at(name, _month_start(month)).value
    except MissingParameterValue:
        return False
    return Fraction(shares.get("city", 0)) == 1


def line_scope(*, program: str, benefit_month: str, division_code: str) -> str:
    """The approval scope of one line: `city`, or the district's code."""
    if city_paid(program, benefit_month):
        return CITY_SCOPE
    return division_code[:DISTRICT_CODE_LENGTH]


def scope_totals(payroll: Payroll) -> dict[str, dict[str, int]]:
    """{scope: {"lines": n, "amount_fen": n}} of the payroll's lines (cancelled ones aside)."""
    rows = (
        payroll.lines.exclude(status=LineStatus.CANCELLED)
        .values_list("program", "benefit_month", "division_id")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
        .order_by()
    )
    out: dict[str, dict[str, int]] = {}
    for program, month, division, n, fen in rows:
        scope = line_scope(program=program, benefit_month=month, division_code=division)
        t = out.setdefault(scope, {"lines": 0, "amount_fen": 0})
        t["lines"] += n
        t["amount_fen"] += int(fen or 0)
    return dict(sorted(out.items()))


def scope_of_user(actor: User) -> str | None:
    """The scope this user approves: the city administrator (city-wide) `city`; a district
    approver their district's code; anyone else none."""
    jurisdiction = getattr(actor, "jurisdiction", None)
    if jurisdiction is None:
        return None
    if actor.role == Role.CITY_ADMIN and jurisdiction.level == DivisionLevel.CITY:
        return CITY_SCOPE
    if actor.role == Role.DISTRICT_APPROVER and jurisdiction.level == DivisionLevel.DISTRICT:
        return jurisdiction.code
    return None


def may_approve_scope(actor: User, scope: str) -> bool:
    return scope_of_user(actor) == scope


# --------------------------------------------------------------------------- helpers
def _payroll_for_update(payroll_id: int) -> Payroll:
    try:
        return Payroll.objects.select_for_update().get(pk=payroll_id)
    except (Payroll.DoesNotExist, ValueError, TypeError):
        raise E.NotFoundError("payroll") from None


def _event(payroll: Payroll, kind: str, actor, **data) -> None:
    payroll_event_record(payroll=payroll, kind=kind, actor=actor, **data)


def _move(payroll: Payroll, to: PayrollStatus, *, actor, kind: str, **data) -> None:
    payroll_transition(payroll, to.value, actor, kind, data)


def _require_status(payroll: Payroll, status: PayrollStatus, step: str) -> None:
    if payroll.status != status.value:
        raise E.ServiceError(
            E.TRANSITION_NOT_ALLOWED,
            f"payroll {payroll.month}: {step} is not possible from {payroll.status}",
        )


def preparers_of(payroll: Payroll) -> set[int]:
    """Who prepared the payroll: its `prepared_by` and every actor of its runs."""
    ids = set(
        payroll.events.filter(kind=PayrollEventKind.RUN, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )
    if payroll.prepared_by_id is not None:
        ids.add(payroll.prepared_by_id)
    return ids


def checkers_of(payroll: Payroll) -> set[int]:
    """Who checked the payroll since its last return to draft (the check events' actors)."""
    return set(
        payroll.events.filter(kind=PayrollEventKind.CHECK, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )


def _text(value, *, field: str, code: str, max_len: int = 500) -> str:
    text = str(value or "").strip()
    if not text or len(text) > max_len:
        message = f"{field} is required" if not text else f"{field} is too long ({max_len} max)"
        raise E.ServiceError(
            code, message, [E.FieldProblem(field=field, message=message, code=code)]
        )
    return text


# --------------------------------------------------------------------------- services
@transaction.atomic
def payroll_check(*, actor: User, payroll_id: int, note: str = "") -> Payroll:
    """复核: the checker (not the preparer) confirms the draft; one approval row per scope with
    lines is opened, with its count and amount."""
    require(actor, "payments.check_payroll")
    payroll = _payroll_for_update(payroll_id)
    _require_status(payroll, PayrollStatus.DRAFT, "check")
    if actor.pk in preparers_of(payroll):
        raise E.ServiceError(
            E.CHECKER_IS_PREPARER, f"{actor.username} prepared payroll {payroll.month}"
        )
    totals = scope_totals(payroll)
    if not totals:
        raise E.ServiceError(E.EMPTY, f"payroll {payroll.month} has no lines")
    PayrollApproval.objects.filter(payroll=payroll).delete()
    PayrollApproval.objects.bulk_create(
        PayrollApproval(payroll=payroll, scope=s, lines=t["lines"], amount_fen=t["amount_fen"])
        for s, t in totals.items()
    )
    _move(
        payroll,
        PayrollStatus.CHECKED,
        actor=actor,
        kind=PayrollEventKind.CHECK,
        scopes=totals,
        note=str(note or "")[:500],
    )
    return payroll


@transaction.atomic
def payroll_send_back(*, actor: User, payroll_id: int, reason: str) -> Payroll:
    """退回: a checked payroll goes back to draft (to be re-run), with the reason; approvals
    already given are dropped (a new check opens them again)."""
    require(actor, "payments.check_payroll")
    reason = _text(reason, field="reason", code=E.REASON_REQUIRED)
    payroll = _payroll_for_update(payroll_id)
    _require_status(payroll, PayrollStatus.CHECKED, "send back")
    dropped = list(
        PayrollApproval.objects.filter(payroll=payroll, approved_at__isnull=False).values_list(
            "scope", flat=True
        )
    )
    PayrollApproval.objects.filter(payroll=payroll).delete()
    _move(
        payroll,
        PayrollStatus.DRAFT,
        actor=actor,
        kind=PayrollEventKind.REOPEN,
        reason=reason,
        approvals_dropped=dropped,
    )
    return payroll


@transaction.atomic
def payroll_approve(
    *,
    actor: User,
    payroll_id: int,
    scope: str | None = None,
    budget_override: bool = False,
    note: str = "",
) -> PayrollApproval:
    """审批 one scope (default: the scope the actor approves). The approver is neither the
    preparer nor the checker; the funds' budget checks run first (`BUDGET_CHECKS`). When the
    last scope is approved the payroll is `approved`, in the same transaction."""
    require(actor, "payments.approve_payroll")
    own = scope_of_user(actor)
    scope = (scope or own or "").strip()
    if not scope or not (scope == CITY_SCOPE or (scope.isdigit() and len(scope) == 6)):
        raise E.ServiceError(
            E.SCOPE_INVALID,
            f"scope: {scope!r} is not a district code or city",
            [
                E.FieldProblem(
                    field="scope", message="a district code or city", code=E.SCOPE_INVALID
                )
            ],
        )
    prefix = actor.scope_prefix if actor.is_active else None
    if prefix is None or (scope != CITY_SCOPE and not scope.startswith(prefix)):
        raise E.NotFoundError("payroll scope")  # another district's: outside the jurisdiction
    payroll = _payroll_for_update(payroll_id)
    _require_status(payroll, PayrollStatus.CHECKED, "approve")
    try:
        approval = PayrollApproval.objects.select_for_update().get(payroll=payroll, scope=scope)
    except PayrollApproval.DoesNotExist:
        raise E.NotFoundError("payroll scope") from None
    if scope != own:
        raise E.ServiceError(E.SCOPE_NOT_YOURS, f"{actor.username} does not approve {scope}")
    if approval.approved_at is not None:
        raise E.ServiceError(E.SCOPE_APPROVED, f"payroll {payroll.month} {scope} is approved")
    if budget_override and scope_of_user(actor) != CITY_SCOPE:
        raise E.ServiceError(
            E.OVERRIDE_CITY_ONLY,
            "budget_override: only the city overrides the budget",
            [
                E.FieldProblem(
                    field="budget_override", message="city only", code=E.OVERRIDE_CITY_ONLY
                )
            ],
        )
    if actor.pk in preparers_of(payroll) | checkers_of(payroll):
        raise E.ServiceError(
            E.APPROVER_CONFLICT, f"{actor.username} prepared or checked payroll {payroll.month}"
        )
    for check in BUDGET_CHECKS:
        check(payroll=payroll, scope=scope, actor=actor, override=bool(budget_override))
    approval.approved_by = actor
    approval.approved_at = timezone.now()
    approval.budget_override = bool(budget_override)
    approval.note = str(note or "")[:500]
    approval.save()
    data = {"scope": scope, "lines": approval.lines, "amount_fen": approval.amount_fen}
    if budget_override:
        data["budget_override"] = True
    remaining = PayrollApproval.objects.filter(payroll=payroll, approved_at__isnull=True).count()
    if remaining:
        _event(payroll, PayrollEventKind.APPROVE, actor, **data, remaining=remaining)
    else:
        _move(payroll, PayrollStatus.APPROVED, actor=actor, kind=PayrollEventKind.APPROVE, **data)
        book_payroll_approved(actor=actor, payroll=payroll)  # the ledger (funds)
    return approval


@transaction.atomic
def payroll_reconcile(*, actor: User, payroll_id: int, note: str = "") -> Payroll:
    """对账: every line of the payroll's bank files is answered (results_in), the reconciliation
    per bank balances (sent = paid + failed + pending + returned, in count and fen, with nothing
    pending) and the books agree: the bank clearing account holds nothing more for its files
    (funded = paid + failed, in the journal). The figures go into the event."""
    from safetynet.funds.payments_hooks import clearing_balance_of

    from .bank_selectors import bank_reconciliation

    require(actor, "payments.close_payroll")
    payroll = _payroll_for_update(payroll_id)
    _require_status(payroll, PayrollStatus.RESULTS_IN, "reconciliation")
    rec = bank_reconciliation(actor=actor, payroll=payroll)
    rows = [*rec.banks, rec.total]
    if rec.total.pending.count or not all(r.balanced for r in rows):
        raise E.ServiceError(
            E.RECONCILIATION_OPEN,
            f"payroll {payroll.month}: the bank files' lines do not add up or some are pending",
        )
    left = clearing_balance_of(payroll)
    if left:
        raise E.ServiceError(
            E.RECONCILIATION_OPEN,
            f"payroll {payroll.month}: the bank clearing account still holds {left} fen",
        )

    def fig(f) -> list[int]:
        return [f.count, f.fen]

    _move(
        payroll,
        PayrollStatus.RECONCILED,
        actor=actor,
        kind=PayrollEventKind.RECONCILED,
        note=str(note or "")[:500],
        banks={
            r.bank_code: {
                "sent": fig(r.sent),
                "paid": fig(r.paid),
                "failed": fig(r.failed),
                "returned": fig(r.returned),
            }
            for r in rec.banks
        },
        held=fig(rec.held),
    )
    return payroll


@transaction.atomic
def payroll_close(*, actor: User, payroll_id: int, note: str = "") -> Payroll:
    """结账: a reconciled payroll is closed; nothing changes it afterwards."""
    require(actor, "payments.close_payroll")
    payroll = _payroll_for_update(payroll_id)
    _move(
        payroll,
        PayrollStatus.CLOSED,
        actor=actor,
        kind=PayrollEventKind.CLOSED,
        note=str(note or "")[:500],
    )
    return payroll
