"""Excel roster helpers for the importer and exporter tests (fixtures are in
tests/registry/conftest.py)."""

import io

import openpyxl

from safetynet.registry.importers import COLUMNS, DATA_SHEET

HEADERS = [c.header for c in COLUMNS]


def xlsx(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    """A workbook with the given header row and one row per dict (header -> value)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
