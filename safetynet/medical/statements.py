"""A hospital's monthly statement as Excel and PDF (医疗救助垫付资金结算单), always in Chinese.
Amounts are exact yuan from fen; ID numbers masked (ADR 0722)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from safetynet.core.spreadsheet import safe_row
from safetynet.registry.ids import mask_id_number
from safetynet.rules.catalog import name_zh
from safetynet.rules.money import yuan

from .models import HospitalStatement

HEADER = [
    "类型",
    "结算单号",
    "姓名",
    "身份证号",
    "救助类别",
    "出院日期",
    "医疗总费用（元）",
    "医保支付（元）",
    "医疗救助（元）",
    "个人自付（元）",
]
MONEY_COLUMNS = 4  # the last four columns are amounts


def title(st: HospitalStatement) -> str:
    return f"{st.hospital.name}（{st.hospital.code}）{st.month} 医疗救助“一站式”结算垫付资金结算单"


def rows(st: HospitalStatement) -> list[list]:
    out = []
    for kind, qs, sign in (
        ("结算", st.settlements.select_related("person"), 1),
        ("冲销", st.reversals.select_related("person"), -1),
    ):
        for s in qs.order_by("settled_at", "id"):
            out.append(
                [
                    kind,
                    s.number,
                    s.person.name,
                    mask_id_number(s.person.id_number),
                    name_zh(s.category),
                    s.discharged_on.isoformat(),
                    sign * s.total_fen,
                    sign * s.insurance_fen,
                    sign * s.assistance_fen,
                    sign * s.patient_fen,
                ]
            )
    return out


def summary(st: HospitalStatement) -> list[tuple[str, str]]:
    return [
        ("结算笔数", str(st.settlements_count)),
        ("冲销笔数", str(st.reversals_count)),
        ("结算医疗救助（元）", yuan(st.settled_fen)),
        ("冲销医疗救助（元）", yuan(st.reversed_fen)),
        ("应拨付金额（元）", yuan(st.amount_fen)),
        ("收款账户", f"{st.hospital.bank_name} {st.hospital.account_number}"),
    ]


def _y(ws, fen: int) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=Decimal(yuan(fen).replace(",", "")))
    cell.number_format = "#,##0.00"
    return cell


def statement_xlsx(st: HospitalStatement) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("结算单")
    ws.append(safe_row(ws, [title(st)]))
    for label, value in summary(st):
        ws.append(safe_row(ws, [label, value]))
    ws.append([])
    ws.append(safe_row(ws, HEADER))
    for row in rows(st):
        cells = safe_row(ws, row[:-MONEY_COLUMNS])
        ws.append(cells + [_y(ws, v) for v in row[-MONEY_COLUMNS:]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def statement_pdf(st: HospitalStatement) -> bytes:
    from weasyprint import HTML  # heavy: imported only when a statement is rendered

    context = {
        "title": title(st),
        "st": st,
        "summary": summary(st),
        "header": HEADER,
        "rows": [r[:-MONEY_COLUMNS] + [yuan(v) for v in r[-MONEY_COLUMNS:]] for r in rows(st)],
    }
    with translation.override("zh-hans"):
        html = render_to_string("medical/hospital_statement_pdf.html", context)
    return HTML(string=html).write_pdf()
