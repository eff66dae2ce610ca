"""The demo-city generator: a deterministic synthetic Xiamen written as Parquet.

    from safetynet.simulated.generator import generate
    summary = generate(out=Path("var/city"), persons=20_000, seed=1)

Pure numpy + pyarrow (no Django), so batch code can use it. The same arguments give byte-identical
files. The layout and every column are documented in docs/data-schemas.md.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safetynet.registry.city_format import FORMAT, read_manifest

from . import strings as s
from .agencies import DEFAULT_DISCREPANCY_SHARE, PLANT_KINDS, extracts, ground_truth, plant
from .bank_accounts import write_bank_accounts
from .divisions import (
    COMMUNITY_TABLE_VERSION,
    COMMUNITY_VALID_FROM,
    Community,
    communities,
    shipped_divisions,
)
from .enrolments import CATEGORIES, Enrolments, assign, declared_household
from .identity import id_numbers, names
from .population import YUAN, Population, build, dibao_standard
from .tables import DISABILITY_KINDS, ENTITLED_KINDS, LEGAL_BASIS, RELATIONS

GENERATOR_VERSION = "1"
DEFAULT_REFERENCE_DATE = dt.date(2020, 6, 30)
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "FORMAT",
    "PLANT_KINDS",
    "communities",
    "generate",
    "read_manifest",
]


def _date(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null)


def divisions_table() -> pa.Table:
    """The shipped city/districts/streets plus the synthetic communities."""
    rows = [r for r in shipped_divisions()]
    comms: list[Community] = communities()
    code = [r["code"] for r in rows] + [c.code for c in comms]
    return pa.table(
        {
            "code": pa.array(code, pa.string()),
            "name": pa.array([r["name"] for r in rows] + [c.name for c in comms], pa.string()),
            "level": pa.array([r["level"] for r in rows] + ["community"] * len(comms), pa.string()),
            "parent_code": pa.array(
                [r["parent"] or None for r in rows] + [c.street_code for c in comms], pa.string()
            ),
            "district_code": pa.array(
                [r["code"][:6] if r["level"] != "city" else None for r in rows]
                + [c.district_code for c in comms],
                pa.string(),
            ),
            "is_rural": pa.array([False] * len(rows) + [c.is_rural for c in comms]),
            "is_synthetic": pa.array([False] * len(rows) + [True] * len(comms)),
            "valid_from": pa.array(
                [dt.date.fromisoformat(r["valid_from"]) for r in rows]
                + [dt.date.fromisoformat(COMMUNITY_VALID_FROM)] * len(comms),
                pa.date32(),
            ),
            "valid_to": pa.array(
                [dt.date.fromisoformat(r["valid_to"]) if r["valid_to"] else None for r in rows]
                + [None] * len(comms),
                pa.date32(),
            ),
            "table_version": pa.array(
                ["shipped"] * len(rows) + [COMMUNITY_TABLE_VERSION] * len(comms), pa.string()
            ),
        }
    )


def _households(p: Population, hh_numbers: pa.Array, addresses: pa.Array) -> pa.Table:
    d = declared_household(p)
    comm_codes = pa.array([c.code for c in p.communities], pa.string())
    return pa.table(
        {
            "household_id": pa.array(np.arange(1, p.h + 1, dtype=np.int64)),
            "household_number": hh_numbers,
            "division_code": comm_codes.take(pa.array(p.hh_community)),
            "address": addresses,
            "head_person_id": pa.array(p.hh_start + 1),
            "is_rural": pa.array(p.hh_rural),
            "declared_financial_assets_fen": pa.array(d["financial_assets"]),
            "declared_vehicles": pa.array(d["vehicles"].astype(np.int8)),
            "declared_homes": pa.array(d["homes"].astype(np.int8)),
            "declared_businesses": pa.array(d["businesses"].astype(np.int8)),
            "medical_oop_12m_fen": pa.array(p.medical_oop),
            # added after the draft contract:
            "established_date": _date(p.hh_established),
            "members": pa.array(d["members"].astype(np.int8)),
        }
    )


def _persons(
    p: Population, e: Enrolments, ids: pa.Array, person_names: pa.Array, addresses: pa.Array
) -> pa.Table:
    n = p.n
    comm_codes = pa.array([c.code for c in p.communities], pa.string())
    none = p.disability_grade == 0
    alive = p.alive
    cols: dict[str, pa.Array] = {
        "person_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        "id_number": ids,
        "name": person_names,
        "sex": s.take(("F", "M"), p.male.astype(np.int64)),
        "birth_date": _date(p.birth),
        "household_id": pa.array(p.hh + 1),
        "relation": s.take(RELATIONS, p.relation),
        "hukou_division": comm_codes.take(pa.array(p.hh_community[p.hh])),
        "disability_grade": pa.array(p.disability_grade, mask=none),
        "disability_kind": s.dictionary(DISABILITY_KINDS, np.maximum(p.disability_kind, 0), none),
        "death_date": _date(np.maximum(p.death, 0), alive),
    }
    for k, v in p.income.items():
        cols[k] = pa.array(v)
    no_ent = p.entitled_kind < 0
    no_form = e.tekun_form < 0
    funeral_subsidy = ~alive & (p.income["income_pension_fen"] >= 1000 * YUAN)
    cols |= {
        "selfcare_failed_items": pa.array(p.selfcare_failed),
        "has_capable_supporter": pa.array(p.has_supporter),
        "entitled_kind": s.dictionary(ENTITLED_KINDS, np.maximum(p.entitled_kind, 0), no_ent),
        "tekun_support_form": s.dictionary(
            ("concentrated", "dispersed"), np.maximum(e.tekun_form, 0), no_form
        ),
        # added after the draft contract:
        "residence_address": addresses.take(pa.array(p.hh)),
        "membership_start": _date(np.maximum(p.hh_established[p.hh], p.birth)),
        "hukou_xiamen": pa.array(np.ones(n, dtype=bool)),
        "unemployment_insurance": pa.array(p.unemployment_insurance),
        "died_in_xiamen": pa.array(alive | (p.birth % 20 != 0)),
        "has_funeral_subsidy": pa.array(funeral_subsidy),
    }
    return pa.table(cols)


def _enrolments(p: Population, e: Enrolments) -> pa.Table:
    basis = [LEGAL_BASIS[c] for c in CATEGORIES]
    open_ = e.end < 0
    return pa.table(
        {
            "person_id": pa.array(e.person + 1),
            "household_id": pa.array(p.hh[e.person] + 1),
            "category": s.take(CATEGORIES, e.category),
            "start_date": _date(e.start),
            "end_date": _date(np.maximum(e.end, 0), open_),
            "legal_basis": s.take(basis, e.category),
        }
    )


def _household_strings(p: Population) -> tuple[pa.Array, pa.Array]:
    g = np.random.default_rng([p.seed, 60])
    comm = p.hh_community
    first = np.searchsorted(comm, np.arange(len(p.communities)))
    serial = np.arange(p.h) - first[comm] + 1
    comm_codes = pa.array([c.code for c in p.communities], pa.string())
    comm_names = pa.array([c.name for c in p.communities], pa.string())
    numbers = s.join(comm_codes.take(pa.array(comm)), s.zero_padded(serial, 6))
    building = s.int_str(g.integers(1, 300, p.h))
    room = s.int_str(g.integers(1, 33, p.h) * 100 + g.integers(1, 7, p.h))
    names_ = comm_names.take(pa.array(comm))
    urban = s.join(names_, building, "号", room, "室")
    village = s.join(names_, building, "号")
    return numbers, pc.if_else(pa.array(p.hh_rural), village, urban)


def generate(
    *,
    out: Path,
    persons: int,
    seed: int = 1,
    reference_date: dt.date = DEFAULT_REFERENCE_DATE,
    discrepancy_share: float = DEFAULT_DISCREPANCY_SHARE,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate a city of `persons` people into `out`; return the manifest (also written)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    mark = [started]

    def step(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - mark[0], 3)
        mark[0] = now
        if progress:
            progress(name)

    out = Path(out)
    (out / "agencies").mkdir(parents=True, exist_ok=True)
    (out / "ground_truth").mkdir(parents=True, exist_ok=True)
    comms = communities()
    pop = build(n=persons, seed=seed, reference=reference_date, communities=comms)
    step("population")
    enr = assign(pop)
    step("enrolments")
    ids = id_numbers(pop)
    person_names = names(pop)
    hh_numbers, addresses = _household_strings(pop)
    step("identity")
    planted = plant(pop, enr, discrepancy_share)
    agency_tables = extracts(pop, enr, planted, ids, person_names)
    truth = ground_truth(pop, enr, planted, ids, hh_numbers)
    step("agencies")

    files: dict[str, int] = {}

    def write(rel: str, table: pa.Table) -> None:
        pq.write_table(table, out / rel, **PARQUET_OPTIONS)
        files[rel] = table.num_rows

    write("divisions.parquet", divisions_table())
    write("persons.parquet", _persons(pop, enr, ids, person_names, addresses))
    write("households.parquet", _households(pop, hh_numbers, addresses))
    write("enrolments.parquet", _enrolments(pop, enr))
    for name, table in sorted(agency_tables.items()):
        write(f"agencies/{name}.parquet", table)
    write("ground_truth/discrepancies.parquet", truth)
    step("write")
    # Post-pass over the files just written (bounded memory): recipients' 一卡通 accounts.
    files |= write_bank_accounts(out, seed=seed, reference_date=reference_date)
    step("bank accounts")

    manifest = {
        "format": FORMAT,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": persons,
        "households": pop.h,
        "reference_date": reference_date.isoformat(),
        "dibao_standard_fen": dibao_standard(reference_date),
        "discrepancy_share": discrepancy_share,
        "first_id_number": ids[0].as_py(),
        "last_id_number": ids[persons - 1].as_py(),
        "files": files,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    manifest["timings"] = timings
    manifest["seconds"] = round(time.perf_counter() - started, 3)
    return manifest
