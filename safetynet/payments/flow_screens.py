"""Reads for the payroll screens, the recoveries and the API, scoped to the actor's jurisdiction:
a payroll is the city's (every user who may see payrolls sees the list), but its lines, totals
and recoveries are only those of divisions in the actor's subtree."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Substr

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.cases.screens import SlicePage
from safetynet.registry.models import Division, Membership

from . import flow_errors as E
from . import selectors
from .approval import may_approve_scope, scope_of_user
from .flow_models import (
    CITY_SCOPE,
    PayrollApproval,
    Recovery,
    RecoveryDeduction,
    RecoveryStatus,
    Refund,
)
from .models import BankFileEntry, LineStatus, PaymentLine, Payroll

PAGE_SIZE = 50


def slice_page(qs, page: str | None, size: int = PAGE_SIZE) -> SlicePage:
    """One page of a list without counting it (the cases' SlicePage: one row more is fetched)."""
    try:
        number = max(1, int(page or 1))
    except ValueError:
        number = 1
    number = min(number, 10_000)
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return SlicePage(rows[:size], number, len(rows) > size)


def _prefix(actor: User) -> str | None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    return actor.scope_prefix


# --------------------------------------------------------------------------- payrolls
def payrolls_visible_to(actor: User) -> QuerySet[Payroll]:
    """Every payroll (they are the city's), newest month first (payroll-core's selector)."""
    return selectors.payroll_list(actor=actor)


def payroll_get(*, actor: User, payroll_id: int) -> Payroll:
    try:
        return selectors.payroll_get(actor=actor, payroll_id=int(payroll_id))
    except (ValueError, TypeError):
        raise E.NotFoundError("payroll") from None


def lines_visible_to(actor: User, payroll: Payroll | None = None) -> QuerySet[PaymentLine]:
    """The lines in the actor's jurisdiction (payroll-core's selector)."""
    return selectors.lines_visible_to(actor, payroll)


def lines_filtered(
    *,
    actor: User,
    payroll: Payroll,
    program: str = "",
    district: str = "",
    status: str = "",
    name: str = "",
) -> QuerySet[PaymentLine]:
    qs = lines_visible_to(actor, payroll)
    if program:
        qs = qs.filter(program=program)
    if district:
        qs = qs.filter(division__code__startswith=district)
    if status:
        qs = qs.in_state(status)  # "sent" is derived (ADR 0950)
    if name:
        qs = qs.filter(person__name__contains=name.strip())
    return (
        qs.with_state()
        .select_related("person", "division")
        .order_by("division_id", "beneficiary_key", "program", "benefit_month", "id")
    )


def with_deductions(lines: list[PaymentLine]) -> list[PaymentLine]:
    """Each line of a page with `deducted_fen` (withheld towards recoveries) and `net_fen`: one
    query for the page, not a grouped pass over the whole payroll."""
    sums = dict(
        RecoveryDeduction.objects.filter(line_id__in=[x.pk for x in lines])
        .values_list("line_id")
        .annotate(s=Sum("amount_fen"))
        .order_by()
    )
    for line in lines:
        line.deducted_fen = int(sums.get(line.pk) or 0)
        line.net_fen = line.amount_fen - line.deducted_fen
    return lines


@dataclass
class Totals:
    lines: int = 0
    amount_fen: int = 0
    by_program: dict[str, dict] = field(default_factory=dict)
    by_district: dict[str, dict] = field(default_factory=dict)
    by_status: dict[str, dict] = field(default_factory=dict)


def _grouped(qs, key) -> dict[str, dict]:
    rows = qs.values_list(key).annotate(n=Count("id"), fen=Sum("amount_fen")).order_by(key)
    return {k: {"lines": n, "amount_fen": int(fen or 0)} for k, n, fen in rows}


def payroll_totals(*, actor: User, payroll: Payroll) -> Totals:
    """Lines and fen of the payroll in the actor's jurisdiction (cancelled lines aside), by
    program, by district and by status."""
    qs = lines_visible_to(actor, payroll).exclude(status=LineStatus.CANCELLED)
    by_program = _grouped(qs, "program")
    by_status = _grouped(qs.with_state(), "state")  # "sent" is derived (ADR 0950)
    by_district = _grouped(qs.annotate(district=Substr("division_id", 1, 6)), "district")
    names = dict(Division.objects.filter(code__in=list(by_district)).values_list("code", "name"))
    for code, t in by_district.items():
        t["name"] = names.get(code, code)
    return Totals(
        lines=sum(t["lines"] for t in by_program.values()),
        amount_fen=sum(t["amount_fen"] for t in by_program.values()),
        by_program=by_program,
        by_district=by_district,
        by_status=by_status,
    )


def list_totals(*, actor: User, payroll: Payroll) -> Totals:
    """The list's figures: a city-wide user gets the totals the run cached on the payroll (no
    pass over millions of lines per row); anyone else the lines of their jurisdiction."""
    prefix = _prefix(actor)
    cached = payroll.totals or {}
    if prefix is not None and len(prefix) <= 4 and "lines" in cached:
        return Totals(lines=int(cached["lines"]), amount_fen=int(cached.get("amount_fen", 0)))
    t = payroll_totals(actor=actor, payroll=payroll)
    return Totals(lines=t.lines, amount_fen=t.amount_fen)


def previous_payroll(payroll: Payroll) -> Payroll | None:
    return Payroll.objects.filter(month__lt=payroll.month).order_by("-month").first()


def _by_program(actor: User, payroll: Payroll) -> dict[str, dict]:
    qs = lines_visible_to(actor, payroll).exclude(status=LineStatus.CANCELLED)
    return _grouped(qs, "program")


def differences(
    *, actor: User, payroll: Payroll, now: Totals | None = None
) -> tuple[Payroll | None, list[dict]]:
    """The previous month's payroll and, per program, lines and fen now, then and the change
    (`now`: the payroll's totals when the caller has them already)."""
    before = previous_payroll(payroll)
    now_by = now.by_program if now is not None else _by_program(actor, payroll)
    then = _by_program(actor, before) if before else {}
    now = now_by
    rows = []
    for program in sorted(set(now) | set(then)):
        a = now.get(program, {"lines": 0, "amount_fen": 0})
        b = then.get(program, {"lines": 0, "amount_fen": 0})
        rows.append(
            {
                "program": program,
                "lines": a["lines"],
                "amount_fen": a["amount_fen"],
                "previous_lines": b["lines"],
                "previous_amount_fen": b["amount_fen"],
                "lines_change": a["lines"] - b["lines"],
                "amount_change_fen": a["amount_fen"] - b["amount_fen"],
            }
        )
    return before, rows


def approvals(*, actor: User, payroll: Payroll) -> list[PayrollApproval]:
    """The payroll's approval scopes the actor sees (the city's and those in the jurisdiction),
    each with `mine` (the actor approves it)."""
    prefix = _prefix(actor) or "-"
    rows = list(
        payroll.approvals.select_related("approved_by").filter(
            Q(scope=CITY_SCOPE) | Q(scope__startswith=prefix)
        )
    )
    names = dict(
        Division.objects.filter(code__in=[a.scope for a in rows]).values_list("code", "name")
    )
    for a in rows:
        a.label = names.get(a.scope, a.scope)
        a.mine = may_approve_scope(actor, a.scope)
    return rows


def my_scope(actor: User) -> str | None:
    return scope_of_user(actor)


# --------------------------------------------------------------------------- recoveries
def recoveries_visible_to(actor: User) -> QuerySet[Recovery]:
    require(actor, "payments.view_recoveries")
    prefix = _prefix(actor)
    if prefix is None:
        return Recovery.objects.none()
    return Recovery.objects.filter(division__code__startswith=prefix)


def recoveries_list(*, actor: User, status: str = "") -> QuerySet[Recovery]:
    qs = recoveries_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("person", "division", "written_off_by")
        .annotate(recovered=Sum("deductions__amount_fen"))
        .order_by("status", "benefit_month", "id")
    )


