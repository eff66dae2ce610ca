"""The ledger side of the payments services (docs/funds.md "Wiring"): each function books one
payments event, inside the caller's transaction, from the payments app's own rows. The payments
services call them in one line each; the approval's budget check is registered in
`payments.approval.BUDGET_CHECKS` when both apps are installed (apps.py).

Amounts come from what the bank file carries (`BankFileEntry.amount_fen`); when it differs from
the line's amount (a recovery deducted), each level's share is scaled to it, the rounding fen
going to the city."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, Sum
from django.utils import timezone

from . import chart
from . import services as fs


def scaled_split(amount: int, city: int, district: int, street: int, part: int):
    """The split of `part` fen of a line of `amount` fen split (city, district, street)."""
    if part == amount or amount == 0:
        return city, district, street
    d = district * part // amount
    s = street * part // amount
    return part - d - s, d, s


def _rows_from_entries(entries) -> list[dict]:
    """Bank file entries → rows per (program, district) with each level's fen."""
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    whole = (
        entries.filter(amount_fen=F("line__amount_fen"))
        .values("line__program", "line__division_id")
        .annotate(c=Sum("line__city_fen"), d=Sum("line__district_fen"), s=Sum("line__street_fen"))
        .order_by()
    )
    for r in whole:
        a = acc[(r["line__program"], str(r["line__division_id"])[:6])]
        a[0] += int(r["c"])
        a[1] += int(r["d"])
        a[2] += int(r["s"])
    for e in entries.exclude(amount_fen=F("line__amount_fen")).values(
        "amount_fen",
        "line__program",
        "line__division_id",
        "line__amount_fen",
        "line__city_fen",
        "line__district_fen",
        "line__street_fen",
    ):
        c, d, s = scaled_split(
            e["line__amount_fen"],
            e["line__city_fen"],
            e["line__district_fen"],
            e["line__street_fen"],
            e["amount_fen"],
        )
        a = acc[(e["line__program"], str(e["line__division_id"])[:6])]
        a[0] += c
        a[1] += d
        a[2] += s
    return [
        {"program": p, "district": dist, "city_fen": v[0], "district_fen": v[1], "street_fen": v[2]}
        for (p, dist), v in sorted(acc.items())
    ]


# ------------------------------------------------------------------------------ approval
def approval_budget_check(*, payroll, scope: str, actor, override: bool = False) -> None:
    """payments.approval.BUDGET_CHECKS: before a scope is approved, the budgets of that scope
    (the city's levels for the city scope, a district's levels for its scope) must hold, or be
    covered by the city's override: a recorded `budget_override`, or the approval's own
    override flag when the approver is the city (recorded then)."""
    from safetynet.accounts.permissions import role_may

    from .errors import BUDGET_EXCEEDED, ServiceError
    from .models import BudgetOverride

    shortfalls = fs.budget_check(payroll)
    if scope == "city":
        mine = [s for s in shortfalls if s.level == "city"]
    else:
        mine = [s for s in shortfalls if s.district == scope]
    if not mine:
        return
    override_row = BudgetOverride.objects.filter(payroll_id=payroll.pk).first()
    if override_row is not None:
        allowed = {
            (s["program"], s["level"], s["district"]): s["over_fen"]
            for s in override_row.shortfalls
        }
        if all(s.over_fen <= allowed.get((s.program, s.level, s.district), -1) for s in mine):
            return
    if override and role_may(getattr(actor, "role", None), "funds.override_budget"):
        fs.budget_override(actor=actor, payroll=payroll, reason="审批时由市级批准超预算发放")
        return
    names = "; ".join(
        f"{s.program} {s.level} {s.district or 'city'}: over {s.over_fen} fen" for s in mine
    )
    raise ServiceError(BUDGET_EXCEEDED, f"budget exceeded: {names}")


def book_payroll_approved(*, actor, payroll) -> None:
    """The payroll is approved (its last scope): the approval entry, and the recoveries
    deducted from its lines (one entry for the payroll)."""
    on = timezone.localdate()
    fs.post_payroll_approval(
        actor=actor,
        payroll_id=payroll.pk,
        month=payroll.month,
        on=on,
        rows=fs.payroll_rows(payroll),
    )
    try:
        from safetynet.payments.flow_models import RecoveryDeduction
    except ImportError:  # pragma: no cover - the payroll-flow app is not there
        return
    rows = (
        RecoveryDeduction.objects.filter(line__payroll_id=payroll.pk)
        .exclude(line__status="cancelled")
        .values("recovery__program", "line__program", "line__division_id")
        .annotate(fen=Sum("amount_fen"))
        .order_by()
    )
    legs = []

    for r in rows:
        district = str(r["line__division_id"])[:6]
        legs.append(fs.Leg(chart.payable(r["line__program"]), int(r["fen"]), district))
        legs.append(
            fs.Leg(chart.recoveries_receivable(r["recovery__program"]), -int(r["fen"]), district)
        )
    if legs:
        source = f"deduction:payroll:{payroll.pk}"
        if fs.entry_for(source) is None:
            fs.journal_post(
                actor=actor,
                on=on,
                memo=f"发放名册 {payroll.month} 追回抵扣",
                source=source,
                postings=legs,
            )


