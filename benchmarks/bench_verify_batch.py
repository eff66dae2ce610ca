"""Benchmark of batch re-verification: the caseload of a 1M- and a 5M-person city.

    python -m benchmarks.bench_verify_batch                      # 1M and 5M, DuckDB
    python -m benchmarks.bench_verify_batch --spark              # also Spark (local) on 1M
    python -m benchmarks.bench_verify_batch --sizes 1000000 --cities var/bench

Cities are generated into CITIES/city-<persons> (seed 1) when absent; generation is not timed
(it is benchmarked with the registry). Each run is a fresh subprocess running `verify_batch`
(both jobs: caseload and findings, reading the Parquet extracts, writing the outputs); it reports
wall seconds and the peak resident memory of that process (ru_maxrss of the child; for Spark this
is the Python driver, the JVM is reported separately as RUSAGE_CHILDREN). Target (issue #4): the
5M-person city's caseload in under 60 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MONTH = "2020-06"
TARGET_SECONDS = {5_000_000: 60.0}

CHILD = r"""
import json, resource, sys, time
from safetynet.verification.batch import verify_batch
city, out, engine, month = sys.argv[1:5]
t = time.perf_counter()
s = verify_batch(city, month, out, engine=engine)
wall = time.perf_counter() - t
self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": wall, "peak_mb": self_mb, "children_peak_mb": kids_mb,
                  "households": s["households_checked"], "persons": s["persons_checked"],
                  "findings": s["findings"]}))
"""


def ensure_city(cities: Path, persons: int) -> Path:
    from safetynet.simulated.generator import generate

    city = cities / f"city-{persons}"
    if not (city / "manifest.json").is_file():
        print(f"generating a {persons:,}-person city into {city} (not timed) ...", flush=True)
        generate(out=city, persons=persons, seed=1)
    return city


def run(city: Path, engine: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as out:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(city), out, engine, MONTH],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    if proc.returncode != 0:
        raise SystemExit(f"{engine} on {city} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument(
        "--cities", type=Path, default=Path(tempfile.gettempdir()) / "safetynet-bench"
    )
    parser.add_argument("--spark", action="store_true", help="also run Spark (local) on 1M")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)

    rows = []
    for persons in args.sizes:
        city = ensure_city(args.cities, persons)
        engines = ["duckdb"] + (["spark"] if args.spark and persons <= 1_000_000 else [])
        for engine in engines:
            r = run(city, engine)
            r |= {"city_persons": persons, "engine": engine}
            rows.append(r)
            print(
                f"  {persons:>10,} {engine:<7} {r['seconds']:7.1f} s  peak {r['peak_mb']:7.0f} MB",
                flush=True,
            )

    print()
    print(f"Batch re-verification of the caseload (month {MONTH})")
    header = (
        f"{'city':>11} {'engine':<7} {'households':>11} {'persons':>9} {'findings':>9} "
        f"{'seconds':>8} {'peak MB':>8} {'target':>8}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for r in rows:
        target = TARGET_SECONDS.get(r["city_persons"]) if r["engine"] == "duckdb" else None
        verdict = ""
        if target is not None:
            met = r["seconds"] < target
            ok &= met
            verdict = f"<{target:.0f}s {'ok' if met else 'MISSED'}"
        peak = r["peak_mb"] if r["engine"] == "duckdb" else max(r["peak_mb"], r["children_peak_mb"])
        print(
            f"{r['city_persons']:>11,} {r['engine']:<7} {r['households']:>11,} {r['persons']:>9,} "
            f"{r['findings']:>9,} {r['seconds']:>8.1f} {peak:>8.0f} {verdict:>8}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
