"""Batch output: results → Parquet, one file per program (household rows) and, for personal
benefits, one per program under ``persons/`` (person rows)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .batch import Batch
from .engine import REASONS, ProgramResult


def _reasons(codes: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int16)), pa.array(REASONS, type=pa.string())
    )


def write_results(
    results: dict[str, ProgramResult], batch: Batch, out_dir: str | Path
) -> list[Path]:
    out = Path(out_dir)
    (out / "persons").mkdir(parents=True, exist_ok=True)
    written = []
    month = batch.month
    for name, r in results.items():
        t = pa.table(
            {
                "month": pa.array(np.full(batch.n_households, month, dtype=object), pa.string()),
                "household_id": batch.h["household_id"],
                "program": pa.array(np.full(batch.n_households, name, dtype=object), pa.string()),
                "eligible": r.eligible,
                "amount_fen": r.amount,
                "city_fen": r.city,
                "district_fen": r.district,
                "street_fen": r.street,
                "reason": _reasons(r.reason),
                **{k: v for k, v in r.extra.items()},
            }
        )
        path = out / f"{name}.parquet"
        pq.write_table(t, path, compression="zstd")
        written.append(path)
        if r.level == "person":
            assert r.p_eligible is not None and r.p_amount is not None and r.p_reason is not None
            pt = pa.table(
                {
                    "person_id": batch.p["person_id"],
                    "household_id": batch.p["household_id"],
                    "eligible": r.p_eligible,
                    "amount_fen": r.p_amount,
                    "reason": _reasons(r.p_reason),
                    **{k: v for k, v in r.p_extra.items()},
                }
            )
            path = out / "persons" / f"{name}.parquet"
            pq.write_table(pt, path, compression="zstd")
            written.append(path)
    return written