# ------------------------------------------------------------------------------ banks
def book_bank_files(*, actor, files: Iterable, on=None) -> None:
    """Bank files made: each file's lines are funded from the levels' treasuries."""
    from safetynet.payments.bank_models import BankFileEntry

    on = on or timezone.localdate()
    for bf in files:
        rows = _rows_from_entries(BankFileEntry.objects.filter(file_id=bf.pk))
        fs.post_bank_funding(
            actor=actor, ref=f"bankfile:{bf.pk}", on=on, rows=rows, memo=f"代发资金 {bf.reference}"
        )


def book_bank_results(*, actor, result_file) -> None:
    """A bank's result file imported: its paid lines settle the payable, its failed lines'
    money returns to the treasuries (the lines stay payable)."""
    from safetynet.payments.bank_models import BankFileEntry

    on = timezone.localdate()
    # through the (file, result) index: result_file has no index of its own (ADR 0950)
    entries = BankFileEntry.objects.filter(
        file_id=result_file.bank_file_id, result_file_id=result_file.pk
    )
    ref = f"resultfile:{result_file.pk}"
    name = result_file.bank_file.reference
    fs.post_payments_paid(
        actor=actor,
        ref=ref,
        on=on,
        rows=_rows_from_entries(entries.filter(result="paid")),
        memo=f"银行回盘 已支付 {name}",
    )
    fs.post_payments_failed(
        actor=actor,
        ref=ref,
        on=on,
        rows=_rows_from_entries(entries.filter(result="failed")),
        memo=f"银行回盘 失败退回 {name}",
    )


# ------------------------------------------------------------------------------ recoveries
def book_recovery(*, actor, recovery) -> None:
    """An overpayment detected: the receivable, by the overpaid line's funding split."""
    line = recovery.line
    c, d, s = scaled_split(
        line.amount_fen, line.city_fen, line.district_fen, line.street_fen, recovery.amount_fen
    )
    split = fs.Split(recovery.program, str(recovery.division_id)[:6], c, d, s)
    fs.post_recovery(
        actor=actor,
        ref=f"recovery:{recovery.pk}",
        on=timezone.localdate(),
        split=split,
        memo=f"多发追回 {recovery.beneficiary_key} {recovery.program} {recovery.benefit_month}",
    )


def book_bank_return(*, actor, refund) -> None:
    """A bank returned a paid line (payments.refunds): its money back to the treasuries by the
    line's split (scaled to the amount the entry carried), the line payable again."""
    from safetynet.payments.bank_models import BankFileEntry

    fs.post_bank_return(
        actor=actor,
        ref=f"bankreturn:{refund.pk}",
        on=refund.received_on,
        rows=_rows_from_entries(BankFileEntry.objects.filter(pk=refund.entry_id)),
        memo=f"银行退回 {refund.entry.reference} {refund.reason}",
    )


def book_repayment(*, actor, refund) -> None:
    """A beneficiary paid back (part of) an overpayment: the receivable is settled."""
    recovery = refund.recovery
    fs.post_refund(
        actor=actor,
        ref=f"repayment:{refund.pk}",
        on=refund.received_on,
        program=recovery.program,
        district=str(recovery.division_id)[:6],
        amount_fen=int(refund.amount_fen),
        memo=f"个人退款 {recovery.beneficiary_key} {recovery.program} {recovery.benefit_month} "
        f"收据 {refund.reference}",
    )


def book_write_off(*, actor, recovery, amount_fen: int, reason: str) -> None:
    fs.post_write_off(
        actor=actor,
        ref=f"recovery:{recovery.pk}",
        on=timezone.localdate(),
        program=recovery.program,
        district=str(recovery.division_id)[:6],
        amount_fen=int(amount_fen),
        reason=reason,
    )


# ------------------------------------------------------------------------------ reconciliation
def clearing_balance_of(payroll) -> int:
    """What the books still hold on the bank clearing account for this payroll's files: the
    funding of its bank files less their paid and failed results. 0 when every fen sent came
    back as paid or failed (the check of `payroll_reconcile`)."""
    from safetynet.payments.bank_models import BankFile, BankResultFile

    from .models import Posting

    files = list(BankFile.objects.filter(payroll_id=payroll.pk).values_list("pk", flat=True))
    results = BankResultFile.objects.filter(bank_file_id__in=files).values_list("pk", flat=True)
    sources = [f"funding:bankfile:{pk}" for pk in files]
    sources += [f"{kind}:resultfile:{pk}" for pk in results for kind in ("paid", "failed")]
    total = Posting.objects.filter(
        entry__source__in=sources, account__code=chart.bank_clearing().code
    ).aggregate(s=Sum("amount_fen"))["s"]
    return int(total or 0)
