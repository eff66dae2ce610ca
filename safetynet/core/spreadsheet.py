"""Excel outputs never carry a formula we did not write (OWASP "CSV/formula injection", ADR 0732).

A person named `=HYPERLINK("http://x","y")` must come out of an export as that text, not as a
link a spreadsheet follows. openpyxl turns any string starting with `=` into a formula cell; and a
text starting with `=`, `+`, `-`, `@`, a tab or a carriage return becomes one as soon as someone
edits the cell in Excel or LibreOffice. So every such text cell is written as a *string* cell
(`data_type = "s"`) with Excel's quote-prefix style (`quotePrefix`, what Excel itself stores
when one types a leading apostrophe): the value is unchanged — no `'` is added, so re-importing
our own files reads exactly what was exported — and no spreadsheet evaluates it, even on edit.

Every writer of .xlsx uses this module: `text_cell`/`safe_row` for write-only sheets (exports,
and the bank files to come), `neutralise_workbook` for ordinary workbooks just before saving
(templates, agency exchange files). Pure Python (openpyxl).
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_CHARS = frozenset(FORMULA_TRIGGERS)


def is_formula_like(value: object) -> bool:
    """A text a spreadsheet would evaluate (or turn into a formula on edit)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise_cell(cell) -> bool:
    """Make `cell` (ordinary or write-only) a plain quoted text cell if its value is
    formula-like; True if it changed."""
    if not is_formula_like(cell.value) and cell.data_type != "f":
        return False
    cell.data_type = "s"
    cell.quotePrefix = True
    return True


def text_cell(ws, value: object):
    """For a write-only sheet: `value`, or a neutralised WriteOnlyCell if it is formula-like."""
    if not is_formula_like(value):
        return value
    cell = WriteOnlyCell(ws, value=value)
    neutralise_cell(cell)
    return cell


def safe_row(ws, values: Iterable) -> list:
    """A row for `ws.append(...)` of a write-only sheet, every formula-like text neutralised.
    Cells already built by the caller (WriteOnlyCell) are neutralised in place."""
    out = list(values)
    for i, v in enumerate(out):
        if type(v) is str:  # the common case first: a plain text cell
            if v and v[0] in _TRIGGER_CHARS:
                out[i] = text_cell(ws, v)
        elif isinstance(v, Cell):
            neutralise_cell(v)
        elif isinstance(v, str):
            out[i] = text_cell(ws, v)
    return out


def neutralise_workbook(wb) -> int:
    """Neutralise every formula-like cell of an ordinary (not write-only) workbook; call it just
    before saving. Returns how many cells were changed."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and neutralise_cell(cell):
                    changed += 1
    return changed
