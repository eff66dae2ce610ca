"""The bank files' layout (docs/bank-files.md): payment files to the banks, result files back.

Pure Python (csv; XlsxWriter writes .xlsx, openpyxl reads it; no Django), shared by the product
(writing payment files, reading result files) and the simulated bank (the other way round), so
both speak exactly one contract.

A file is a header block of `key,value` rows, one empty row, then a table whose first row names
the columns. Amounts are yuan with exactly two decimals, written from integer fen and read back
to integer fen without floating point (`fen_to_yuan`, `yuan_to_fen`); in .xlsx they are text cells
too, so no spreadsheet rounding can touch them. Formula-like Excel cells carry the quote prefix
(ADR 0732).
CSV is UTF-8 with a byte-order mark (what Excel needs to show Chinese), comma-separated, CRLF.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from dataclasses import dataclass, field

import xlsxwriter
from openpyxl import load_workbook

from safetynet.core.spreadsheet import FORMULA_TRIGGERS, is_formula_like

PAYMENT_FORMAT = "safetynet-bank-payment/1"
RESULT_FORMAT = "safetynet-bank-result/1"
FORMATS = ("xlsx", "csv")
# `returned`: a line an earlier result file reported paid, sent back by the bank (ADR 0951)
OUTCOMES = ("paid", "failed", "returned")
# Reason codes a bank gives for a failed or returned line (docs/bank-files.md).
REASONS = (
    "account_closed",
    "name_mismatch",
    "no_such_account",
    "account_frozen",
    "other",
    "bank_technical",
    "timeout",
)
# Failures that are not about the account (the bank's system failed, the line timed out): the
# line is sent again, to the same account, in the next payroll's files (ADR 0942). Every other
# reason waits for corrected account data.
RESEND_UNCHANGED_REASONS = ("bank_technical", "timeout")

# Header keys (Chinese labels, as the banks' clerks read them) -> attribute names.
PAYMENT_HEADER = (
    ("格式", "format"),
    ("文件编号", "reference"),
    ("发放月份", "month"),
    ("银行代码", "bank_code"),
    ("银行名称", "bank_name"),
    ("笔数", "count"),
    ("总金额", "total"),
    ("生成日期", "created"),
)
PAYMENT_COLUMNS = ("账号", "户名", "身份证号", "金额", "行参考号")
RESULT_HEADER = (
    ("格式", "format"),
    ("原文件编号", "reference"),
    ("银行代码", "bank_code"),
    ("回盘日期", "answered"),
    ("笔数", "count"),
)
RESULT_COLUMNS = ("行参考号", "账号", "金额", "结果", "原因代码", "日期")

_YUAN = re.compile(r"^(0|[1-9][0-9]{0,13})\.([0-9]{2})$")
XLSX_MAGIC = b"PK\x03\x04"
_TRIGGER_CHARS = frozenset(FORMULA_TRIGGERS)


def fen_to_yuan(fen: int) -> str:
    """12345 -> '123.45' (exact; fen never negative in a bank file)."""
    if fen < 0:
        raise ValueError("negative amount")
    return f"{fen // 100}.{fen % 100:02d}"


def yuan_to_fen(text: str) -> int:
    """'123.45' -> 12345; anything else (not two decimals, signs, spaces, exponents): ValueError."""
    m = _YUAN.match(text)
    if not m:
        raise ValueError(text)
    return int(m.group(1)) * 100 + int(m.group(2))


@dataclass(frozen=True)
class Problem:
    """One problem in a file: the row as a spreadsheet shows it (1-based), the field, a code."""

    row: int | None
    field: str
    code: str
    detail: str = ""


class BankFileFormatError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"row {p.row} {p.field}: {p.code} {p.detail}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class PaymentRow:
    account: str
    name: str
    id_number: str
    amount_fen: int
    reference: str


@dataclass
class PaymentFile:
    reference: str
    month: str
    bank_code: str
    bank_name: str
    created: dt.date
    rows: list[PaymentRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def total_fen(self) -> int:
        return sum(r.amount_fen for r in self.rows)


@dataclass(frozen=True)
class ResultRow:
    reference: str
    account: str
    amount_fen: int
    outcome: str  # paid | failed | returned
    reason: str  # a REASONS code for failed and returned, '' for paid
    date: dt.date
    row: int = 0  # the row in its file (for messages)


@dataclass
class ResultFile:
    reference: str  # the payment file answered
    bank_code: str
    answered: dt.date
    rows: list[ResultRow] = field(default_factory=list)


# ------------------------------------------------------------------------------ writing
def _payment_rows(f: PaymentFile) -> list[list]:
    header = {
        "format": PAYMENT_FORMAT,
        "reference": f.reference,
        "month": f.month,
        "bank_code": f.bank_code,
        "bank_name": f.bank_name,
        "count": str(f.count),
        "total": fen_to_yuan(f.total_fen),
        "created": f.created.isoformat(),
    }
    out: list[list] = [[label, header[key]] for label, key in PAYMENT_HEADER]
    out.append([])
    out.append(list(PAYMENT_COLUMNS))
    return out


def _result_rows(f: ResultFile) -> list[list]:
    header = {
        "format": RESULT_FORMAT,
        "reference": f.reference,
        "bank_code": f.bank_code,
        "answered": f.answered.isoformat(),
        "count": str(len(f.rows)),
    }
    out: list[list] = [[label, header[key]] for label, key in RESULT_HEADER]
    out.append([])
    out.append(list(RESULT_COLUMNS))
    return out


def _csv(head: list[list], body) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows(head)
    w.writerows(body)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xlsx(title: str, head: list[list], body) -> bytes:
    """A one-sheet .xlsx of text cells, streamed row by row (XlsxWriter's constant-memory mode,
    ADR 0916: a bank's file has up to hundreds of thousands of rows). Strings stay strings
    (no number, formula or URL conversion); a formula-like text is written with Excel's
    quote prefix, exactly as core.spreadsheet does for openpyxl (ADR 0732)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    ws = wb.add_worksheet(title)
    quoted = wb.add_format({"quote_prefix": True})
    for i, row in enumerate(itertools.chain(head, body)):
        if any(type(v) is str and v and v[0] in _TRIGGER_CHARS for v in row):
            for j, v in enumerate(row):
                ws.write_string(i, j, v, quoted if is_formula_like(v) else None)
        else:
            ws.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


def write_payment_file(f: PaymentFile, fmt: str) -> bytes:
    body = (
        (r.account, r.name, r.id_number, fen_to_yuan(r.amount_fen), r.reference) for r in f.rows
    )
    if fmt == "csv":
        return _csv(_payment_rows(f), body)
    if fmt == "xlsx":
        return _xlsx("代发明细", _payment_rows(f), body)
    raise ValueError(f"unknown format {fmt!r}")


def write_result_file(f: ResultFile, fmt: str) -> bytes:
    body = (
        (r.reference, r.account, fen_to_yuan(r.amount_fen), r.outcome, r.reason, r.date.isoformat())
        for r in f.rows
    )
    if fmt == "csv":
        return _csv(_result_rows(f), body)
    if fmt == "xlsx":
        return _xlsx("回盘明细", _result_rows(f), body)
    raise ValueError(f"unknown format {fmt!r}")


# ------------------------------------------------------------------------------ reading
def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()


def read_rows(content: bytes) -> tuple[str, list[list[str]]]:
    """(format, rows of text cells) of a .xlsx (by its magic bytes) or a UTF-8 CSV file."""
    if content.startswith(XLSX_MAGIC):
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            ws = wb.worksheets[0]
            rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
            wb.close()
        except Exception as exc:  # any parse failure is a malformed file
            raise BankFileFormatError(
                [Problem(None, "file", "malformed", str(exc)[:200])]
            ) from None
        return "xlsx", rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BankFileFormatError([Problem(None, "file", "not_utf8")]) from None
    if "\x00" in text:
        raise BankFileFormatError([Problem(None, "file", "malformed", "binary content")])
    try:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise BankFileFormatError([Problem(None, "file", "malformed", str(exc))]) from None
    return "csv", rows


def _split(
    rows: list[list[str]], header_keys: tuple, columns: tuple, fmt_name: str
) -> tuple[dict[str, str], list[tuple[int, list[str]]]]:
    """The header block as {attribute: value} and the table's data rows as (row number, cells)."""
    labels = dict(header_keys)
    header: dict[str, str] = {}
    i = 0
    while i < len(rows) and any(rows[i]):
        cells = rows[i]
        label = cells[0]
        if label not in labels:
            raise BankFileFormatError([Problem(i + 1, label or "header", "unknown_header")])
        header[labels[label]] = cells[1] if len(cells) > 1 else ""
        i += 1
    missing = [lab for lab, key in header_keys if key not in header]
    if missing:
        raise BankFileFormatError([Problem(None, missing[0], "missing_header")])
    if header["format"] != fmt_name:
        raise BankFileFormatError([Problem(1, "格式", "wrong_format", header["format"])])
    while i < len(rows) and not any(rows[i]):
        i += 1
    if i >= len(rows) or tuple(rows[i][: len(columns)]) != columns:
        raise BankFileFormatError([Problem(i + 1, "columns", "wrong_columns", ",".join(columns))])
    data = [(n + 1, r) for n, r in enumerate(rows) if n > i and any(r)]
    return header, data


def _date(text: str, row: int | None, fld: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BankFileFormatError([Problem(row, fld, "bad_date", text)]) from None


def _count(text: str, fld: str) -> int:
    if not text.isdigit():
        raise BankFileFormatError([Problem(None, fld, "bad_count", text)])
    return int(text)


def read_payment_file(content: bytes) -> PaymentFile:
    """A payment file (the bank's side); header count and total checked against the rows."""
    _, rows = read_rows(content)
    h, data = _split(rows, PAYMENT_HEADER, PAYMENT_COLUMNS, PAYMENT_FORMAT)
    f = PaymentFile(
        reference=h["reference"],
        month=h["month"],
        bank_code=h["bank_code"],
        bank_name=h["bank_name"],
        created=_date(h["created"], None, "生成日期"),
    )
    problems: list[Problem] = []
    for n, r in data:
        r = (r + [""] * 5)[:5]
        try:
            amount = yuan_to_fen(r[3])
        except ValueError:
            problems.append(Problem(n, "金额", "bad_amount", r[3]))
            continue
        if not r[4]:
            problems.append(Problem(n, "行参考号", "missing"))
            continue
        f.rows.append(PaymentRow(r[0], r[1], r[2], amount, r[4]))
    if problems:
        raise BankFileFormatError(problems)
    if _count(h["count"], "笔数") != f.count:
        raise BankFileFormatError([Problem(None, "笔数", "count_mismatch", h["count"])])
    try:
        total = yuan_to_fen(h["total"])
    except ValueError:
        raise BankFileFormatError([Problem(None, "总金额", "bad_amount", h["total"])]) from None
    if total != f.total_fen:
        raise BankFileFormatError([Problem(None, "总金额", "total_mismatch", h["total"])])
    return f


def read_result_file(content: bytes) -> ResultFile:
    """A bank's result file; every row checked (outcome, reason, amount, date), every problem
    reported with its row, nothing partial."""
    _, rows = read_rows(content)
    h, data = _split(rows, RESULT_HEADER, RESULT_COLUMNS, RESULT_FORMAT)
    f = ResultFile(
        reference=h["reference"],
        bank_code=h["bank_code"],
        answered=_date(h["answered"], None, "回盘日期"),
    )
    problems: list[Problem] = []
    for n, r in data:
        r = (r + [""] * 6)[:6]
        ref, account, amount_text, outcome, reason, date_text = r
        if not ref:
            problems.append(Problem(n, "行参考号", "missing"))
            continue
        try:
            amount = yuan_to_fen(amount_text)
        except ValueError:
            problems.append(Problem(n, "金额", "bad_amount", amount_text))
            continue
        if outcome not in OUTCOMES:
            problems.append(Problem(n, "结果", "bad_outcome", outcome))
            continue
        if outcome in ("failed", "returned") and reason not in REASONS:
            problems.append(Problem(n, "原因代码", "bad_reason", reason))
            continue
        if outcome == "paid" and reason:
            problems.append(Problem(n, "原因代码", "reason_on_paid", reason))
            continue
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            problems.append(Problem(n, "日期", "bad_date", date_text))
            continue
        f.rows.append(ResultRow(ref, account, amount, outcome, reason, day, n))
    if problems:
        raise BankFileFormatError(problems)
    if _count(h["count"], "笔数") != len(f.rows):
        raise BankFileFormatError([Problem(None, "笔数", "count_mismatch", h["count"])])
    return f
