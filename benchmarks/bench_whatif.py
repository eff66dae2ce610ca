"""Benchmark of the what-if on the whole city (ADR 1410): the dibao standard +50 yuan over a
generated city of 5M persons, end to end, on DuckDB, then the same job on Spark.

    python -m benchmarks.bench_whatif                        # 5M persons (generated if missing)
    python -m benchmarks.bench_whatif --persons 1000000
    python -m benchmarks.bench_whatif --city DIR --no-spark

End to end = reading the snapshot's Parquet files, both runs of every program (baseline and
proposal) on each chunk of households, the aggregates (per program and district: gainers,
losers, changed, cost and its city/district/street parts, the distribution) and the floor
check. Target: under 30 s on this machine for 5M persons. Then the same what-if as a batch job
on Spark (SPARK_MASTER, default local[2]) and a comparison of the two results, which must be
identical. Each engine runs in a fresh process; figures are printed (with the load average),
never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_rules import ensure_city  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from safetynet.rules.memory import keep_freed_memory
from safetynet.rules.whatif import adhoc_change, run_whatif, tree
keep_freed_memory()
city, engine = sys.argv[1:3]
t = time.perf_counter()
change = adhoc_change(tree(()), "dibao.standard", "850", "2020-07-01")
result = run_whatif(city, [change], engine=engine)
wall = time.perf_counter() - t
out = result.as_dict()
out["wall"] = wall
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out, ensure_ascii=False))
"""


def run(city: Path, engine: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(city), engine],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{engine} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--persons", type=int, default=5_000_000)
    ap.add_argument("--city", help="an existing generated city")
    ap.add_argument(
        "--cities",
        default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "safetynet-bench"),
        help="where generated cities are kept between runs",
    )
    ap.add_argument("--no-spark", action="store_true", help="DuckDB only")
    args = ap.parse_args(argv)
    city = Path(args.city) if args.city else ensure_city(args.persons, Path(args.cities))
    print(f"what-if: dibao.standard 800 → 850 yuan from 2020-07-01, city {city}")
    results = {}
    for engine in ("duckdb",) if args.no_spark else ("duckdb", "spark"):
        load0 = os.getloadavg()[0]
        t = time.perf_counter()
        r = run(city, engine)
        results[engine] = r
        load1 = os.getloadavg()[0]
        secs = ", ".join(f"{k} {v:.1f} s" for k, v in r["seconds"].items())
        print(
            f"{engine:>6}: {r['wall']:.1f} s end to end in the job ({secs}); process "
            f"{time.perf_counter() - t:.1f} s; peak {r['peak_mb']:,.0f} MB; "
            f"load average {load0:.1f} → {load1:.1f}"
        )
    r = results["duckdb"]
    print(f"persons {r['persons']:,}, households {r['households']:,}, month {r['month']}")
    for name, m in r["programs"].items():
        if m["change_fen"] or m["gain_households"] or m["lose_households"]:
            print(
                f"  {name:<22} gain {m['gain_households']:>7,} lose {m['lose_households']:>7,} "
                f"changed {m['up_households'] + m['down_households']:>8,} households; "
                f"month {yuan(m['base_fen'])} → {yuan(m['new_fen'])} yuan "
                f"({yuan(m['change_fen'])}; a year {yuan(m['change_yearly_fen'])})"
            )
    t = r["totals"]
    print(
        f"  all programs: month {yuan(t['base_fen'])} → {yuan(t['new_fen'])} yuan; change city "
        f"{yuan(t['change_city_fen'])}, district {yuan(t['change_district_fen'])}, street "
        f"{yuan(t['change_street_fen'])}"
    )
    fc = r["floor_check"] or {}
    print(
        f"  floor check: proposed {yuan(fc.get('proposed_fen', 0))}, floor "
        f"{yuan(fc.get('floor_fen', 0))} → {'below the floor' if fc.get('below_floor') else 'ok'}"
    )
    if "spark" in results:
        keys = [k for k in r if k not in ("engine", "seconds", "wall", "peak_mb")]
        same = all(results["spark"][k] == r[k] for k in keys)
        print(f"Spark aggregates identical to DuckDB: {same}")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