def recovery_get(*, actor: User, recovery_id: int) -> Recovery:
    try:
        return recoveries_list(actor=actor).get(pk=recovery_id)
    except (Recovery.DoesNotExist, ValueError, TypeError):
        raise E.NotFoundError("recovery") from None


def outstanding(r: Recovery) -> int:
    return r.amount_fen - int(getattr(r, "recovered", 0) or 0) - r.refunded_fen - r.written_off_fen


OPEN = RecoveryStatus.OPEN


# --------------------------------------------------------------------------- household page
def household_payments(*, actor: User, household_id: int, limit: int = 120) -> list[PaymentLine]:
    """What was paid to a household, when and why: its lines and its members' personal lines,
    newest benefit month first, each with what was withheld (`deducted_fen`), the payroll's
    month and every sending to a bank (`bank_entries`: the date paid, failed and why, sent
    again, returned). Empty for a role that may not see payrolls."""
    if not actor.has_perm("payments.see_payrolls"):
        return []
    entries = BankFileEntry.objects.select_related("file__payroll").order_by("id")
    return list(
        _household_lines(actor, household_id)
        .select_related("person", "payroll")
        .prefetch_related(Prefetch("bank_entries", queryset=entries))
        .annotate(deducted_fen=Sum("deductions__amount_fen"))
        .order_by("-benefit_month", "program", "-id")[:limit]
    )


def _household_lines(actor: User, household_id: int) -> QuerySet[PaymentLine]:
    members = Membership.objects.filter(household_id=household_id).values("person_id")
    return lines_visible_to(actor).filter(
        Q(household_id=household_id) | Q(household__isnull=True, person_id__in=members)
    )


def household_refunds(*, actor: User, household_id: int) -> list[Refund]:
    """Money that came back for the household's lines (bank returns, repayments), newest
    first (ADR 0943)."""
    if not actor.has_perm("payments.see_payrolls"):
        return []
    lines = _household_lines(actor, household_id).values("id")
    return list(
        Refund.objects.filter(line_id__in=lines)
        .select_related("line", "line__person")
        .order_by("-received_on", "-id")[:50]
    )


def household_recoveries(*, actor: User, household_id: int) -> list[Recovery]:
    if not actor.has_perm("payments.view_recoveries"):
        return []
    return list(
        recoveries_visible_to(actor)
        .filter(household_id=household_id)
        .annotate(recovered=Sum("deductions__amount_fen"))
        .order_by("-benefit_month")[:50]
    )


def deductions_of(line: PaymentLine) -> list[RecoveryDeduction]:
    return list(line.deductions.select_related("recovery").order_by("recovery_id"))
