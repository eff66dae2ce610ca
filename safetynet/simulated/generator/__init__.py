"""The demo-city generator: a deterministic synthetic Xiamen written as Parquet.

    from safetynet.simulated.generator import generate
    summary = generate(out=Path("var/city"), persons=20_000, seed=1)

Pure numpy + pyarrow (no Django), so batch code can use it. The same arguments give byte-identical
files. The layout and every column are documented in docs/data-schemas.md.

The city is drawn in blocks of households (ADR 1510): each block has its own random streams and is
written as one row group of every file before the next is drawn, so memory is bounded by the block,
not the city. What must be unique across the city (ids, household numbers, ID numbers, account and
certificate numbers) is numbered from counters carried from block to block.
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
from .agencies import (
    DEFAULT_DISCREPANCY_SHARE,
    PLANT_KINDS,
    PlantQuota,
    Serials,
    extracts,
    ground_truth,
    plant,
)
from .bank_accounts import write_bank_accounts
from .divisions import (
    COMMUNITY_TABLE_VERSION,
    COMMUNITY_VALID_FROM,
    Community,
    communities,
    shipped_divisions,
)
from .enrolments import CATEGORIES, Enrolments, assign, declared_household
from .identity import IdSequences, id_numbers, names
from .population import YUAN, Population, build, dibao_standard
from .tables import DISABILITY_KINDS, ENTITLED_KINDS, LEGAL_BASIS, RELATIONS

GENERATOR_VERSION = "2"  # 2: drawn in household blocks (ADR 1510)
DEFAULT_REFERENCE_DATE = dt.date(2020, 6, 30)
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}
# Persons per household block: one row group of every file per block. Part of what a seed means:
# another block size gives another (equally valid) city.
BLOCK_PERSONS = 1 << 19

# Post-passes run after every block's files are written and closed, before the manifest: each
# reads the written files under `out` (e.g. persons/enrolments Parquet) block by block, writes its
# own files there, and returns {relative path: rows} for the manifest.
AfterWrite = Callable[[Path, dict], dict[str, int]]


def _bank_accounts_pass(out: Path, manifest: dict) -> dict[str, int]:
    """Recipients' 一卡通 accounts, from the persons and enrolments just written."""
    return write_bank_accounts(
        out, seed=manifest["seed"], reference_date=dt.date.fromisoformat(manifest["reference_date"])
    )


