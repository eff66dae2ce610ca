"""Excel import of a household roster (户籍名册): a downloadable template, an all-or-nothing import.

One row per person; the rows of one household share its 户号. The whole file is validated first:
any problem is reported by Excel row number and Chinese column header, and nothing is written
unless every row is valid. A valid file is written in one transaction with bulk inserts (and their
history).
The columns and rules are described in docs/registry.md.

The template is a Chinese-language format, so its headers and list values are Chinese whatever the
UI language; messages are gettext strings (English msgids, translated in the registry's catalogue).
"""

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from simple_history.utils import bulk_create_with_history

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core.errors import FieldProblem, ServiceError
from safetynet.core.spreadsheet import neutralise_workbook
from safetynet.core.uploads import FileRefused, XlsxLimits, check_xlsx

from . import services
from .ids import mask_id_number
from .models import (
    CATEGORY_SHORT_LABELS,
    Category,
    DisabilityKind,
    Division,
    DivisionLevel,
    Enrolment,
    Household,
    Membership,
    Person,
    Relation,
)
from .selectors import _prefix, divisions_visible_to, persons_visible_to

audit = logging.getLogger("safetynet.audit")

DATA_SHEET = "户籍名册"
HELP_SHEET = "填写说明"
LISTS_SHEET = "代码表"
COMMUNITIES_SHEET = "社区代码"
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
# What the workbook may expand to before openpyxl parses it (core.uploads, ADR 0731).
XLSX_LIMITS = XlsxLimits(max_bytes=MAX_BYTES)
CHANGE_REASON = "household_roster_import"
FILE_FIELD = "文件"

# Chinese labels of the lists (the template's vocabulary). Codes are accepted too.
RELATION_LABELS = {
    "户主": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "父母": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD,
    "兄弟姐妹": Relation.SIBLING,
    "其他": Relation.OTHER,
}
DISABILITY_KIND_LABELS = {
    "视力": DisabilityKind.VISUAL,
    "听力": DisabilityKind.HEARING,
    "言语": DisabilityKind.SPEECH,
    "肢体": DisabilityKind.PHYSICAL,
    "智力": DisabilityKind.INTELLECTUAL,
    "精神": DisabilityKind.MENTAL,
    "多重": DisabilityKind.MULTIPLE,
}
# the short Chinese labels of a roster's 救助类别 column, from the one catalogue
CATEGORY_LABELS = {label: Category(code) for label, code in CATEGORY_SHORT_LABELS.items()}
SEX_LABELS = {"男": "M", "女": "F"}
YES_NO = {"是": True, "否": False}
GRADE_LABELS = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool  # the column must be present (and the cell filled, except household columns)
    help: str
    width: int = 14
    choices: tuple[str, ...] = ()
    text: bool = False


