"""The payments part of a generated city: `bank_accounts.parquet` (docs/data-schemas.md) into
BankAccount, inside `safetynet load`'s transaction (a hook of registry/loading.py), by the same
bulk path: COPY on PostgreSQL, executemany on SQLite, with the table's indexes rebuilt once and a
simple_history "+" row per account. A city without the file (generated before it existed) loads
without accounts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.core.management.color import no_style
from django.db import connection

from safetynet.registry.loading import (
    _history,
    _PostgresBulkMode,
    _SqliteBulkMode,
    _stamp_values,
    _write,
)

from .models import BankAccount

BANK_ACCOUNTS_FILE = "bank_accounts.parquet"


def city_load_bank_accounts(
    directory: Path, *, stamp: str, reason: str, history: bool = True, progress=None
) -> dict[str, int]:
    path = Path(directory) / BANK_ACCOUNTS_FILE
    if not path.exists():
        return {}
    t = pq.read_table(
        path,
        columns=[
            "person_id", "bank_code", "bank_name", "account_number", "holder_name", "valid_from",
        ],
    )  # fmt: skip
    n = t.num_rows
    values = {
        "id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        "person_id": t["person_id"],
        "bank_code": t["bank_code"],
        "bank_name": t["bank_name"],
        "account_number": t["account_number"],
        "holder_name": t["holder_name"],
        "valid_from": t["valid_from"],
        "valid_to": pa.nulls(n, pa.date32()),
        "created_at": _stamp_values(n, stamp),
    }
    steps = [("bank accounts", BankAccount, values)]
    if history:
        steps.append(
            (
                "bank accounts history",
                BankAccount.history.model,
                _history(BankAccount, values, stamp, reason),
            )
        )
    tables = [m._meta.db_table for _, m, _ in steps]
    bulk = (
        _PostgresBulkMode(tables) if connection.vendor == "postgresql" else _SqliteBulkMode(tables)
    )
    rows: dict[str, int] = {}
    with bulk:
        for label, model, cols in steps:

            def tick(k: int, label: str = label) -> None:
                if progress:
                    progress(label, k, n)

            rows[label] = _write(model, cols, tick)
    sql = connection.ops.sequence_reset_sql(no_style(), [BankAccount, BankAccount.history.model])
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
    return rows
