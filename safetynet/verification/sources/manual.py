"""Manual sources (tax 地税, securities 证券): file exchange with the agency.

1. `export_request_file(...)` makes the .xlsx sent to the agency: one row per person (ID number,
   name) and an empty column per response field, Chinese headers; the source and request number
   sit in a very-hidden, protected sheet (`_meta`) under a locked workbook structure.
2. The agency fills it: one row per record (a person with two accounts gets two rows, the ID
   number repeated), 查询结果 "有记录"/"无记录"; amounts in yuan with at most two decimals.
   (`safetynet agencies answer` does this from the generated city's extract.)
3. `parse_response_file(...)` validates the returned file completely and returns records shaped
   exactly like an automatic source's (`{"id_number", <field>: ...}`, money int fen, dates ISO),
   or raises `ResponseFileError` listing every problem with its row and field.

Yuan convert to fen with Decimal, never float. Pure Python (openpyxl), no Django.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from safetynet.core.errors import FieldProblem, ServiceError
from safetynet.core.spreadsheet import neutralise_workbook
from safetynet.core.uploads import FileRefused, check_xlsx
from safetynet.rules.money import fen_to_yuan, yuan_to_fen

from .catalog import FieldType, ResponseField, Source, get_source

FORMAT = "safetynet-exchange/1"
DATA_SHEET = "核对请求"
HELP_SHEET = "说明"
META_SHEET = "_meta"
# Not a secret: it keeps the hidden sheet from being unhidden by accident, not by intent.
# The request number is checked against the database on import anyway.
_PROTECT = "safetynet"

H_SERIAL, H_ID, H_NAME, H_RESULT = "序号", "公民身份号码", "姓名", "查询结果"
FOUND, NOT_FOUND = "有记录", "无记录"
_FOUND_WORDS = {FOUND: True, "有": True, "是": True, NOT_FOUND: False, "无": False, "否": False}

# Chinese labels of coded values, as an office writes them (codes are accepted too).
CHOICE_LABELS: dict[str, str] = {
    "wages": "工资薪金所得",
    "business": "经营所得",
    "labour": "劳务报酬所得",
    "employee": "职工社会保险",
    "unemployment_benefit": "失业保险金",
    "resident_basic": "城乡居民基本养老保险",
    "employee_basic": "职工基本养老保险",
    "small_car": "小型汽车",
    "truck": "货车",
    "individual": "个体工商户",
    "company": "企业",
    "marriage": "结婚",
    "divorce": "离婚",
    "hospital": "医院",
    "home": "家中",
    "other": "其他",
    "executing": "执行中",
    "closed": "已结案",
    "M": "男",
    "F": "女",
}
_BOOL_WORDS = {
    "是": True,
    "否": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "y": True,
    "n": False,
}


class ResponseFileError(ServiceError):
    """A response file that cannot be imported; `problems` lists each, with row and field."""

    def __init__(
        self,
        problems: list[FieldProblem],
        message: str | None = None,
        code: str = "invalid_response_file",
    ):
        first = problems[0].message if problems else ""
        super().__init__(
            code, message or f"the response file has {len(problems)} problem(s): {first}", problems
        )


def header(f: ResponseField) -> str:
    """The column header of a field in an exchange file."""
    if f.type is FieldType.FEN:
        return f"{f.name_zh}（元）"
    if f.type is FieldType.DATE:
        return f"{f.name_zh}（年-月-日）"
    return f.name_zh


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]+", "-", text).strip("-") or "request"


def request_filename(source: Source, request_id: str) -> str:
    return f"{source.code}_{_safe(request_id)}_request.xlsx"


def response_filename(source: Source, request_id: str) -> str:
    return f"{source.code}_{_safe(request_id)}_response.xlsx"


# --------------------------------------------------------------------------- writing
@dataclass(frozen=True)
class ExchangeRow:
    """One row of an exchange file; `values` holds file values (yuan Decimal, date, str, ...)."""

    id_number: str
    name: str
    found: bool | None = None  # None: not yet answered (a request file)
    values: Mapping[str, object] | None = None


def write_exchange_workbook(
    *,
    source: Source,
    request_id: str,
    people: Sequence[tuple[str, str]],
    rows: Sequence[ExchangeRow],
    role: str,
    exported_at: str,
) -> bytes:
    """The .xlsx of a request (role "request", rows blank) or a response (role "response")."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    fields = source.fields
    heads = [H_SERIAL, H_ID, H_NAME, H_RESULT, *(header(f) for f in fields)]
    ws.append(heads)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for n, row in enumerate(rows, start=1):
        values = row.values or {}
        line: list = [
            n,
            row.id_number,
            row.name,
            None if row.found is None else (FOUND if row.found else NOT_FOUND),
        ]
        for f in fields:
            v = values.get(f.name)
            if isinstance(v, str) and f.choices and v in CHOICE_LABELS:
                v = CHOICE_LABELS[v]
            if isinstance(v, bool):
                v = "是" if v else "否"
            line.append(v)
        ws.append(line)
    last = max(ws.max_row, 2)
    for i, f in enumerate(fields, start=5):
        letter = get_column_letter(i)
        for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
            if f.type is FieldType.FEN:
                cell.number_format = "0.00"
            elif f.type is FieldType.DATE:
                cell.number_format = "yyyy-mm-dd"
            elif f.type is FieldType.STRING:
                cell.number_format = "@"
        ws.column_dimensions[letter].width = max(12, len(heads[i - 1]) * 2 + 2)
    for (cell,) in ws.iter_rows(min_row=2, max_row=last, min_col=2, max_col=2):
        cell.number_format = "@"
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 12
    ws.column_dimensions["D"].width = 10
    dv = DataValidation(type="list", formula1=f'"{FOUND},{NOT_FOUND}"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"D2:D{max(last, 1000)}")
    ws.freeze_panes = "B2"

    help_ws = wb.create_sheet(HELP_SHEET)
    for line in (
        ("核对机构", "厦门市居民家庭经济状况核对中心"),
        ("数据来源", f"{source.department.name_zh} · {source.name_zh}"),
        ("核对请求编号", request_id),
        ("文件类型", "核对请求（待填写）" if role == "request" else "核对反馈"),
        ("导出时间", exported_at),
        ("填写说明", "每条记录一行；同一人有多条记录时复制其身份号码与姓名另起一行。"),
        ("", f"“{H_RESULT}”填“{FOUND}”或“{NOT_FOUND}”；无记录时其余栏目留空。"),
        ("", "金额单位为元，最多两位小数，不得为负；日期格式为 年-月-日（如 2020-06-30）。"),
        ("", "请勿修改身份号码、增删工作表或更改表头。"),
    ):
        help_ws.append(line)
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["B"].width = 70

    meta = wb.create_sheet(META_SHEET)
    for key, value in (
        ("format", FORMAT),
        ("role", role),
        ("source", source.code),
        ("request_id", request_id),
        ("exported_at", exported_at),
        ("persons", len(people)),
    ):
        meta.append((key, value))
    for id_number, name in people:
        meta.append(("person", id_number, name))
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    meta.protection.password = _PROTECT
    wb.security = WorkbookProtection(workbookPassword=_PROTECT, lockStructure=True)
    wb.active = 0
    neutralise_workbook(wb)  # a name like =HYPERLINK(...) stays text (ADR 0732)

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_request_file(
    *,
    source: Source | str,
    request_id: str,
    id_numbers: Sequence[str],
    names: Sequence[str] | Mapping[str, str],
    exported_at: dt.datetime | None = None,
) -> tuple[str, bytes]:
    """The request file for the agency: (filename, .xlsx bytes). `names` aligns with `id_numbers`
    (or maps ID number -> name)."""
    source = get_source(source)
    if not request_id:
        raise ValueError("request_id is required")
    ids = [i.strip().upper() for i in id_numbers]
    if isinstance(names, Mapping):
        name_list = [names.get(i, "") for i in ids]
    else:
        name_list = list(names)
        if len(name_list) != len(ids):
            raise ValueError("names must align with id_numbers")
    people = list(dict(zip(ids, name_list, strict=True)).items())  # each person once, in order
    stamp = (exported_at or dt.datetime.now().astimezone()).isoformat(timespec="seconds")
    rows = [ExchangeRow(i, n) for i, n in people]
    content = write_exchange_workbook(
        source=source,
        request_id=request_id,
        people=people,
        rows=rows,
        role="request",
        exported_at=stamp,
    )
    return request_filename(source, request_id), content


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class ExchangeFile:
    format: str
    role: str
    source: str
    request_id: str
    people: list[tuple[str, str]]  # requested (id_number, name), as exported
    sheet: object  # the data worksheet (openpyxl)


def _problem(field: str, code: str, message: str, row: int | None = None) -> FieldProblem:
    return FieldProblem(field=field, message=message, code=code, row=row)


def read_exchange_file(*, filename: str, content: bytes) -> ExchangeFile:
    """Open an exchange file and read its hidden metadata; ResponseFileError if it is not one.
    The file is taken for what its content is (an .xlsx whose expansion is bounded, checked
    before parsing), whatever its name."""
    try:
        check_xlsx(content)
    except FileRefused as exc:
        code = "not_xlsx" if exc.code == "file_type" else exc.code
        raise ResponseFileError([_problem("file", code, f"{filename}: {exc.message}")]) from None
    try:
        wb = load_workbook(io.BytesIO(content), data_only=True)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        TypeError,
    ) as exc:
        raise ResponseFileError(
            [_problem("file", "not_xlsx", f"{filename}: not a readable .xlsx ({exc})")]
        ) from None
    if META_SHEET not in wb.sheetnames or DATA_SHEET not in wb.sheetnames:
        raise ResponseFileError(
            [
                _problem(
                    "file",
                    "not_exchange_file",
                    f"{filename}: not a SafetyNet exchange file (sheets changed?)",
                )
            ]
        )
    meta: dict[str, object] = {}
    people: list[tuple[str, str]] = []
    for row in wb[META_SHEET].iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        if row[0] == "person":
            people.append((str(row[1] or "").strip().upper(), str(row[2] or "")))
        else:
            meta[str(row[0])] = row[1]
    if meta.get("format") != FORMAT:
        raise ResponseFileError(
            [
                _problem(
                    "file",
                    "not_exchange_file",
                    f"{filename}: unknown format {meta.get('format')!r}",
                )
            ]
        )
    return ExchangeFile(
        format=FORMAT,
        role=str(meta.get("role") or ""),
        source=str(meta.get("source") or ""),
        request_id=str(meta.get("request_id") or ""),
        people=people,
        sheet=wb[DATA_SHEET],
    )


_DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _parse_date(value) -> str:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError("bad_date")
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = _DATE_TEXT.match(text) or re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if not m:
        raise ValueError("bad_date")
    try:
        d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError("bad_date") from None
    if d.year < 1900 or d > dt.date.today() + dt.timedelta(days=366):
        raise ValueError("bad_date")
    return d.isoformat()


def _parse_value(f: ResponseField, value):
    """A file cell -> the JSON value of the field; ValueError(code) when it is not valid."""
    match f.type:
        case FieldType.FEN:
            return yuan_to_fen(value)
        case FieldType.DATE:
            return _parse_date(value)
        case FieldType.INT:
            if isinstance(value, bool):
                raise ValueError("not_an_integer")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            text = str(value).strip()
            if re.fullmatch(r"-?\d+", text):
                return int(text)
            raise ValueError("not_an_integer")
        case FieldType.BOOL:
            if isinstance(value, bool):
                return value
            key = str(value).strip().lower()
            if key in _BOOL_WORDS:
                return _BOOL_WORDS[key]
            raise ValueError("bad_choice")
        case _:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            text = str(value).strip()
            if f.choices:
                if text in f.choices:
                    return text
                for code, label in CHOICE_LABELS.items():
                    if label == text and code in f.choices:
                        return code
                raise ValueError("bad_choice")
            return text


