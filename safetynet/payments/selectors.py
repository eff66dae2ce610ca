"""Payments reads, scoped to the actor's jurisdiction (lines by their street)."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from safetynet.accounts.permissions import require

from . import errors as E
from .models import BankAccount, LineStatus, PaymentLine, Payroll


def payroll_get(*, actor, payroll_id: int | None = None, month: str | None = None) -> Payroll:
    """A payroll by id or month. Payrolls are the city's (every reader sees the header; lines
    are scoped)."""
    require(actor, "payments.see_payrolls")
    if actor.scope_prefix is None:
        raise E.NotFoundError("payroll")
    qs = Payroll.objects.all()
    payroll = (
        qs.filter(pk=payroll_id).first()
        if payroll_id is not None
        else qs.filter(month=month).first()
    )
    if payroll is None:
        raise E.NotFoundError("payroll")
    return payroll


def payroll_list(*, actor) -> QuerySet[Payroll]:
    require(actor, "payments.see_payrolls")
    if actor.scope_prefix is None:
        return Payroll.objects.none()
    return Payroll.objects.order_by("-month")


def lines_visible_to(actor, payroll: Payroll | None = None) -> QuerySet[PaymentLine]:
    """Lines whose street lies in the actor's jurisdiction (all for the city)."""
    require(actor, "payments.see_payrolls")
    prefix = actor.scope_prefix
    if prefix is None:
        return PaymentLine.objects.none()
    qs = PaymentLine.objects.all()
    if payroll is not None:
        qs = qs.filter(payroll=payroll)
    # a line's division is a street (9 digits): a community worker's prefix (12) sees the lines
    # of the street its community belongs to only through the household, so match both ways
    if len(prefix) > 9:
        return qs.filter(household__division__code__startswith=prefix)
    return qs.filter(division__code__startswith=prefix)


def payroll_totals(*, actor, payroll: Payroll) -> dict:
    """Lines and amount per program and status within the actor's jurisdiction."""
    out: dict[str, dict] = {}
    rows = (
        lines_visible_to(actor, payroll)
        .exclude(status=LineStatus.CANCELLED)
        .with_state()  # "sent" is derived from the pending bank file entry (ADR 0950)
        .values_list("program", "state")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
        .order_by("program", "state")
    )
    for program, status, n, fen in rows:
        t = out.setdefault(program, {"lines": 0, "amount_fen": 0, "by_status": {}})
        t["lines"] += n
        t["amount_fen"] += int(fen or 0)
        t["by_status"][status] = {"lines": n, "amount_fen": int(fen or 0)}
    return out


def bank_account_current(*, person_id: int) -> BankAccount | None:
    return BankAccount.objects.filter(person_id=person_id, valid_to__isnull=True).first()
