"""Benchmark of the rules engine: all programs over 1M and 5M persons.

    python benchmarks/bench_rules.py                 # synthetic arrays, 1M and 5M persons
    python benchmarks/bench_rules.py --sizes 5000000
    python benchmarks/bench_rules.py --city DIR      # a generated city (Parquet), read included

Prints wall seconds, persons/s and peak memory (ru_maxrss), and the ratio of the engine's
dibao + age allowance to a plain numpy computation of just those two on the same arrays.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safetynet.rules.batch import Batch
from safetynet.rules.engine import run_batch
from safetynet.rules.parameters import load_parameters
from safetynet.rules.synthetic import synthetic_batch


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_numpy(b: Batch, std: int, tiers: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Dibao and age allowance by hand: the minimum numpy work, no engine (the baseline).

    Same rules: living members, counted income, registered, assets, tekun excluded — no; the
    baseline computes only the two formulas (members, income, assets, age tiers), which is a
    lower bound on any implementation.
    """
    p, h, ym = b.p, b.h, b.ym
    alive = (p["birth_ym"] <= ym) & (p["death_ym"] >= ym)
    inc = (
        p["income_wage_fen"]
        + p["income_business_fen"]
        + p["income_pension_fen"]
        + p["income_property_fen"]
        + p["income_transfer_fen"]
    )
    inc = np.where(alive, inc, 0)
    bounds = b.bounds
    cs = np.concatenate([[0], np.cumsum(inc)])
    income = cs[bounds[1:]] - cs[bounds[:-1]]
    ca = np.concatenate([[0], np.cumsum(alive)])
    members = ca[bounds[1:]] - ca[bounds[:-1]]
    thr = std * members
    ok = (income < thr) & (h["declared_financial_assets_fen"] <= 48 * thr)
    ok &= (
        (h["declared_vehicles"] <= 0) & (h["declared_homes"] <= 1) & (h["declared_businesses"] <= 0)
    )
    dibao = np.where(ok, thr - income, 0)
    age = (ym - p["birth_ym"].astype(np.int64) - 1) // 12
    amt = np.where(
        age >= 100, tiers[2], np.where(age >= 90, tiers[1], np.where(age >= 80, tiers[0], 0))
    )
    age_allow = np.where(alive & p["hukou_xiamen"], amt, 0)
    return dibao, age_allow


def bench(batch: Batch, read_seconds: float, label: str) -> dict[str, float]:
    params = load_parameters()
    t0 = time.perf_counter()
    res = run_batch(batch, params=params)
    t_all = time.perf_counter() - t0
    n = batch.n_persons
    # dibao (+ its tekun dependency) and age allowance through the engine, fresh derived cache
    b2 = batch.with_month(batch.ym)
    t0 = time.perf_counter()
    run_batch(b2, ["dibao", "age_allowance"], params=params)
    t_engine2 = time.perf_counter() - t0
    b3 = batch.with_month(batch.ym)
    std = params.at("dibao.standard", b3.date).value
    t = params.at("age_allowance.tiers", b3.date).value
    t0 = time.perf_counter()
    plain_numpy(b3, std, (t["80"], t["90"], t["100"]))
    t_plain = time.perf_counter() - t0
    total = read_seconds + t_all
    print(
        f"{label}: persons {n:,}  households {batch.n_households:,}  "
        f"read {read_seconds:.2f}s  all {len(res)} programs {t_all:.2f}s  total {total:.2f}s  "
        f"{n / total:,.0f} persons/s  peak RSS {peak_mb():,.0f} MB"
    )
    print(
        f"{label}: dibao+age allowance engine {t_engine2:.3f}s vs plain numpy {t_plain:.3f}s "
        f"→ ratio {t_engine2 / t_plain:.2f}× (engine includes the tekun dependency, reasons, "
        f"funding split)"
    )
    return {"total": total, "ratio": t_engine2 / t_plain}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,5000000")
    ap.add_argument("--month", default="2019-07")
    ap.add_argument("--city", default=None, help="a generated city directory (Parquet)")
    ap.add_argument("--engine", default="duckdb")
    args = ap.parse_args(argv)
    load_parameters()
    if args.city:
        from safetynet.rules.readers import READERS

        t0 = time.perf_counter()
        batch = READERS[args.engine](args.city, args.month)
        bench(batch, time.perf_counter() - t0, f"city {args.city}")
        return 0
    for size in (int(s) for s in args.sizes.split(",")):
        t0 = time.perf_counter()
        batch = synthetic_batch(size, args.month)
        print(f"(synthetic columns for {size:,} persons built in {time.perf_counter() - t0:.2f}s)")
        bench(batch, 0.0, f"synthetic {size:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