AFTER_WRITE: list[AfterWrite] = [_bank_accounts_pass]

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
    first = p.household_offset + 1
    return pa.table(
        {
            "household_id": pa.array(np.arange(first, first + p.h, dtype=np.int64)),
            "household_number": hh_numbers,
            "division_code": comm_codes.take(pa.array(p.hh_community)),
            "address": addresses,
            "head_person_id": pa.array(p.hh_start + 1 + p.person_offset),
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
    first = p.person_offset + 1
    cols: dict[str, pa.Array] = {
        "person_id": pa.array(np.arange(first, first + n, dtype=np.int64)),
        "id_number": ids,
        "name": person_names,
        "sex": s.take(("F", "M"), p.male.astype(np.int64)),
        "birth_date": _date(p.birth),
        "household_id": pa.array(p.hh + 1 + p.household_offset),
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
            "person_id": pa.array(e.person + 1 + p.person_offset),
            "household_id": pa.array(p.hh[e.person] + 1 + p.household_offset),
            "category": s.take(CATEGORIES, e.category),
            "start_date": _date(e.start),
            "end_date": _date(np.maximum(e.end, 0), open_),
            "legal_basis": s.take(basis, e.category),
        }
    )


def _household_strings(p: Population, numbered: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Household numbers and addresses. `numbered` counts the households each community numbered in
    the blocks before this one (updated here): numbers run on from block to block."""
    g = p.rng(60)
    comm = p.hh_community  # sorted within the block
    first = np.searchsorted(comm, np.arange(len(p.communities)))
    serial = np.arange(p.h) - first[comm] + 1 + numbered[comm]
    numbered += np.bincount(comm, minlength=len(p.communities))
    if serial.size and serial.max() >= 10**6:
        raise ValueError("too many households in one community for 6-digit household numbers")
    comm_codes = pa.array([c.code for c in p.communities], pa.string())
    comm_names = pa.array([c.name for c in p.communities], pa.string())
    numbers = s.join(comm_codes.take(pa.array(comm)), s.zero_padded(serial, 6))
    building = s.int_str(g.integers(1, 300, p.h))
    room = s.int_str(g.integers(1, 33, p.h) * 100 + g.integers(1, 7, p.h))
    names_ = comm_names.take(pa.array(comm))
    urban = s.join(names_, building, "号", room, "室")
    village = s.join(names_, building, "号")
    return numbers, pc.if_else(pa.array(p.hh_rural), village, urban)


def _blocks(persons: int, block_persons: int) -> list[tuple[int, int]]:
    """(first person index, persons) of each household block."""
    return [(a, min(block_persons, persons - a)) for a in range(0, persons, block_persons)]


class _Files:
    """One Parquet writer per file; each block appends one row group to each."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, rel: str, table: pa.Table) -> None:
        writer = self.writers.get(rel)
        if writer is None:
            writer = pq.ParquetWriter(self.out / rel, table.schema, **PARQUET_OPTIONS)
            self.writers[rel] = writer
            self.rows[rel] = 0
        elif table.schema != writer.schema:
            table = table.cast(writer.schema)
        if table.num_rows:  # an empty row group would have no statistics for readers
            writer.write_table(table, row_group_size=table.num_rows)
        self.rows[rel] += table.num_rows

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def generate(
    *,
    out: Path,
    persons: int,
    seed: int = 1,
    reference_date: dt.date = DEFAULT_REFERENCE_DATE,
    discrepancy_share: float = DEFAULT_DISCREPANCY_SHARE,
    progress: Callable[[str], None] | None = None,
    block_persons: int = BLOCK_PERSONS,
) -> dict:
    """Generate a city of `persons` people into `out`; return the manifest (also written).

    Drawn and written one block of about `block_persons` persons (whole households) at a time."""
    if persons < 1:
        raise ValueError("a city has at least one person")
    if block_persons < 1:
        raise ValueError("a block has at least one person")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    mark = [started]
    blocks = _blocks(persons, block_persons)

    def step(name: str, block: int) -> None:
        now = time.perf_counter()
        timings[name] = round(timings.get(name, 0.0) + now - mark[0], 3)
        mark[0] = now
        if progress:
            progress(name if len(blocks) == 1 else f"block {block + 1}/{len(blocks)} {name}")

    out = Path(out)
    (out / "agencies").mkdir(parents=True, exist_ok=True)
    (out / "ground_truth").mkdir(parents=True, exist_ok=True)
    # The manifest is written last: a directory without one is not a city (a run that stops
    # half-way leaves no manifest, not an older run's manifest over newer partial files).
    (out / "manifest.json").unlink(missing_ok=True)
    comms = communities()
    # What is carried from block to block: running ids and the counters behind unique numbers.
    households = 0
    numbered = np.zeros(len(comms), dtype=np.int64)  # households numbered per community
    sequences = IdSequences(seed)
    serials = Serials.for_city(persons)
    quota = PlantQuota(discrepancy_share)
    first_id = last_id = ""

    files = _Files(out)
    try:
        files.write("divisions.parquet", divisions_table())
        for block, (first_person, size) in enumerate(blocks):
            pop = build(n=size, seed=seed, reference=reference_date, communities=comms, block=block)
            pop.person_offset, pop.household_offset = first_person, households
            step("population", block)
            enr = assign(pop)
            step("enrolments", block)
            ids = id_numbers(pop, sequences)
            person_names = names(pop)
            hh_numbers, addresses = _household_strings(pop, numbered)
            step("identity", block)
            planted = plant(pop, enr, quota)
            agency_tables = extracts(pop, enr, planted, ids, person_names, serials)
            truth = ground_truth(pop, enr, planted, ids, hh_numbers)
            step("agencies", block)
            files.write("persons.parquet", _persons(pop, enr, ids, person_names, addresses))
            files.write("households.parquet", _households(pop, hh_numbers, addresses))
            files.write("enrolments.parquet", _enrolments(pop, enr))
            for name, table in sorted(agency_tables.items()):
                files.write(f"agencies/{name}.parquet", table)
            files.write("ground_truth/discrepancies.parquet", truth)
            households += pop.h
            first_id = first_id or ids[0].as_py()
            last_id = ids[size - 1].as_py()
            del pop, enr, ids, person_names, hh_numbers, addresses, planted, agency_tables, truth
            step("write", block)
    finally:
        files.close()

    manifest = {
        "format": FORMAT,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": persons,
        "households": households,
        "block_persons": block_persons,
        "reference_date": reference_date.isoformat(),
        "dibao_standard_fen": dibao_standard(reference_date),
        "discrepancy_share": discrepancy_share,
        "first_id_number": first_id,
        "last_id_number": last_id,
        "files": dict(files.rows),
    }
    # ---- after the files are written: post-passes that read them (AFTER_WRITE)
    for after in AFTER_WRITE:
        manifest["files"].update(after(out, manifest))
    step("after_write", len(blocks) - 1)

    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    manifest["timings"] = timings
    manifest["seconds"] = round(time.perf_counter() - started, 3)
    return manifest