COLUMNS = (
    Column("number", "户号", True, "本户的户号；同一户的每一行填写相同的户号。", 20, text=True),
    Column(
        "division",
        "所属社区代码",
        True,
        "本户所在社区（村）的12位区划代码；同一户至少填写一行，多行填写须一致。",
        16,
        text=True,
    ),
    Column("address", "地址", False, "本户住址。", 30),
    Column("is_rural", "是否农村", False, "填“是”或“否”，不填为“否”。", 10, tuple(YES_NO)),
    Column(
        "id_number",
        "身份证号",
        True,
        "18位公民身份号码（末位可为X），请以文本格式填写。",
        22,
        text=True,
    ),
    Column("name", "姓名", True, "本人姓名。", 12),
    Column("sex", "性别", False, "可不填；填写时须与身份证号一致（男/女）。", 8, tuple(SEX_LABELS)),
    Column(
        "birth_date", "出生日期", False, "可不填；填写时须与身份证号一致（如 1990-01-31）。", 14
    ),
    Column("relation", "与户主关系", True, "每户有且只有一名“户主”。", 12, tuple(RELATION_LABELS)),
    Column(
        "hukou_division",
        "户籍社区代码",
        False,
        "户籍所在社区（村）的12位区划代码；不填则与所属社区相同。",
        16,
        text=True,
    ),
    Column("residence_address", "现住址", False, "不填则与本户地址相同。", 30),
    Column(
        "disability_grade",
        "残疾等级",
        False,
        "1至4级；填写时须同时填写残疾类别。",
        10,
        ("1", "2", "3", "4"),
    ),
    Column(
        "disability_kind",
        "残疾类别",
        False,
        "视力、听力、言语、肢体、智力、精神或多重。",
        10,
        tuple(DISABILITY_KIND_LABELS),
    ),
    Column("death_date", "死亡日期", False, "已故人员填写；不得晚于今天或早于出生日期。", 14),
    Column("start_date", "入户日期", False, "加入本户的日期；不填为导入当天。", 14),
    Column("category", "救助类别", False, "可不填；多个类别用顿号分隔，如“低保、残疾人”。", 18),
    Column("category_start", "类别起始日期", False, "填写救助类别时必填。", 14),
    Column("legal_basis", "认定依据", False, "填写救助类别时必填，如文件文号。", 24),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADER = {c.key: c.header for c in COLUMNS}
# Headers of earlier templates still accepted (rosters filled in before the glossary of
# docs/ui.md: 户编号 became 户号).
OLD_HEADERS = {"number": ("户编号",)}
# Cells a household-level column may leave empty on rows other than one.
HOUSEHOLD_KEYS = ("division", "address", "is_rural")


# The instructions sheet's example household (one head, one spouse). Valid as it stands: copied
# into the roster sheet of a template downloaded by an importing user (whose first community is
# filled in), it imports cleanly; a test does exactly that. ID numbers carry valid check digits
# and agree with the sex and birth date given; the household number is text, not a long number
# that Excel would turn into 3.50203E+14.
EXAMPLE_COMMUNITY = "350203002001"  # 中华街道's first community in the shipped table
EXAMPLE_HOUSEHOLD = [
    {"number": "示例-0001", "address": "中华街道示例路1号", "is_rural": "否",
     "id_number": "350203198503150016", "name": "张示例", "sex": "男", "birth_date": "1985-03-15",
     "relation": "户主", "start_date": "2020-01-01", "category": "低保",
     "category_start": "2020-01-01", "legal_basis": "厦民〔2016〕示例号"},
    {"number": "示例-0001", "id_number": "350203198706200028", "name": "李示例", "sex": "女",
     "birth_date": "1987-06-20", "relation": "配偶", "disability_grade": "2",
     "disability_kind": "肢体", "start_date": "2020-01-01"},
]  # fmt: skip


def example_rows(community: str = EXAMPLE_COMMUNITY) -> list[list[str]]:
    """The example household as roster rows (the community code on the head's row)."""
    rows = []
    for k, person in enumerate(EXAMPLE_HOUSEHOLD):
        values = dict(person, division=community) if k == 0 else person
        rows.append([values.get(c.key, "") for c in COLUMNS])
    return rows


class ImportRejected(ServiceError):
    """The file was refused; `problems` lists every problem (row, Chinese header, code, message)."""

    def __init__(self, problems: list[FieldProblem]):
        self.problems = problems
        super().__init__(
            "import_rejected",
            _("The file was not imported: %(n)d problem(s) found. Nothing was written.")
            % {"n": len(problems)},
            problems,
        )


@dataclass
class ImportResult:
    households: int = 0
    persons_created: int = 0
    persons_linked: int = 0  # already registered, in no household: added as members
    memberships: int = 0
    enrolments: int = 0
    household_numbers: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Template


def household_template_workbook(*, actor: User | None = None) -> bytes:
    """The .xlsx template: the roster sheet (Chinese headers, drop-down lists, text-formatted code
    columns), an instructions sheet (rules, one line per column, an example household) and the code
    lists. Given an actor (who must be allowed to import), a sheet lists the communities of their
    jurisdiction with their codes."""
    if actor is not None:
        require(actor, "registry.import_households")
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    header_font = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = header_font
        cell.alignment = Alignment(horizontal="center")
        if col.required:
            cell.fill = required_fill
        cell.comment = Comment(col.help, "SafetyNet")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        if col.text:
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"

    # Lists on their own sheet, referenced by the drop-downs.
    lists = wb.create_sheet(LISTS_SHEET)
    list_columns = [
        ("与户主关系", list(RELATION_LABELS)),
        ("是否农村", list(YES_NO)),
        ("性别", list(SEX_LABELS)),
        ("残疾等级", ["1", "2", "3", "4"]),
        ("残疾类别", list(DISABILITY_KIND_LABELS)),
        ("救助类别", list(CATEGORY_LABELS)),
    ]
    ranges = {}
    for j, (title, values) in enumerate(list_columns, start=1):
        lists.cell(row=1, column=j, value=title).font = header_font
        for k, v in enumerate(values, start=2):
            lists.cell(row=k, column=j, value=v)
        letter = get_column_letter(j)
        lists.column_dimensions[letter].width = 16
        ranges[title] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    for i, col in enumerate(COLUMNS, start=1):
        if col.header in ranges and col.key != "category":  # categories may be several
            dv = DataValidation(type="list", formula1=ranges[col.header], allow_blank=True)
            dv.error = _("Choose a value from the list.")
            dv.errorTitle = col.header
            dv.showErrorMessage = True
            letter = get_column_letter(i)
            dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            ws.add_data_validation(dv)

    help_ws = wb.create_sheet(HELP_SHEET, 1)
    help_ws.column_dimensions["A"].width = 16
    help_ws.column_dimensions["B"].width = 10
    help_ws.column_dimensions["C"].width = 80
    intro = [
        "户籍名册导入说明",
        "每行填写一名人员；同一户的各行填写相同的“户号”。",
        "整个文件先全部校验：只要有一行有错，就不会导入任何数据，并逐行逐列列出错误。",
        "所属社区须在您的管辖范围内；户号不得与系统中已有的户重复；每户有且只有一名户主。",
        "已在系统中登记、户籍在您辖区内、但不属于任何户的人员，按身份证号直接加入本户（姓名须一致）；"
        "已属于其他户的人员请在系统中办理迁移，不能通过导入加入；户籍在辖区外的已登记人员须由其户籍所在地办理。",
        "日期请用 2020-01-31 格式或 Excel 日期；不得晚于今天。",
        "本页末尾的示例是一户两人的完整填法，可复制到“户籍名册”页参照填写；导入前请换成真实数据。",
        "",
    ]
    for r, line in enumerate(intro, start=1):
        help_ws.cell(row=r, column=1, value=line).font = Font(bold=(r == 1))
    r = len(intro) + 1
    for c, title in enumerate(("列名", "是否必填", "说明"), start=1):
        help_ws.cell(row=r, column=c, value=title).font = header_font
    for col in COLUMNS:
        r += 1
        help_ws.cell(row=r, column=1, value=col.header)
        help_ws.cell(row=r, column=2, value="必填" if col.required else "选填")
        help_ws.cell(row=r, column=3, value=col.help)
    r += 2
    help_ws.cell(row=r, column=1, value="示例（一户两人）：").font = header_font
    community = EXAMPLE_COMMUNITY
    if actor is not None:
        first = (
            divisions_visible_to(actor)
            .filter(level=DivisionLevel.COMMUNITY, valid_to__isnull=True)
            .order_by("code")
            .values_list("code", flat=True)
            .first()
        )
        community = first or community
    for values in [[c.header for c in COLUMNS], *example_rows(community)]:
        r += 1
        for c, value in enumerate(values, start=1):
            help_ws.cell(row=r, column=c, value=value or None)

    if actor is not None:
        cs = wb.create_sheet(COMMUNITIES_SHEET)
        cs.append(["社区代码", "社区名称", "街道（镇）"])
        for cell in cs[1]:
            cell.font = header_font
        cs.column_dimensions["A"].width = 16
        cs.column_dimensions["B"].width = 24
        cs.column_dimensions["C"].width = 24
        communities = (
            divisions_visible_to(actor)
            .filter(level=DivisionLevel.COMMUNITY)
            .select_related("parent")
            .order_by("code")
        )
        for d in communities:
            cs.append([d.code, d.name, d.parent.name if d.parent else ""])

    neutralise_workbook(wb)  # names from the database stay text (ADR 0732)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# Cell parsing


class _CellError(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def _date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    m = _DATE_RE.match(text)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise _CellError("date_invalid", _("This date does not exist.")) from None
    raise _CellError("date_format", _("Write dates as 2020-01-31 or as an Excel date."))


def _choice(value, labels: dict, code: str, message: str):
    text = _text(value)
    if not text:
        return None
    if text in labels:
        return labels[text]
    codes = {str(v).lower(): v for v in labels.values()}
    if text.lower() in codes:
        return codes[text.lower()]
    raise _CellError(code, message)


def _yes_no(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("是", "1", "y", "yes", "true"):
        return True
    if text in ("否", "0", "n", "no", "false"):
        return False
    raise _CellError("yes_no_invalid", _("Write 是 (yes) or 否 (no)."))


def _grade(value) -> int | None:
    text = _text(value).removesuffix("级") if not isinstance(value, int) else str(value)
    if not text:
        return None
    if text + "级" in GRADE_LABELS:
        return GRADE_LABELS[text + "级"]
    if text.isdigit() and 1 <= int(text) <= 4:
        return int(text)
    raise _CellError(services.Code.DISABILITY_GRADE, _("The disability grade is 1, 2, 3 or 4."))


def _categories(value) -> list[str]:
    text = _text(value)
    if not text:
        return []
    out = []
    for part in re.split(r"[、,，;；/\s]+", text):
        if part:
            out.append(
                _choice(
                    part,
                    CATEGORY_LABELS,
                    services.Code.CATEGORY_INVALID,
                    _("Unknown recipient category: %(value)s.") % {"value": part},
                )
            )
    return out


# --------------------------------------------------------------------------------------------------
# The import


@dataclass
class _Row:
    row: int
    cells: dict
    id_number: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    relation: str | None = None
    grade: int | None = None
    kind: str = ""
    death_date: dt.date | None = None
    start_date: dt.date | None = None
    categories: list[str] = field(default_factory=list)
    category_start: dt.date | None = None
    ok: bool = True


class _Problems:
    def __init__(self):
        self.items: list[FieldProblem] = []

    def add(self, row: int | None, key_or_header: str, code: str, message) -> None:
        header = HEADER.get(key_or_header, key_or_header)
        self.items.append(FieldProblem(field=header, message=str(message), code=code, row=row))


class _TooLarge(bytes):
    """No content: the upload's size alone refused it."""


def _read_bytes(file) -> bytes:
    """At most MAX_BYTES + 1 bytes of the file (bytes, a file object or an UploadedFile): a larger
    one is not read further, and `_open_sheet` refuses it as too large."""
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        return _TooLarge()  # known to be too large: not read at all
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(MAX_BYTES + 1)


def _open_sheet(data: bytes, filename: str, problems: _Problems):
    """The roster sheet, read-only. The file is judged by its content — an .xlsx workbook whose
    zip directory promises a bounded expansion (`XLSX_LIMITS`), checked before openpyxl parses
    anything — whatever its name."""
    try:
        if isinstance(data, _TooLarge):
            raise FileRefused(
                "file_too_large",
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20},
            )
        check_xlsx(data, limits=XLSX_LIMITS)
    except FileRefused as exc:
        problems.add(None, FILE_FIELD, exc.code, exc.message)
        return None
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip
        problems.add(
            None, FILE_FIELD, "file_type", _("This is not an Excel .xlsx file, or it is damaged.")
        )
        return None
    return wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]


def _read_rows(ws, problems: _Problems) -> list[_Row] | None:
    rows_iter = ws.iter_rows(values_only=True)
    header_row = next(rows_iter, None)
    headers = [_text(h).replace("*", "").replace(" ", "") for h in (header_row or ())]
    position: dict[str, int] = {}
    for col in COLUMNS:
        found = next((h for h in (col.header, *OLD_HEADERS.get(col.key, ())) if h in headers), None)
        if found is not None:
            position[col.key] = headers.index(found)
        elif col.required:
            problems.add(
                1,
                col.key,
                "missing_header",
                _("The column %(header)s is missing.") % {"header": col.header},
            )
    if not header_row or not any(headers):
        problems.items = []
        problems.add(None, FILE_FIELD, "empty_file", _("The file is empty."))
        return None
    if problems.items:
        return None
    rows = []
    for excel_row, values in enumerate(rows_iter, start=2):
        if values is None or all(v is None or _text(v) == "" for v in values):
            continue
        cells = {key: (values[i] if i < len(values) else None) for key, i in position.items()}
        rows.append(_Row(row=excel_row, cells=cells))
        if len(rows) > MAX_ROWS:
            problems.add(
                None,
                FILE_FIELD,
                "too_many_rows",
                _("A file has at most %(n)d rows; split it.") % {"n": MAX_ROWS},
            )
            return None
    if not rows:
        problems.add(None, FILE_FIELD, "empty_file", _("The file has no data rows."))
        return None
    return rows


def _check_row(r: _Row, today: dt.date, problems: _Problems) -> None:
    """Checks of one row on its own (no database)."""
    c = r.cells

    def fail(key, code, message):
        r.ok = False
        problems.add(r.row, key, code, message)

    def parse(key, fn, *args):
        try:
            return fn(c.get(key), *args)
        except _CellError as e:
            fail(key, e.code, e.message)
            return None

    if not _text(c.get("number")):
        fail("number", "required", _("Fill in the household number."))
    name = _text(c.get("name"))
    try:
        services.check_name(name)
    except ServiceError as e:
        fail("name", e.code, e.message)
    r.birth_date = parse("birth_date", _date)
    r.sex = (
        parse(
            "sex",
            _choice,
            SEX_LABELS,
            "sex_invalid",
            _("Write 男 (male) or 女 (female)."),
        )
        or ""
    )
    raw_id = c.get("id_number")
    if isinstance(raw_id, int | float):
        fail(
            "id_number",
            "id_as_number",
            _(
                "The ID number was stored as a number and may have lost digits; "
                "format the column as text and type it again."
            ),
        )
    elif not _text(raw_id):
        fail("id_number", "required", _("Fill in the ID number."))
    else:
        try:
            facts = services.check_id_number(_text(raw_id), today=today)
        except ServiceError as e:
            fail("id_number", e.code, e.message)
        else:
            # Every mismatch is reported, and the (valid) ID number's own facts are kept, so that
            # the row's other checks (dates before birth, duplicates, registered persons) still
            # run: one wrong birth date must not hide the row's other problems.
            for problem in services.id_number_mismatches(
                facts, birth_date=r.birth_date, sex=r.sex or None
            ):
                fail(problem.field, problem.code, problem.message)
            r.id_number, r.birth_date, r.sex = facts.number, facts.birth_date, facts.sex
    relation_text = _text(c.get("relation"))
    if not relation_text:
        fail("relation", "required", _("Fill in the relation to the head."))
    else:
        r.relation = parse(
            "relation",
            _choice,
            RELATION_LABELS,
            services.Code.RELATION_INVALID,
            _("The relation must be one of: %(list)s.") % {"list": "、".join(RELATION_LABELS)},
        )
    grade = parse("disability_grade", _grade)
    kind = parse(
        "disability_kind",
        _choice,
        DISABILITY_KIND_LABELS,
        services.Code.DISABILITY_KIND,
        _("Unknown disability kind."),
    )
    grade_bad = bool(_text(c.get("disability_grade"))) and grade is None
    kind_bad = bool(_text(c.get("disability_kind"))) and kind is None
    if not (grade_bad or kind_bad):  # (those are reported already)
        try:
            r.grade, r.kind = services.check_disability(grade, kind or "")
        except ServiceError as e:
            fail(e.problems[0].field, e.code, e.message)
    for key in ("death_date", "start_date", "category_start"):
        value = parse(key, _date)
        if value is not None and value > today:
            fail(
                key,
                services.Code.DATE_IN_FUTURE,
                _("The date %(date)s is in the future.") % {"date": value},
            )
            value = None
        setattr(r, key, value)
    if r.birth_date and r.id_number:
        if r.death_date and r.death_date < r.birth_date:
            fail(
                "death_date",
                services.Code.DEATH_BEFORE_BIRTH,
                _("The death date is before the birth date."),
            )
        for key in ("start_date", "category_start"):
            value = getattr(r, key)
            if value and value < r.birth_date:
                fail(
                    key,
                    services.Code.DATE_BEFORE_BIRTH,
                    _("The date is before the person's birth."),
                )
    try:
        r.categories = _categories(c.get("category"))
    except _CellError as e:
        fail("category", e.code, e.message)
    if r.categories or _text(c.get("category")):
        if r.category_start is None and not _text(c.get("category_start")):
            fail("category_start", "required", _("Fill in the date the category starts."))
        if not _text(c.get("legal_basis")):
            fail("legal_basis", services.Code.LEGAL_BASIS_REQUIRED, _("A legal basis is required."))
        if len(_text(c.get("legal_basis"))) > 200:
            fail("legal_basis", "too_long", _("At most 200 characters."))
    if len(set(r.categories)) != len(r.categories):
        fail("category", "category_twice", _("A category is listed twice."))
    for key, limit in (("number", 32), ("address", 200), ("residence_address", 200)):
        if len(_text(c.get(key))) > limit:
            fail(key, "too_long", _("At most %(n)d characters.") % {"n": limit})


def _chunks(values: list, size: int = 500):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def household_roster_import(*, actor: User, file, filename: str) -> ImportResult:
    """Validate the whole roster, then write it (households, new persons, memberships, enrolments)
    in one transaction with bulk inserts, recording the actor and the change reason
    ``household_roster_import`` in the history. Raise ImportRejected listing every problem, having
    written nothing, if any row is invalid. `file` is bytes, a file object or an UploadedFile.

    The actor's role must have `registry.import_households` (else NotPermittedError, before the
    file is read). A registered person in no household is linked only if the actor can see them
    (户籍 in the jurisdiction); anyone else's ID number gets one answer, `id_unavailable`, whatever
    their name, household or 户籍 (ADR 0721)."""
    require(actor, "registry.import_households")
    problems = _Problems()
    ws = _open_sheet(_read_bytes(file), filename, problems)
    rows = _read_rows(ws, problems) if ws is not None else None
    if rows is None:
        raise ImportRejected(problems.items)
    today = timezone.localdate()
    for r in rows:
        _check_row(r, today, problems)

    with transaction.atomic():
        plan = _check_across_rows(actor, rows, problems)
        if problems.items:
            problems.items.sort(key=lambda p: (p.row or 0, _column_order(p.field)))
            raise ImportRejected(problems.items)
        try:
            with transaction.atomic():
                return _write(actor, plan, today)
        except IntegrityError:  # someone registered one of these meanwhile
            raise ImportRejected(
                [
                    FieldProblem(
                        field=FILE_FIELD,
                        code=services.Code.CONFLICT,
                        row=None,
                        message=_("Someone else changed these records; try again."),
                    )
                ]
            ) from None


def _column_order(header: str) -> int:
    for i, col in enumerate(COLUMNS):
        if col.header == header:
            return i
    return -1


@dataclass
class _Plan:
    households: dict  # number -> dict(division, address, is_rural, rows)
    existing: dict  # id_number -> Person (registered, in no household)
    rows: list


def _check_across_rows(actor: User, rows: list[_Row], problems: _Problems) -> _Plan:
    """Checks between rows and against the database: divisions and jurisdiction, duplicates,
    existing persons and households, one head per household."""
    prefix = _prefix(actor)
    codes = set()
    for r in rows:
        codes.update(_text(r.cells.get(k)) for k in ("division", "hukou_division"))
    codes.discard("")
    divisions = {}
    for chunk in _chunks(sorted(codes)):
        divisions.update({d.code: d for d in Division.objects.filter(code__in=chunk)})

    def check_division(r: _Row, key: str, *, scoped: bool) -> Division | None:
        code = _text(r.cells.get(key))
        if not code:
            return None
        d = divisions.get(code)
        if d is None:
            problems.add(
                r.row,
                key,
                "division_unknown",
                _("Unknown division code %(code)s.") % {"code": code},
            )
        elif d.level != DivisionLevel.COMMUNITY:
            problems.add(
                r.row,
                key,
                services.Code.DIVISION_NOT_COMMUNITY,
                _("%(code)s is not a community or village code.") % {"code": code},
            )
        elif scoped and (prefix is None or not code.startswith(prefix)):
            problems.add(
                r.row,
                key,
                "division_out_of_scope",
                _("%(code)s is outside your jurisdiction.") % {"code": code},
            )
        else:
            return d
        r.ok = False
        return None

    # Households: group rows, one consistent value per household column, one head.
    households: dict[str, dict] = {}
    for r in rows:
        number = _text(r.cells.get("number"))
        if not number:
            continue
        hh = households.setdefault(number, {"rows": [], "first": {}, "heads": []})
        hh["rows"].append(r)
        for key in HOUSEHOLD_KEYS:
            value = _text(r.cells.get(key))
            if not value:
                continue
            if key not in hh["first"]:
                hh["first"][key] = (value, r.row)
            elif hh["first"][key][0] != value:
                problems.add(
                    r.row,
                    key,
                    "household_inconsistent",
                    _("Household %(number)s has %(value)s on row %(row)d.")
                    % {"number": number, "value": hh["first"][key][0], "row": hh["first"][key][1]},
                )
        if r.relation == Relation.HEAD:
            hh["heads"].append(r)
        if _text(r.cells.get("division")):
            check_division(r, "division", scoped=True)
    for number, hh in households.items():
        first_row = hh["rows"][0].row
        if "division" not in hh["first"]:
            problems.add(
                first_row,
                "division",
                "required",
                _("Household %(number)s has no community code on any row.") % {"number": number},
            )
        if not hh["heads"]:
            problems.add(
                first_row,
                "relation",
                services.Code.HEAD_REQUIRED,
                _("Household %(number)s has no head (户主).") % {"number": number},
            )
        for extra in hh["heads"][1:]:
            problems.add(
                extra.row,
                "relation",
                "head_twice",
                _("Household %(number)s already has a head on row %(row)d.")
                % {"number": number, "row": hh["heads"][0].row},
            )
        division = divisions.get(hh["first"].get("division", ("",))[0])
        hh["division"] = division
        hh["address"] = hh["first"].get("address", ("",))[0]
        try:
            hh["is_rural"] = bool(_yes_no(hh["first"].get("is_rural", ("",))[0]))
        except _CellError as e:
            problems.add(hh["first"]["is_rural"][1], "is_rural", e.code, e.message)
    for number_chunk in _chunks(list(households)):
        for number in Household.objects.filter(number__in=number_chunk).values_list(
            "number", flat=True
        ):
            problems.add(
                households[number]["rows"][0].row,
                "number",
                services.Code.HOUSEHOLD_NUMBER_TAKEN,
                _("Household number %(number)s is already in use.") % {"number": number},
            )

    # Hukou divisions: any community of the table (a member may be registered elsewhere).
    for r in rows:
        r.cells["_hukou"] = check_division(r, "hukou_division", scoped=False)

    # Persons: once in the file; if already registered, in no household and with the same name.
    seen: dict[str, int] = {}
    for r in rows:
        if not r.id_number:
            continue
        if r.id_number in seen:
            problems.add(
                r.row,
                "id_number",
                "id_duplicate_in_file",
                _("This person is also on row %(row)d.") % {"row": seen[r.id_number]},
            )
        else:
            seen[r.id_number] = r.row
    existing: dict[str, Person] = {}
    for chunk in _chunks(list(seen)):
        existing.update({p.id_number: p for p in Person.objects.filter(id_number__in=chunk)})
    # Registered to someone the actor cannot see: neither linked nor described (one answer).
    visible = set()
    for chunk in _chunks([p.pk for p in existing.values()]):
        visible.update(persons_visible_to(actor).filter(pk__in=chunk).values_list("pk", flat=True))
    hidden = {number for number, p in existing.items() if p.pk not in visible}
    for r in rows:
        if r.id_number in hidden and seen.get(r.id_number) == r.row:
            problems.add(
                r.row, "id_number", services.Code.ID_UNAVAILABLE, services.id_unavailable_message()
            )
            audit.info(
                "household_roster_import user=%s row=%d id_unavailable id=%s",
                actor.get_username(),
                r.row,
                mask_id_number(r.id_number),
            )
    existing = {number: p for number, p in existing.items() if number not in hidden}
    in_household: dict[int, tuple[str, str]] = {}  # person → (household number, division)
    ids = [p.pk for p in existing.values()]
    for chunk in _chunks(ids):
        for person_id, number, division in Membership.objects.filter(
            person_id__in=chunk, end_date__isnull=True
        ).values_list("person_id", "household__number", "household__division_id"):
            in_household[person_id] = (number, division)
    for r in rows:
        p = existing.get(r.id_number)
        if p is None or seen.get(r.id_number) != r.row:
            continue
        if p.pk in in_household:
            number, division = in_household[p.pk]
            problems.add(
                r.row,
                "id_number",
                services.Code.ALREADY_IN_HOUSEHOLD,
                services.already_in_household_message(actor, number, division),
            )
        elif p.name != _text(r.cells.get("name")):
            problems.add(
                r.row,
                "name",
                "name_mismatch",
                _("This ID number is registered under another name."),
            )
    # A registered person's enrolments: periods of one category never overlap.
    overlaps_msg = _("The person is already enrolled in this category for part of this period.")
    wanted = [r for r in rows if r.categories and r.category_start and r.id_number in existing]
    for chunk in _chunks(wanted):
        by_person = {existing[r.id_number].pk: r for r in chunk}
        clashes = Enrolment.objects.filter(
            person_id__in=list(by_person),
            category__in={c for r in chunk for c in r.categories},
        ).values_list("person_id", "category", "end_date")
        reported = set()
        for person_id, category, end_date in clashes:
            r = by_person[person_id]
            overlaps = end_date is None or end_date >= r.category_start
            if category in r.categories and overlaps and r.row not in reported:
                reported.add(r.row)
                problems.add(
                    r.row, "category_start", services.Code.ENROLMENT_OVERLAPS, overlaps_msg
                )
    return _Plan(households=households, existing=existing, rows=rows)


def _write(actor: User, plan: _Plan, today: dt.date) -> ImportResult:
    result = ImportResult()
    households = [
        Household(
            number=number,
            division=hh["division"],
            address=hh["address"],
            is_rural=hh["is_rural"],
        )
        for number, hh in plan.households.items()
    ]
    stamp = {"default_user": actor, "default_change_reason": CHANGE_REASON, "batch_size": 1000}
    households = bulk_create_with_history(households, Household, **stamp)
    by_number = {h.number: h for h in households}
    new_persons = []
    for r in plan.rows:
        if r.id_number in plan.existing:
            continue
        c = r.cells
        hh = plan.households[_text(c.get("number"))]
        new_persons.append(
            Person(
                id_number=r.id_number,
                name=_text(c.get("name")),
                sex=r.sex,
                birth_date=r.birth_date,
                hukou_division=c["_hukou"] or hh["division"],
                residence_address=_text(c.get("residence_address")) or hh["address"],
                disability_grade=r.grade,
                disability_kind=r.kind,
                death_date=r.death_date,
            )
        )
    created = bulk_create_with_history(new_persons, Person, **stamp)
    persons = {p.id_number: p for p in created} | plan.existing
    memberships, enrolments = [], []
    for r in plan.rows:
        household = by_number[_text(r.cells.get("number"))]
        person = persons[r.id_number]
        memberships.append(
            Membership(
                person=person,
                household=household,
                relation=r.relation,
                start_date=r.start_date or today,
            )
        )
        for category in r.categories:
            enrolments.append(
                Enrolment(
                    person=person,
                    household=household,
                    category=category,
                    start_date=r.category_start,
                    legal_basis=_text(r.cells.get("legal_basis")),
                )
            )
    bulk_create_with_history(memberships, Membership, **stamp)
    services.persons_follow_household(m.person_id for m in memberships)
    bulk_create_with_history(enrolments, Enrolment, **stamp)
    result.households = len(households)
    result.persons_created = len(created)
    result.persons_linked = len(plan.rows) - len(created)
    result.memberships = len(memberships)
    result.enrolments = len(enrolments)
    result.household_numbers = [h.number for h in households]
    return result
