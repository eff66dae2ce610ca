"""The simulated agency's side of a manual exchange: fill a request file from the city's extract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from safetynet.verification.sources.catalog import SOURCES, FieldType
from safetynet.verification.sources.manual import (
    ExchangeRow,
    FieldProblem,
    ResponseFileError,
    fen_to_yuan,
    read_exchange_file,
    response_filename,
    write_exchange_workbook,
)

from .data import CityIndex


def answer_request_file(
    *, city: CityIndex | Path | str, content: bytes, filename: str = "request.xlsx"
) -> tuple[str, bytes, int]:
    """The agency's response to a request file: (filename, .xlsx bytes, number of records)."""
    xf = read_exchange_file(filename=filename, content=content)
    source = SOURCES.get(xf.source)
    if source is None or xf.role != "request":
        raise ResponseFileError(
            [
                FieldProblem(
                    "source", f"not a request for a known source: {xf.source!r}", "wrong_source"
                )
            ]
        )
    if not isinstance(city, CityIndex) or source.code not in city.tables:
        city = CityIndex.load(city.city if isinstance(city, CityIndex) else city, [source])
    rows: list[ExchangeRow] = []
    count = 0
    for id_number, name in xf.people:
        records = city.lookup(source.code, [id_number])
        if not records:
            rows.append(ExchangeRow(id_number, name, found=False))
        for rec in records:
            values: dict[str, object] = {}
            for f in source.fields:
                v = rec.get(f.name)
                if v is not None and f.type is FieldType.FEN:
                    v = fen_to_yuan(v)
                elif v is not None and f.type is FieldType.DATE:
                    v = dt.date.fromisoformat(v)
                values[f.name] = v
            rows.append(ExchangeRow(id_number, name, found=True, values=values))
            count += 1
    data = write_exchange_workbook(
        source=source,
        request_id=xf.request_id,
        people=xf.people,
        rows=rows,
        role="response",
        exported_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    return response_filename(source, xf.request_id), data, count


__all__ = ["answer_request_file"]
