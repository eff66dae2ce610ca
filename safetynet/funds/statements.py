"""The monthly fund statement of a district (月度资金报表) as Excel and PDF, always in Chinese.
Amounts are written as exact yuan from fen (Excel: numbers with two decimals computed from the
integers; the PDF: text)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from safetynet.core.spreadsheet import safe_row
from safetynet.rules.catalog import name_zh

from .beancount_export import yuan
from .chart import LEVEL_ZH
from .selectors import Statement

LEVEL_HEADER = [
    "项目",
    "层级",
    "年度预算（元）",
    "本月前累计支出（元）",
    "本月审批（元）",
    "本月追回冲减（元）",
    "本年累计支出（元）",
    "执行率",
]
PROGRAM_HEADER = [
    "项目",
    "月初应付（元）",
    "本月审批（元）",
    "本月支付（元）",
    "本月抵扣（元）",
    "月末应付（元）",
    "本月退回失败（元）",
    "本月新增追回（元）",
    "本月退款（元）",
    "本月核销（元）",
    "月末应收追回（元）",
]


def _y(ws, fen: int) -> WriteOnlyCell:
    """Yuan as a number with two decimals (from the exact fen)."""
    cell = WriteOnlyCell(ws, value=Decimal(yuan(fen)))
    cell.number_format = "#,##0.00"
    return cell


def level_cells(stmt: Statement) -> list[list]:
    return [
        [
            name_zh(r.program),
            LEVEL_ZH.get(r.level, r.level),
            r.budget_fen,
            r.spent_before_fen,
            r.approved_fen,
            r.recovered_fen,
            r.spent_ytd_fen,
            r.rate_percent,
        ]
        for r in stmt.levels
    ]


def program_cells(stmt: Statement) -> list[list]:
    return [
        [
            name_zh(r.program),
            r.payable_start_fen,
            r.approved_fen,
            r.paid_fen,
            r.deducted_fen,
            r.payable_end_fen,
            r.failed_fen,
            r.recovery_raised_fen,
            r.refunded_fen,
            r.written_off_fen,
            r.receivable_end_fen,
        ]
        for r in stmt.programs
    ]


def _title(stmt: Statement) -> str:
    return f"{stmt.district_name}（{stmt.district}）{stmt.month} 救助资金月度报表"


def statement_xlsx(stmt: Statement) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("分级支出")
    ws.append(safe_row(ws, [_title(stmt)]))
    ws.append(safe_row(ws, LEVEL_HEADER))
    for row in level_cells(stmt):
        ws.append(safe_row(ws, [v if isinstance(v, str) else _y(ws, v) for v in row]))
    ws2 = wb.create_sheet("应付与追回")
    ws2.append(safe_row(ws2, [_title(stmt)]))
    ws2.append(safe_row(ws2, PROGRAM_HEADER))
    for row in program_cells(stmt):
        ws2.append(safe_row(ws2, [v if isinstance(v, str) else _y(ws2, v) for v in row]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def statement_context(stmt: Statement) -> dict:
    def fmt(row):
        return [v if isinstance(v, str) else yuan(v) for v in row]

    return {
        "title": _title(stmt),
        "stmt": stmt,
        "level_header": LEVEL_HEADER,
        "level_rows": [fmt(r) for r in level_cells(stmt)],
        "program_header": PROGRAM_HEADER,
        "program_rows": [fmt(r) for r in program_cells(stmt)],
    }


def statement_pdf(stmt: Statement) -> bytes:
    from weasyprint import HTML  # heavy: imported only when a statement is rendered

    with translation.override("zh-hans"):
        html = render_to_string("funds/statement_pdf.html", statement_context(stmt))
    return HTML(string=html).write_pdf()
