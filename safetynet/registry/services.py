"""Writes to the registry. Each service is one transaction; a refused write raises ServiceError."""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from .models import Division, DivisionLevel

DIVISION_TABLE = Path(__file__).parent / "data" / "divisions.csv"
DIVISION_TABLE_VERSION = "xiamen-2016.1"


@transaction.atomic
def division_table_load(*, path: Path = DIVISION_TABLE, version: str = DIVISION_TABLE_VERSION) -> int:
    """Load (or refresh) the shipped table of Xiamen's city, districts and streets/towns.

    Idempotent: rows already present are updated in place, with history.
    """
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:  # parents come before children in the file
        Division.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": DivisionLevel(row["level"]),
                "parent_id": row["parent"] or None,
                "valid_from": dt.date.fromisoformat(row["valid_from"]),
                "valid_to": dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                "table_version": version,
            },
        )
    return len(rows)
