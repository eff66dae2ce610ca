"""Writes of monthly price indices (价格指数, ADR 1430): one month entered on the screen or the
command line, or a file (Excel or CSV) imported all or nothing.

Each service checks the ability (ADR 0720) first, validates with the rules
(``safetynet.rules.indices``), writes in one transaction and records an event on the audit
trail (PriceIndexEvent). An entered index takes effect at once: the overlay source
(``selectors.approved_changes``) overlays it on the rules' ``price_indices.*`` parameters.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safetynet.accounts.permissions import require
from safetynet.core.errors import FieldProblem, ServiceError
from safetynet.rules.indices import (
    INDEX_KINDS,
    IndexInputError,
    index_text,
    parse_index,
    parse_month,
)

from . import selectors
from .models import IndexEventKind, IndexImport, PriceIndex, PriceIndexEvent

ENTER = "policy.enter_price_indices"
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# the file's columns: Chinese header (the template's) or the English key
COLUMNS = (
    ("month", "月份"),
    ("kind", "指数"),
    ("value", "同比指数"),
    ("cumulative", "累计指数"),
    ("source", "来源"),
)
# the kind column takes the code or the Chinese name
KIND_NAMES = {
    "cpi": "cpi",
    "居民消费价格指数": "cpi",
    "food_cpi": "food_cpi",
    "食品类居民消费价格指数": "food_cpi",
    "食品价格指数": "food_cpi",
    "scpi": "scpi",
    "低收入居民基本生活费用价格指数": "scpi",
}
XLSX_MAGIC = b"PK\x03\x04"


def _problem(field: str, message: str, code: str, row: int | None = None) -> FieldProblem:
    return FieldProblem(field, message, code, row)


def _refuse(problems: list[FieldProblem]) -> ServiceError:
    first = problems[0]
    where = f"row {first.row}, " if first.row else ""
    return ServiceError(first.code, f"{where}{first.field}: {first.message}", problems)


def _clean(
    *, month, kind, value, cumulative, source, row: int | None = None
) -> tuple[dict | None, list[FieldProblem]]:
    """The validated fields of one index, or the problems naming the field (and row)."""
    problems: list[FieldProblem] = []
    out: dict = {}
    try:
        out["month"] = parse_month(month)
    except IndexInputError as e:
        problems.append(_problem(e.field, e.message, e.code, row))
    k = KIND_NAMES.get(str(kind or "").strip())
    if k is None:
        problems.append(
            _problem(
                "kind",
                f"{kind!r} is not one of {list(INDEX_KINDS)} (or the Chinese name)",
                "unknown_kind",
                row,
            )
        )
    out["kind"] = k
    try:
        out["value"] = parse_index(value, "value")
    except IndexInputError as e:
        problems.append(_problem(e.field, e.message, e.code, row))
    out["cumulative"] = None
    if cumulative not in (None, ""):
        try:
            out["cumulative"] = parse_index(cumulative, "cumulative")
        except IndexInputError as e:
            problems.append(_problem(e.field, e.message, e.code, row))
    text = str(source or "").strip()
    if not text:
        problems.append(
            _problem(
                "source", "give the source (e.g. the statistics bureau's release)", "required", row
            )
        )
    elif len(text) > 300:
        problems.append(_problem("source", "at most 300 characters", "too_long", row))
    out["source"] = text
    if "month" in out and out["month"] > f"{timezone.localdate():%Y-%m}":
        problems.append(_problem("month", f"{out['month']} is in the future", "future_month", row))
    return (None if problems else out), problems


def _write(actor, data: dict, source_file: IndexImport | None = None) -> PriceIndex:
    now = timezone.now()
    existing = (
        PriceIndex.objects.select_for_update()
        .filter(month=data["month"], kind=data["kind"])
        .first()
    )
    new = {
        "value": data["value"],
        "cumulative": data["cumulative"],
        "source": data["source"],
    }
    if existing is None:
        idx = PriceIndex.objects.create(
            month=data["month"], kind=data["kind"], entered_by=actor, entered_at=now, **new
        )
        kind, extra = IndexEventKind.ENTERED, {}
    else:
        old = {
            "value": existing.value,
            "cumulative": existing.cumulative,
            "source": existing.source,
        }
        if old == new:
            return existing  # the same figures again: nothing to record
        for f, v in new.items():
            setattr(existing, f, v)
        existing.entered_by, existing.entered_at = actor, now
        existing.save()
        idx = existing
        kind, extra = IndexEventKind.CORRECTED, {"old": old}
    PriceIndexEvent.objects.create(
        index=idx,
        kind=kind,
        actor=actor,
        source_file=source_file,
        data={
            "month": idx.month,
            "kind": idx.kind,
            "value": idx.value,
            "index": index_text(idx.value),
            "cumulative": idx.cumulative,
            "source": idx.source,
            **extra,
        },
    )
    return idx


def _changed() -> None:
    selectors.invalidate()
    transaction.on_commit(selectors.invalidate)


@transaction.atomic
def index_enter(
    actor,
    *,
    month: str | dt.date,
    kind: str,
    value,
    source: str,
    cumulative=None,
) -> PriceIndex:
    """Enter (or correct) one month's index. ``value``/``cumulative`` are the published index
    with the same month (period) of the previous year = 100, as text ("102.8") or an int in
    hundredths; a float or a third decimal is refused."""
    require(actor, ENTER)
    data, problems = _clean(
        month=month, kind=kind, value=value, cumulative=cumulative, source=source
    )
    if problems:
        raise _refuse(problems)
    idx = _write(actor, data)
    _changed()
    return idx


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return f"{v.year:04d}-{v.month:02d}"
    if isinstance(v, dt.date):
        return f"{v.year:04d}-{v.month:02d}"
    if isinstance(v, float):
        return repr(v)  # Excel numbers: the shortest exact text, a third decimal stays visible
    return str(v).strip()


def read_rows(content: bytes) -> list[list[str]]:
    """Rows of text cells of a .xlsx (by its magic bytes) or a UTF-8 CSV file."""
    if content.startswith(XLSX_MAGIC):
        from openpyxl import load_workbook

        from safetynet.core.uploads import check_xlsx

        check_xlsx(content, field="file")  # a zip bomb is refused unread

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            rows = [[_cell(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
            wb.close()
        except Exception as exc:  # any parse failure is a malformed file
            raise _refuse(
                [_problem("file", f"not a readable Excel file: {str(exc)[:200]}", "malformed")]
            ) from None
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse([_problem("file", "not an Excel file nor UTF-8 CSV", "not_utf8")]) from None
    if "\x00" in text:
        raise _refuse([_problem("file", "binary content", "malformed")])
    try:
        return [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise _refuse([_problem("file", str(exc), "malformed")]) from None


def parse_file(content: bytes) -> list[tuple[int, dict]]:
    """(row number, fields) of every data row; ServiceError listing every problem by row and
    field (the whole file is refused)."""
    if len(content) > MAX_FILE_BYTES:
        raise _refuse([_problem("file", f"larger than {MAX_FILE_BYTES} bytes", "too_large")])
    rows = read_rows(content)
    if not rows or not any(rows[0]):
        raise _refuse([_problem("file", "empty file", "empty")])
    header = [c.strip().lower() for c in rows[0]]
    position: dict[str, int] = {}
    for key, zh in COLUMNS:
        for i, h in enumerate(header):
            if h in (key, zh):
                position[key] = i
    missing = [zh for key, zh in COLUMNS if key not in position and key != "cumulative"]
    if missing:
        raise _refuse(
            [
                _problem(
                    "columns",
                    f"missing column(s) {missing}; the header is {[zh for _, zh in COLUMNS]}",
                    "wrong_columns",
                    1,
                )
            ]
        )
    data_rows = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not data_rows:
        raise _refuse([_problem("file", "no data rows", "empty")])
    if len(data_rows) > MAX_ROWS:
        raise _refuse([_problem("file", f"more than {MAX_ROWS} rows", "too_large")])
    problems: list[FieldProblem] = []
    out: list[tuple[int, dict]] = []
    seen: dict[tuple[str, str], int] = {}

    def cell(r, key):
        i = position.get(key)
        return r[i] if i is not None and i < len(r) else ""

    for n, r in data_rows:
        data, probs = _clean(
            month=cell(r, "month"),
            kind=cell(r, "kind"),
            value=cell(r, "value"),
            cumulative=cell(r, "cumulative"),
            source=cell(r, "source"),
            row=n,
        )
        problems.extend(probs)
        if data is None:
            continue
        key = (data["month"], data["kind"])
        if key in seen:
            problems.append(
                _problem(
                    "month",
                    f"{data['month']} {data['kind']} is also on row {seen[key]}",
                    "duplicate",
                    n,
                )
            )
            continue
        seen[key] = n
        out.append((n, data))
    if problems:
        raise _refuse(problems)
    return out


@transaction.atomic
def index_import(actor, content: bytes, file_name: str) -> IndexImport:
    """Import a file of indices (columns 月份, 指数, 同比指数, 累计指数, 来源), all or nothing:
    any bad row refuses the whole file with every problem by row and field. A month already
    entered with other figures is corrected (on the audit trail with the old figures)."""
    require(actor, ENTER)
    rows = parse_file(content)
    imp = IndexImport.objects.create(
        file_name=(file_name or "")[:255] or _("(upload)"),
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(rows),
        imported_by=actor,
    )
    for _n, data in rows:
        _write(actor, data, imp)
    _changed()
    return imp


def template_csv() -> bytes:
    """The import template (CSV, UTF-8 with BOM so Excel opens it in Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([zh for _, zh in COLUMNS])
    w.writerow(["2020-05", "居民消费价格指数", "102.4", "103.9", "厦门市统计局 2020年5月价格月报"])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