_MESSAGES = {
    "not_a_number": "not a number",
    "negative_amount": "a negative amount",
    "too_many_decimals": "more than 2 decimals (amounts are yuan with at most 2 decimals)",
    "bad_date": "not a date (YYYY-MM-DD)",
    "not_an_integer": "not a whole number",
    "bad_choice": "not one of the allowed values",
    "amount_too_large": "implausibly large",
}


def parse_response_file(
    *,
    source: Source | str,
    request_id: str,
    filename: str,
    content: bytes,
    id_numbers: Sequence[str] | None = None,
) -> list[dict]:
    """The records of an agency's response file, shaped like an automatic source's records.

    `id_numbers`: the persons of the request as the database knows them (recommended); by default
    those in the file's hidden metadata. Raises ResponseFileError listing every problem."""
    source = get_source(source)
    xf = read_exchange_file(filename=filename, content=content)
    if xf.source != source.code:
        raise ResponseFileError(
            [
                _problem(
                    "source",
                    "wrong_source",
                    f"this file is for source {xf.source!r}, not {source.code!r}",
                )
            ]
        )
    if xf.request_id != request_id:
        raise ResponseFileError(
            [
                _problem(
                    "request_id",
                    "wrong_request",
                    f"this file answers request {xf.request_id!r}, not {request_id!r}",
                )
            ]
        )
    asked = (
        [i.strip().upper() for i in id_numbers]
        if id_numbers is not None
        else [p[0] for p in xf.people]
    )
    asked_set = set(asked)
    ws = xf.sheet
    rows = list(ws.iter_rows(values_only=True))
    heads = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    col: dict[str, int] = {}
    problems: list[FieldProblem] = []
    wanted = [
        ("id_number", H_ID),
        ("found", H_RESULT),
        *((f.name, header(f)) for f in source.fields),
    ]
    for name, head in wanted:
        if head in heads:
            col[name] = heads.index(head)
        else:
            problems.append(_problem(name, "missing_header", f"column “{head}” is missing", row=1))
    if problems:
        raise ResponseFileError(problems)

    records: list[dict] = []
    answered: set[str] = set()

    def cell(row: tuple, name: str):
        i = col[name]
        v = row[i] if i < len(row) else None
        return None if (v is None or (isinstance(v, str) and not v.strip())) else v

    for r, row in enumerate(rows[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        raw_id = cell(row, "id_number")
        id_number = str(raw_id).strip().upper() if raw_id is not None else ""
        if not id_number:
            problems.append(_problem("id_number", "required", f"{H_ID} is empty", row=r))
            continue
        if id_number not in asked_set:
            problems.append(
                _problem(
                    "id_number", "unknown_id_number", f"{id_number} is not in the request", row=r
                )
            )
            continue
        answered.add(id_number)
        found_raw = cell(row, "found")
        found = _FOUND_WORDS.get(str(found_raw).strip()) if found_raw is not None else None
        if found is None:
            problems.append(
                _problem(
                    "found",
                    "bad_choice" if found_raw is not None else "required",
                    f"{H_RESULT} must be “{FOUND}” or “{NOT_FOUND}”",
                    row=r,
                )
            )
            continue
        if not found:
            filled = [f.name for f in source.fields if cell(row, f.name) is not None]
            for name in filled:
                problems.append(
                    _problem(
                        name,
                        "value_without_record",
                        f"{H_RESULT} is “{NOT_FOUND}” but a value is given",
                        row=r,
                    )
                )
            continue
        record: dict = {"id_number": id_number}
        for f in source.fields:
            value = cell(row, f.name)
            if value is None:
                if not f.nullable:
                    problems.append(_problem(f.name, "required", f"“{header(f)}” is empty", row=r))
                record[f.name] = None
                continue
            try:
                record[f.name] = _parse_value(f, value)
            except ValueError as exc:
                code = str(exc)
                problems.append(
                    _problem(
                        f.name,
                        code,
                        f"“{header(f)}”: {value!r} is {_MESSAGES.get(code, code)}",
                        row=r,
                    )
                )
        records.append(record)
    for id_number in asked:
        if id_number not in answered:
            problems.append(_problem("id_number", "missing_answer", f"no row answers {id_number}"))
    if problems:
        raise ResponseFileError(problems)
    return records


__all__ = [
    "CHOICE_LABELS",
    "ExchangeFile",
    "ExchangeRow",
    "ResponseFileError",
    "export_request_file",
    "fen_to_yuan",
    "header",
    "parse_response_file",
    "read_exchange_file",
    "request_filename",
    "response_filename",
    "write_exchange_workbook",
    "yuan_to_fen",
]
