"""Excel export of any filtered list of households or persons, scoped to the actor.

Rows are streamed from the database in chunks into an openpyxl write-only workbook, so memory stays
flat however long the list. ID numbers are always masked, for every role and every caller (web, API,
CLI): an export is a list that travels (ADR 0002, ADR 0722). The actor's role must have the
ability `registry.export_households` / `registry.export_persons` (accounts/permissions.py), else
NotPermittedError. Headers are Chinese (the offices' format).
"""

import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core.spreadsheet import safe_row

from .ids import mask_id_number
from .importers import CATEGORY_LABELS, DISABILITY_KIND_LABELS, RELATION_LABELS
from .selectors import current_enrolments, divisions_visible_to, household_list, person_list

audit = logging.getLogger("safetynet.audit")

CHUNK = 2000
CATEGORY_NAME = {v: k for k, v in CATEGORY_LABELS.items()}
RELATION_NAME = {v: k for k, v in RELATION_LABELS.items()}
KIND_NAME = {v: k for k, v in DISABILITY_KIND_LABELS.items()}
SEX_NAME = {"M": "男", "F": "女"}

HOUSEHOLD_COLUMNS = [
    ("户号", 20),
    ("所属社区代码", 16),
    ("所属社区", 18),
    ("所属街道（镇）", 16),
    ("地址", 30),
    ("是否农村", 10),
    ("户主姓名", 12),
    ("户主身份证号", 22),
    ("人数", 8),
    ("救助类别", 24),
]
PERSON_COLUMNS = [
    ("身份证号", 22),
    ("姓名", 12),
    ("性别", 6),
    ("出生日期", 12),
    ("户籍社区代码", 16),
    ("户籍社区", 18),
    ("现住址", 30),
    ("户号", 20),
    ("与户主关系", 12),
    ("残疾等级", 10),
    ("残疾类别", 10),
    ("死亡日期", 12),
    ("救助类别", 24),
]
HOUSEHOLD_FILTERS = frozenset({"division", "category", "q"})
PERSON_FILTERS = frozenset({"division", "category", "q", "alive"})


def queryset_to_xlsx(
    *,
    rows: Iterable[Sequence],
    headers: Sequence[str | tuple[str, int]],
    sheet_title: str = "Sheet1",
    out=None,
) -> bytes:
    """Write `rows` (any iterable of sequences: a queryset's values_list, a generator) under
    `headers` (names, or (name, column width) pairs) into a write-only workbook.

    Returns the .xlsx bytes, or writes to `out` (a path or binary file) and returns b"".
    Dates get a date format; None is an empty cell; a text a spreadsheet would evaluate
    (`=HYPERLINK(...)`, `+…`, `-…`, `@…`) is written as quoted text, never a formula (ADR 0732).
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title[:31])
    names = []
    for i, h in enumerate(headers, start=1):
        name, width = (h, None) if isinstance(h, str) else h
        names.append(name)
        if width:
            ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header_cells.append(cell)
    ws.append(safe_row(ws, header_cells))
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(safe_row(ws, cells))
    if out is not None:
        wb.save(out)
        return b""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _check_filters(filters: dict | None, allowed: frozenset) -> dict:
    filters = dict(filters or {})
    unknown = set(filters) - allowed
    if unknown:
        raise TypeError(f"unknown export filters: {sorted(unknown)}")
    return {k: v for k, v in filters.items() if v not in (None, "")}


def _chunked(queryset, size: int = CHUNK) -> Iterator[list]:
    """Keyset pagination by id: steady memory and no long-held cursor (works on both databases)."""
    last = 0
    while True:
        chunk = list(queryset.filter(id__gt=last).order_by("id")[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].id


def _division_names(actor: User) -> dict[str, tuple[str, str]]:
    return {
        d.code: (d.name, d.parent.name if d.parent else "")
        for d in divisions_visible_to(actor).select_related("parent")
    }


def _categories_text(codes) -> str:
    return "、".join(CATEGORY_NAME.get(c, c) for c in sorted(set(codes)))


def households_export(*, actor: User, filters: dict | None = None, out=None) -> bytes:
    """The households household_list(actor=actor, **filters) returns, one row each, with the
    head, the number of current members and the current categories of the household and its
    members. Filters: division, category, q."""
    require(actor, "registry.export_households")
    filters = _check_filters(filters, HOUSEHOLD_FILTERS)
    show_id = mask_id_number
    names = _division_names(actor)
    count = 0

    def rows():
        nonlocal count
        for chunk in _chunked(household_list(actor=actor, every=True, **filters)):
            ids = [h.id for h in chunk]
            categories = defaultdict(set)
            current = current_enrolments()
            for hid, cat in current.filter(household_id__in=ids).values_list(
                "household_id", "category"
            ):
                categories[hid].add(cat)
            of_members = current.filter(
                person__memberships__household_id__in=ids,
                person__memberships__end_date__isnull=True,
            ).values_list("person__memberships__household_id", "category")
            for hid, cat in of_members:
                categories[hid].add(cat)
            for h in chunk:
                community, street = names.get(h.division_id, ("", ""))
                count += 1
                yield (
                    h.number,
                    h.division_id,
                    community,
                    street,
                    h.address,
                    "是" if h.is_rural else "否",
                    h.head_name or "",
                    show_id(h.head_id_number) if h.head_id_number else "",
                    h.member_count,
                    _categories_text(categories[h.id]),
                )

    data = queryset_to_xlsx(rows=rows(), headers=HOUSEHOLD_COLUMNS, sheet_title="户", out=out)
    audit.info(
        "households_export user=%s filters=%s rows=%d",
        actor.get_username(),
        filters,
        count,
    )
    return data


def persons_export(*, actor: User, filters: dict | None = None, out=None) -> bytes:
    """The persons person_list(actor=actor, **filters) returns, one row each, with their current
    household and categories. Filters: division, category, q, alive."""
    require(actor, "registry.export_persons")
    filters = _check_filters(filters, PERSON_FILTERS)
    show_id = mask_id_number
    count = 0

    def rows():
        nonlocal count
        for chunk in _chunked(person_list(actor=actor, every=True, **filters)):
            categories = defaultdict(set)
            for pid, cat in (
                current_enrolments()
                .filter(person_id__in=[p.id for p in chunk])
                .values_list("person_id", "category")
            ):
                categories[pid].add(cat)
            for p in chunk:
                count += 1
                yield (
                    show_id(p.id_number),
                    p.name,
                    SEX_NAME.get(p.sex, p.sex),
                    p.birth_date,
                    p.hukou_division_id,
                    p.hukou_division.name,
                    p.residence_address,
                    p.household_number or "",
                    RELATION_NAME.get(p.relation, "") if p.relation else "",
                    p.disability_grade,
                    KIND_NAME.get(p.disability_kind, "") if p.disability_kind else "",
                    p.death_date,
                    _categories_text(categories[p.id]),
                )

    data = queryset_to_xlsx(rows=rows(), headers=PERSON_COLUMNS, sheet_title="人员", out=out)
    audit.info(
        "persons_export user=%s filters=%s rows=%d",
        actor.get_username(),
        filters,
        count,
    )
    return data
