"""The amount basis of a generated city's enrolled households, loaded in bulk (ADR 0900).

`safetynet load DIR` calls `amount_basis_load` after the registry load: every household with an
enrolment gets one AmountBasis (its declared assets, valid from its first enrolment's month,
source `loaded`) and one AmountBasisPerson per member (the declared income columns and the person
facts the registry lacks). COPY on PostgreSQL, executemany on SQLite, one transaction; a city
already loaded (a basis with this source reference) is skipped.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from safetynet.registry.loading import bulk_insert, constant_column, db_timestamp
from safetynet.rules.readers import INCOME_COLUMNS

from .models import AmountBasis, AmountBasisPerson, BasisSource

PERSON_FACTS = {
    "entitled_kind": (pa.string(), ""),
    "tekun_support_form": (pa.string(), ""),
    "unemployment_insurance": (pa.bool_(), False),
    "is_orphan": (pa.bool_(), False),
}


def _column(table: pa.Table, name: str, type_: pa.DataType, default) -> pa.Array:
    if name not in table.column_names:
        return constant_column(default, table.num_rows, type_)
    col = pc.cast(table.column(name), type_)
    return pc.fill_null(col, pa.scalar(default, type_)).combine_chunks()


def amount_basis_load(directory: Path | str) -> dict[str, int | float]:
    """Load the bases of the city in `directory` (already in the registry); returns counts."""
    directory = Path(directory)
    started = time.perf_counter()
    ref = f"load {directory.resolve().name}"[:100]
    if AmountBasis.objects.filter(source=BasisSource.LOADED, source_ref=ref).exists():
        return {"bases": 0, "persons": 0, "seconds": 0.0, "skipped": 1}
    enrolments = pq.read_table(
        directory / "enrolments.parquet", columns=["household_id", "start_date"]
    )
    first = (
        enrolments.group_by("household_id")
        .aggregate([("start_date", "min")])
        .sort_by("household_id")
    )
    hh_ids = first.column("household_id")
    households = pq.read_table(
        directory / "households.parquet",
        columns=[
            "household_id",
            "declared_financial_assets_fen",
            "declared_vehicles",
            "declared_homes",
            "declared_businesses",
            "medical_oop_12m_fen",
        ],
    )
    households = households.filter(pc.is_in(households.column("household_id"), hh_ids))
    households = households.sort_by("household_id")
    starts = first.filter(pc.is_in(hh_ids, households.column("household_id")))
    n = households.num_rows
    base = int(AmountBasis.objects.aggregate(m=Max("id"))["m"] or 0)
    basis_ids = np.arange(base + 1, base + n + 1, dtype=np.int64)
    valid_from = pc.strftime(
        pc.cast(starts.column("start_date_min"), pa.timestamp("s")), format="%Y-%m"
    )
    stamp = db_timestamp(timezone.now())
    person_cols = set(pq.read_schema(directory / "persons.parquet").names)
    wanted = ["person_id", "household_id"] + [
        c for c in (*INCOME_COLUMNS, *PERSON_FACTS) if c in person_cols
    ]
    persons = pq.read_table(directory / "persons.parquet", columns=wanted)
    persons = persons.filter(
        pc.is_in(persons.column("household_id"), households.column("household_id"))
    )
    index = pc.index_in(persons.column("household_id"), value_set=households.column("household_id"))
    m = persons.num_rows
    pbase = int(AmountBasisPerson.objects.aggregate(m=Max("id"))["m"] or 0)
    with transaction.atomic():
        bulk_insert(
            AmountBasis,
            {
                "id": pa.array(basis_ids),
                "household_id": households.column("household_id").combine_chunks(),
                "valid_from": valid_from.combine_chunks(),
                "source": constant_column(BasisSource.LOADED.value, n, pa.string()),
                "source_ref": constant_column(ref, n, pa.string()),
                **{
                    c: _column(households, c, pa.int64() if c.endswith("_fen") else pa.int16(), 0)
                    for c in (
                        "declared_financial_assets_fen",
                        "declared_vehicles",
                        "declared_homes",
                        "declared_businesses",
                        "medical_oop_12m_fen",
                    )
                },
                "created_at": constant_column(stamp, n, pa.string()),
            },
        )
        bulk_insert(
            AmountBasisPerson,
            {
                "id": pa.array(np.arange(pbase + 1, pbase + m + 1, dtype=np.int64)),
                "basis_id": pa.array(basis_ids).take(index),
                "person_id": persons.column("person_id").combine_chunks(),
                **{c: _column(persons, c, pa.int64(), 0) for c in INCOME_COLUMNS},
                **{c: _column(persons, c, t, d) for c, (t, d) in PERSON_FACTS.items()},
            },
        )
        _reset_sequences()
    return {"bases": n, "persons": m, "seconds": round(time.perf_counter() - started, 2)}


def _reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    sql = connection.ops.sequence_reset_sql(no_style(), [AmountBasis, AmountBasisPerson])
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
