"""Synthetic columns for benchmarks and tests (not the project's city generator)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .batch import Batch, from_columns
from .columns import (
    COUNTED_INCOME,
    ENROLMENT_CATEGORIES,
    EXCLUDED_INCOME,
    NO_DATE_HIGH,
    NO_DATE_LOW,
    parse_month,
)


def synthetic_columns(n_persons: int, month: str = "2019-07", seed: int = 1) -> tuple[dict, dict]:
    """Person and household column arrays (canonical batch columns) for ``n_persons``."""
    rng = np.random.default_rng(seed)
    ym = parse_month(month)
    sizes = rng.choice(
        np.array([1, 2, 3, 4, 5]), size=n_persons // 2 + 1, p=[0.2, 0.3, 0.25, 0.15, 0.1]
    )
    cum = np.cumsum(sizes)
    n_h = int(np.searchsorted(cum, n_persons) + 1)
    sizes = sizes[:n_h]
    sizes[-1] -= int(cum[n_h - 1] - n_persons)
    hid = np.arange(1, n_h + 1, dtype=np.int64)
    p_hid = np.repeat(hid, sizes)
    age_m = rng.integers(0, 105 * 12, size=n_persons)
    p: dict[str, np.ndarray] = {
        "person_id": np.arange(1, n_persons + 1, dtype=np.int64),
        "household_id": p_hid,
        "birth_ym": (ym - age_m).astype(np.int32),
        "hukou_xiamen": rng.random(n_persons) < 0.9,
        "disability_grade": np.where(
            rng.random(n_persons) < 0.06, rng.integers(1, 5, n_persons), 0
        ).astype(np.int8),
        "disability_kind": rng.integers(1, 8, n_persons).astype(np.int8),
        "death_ym": np.where(
            rng.random(n_persons) < 0.01, ym - rng.integers(-2, 3, n_persons), NO_DATE_HIGH
        ).astype(np.int32),
        "selfcare_failed_items": np.where(
            rng.random(n_persons) < 0.05, rng.integers(0, 7, n_persons), 0
        ).astype(np.int8),
        "has_capable_supporter": rng.random(n_persons) < 0.9,
        "entitled_kind": np.where(
            rng.random(n_persons) < 0.02, rng.integers(1, 5, n_persons), 0
        ).astype(np.int8),
        "tekun_support_form": rng.integers(0, 3, n_persons).astype(np.int8),
        "income_entitled_pension_fen": np.where(rng.random(n_persons) < 0.02, 150000, 0).astype(
            np.int64
        ),
        "income_age_allowance_fen": np.where(age_m > 960, 10000, 0).astype(np.int64),
    }
    p["disability_grade"] = np.where(p["disability_grade"] == 0, 0, p["disability_grade"]).astype(
        np.int8
    )
    p["disability_kind"] = np.where(p["disability_grade"] == 0, 0, p["disability_kind"]).astype(
        np.int8
    )
    working = (age_m >= 18 * 12) & (age_m < 60 * 12)
    wage = (rng.lognormal(11.5, 0.9, n_persons)).astype(np.int64)  # fen, median ~ 1,000 yuan
    p["income_wage_fen"] = np.where(working & (rng.random(n_persons) < 0.7), wage, 0)
    p["income_pension_fen"] = np.where(
        age_m >= 60 * 12, (rng.lognormal(11.8, 0.6, n_persons)).astype(np.int64), 0
    )
    for c in COUNTED_INCOME + EXCLUDED_INCOME:
        p.setdefault(c, np.zeros(n_persons, dtype=np.int64))
    for c in ENROLMENT_CATEGORIES:
        has = rng.random(n_persons) < 0.02
        p[f"enr_{c}_start"] = np.where(
            has, ym - rng.integers(0, 60, n_persons), NO_DATE_LOW
        ).astype(np.int32)
        p[f"enr_{c}_end"] = np.full(n_persons, NO_DATE_HIGH, dtype=np.int32)
    h = {
        "household_id": hid,
        "division_xiamen": np.ones(n_h, dtype=bool),
        "district_code": rng.choice(
            np.array([350203, 350205, 350206, 350211, 350212, 350213], dtype=np.int32), n_h
        ),
        "is_rural": rng.random(n_h) < 0.2,
        "declared_financial_assets_fen": (rng.lognormal(13, 1.5, n_h)).astype(np.int64),
        "declared_vehicles": (rng.random(n_h) < 0.3).astype(np.int8),
        "declared_homes": rng.integers(0, 3, n_h).astype(np.int8),
        "medical_oop_12m_fen": np.where(
            rng.random(n_h) < 0.1, (rng.lognormal(13, 1, n_h)).astype(np.int64), 0
        ),
        "temp_kind": np.where(rng.random(n_h) < 0.01, rng.integers(1, 3, n_h), 0).astype(np.int8),
        "temp_requested_fen": rng.integers(0, 1_000_000, n_h),
        "disaster_kind": np.where(rng.random(n_h) < 0.005, rng.integers(1, 3, n_h), 0).astype(
            np.int8
        ),
        "disaster_cost_fen": rng.integers(0, 8_000_000, n_h),
    }
    return p, h


def synthetic_batch(n_persons: int, month: str = "2019-07", seed: int = 1) -> Batch:
    p, h = synthetic_columns(n_persons, month, seed)
    return from_columns(month, p, h)


def _date_from_ym(ym: np.ndarray, day: int = 15) -> np.ndarray:
    y = ym // 12
    m = ym % 12 + 1
    s = np.char.add(
        np.char.add(np.char.zfill(y.astype(str), 4), "-"), np.char.zfill(m.astype(str), 2)
    )
    return np.char.add(s, f"-{day:02d}").astype("datetime64[D]")


def write_synthetic_city(
    out_dir: str | Path, n_persons: int, month: str = "2019-07", seed: int = 1
) -> Path:
    """A small city in the Parquet contract of docs/data-contract-draft.md (for reader tests)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .columns import DISABILITY_KINDS, ENTITLED_KINDS, SUPPORT_FORMS

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    p, h = synthetic_columns(n_persons, month, seed)
    n = n_persons
    kinds = np.array(DISABILITY_KINDS, dtype=object)
    ent = np.array(ENTITLED_KINDS, dtype=object)
    forms = np.array(SUPPORT_FORMS, dtype=object)
    death = p["death_ym"]
    persons = {
        "person_id": p["person_id"],
        "id_number": pa.array([None] * n, pa.string()),
        "household_id": p["household_id"],
        "birth_date": pa.array(_date_from_ym(p["birth_ym"].astype(np.int64))),
        "hukou_division": pa.array(
            np.where(p["hukou_xiamen"], "350203001001", "110105001001").astype(object)
        ),
        "disability_grade": pa.array(
            np.where(p["disability_grade"] > 0, p["disability_grade"], 0),
            pa.int8(),
            mask=p["disability_grade"] == 0,
        ),
        "disability_kind": pa.array([k or None for k in kinds[p["disability_kind"]]], pa.string()),
        "death_date": pa.array(
            _date_from_ym(np.where(death < NO_DATE_HIGH, death, 0).astype(np.int64)),
            mask=death >= NO_DATE_HIGH,
        ),
        **{k: v for k, v in p.items() if k.startswith("income_")},
        "selfcare_failed_items": p["selfcare_failed_items"],
        "has_capable_supporter": p["has_capable_supporter"],
        "entitled_kind": pa.array([k or None for k in ent[p["entitled_kind"]]], pa.string()),
        "tekun_support_form": pa.array(
            [k or None for k in forms[p["tekun_support_form"]]], pa.string()
        ),
    }
    pq.write_table(pa.table(persons), out / "persons.parquet")
    households = {
        "household_id": h["household_id"],
        "household_number": pa.array([f"H{i}" for i in h["household_id"]]),
        "division_code": pa.array(
            np.where(h["division_xiamen"], "350203001001", "110105001001").astype(object)
        ),
        "address": pa.array([""] * len(h["household_id"])),
        "head_person_id": pa.array(np.zeros(len(h["household_id"]), dtype=np.int64)),
        "is_rural": h["is_rural"],
        "declared_financial_assets_fen": h["declared_financial_assets_fen"],
        "declared_vehicles": h["declared_vehicles"],
        "declared_homes": h["declared_homes"],
        "declared_businesses": np.zeros(len(h["household_id"]), dtype=np.int8),
        "medical_oop_12m_fen": h["medical_oop_12m_fen"],
    }
    pq.write_table(pa.table(households), out / "households.parquet")
    rows = {
        "person_id": [],
        "household_id": [],
        "category": [],
        "start_date": [],
        "end_date": [],
        "legal_basis": [],
    }
    for c in ENROLMENT_CATEGORIES:
        idx = np.nonzero(p[f"enr_{c}_start"] >= 0)[0]
        rows["person_id"].extend(p["person_id"][idx].tolist())
        rows["household_id"].extend(p["household_id"][idx].tolist())
        rows["category"].extend([c] * len(idx))
        rows["start_date"].extend(
            _date_from_ym(p[f"enr_{c}_start"][idx].astype(np.int64), 1).tolist()
        )
        rows["end_date"].extend([None] * len(idx))
        rows["legal_basis"].extend(["synthetic"] * len(idx))
    enr = pa.table(
        {
            "person_id": pa.array(rows["person_id"], pa.int64()),
            "household_id": pa.array(rows["household_id"], pa.int64()),
            "category": pa.array(rows["category"], pa.string()),
            "start_date": pa.array(rows["start_date"], pa.date32()),
            "end_date": pa.array(rows["end_date"], pa.date32()),
            "legal_basis": pa.array(rows["legal_basis"], pa.string()),
        }
    )
    pq.write_table(enr, out / "enrolments.parquet")

    return out
