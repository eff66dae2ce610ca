"""Synthetic communities under the real streets/towns of the shipped division table.

The community table depends on nothing but the shipped table (not on the seed or the size of the
city), so every generated city uses the same division codes and any two cities can share a
database's division table. Names say plainly that they are synthetic: ``中华街道第3社区（演示）``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .tables import DISTRICT_POPULATION_K

# Read directly (not through registry.services) so that the generator needs no Django.
DIVISION_TABLE = Path(__file__).resolve().parents[2] / "registry" / "data" / "divisions.csv"
COMMUNITY_VALID_FROM = "2016-01-01"
COMMUNITY_TABLE_VERSION = "demo-communities.1"

# How many leading communities of a town (镇) are urban residents' committees (社区); the rest are
# villages (村) and their households are rural.
TOWN_URBAN_COMMUNITIES = 2


@dataclass(frozen=True)
class Community:
    code: str  # 12 digits: the street's 9 + a 3-digit serial
    name: str
    street_code: str
    district_code: str
    is_rural: bool
    weight: float  # share of the city's population living there


def shipped_divisions(path: Path = DIVISION_TABLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def communities(path: Path = DIVISION_TABLE) -> list[Community]:
    rows = shipped_divisions(path)
    streets = [r for r in rows if r["level"] == "street" and not r["valid_to"]]
    rng = np.random.default_rng(20160101)  # fixed: the table must not depend on the city's seed
    per_district: dict[str, list[tuple[str, str, bool, float]]] = {}
    for street in streets:
        code, name = street["code"], street["name"]
        n = int(rng.integers(8, 21))
        is_town = name.endswith("镇")
        sizes = rng.lognormal(0.0, 0.35, size=n)
        for i in range(1, n + 1):
            village = is_town and i > TOWN_URBAN_COMMUNITIES
            kind = "村" if village else "社区"
            per_district.setdefault(street["parent"], []).append(
                (f"{code}{i:03d}", f"{name}第{i}{kind}（演示）", village, float(sizes[i - 1]))
            )
    total_k = sum(DISTRICT_POPULATION_K.values())
    out: list[Community] = []
    for district, items in per_district.items():
        share = DISTRICT_POPULATION_K.get(district, 100) / total_k
        mass = sum(i[3] for i in items)
        for code, name, village, size in items:
            out.append(Community(code, name, code[:9], district, village, share * size / mass))
    out.sort(key=lambda c: c.code)
    return out
