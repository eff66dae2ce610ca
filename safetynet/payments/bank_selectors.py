"""Reads of bank files and results (docs/bank-files.md), scoped to the actor: a district's or
street's staff see the lines of their own divisions only; the files themselves (city-wide) are
for the city's finance office (who makes them) and the auditor."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from safetynet.accounts.permissions import require
from safetynet.core.errors import NotFoundError

from .models import (
    BankAccount,
    BankFile,
    BankFileEntry,
    EntryResult,
    LineStatus,
    PaymentLine,
    Payroll,
)


def _prefix(actor) -> str:
    prefix = actor.scope_prefix if actor.is_authenticated and actor.is_active else None
    if prefix is None:
        raise NotFoundError("payroll")
    return prefix


def _sees_files(actor) -> bool:
    return actor.has_perm("payments.send_bank_files") or actor.role == "auditor"


def bank_files_of(*, actor, payroll: Payroll) -> QuerySet[BankFile]:
    require(actor, "payments.see_payrolls")
    if not _sees_files(actor):
        return BankFile.objects.none()
    return BankFile.objects.filter(payroll=payroll).order_by("bank_code")


def bank_file_get(*, actor, file_id: int) -> BankFile:
    """A bank file for download (whole ID numbers of the whole city: finance office, auditor)."""
    require(actor, "payments.see_payrolls")
    if not _sees_files(actor):
        raise NotFoundError("bank file")
    try:
        return BankFile.objects.select_related("payroll").get(pk=file_id)
    except BankFile.DoesNotExist:
        raise NotFoundError("bank file") from None


@dataclass
class Figure:
    count: int = 0
    fen: int = 0


@dataclass
class ReconciliationRow:
    bank_code: str
    bank_name: str
    sent: Figure = field(default_factory=Figure)
    paid: Figure = field(default_factory=Figure)
    failed: Figure = field(default_factory=Figure)
    pending: Figure = field(default_factory=Figure)
    returned: Figure = field(default_factory=Figure)  # paid, then returned by the bank

    @property
    def balanced(self) -> bool:
        """Sent = paid + failed + pending + returned, in count and in fen."""
        parts = (self.paid, self.failed, self.pending, self.returned)
        return self.sent.count == sum(f.count for f in parts) and self.sent.fen == sum(
            f.fen for f in parts
        )


@dataclass
class Reconciliation:
    payroll: Payroll
    banks: list[ReconciliationRow]
    total: ReconciliationRow
    held: Figure  # this payroll's lines with no bank account (never sent)


def bank_reconciliation(*, actor, payroll: Payroll) -> Reconciliation:
    """Per bank: the lines sent in this payroll's files, paid, failed and still pending (count
    and fen), plus the payroll's held lines; the actor's divisions only."""
    require(actor, "payments.see_payrolls")
    prefix = _prefix(actor)
    entries = BankFileEntry.objects.filter(
        file__payroll=payroll, line__division__code__startswith=prefix
    )
    agg = {}
    for result in EntryResult:
        agg[f"{result.value}_n"] = Count("id", filter=Q(result=result.value))
        agg[f"{result.value}_fen"] = Sum("amount_fen", filter=Q(result=result.value))
    rows = (
        entries.values("file__bank_code", "file__bank_name")
        .annotate(sent_n=Count("id"), sent_fen=Sum("amount_fen"), **agg)
        .order_by("file__bank_code")
    )
    banks: list[ReconciliationRow] = []
    total = ReconciliationRow("", "")
    for r in rows:
        row = ReconciliationRow(r["file__bank_code"], r["file__bank_name"])
        for key in ("sent", "paid", "failed", "pending", "returned"):
            fig = Figure(r[f"{key}_n"] or 0, r[f"{key}_fen"] or 0)
            setattr(row, key, fig)
            tot = getattr(total, key)
            tot.count += fig.count
            tot.fen += fig.fen
        banks.append(row)
    held = PaymentLine.objects.filter(
        payroll=payroll, status=LineStatus.HELD_NO_ACCOUNT, division__code__startswith=prefix
    ).aggregate(n=Count("id"), fen=Sum("amount_fen"))
    return Reconciliation(payroll, banks, total, Figure(held["n"] or 0, held["fen"] or 0))


def bank_failed_lines(*, actor, limit: int = 500) -> QuerySet[BankFileEntry]:
    """The failed entries whose payment line is still failed (awaiting a corrected account, or
    corrected and waiting for the next payroll's files: `current_account_id` differs from the
    entry's `bank_account_id`), newest first; the actor's divisions only."""
    require(actor, "payments.see_payrolls")
    prefix = _prefix(actor)
    current = BankAccount.objects.filter(
        person_id=OuterRef("line__person_id"), valid_to__isnull=True
    ).values("id")[:1]
    return (
        BankFileEntry.objects.filter(
            result__in=[EntryResult.FAILED, EntryResult.RETURNED],
            line__status=LineStatus.FAILED,
            line__division__code__startswith=prefix,
        )
        .annotate(current_account_id=Subquery(current))
        .select_related("line", "line__person", "line__payroll", "file", "bank_account")
        .order_by("-result_date", "-id")[:limit]
    )


def payment_line_failed_get(*, actor, line_id: int) -> PaymentLine:
    require(actor, "payments.see_payrolls")
    prefix = _prefix(actor)
    try:
        return PaymentLine.objects.select_related("person").get(
            pk=line_id, status=LineStatus.FAILED, division__code__startswith=prefix
        )
    except PaymentLine.DoesNotExist:
        raise NotFoundError("payment line") from None


def bank_file_download(*, actor, file_id: int) -> BankFile:
    """A bank file to serve, the download written to the payroll's timeline (the access log)."""
    from .events import payroll_event_record

    bf = bank_file_get(actor=actor, file_id=file_id)
    payroll_event_record(
        payroll=bf.payroll, kind="bank_file_downloaded", actor=actor, file=bf.reference
    )
    return bf


def bank_payrolls(*, actor) -> QuerySet[Payroll]:
    """Payrolls that are approved or further on (the ones bank files concern), newest first."""
    require(actor, "payments.see_payrolls")
    return Payroll.objects.exclude(status__in=["draft", "checked"]).order_by("-month")


def bank_payroll_get(*, actor, payroll_id: int) -> Payroll:
    try:
        return bank_payrolls(actor=actor).get(pk=payroll_id)
    except Payroll.DoesNotExist:
        raise NotFoundError("payroll") from None


def bank_reconciliation_xlsx(*, actor, payroll: Payroll) -> bytes:
    """The reconciliation as an Excel workbook (cells through core.spreadsheet.safe_row; yuan as
    text with two decimals, exact)."""
    import io

    from openpyxl import Workbook

    from safetynet.core.spreadsheet import safe_row

    from .bank_format import fen_to_yuan

    rec = bank_reconciliation(actor=actor, payroll=payroll)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("对账")
    ws.append(safe_row(ws, ["发放月份", payroll.month]))
    ws.append(safe_row(ws, ["状态", payroll.status]))
    ws.append([])
    head = ["银行代码", "银行名称"]
    for label in RECONCILIATION_GROUPS:
        head += [f"{label}笔数", f"{label}金额（元）"]
    ws.append(safe_row(ws, head))
    for row in [*rec.banks, rec.total]:
        cells = [row.bank_code or "合计", row.bank_name]
        for fig in (row.sent, row.paid, row.failed, row.pending, row.returned):
            cells += [fig.count, fen_to_yuan(fig.fen)]
        ws.append(safe_row(ws, cells))
    ws.append([])
    ws.append(
        safe_row(
            ws, ["无账户暂缓发放笔数", rec.held.count, "金额（元）", fen_to_yuan(rec.held.fen)]
        )
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


RECONCILIATION_GROUPS = ("已送银行", "已支付", "支付失败", "待回盘", "银行退回")


def bank_reconciliation_pdf(*, actor, payroll: Payroll) -> bytes:
    """The reconciliation as a PDF in Chinese (WeasyPrint, the fonts of fonts-noto-cjk), like
    the fund statements: per bank and in total, sent, paid, failed, awaiting the bank and
    returned, in count and yuan, with the balance check of each row."""
    from django.template.loader import render_to_string
    from django.utils import timezone, translation
    from weasyprint import HTML  # heavy: imported only when a PDF is rendered

    from .bank_format import fen_to_yuan
    from .flow_views import status_label

    rec = bank_reconciliation(actor=actor, payroll=payroll)
    rows = []
    for row in [*rec.banks, rec.total] if rec.banks else []:
        cells = []
        for fig in (row.sent, row.paid, row.failed, row.pending, row.returned):
            cells += [f"{fig.count:,}", fen_to_yuan(fig.fen)]
        rows.append(
            {
                "name": f"{row.bank_name}（{row.bank_code}）" if row.bank_code else "合计",
                "cells": cells,
                "check": "相符" if row.balanced else "不符",
                "total": not row.bank_code,
            }
        )
    context = {
        "title": f"{payroll.month} 发放名册 银行代发对账表",
        "payroll": payroll,
        "status": status_label(payroll.status),
        "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "groups": RECONCILIATION_GROUPS,
        "rows": rows,
        "held_count": f"{rec.held.count:,}",
        "held_yuan": fen_to_yuan(rec.held.fen),
    }
    with translation.override("zh-hans"):
        html = render_to_string("payments/reconciliation_pdf.html", context)
        return HTML(string=html).write_pdf()
