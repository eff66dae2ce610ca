"""Providers' monthly statements (ADR 1204): the credit part of the orders each provider settled
against cards in a month that is over, booked at once as a payable — the hospitals' path (ADR
1102): each level's benefit expense (`Expenses:Benefits:<level>:EldercareCredit`, per district of
the person) ↔ `Liabilities:Payable:EldercareCredit`. What the persons paid themselves is theirs
to the provider and is only shown. The bank file paying the payable is the hospitals' and funeral
homes' kind (ADR 1103), made and answered through the shared institutions/reimbursement.py
(ADR 1140, ADR 1210): `reimbursement_files_make`, `reimbursement_results_import`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from safetynet.accounts.permissions import require
from safetynet.core.files import removes_stored_files_on_failure
from safetynet.rules.eldercare import PROGRAM

from .errors import STATEMENT_EXISTS, STATEMENT_INVALID, refuse
from .models import ProviderStatement, ServiceOrder

SEND = "eldercare.send_reimbursements"


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        refuse(STATEMENT_INVALID, f"月份 {month!r} 格式应为YYYY-MM。", "month")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(nxt, dt.time(), tzinfo=tz),
    )


@transaction.atomic
def provider_statements_make(*, actor, month: str, today: dt.date | None = None) -> list:
    """One statement per provider with orders settled in `month` not yet stated; booked."""
    from safetynet.funds import chart
    from safetynet.funds.services import Leg, journal_post, splits_of

    require(actor, "eldercare.make_statements")
    start, end = month_bounds(month)
    today = today or timezone.localdate()
    if end.date() > today:
        refuse(STATEMENT_INVALID, f"{month} 尚未结束。", "month")
    due = ServiceOrder.objects.filter(
        settled_at__gte=start, settled_at__lt=end, statement__isnull=True
    )
    locked = list(due.select_for_update().values_list("pk", flat=True))
    pending = ServiceOrder.objects.filter(pk__in=locked)
    made = []
    for provider_id in sorted(set(pending.values_list("provider_id", flat=True))):
        if ProviderStatement.objects.filter(provider_id=provider_id, month=month).exists():
            refuse(STATEMENT_EXISTS, field="month")
        orders = pending.filter(provider_id=provider_id)
        rows = [
            {
                "program": PROGRAM,
                "district": r["division_id"][:6],
                "city_fen": int(r["c"]),
                "district_fen": int(r["d"]),
                "street_fen": int(r["s"]),
            }
            for r in orders.values("division_id").annotate(
                c=Sum("city_fen"), d=Sum("district_fen"), s=Sum("street_fen")
            )
        ]
        totals = orders.aggregate(
            c=Sum("city_fen"), d=Sum("district_fen"), s=Sum("street_fen"), own=Sum("self_pay_fen")
        )
        statement = ProviderStatement.objects.create(
            provider_id=provider_id,
            month=month,
            orders_count=orders.count(),
            amount_fen=int(totals["c"] or 0) + int(totals["d"] or 0) + int(totals["s"] or 0),
            self_pay_fen=int(totals["own"] or 0),
            city_fen=int(totals["c"] or 0),
            district_fen=int(totals["d"] or 0),
            street_fen=int(totals["s"] or 0),
            made_by=actor,
        )
        if statement.amount_fen:
            legs = []
            for split in splits_of(rows):
                for level, fen in split.by_level().items():
                    if fen:
                        where = "" if level == "city" else split.district
                        legs.append(Leg(chart.benefit_expense(level, where, PROGRAM), fen,
                                        split.district))  # fmt: skip
                legs.append(Leg(chart.payable(PROGRAM), -split.amount_fen, split.district))
            source = f"approval:eldercare-statement:{statement.pk}"
            journal_post(
                actor=actor,
                on=today,
                memo=f"居家养老服务额度 {month} 服务商结算 {statement.provider.name}",
                source=source,
                postings=legs,
            )
            statement.journal_source = source
            statement.save(update_fields=["journal_source"])
        orders.update(statement=statement)
        made.append(statement)
    return made


# --------------------------------------------------------------------------- bank files (ADR 1210)
def _statement_rows(statements) -> list[dict]:
    """The statements' funding split per district (what each statement booked)."""
    rows = (
        ServiceOrder.objects.filter(statement__in=[s.pk for s in statements])
        .values("division_id")
        .annotate(c=Sum("city_fen"), d=Sum("district_fen"), s=Sum("street_fen"))
    )
    return [
        {"program": PROGRAM, "district": r["division_id"][:6], "city_fen": int(r["c"] or 0),
         "district_fen": int(r["d"] or 0), "street_fen": int(r["s"] or 0)}
        for r in rows
    ]  # fmt: skip


def _program():
    from safetynet.institutions.reimbursement import Program

    from .errors import EldercarePayableError
    from .models import ReimbursementFile

    return Program(
        statement_model=ProviderStatement,
        file_model=ReimbursementFile,
        payee="provider",
        prefix="YL",  # 养老
        ledger="eldercare",
        memo="居家养老服务额度 服务商结算拨付",
        error=EldercarePayableError,
        rows_of=_statement_rows,
    )


@removes_stored_files_on_failure
@transaction.atomic
def reimbursement_files_make(*, actor, month: str, fmt: str = "xlsx", today=None) -> list:
    """One payable file per bank of the statements of `month` (and earlier ones whose line
    failed) not yet on a file and due something (institutions/reimbursement.py, ADR 1210)."""
    from safetynet.institutions.reimbursement import payable_files_make

    require(actor, SEND)
    month_bounds(month)
    if fmt not in ("xlsx", "csv"):
        refuse(STATEMENT_INVALID, "格式应为xlsx或csv。", "format")
    pending = list(
        ProviderStatement.objects.select_for_update(of=("self",))
        .filter(month__lte=month, bank_file__isnull=True, paid_on__isnull=True, amount_fen__gt=0)
        .select_related("provider")
        .order_by("provider__bank_code", "provider__credit_code", "month")
    )
    return payable_files_make(
        program=_program(),
        actor=actor,
        month=month,
        statements=pending,
        fmt=fmt,
        today=today or timezone.localdate(),
    )


@transaction.atomic
def reimbursement_results_import(*, actor, content: bytes, today=None):
    """The bank's answer to a providers' payable file, all or nothing: paid lines settle the
    payable; failed lines return the money and wait for the next file. (paid, failed)."""
    from safetynet.institutions.reimbursement import results_import

    require(actor, SEND)
    return results_import(
        program=_program(), actor=actor, content=content, today=today or timezone.localdate()
    )
