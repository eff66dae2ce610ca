"""The simulated agencies' data: the generated city's extracts, indexed by ID number at start-up.

Each source's rows are kept as one Arrow table sorted by an int64 key derived from the ID number
(17 digits × 11 + check value), beside a NumPy array of the keys. A lookup is a binary search
(`searchsorted`) and a slice of the table: answers stay fast for a million-person city while the
memory is the columnar data itself, not millions of Python dicts (see docs/adr/0501-*.md).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safetynet.verification.sources.catalog import SOURCES, Source, automatic_sources, get_source


class CityDataError(Exception):
    """The city directory lacks a file or a column a source needs."""


def id_key(number: str) -> int:
    """The sort key of one 18-character ID number (caller validates the format)."""
    last = number[17]
    return int(number[:17]) * 11 + (10 if last in "Xx" else int(last))


def id_keys(numbers: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The sort keys of a column of ID numbers, vectorised."""
    head = pc.cast(pc.utf8_slice_codeunits(numbers, 0, 17), pa.int64())
    tail = pc.utf8_slice_codeunits(pc.utf8_upper(numbers), 17, 18)
    tail = pc.cast(pc.replace_substring(tail, "X", "10"), pa.int64())
    keys = pc.add(pc.multiply(head, 11), tail)
    return np.asarray(keys.to_numpy(zero_copy_only=False), dtype=np.int64)


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class SourceTable:
    """One source's rows, sorted by ID key: `lookup` gives each number's records."""

    source: Source
    keys: np.ndarray
    table: pa.Table  # id_number + the source's fields, in the catalogue's order

    def __len__(self) -> int:
        return self.table.num_rows

    def lookup(self, id_numbers: Iterable[str]) -> list[dict]:
        """Records of these ID numbers, in the order asked, JSON-ready (dates ISO, money fen)."""
        out: list[dict] = []
        for number in id_numbers:
            k = id_key(number)
            lo = int(np.searchsorted(self.keys, k, side="left"))
            hi = int(np.searchsorted(self.keys, k, side="right"))
            if hi > lo:
                for row in self.table.slice(lo, hi - lo).to_pylist():
                    out.append({name: _json_value(v) for name, v in row.items()})
        return out

    def nbytes(self) -> int:
        return self.table.nbytes + self.keys.nbytes


def _read(city: Path, rel: str, columns: list[str] | None = None) -> pa.Table:
    path = city / rel
    if not path.exists():
        raise CityDataError(f"{path} is missing: generate the city first (safetynet generate)")
    try:
        return pq.read_table(path, columns=columns)
    except (KeyError, pa.ArrowInvalid) as exc:
        raise CityDataError(f"{path}: {exc}") from exc


def _sorted(source: Source, table: pa.Table) -> SourceTable:
    missing = [c for c in ("id_number", *source.field_names) if c not in table.column_names]
    if missing:
        raise CityDataError(f"{source.code}: {source.extract} lacks column(s) {', '.join(missing)}")
    table = table.select(["id_number", *source.field_names])
    keys = id_keys(table.column("id_number"))
    order = np.argsort(keys, kind="stable")
    return SourceTable(source=source, keys=keys[order], table=table.take(pa.array(order)))


def _hukou(city: Path) -> pa.Table:
    persons = _read(
        city,
        "persons.parquet",
        [
            "id_number",
            "name",
            "sex",
            "birth_date",
            "hukou_division",
            "household_id",
            "relation",
            "death_date",
        ],
    )
    households = _read(city, "households.parquet", ["household_id", "household_number"])
    idx = pc.index_in(persons.column("household_id"), value_set=households.column("household_id"))
    return persons.append_column(
        "household_number", households.column("household_number").take(idx)
    )


def _recipients(city: Path) -> pa.Table:
    enrolments = _read(city, "enrolments.parquet")
    persons = _read(city, "persons.parquet", ["person_id", "id_number"])
    households = _read(
        city, "households.parquet", ["household_id", "household_number", "division_code"]
    )
    p_idx = pc.index_in(enrolments.column("person_id"), value_set=persons.column("person_id"))
    h_idx = pc.index_in(
        enrolments.column("household_id"), value_set=households.column("household_id")
    )
    division = households.column("division_code").take(h_idx)
    return pa.table(
        {
            "id_number": persons.column("id_number").take(p_idx),
            "category": enrolments.column("category"),
            "start_date": enrolments.column("start_date"),
            "end_date": enrolments.column("end_date"),
            "household_number": households.column("household_number").take(h_idx),
            "division_code": division,
            "district_code": pc.utf8_slice_codeunits(division, 0, 6),
        }
    )


@dataclass
class CityIndex:
    """Every requested source of one generated city, loaded and indexed."""

    city: Path
    tables: dict[str, SourceTable] = field(default_factory=dict)
    load_seconds: float = 0.0
    persons: int = 0

    @classmethod
    def load(cls, city: Path | str, sources: Iterable[str | Source] | None = None) -> CityIndex:
        """Load and index `sources` (default: every automatic source) from the city directory."""
        started = time.perf_counter()
        city = Path(city)
        chosen = [get_source(s) for s in sources] if sources is not None else automatic_sources()
        cache: dict[str, pa.Table] = {}
        tables: dict[str, SourceTable] = {}
        for source in chosen:
            if source.extract not in cache:
                if source.code == "ps_hukou":
                    cache[source.extract] = _hukou(city)
                elif source.code == "ca_recipients":
                    cache[source.extract] = _recipients(city)
                else:
                    cache[source.extract] = _read(city, source.extract)
            table = cache[source.extract]
            if source.filter_column:
                if source.filter_column not in table.column_names:
                    raise CityDataError(f"{source.extract} lacks column {source.filter_column}")
                table = table.filter(
                    pc.equal(table.column(source.filter_column), source.filter_value)
                )
            tables[source.code] = _sorted(source, table)
        persons = pq.ParquetFile(city / "persons.parquet").metadata.num_rows
        return cls(
            city=city,
            tables=tables,
            load_seconds=time.perf_counter() - started,
            persons=persons,
        )

    def lookup(self, source: str, id_numbers: Iterable[str]) -> list[dict]:
        return self.tables[source].lookup(id_numbers)

    def nbytes(self) -> int:
        return sum(t.nbytes() for t in self.tables.values())


__all__ = ["SOURCES", "CityDataError", "CityIndex", "SourceTable", "id_key", "id_keys"]
