"""Benchmark of the registry's demo city: generate, bulk load, household search.

    python -m benchmarks.bench_registry            # 1M and 5M generate; 1M load + search
    python -m benchmarks.bench_registry --quick    # 100k everywhere (a smoke run)
    python -m benchmarks.bench_registry --no-postgres

Each measured step runs in its own subprocess, so that its peak memory (ru_maxrss, from wait4) and
its database settings are its own. SQLite goes to a throwaway directory; PostgreSQL to a throwaway
database `safetynet_bench` (created and dropped; the server from $BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/postgres).

Targets (issue 2): generate 5M persons in under 60 s; household search p95 under 50 ms at 1M.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "safetynet_bench"
SEARCH_QUERIES = 1_000
GENERATE_TARGET_S = 60.0
SEARCH_P95_TARGET_MS = 50.0


# ------------------------------------------------------------------------------ workers
def worker_generate(persons: int, out: str) -> dict:
    from safetynet.registry.generator import generate

    t0 = time.perf_counter()
    manifest = generate(out=Path(out), persons=persons, seed=1)
    return {"seconds": time.perf_counter() - t0, "timings": manifest["timings"]}


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q * (len(values) - 1))))
    return values[k]


def worker_load_search(city: str, queries: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    import django

    django.setup()
    import pyarrow.parquet as pq
    from django.core.management import call_command
    from django.db import connection

    from safetynet.accounts.models import Role, User
    from safetynet.registry.loading import city_load
    from safetynet.registry.models import Division
    from safetynet.registry.selectors import household_search

    call_command("migrate", verbosity=0)
    report = city_load(city)
    result = {
        "vendor": connection.vendor,
        "load_seconds": report.seconds,
        "rows": report.total_rows,
        "rows_per_second": report.rows_per_second,
        "persons_per_second": report.rows["persons"] / report.seconds,
        "timings": report.timings,
    }

    # A city administrator (unsaved: nothing is written for the benchmark).
    actor = User(username="bench", role=Role.CITY_ADMIN, is_active=True)
    actor.jurisdiction = Division.objects.get(code="350200")
    persons = pq.read_table(Path(city) / "persons.parquet", columns=["id_number", "name"])
    rng = random.Random(42)
    picks = [rng.randrange(persons.num_rows) for _ in range(queries)]
    ids = persons["id_number"].to_pylist()
    names = persons["name"].to_pylist()
    plan = [
        ("id_number", ids[i]) if k % 2 == 0 else ("name", names[i]) for k, i in enumerate(picks)
    ]
    for _, q in plan[:20]:  # warm the caches
        household_search(actor=actor, query=q)
    timings: dict[str, list[float]] = {"id_number": [], "name": []}
    empty = 0
    for kind, q in plan:
        t0 = time.perf_counter()
        found = household_search(actor=actor, query=q)
        timings[kind].append((time.perf_counter() - t0) * 1000)
        empty += not found
    every = timings["id_number"] + timings["name"]
    result["search"] = {
        "queries": len(every),
        "not_found": empty,  # the deceased are no longer current members
        "p50_ms": statistics.median(every),
        "p95_ms": _percentile(every, 0.95),
        "id_p50_ms": statistics.median(timings["id_number"]),
        "id_p95_ms": _percentile(timings["id_number"], 0.95),
        "name_p50_ms": statistics.median(timings["name"]),
        "name_p95_ms": _percentile(timings["name"], 0.95),
    }
    return result


# ------------------------------------------------------------------------------ the parent
def _run(args: list[str], env: dict | None = None) -> tuple[dict, float, float]:
    """Run a worker; return (its JSON result, wall seconds, peak RSS in MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_registry", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1]), wall, usage.ru_maxrss / 1024


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(db: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{db}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100k persons everywhere (smoke run)")
    parser.add_argument("--no-postgres", dest="postgres", action="store_false")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument("--workdir", help="where to write the cities (default: a temporary dir)")
    opts = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    sizes = [100_000] if opts.quick else [1_000_000, 5_000_000]
    load_size = sizes[0]
    work = Path(opts.workdir or tempfile.mkdtemp(prefix="safetynet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str, str]] = []
    try:
        for n in sizes:
            out = work / f"city-{n}"
            console.print(f"generate {n:,} persons …")
            res, _wall, rss = _run(["_generate", str(n), str(out)])
            verdict = ""
            if n == 5_000_000:
                verdict = "OK" if res["seconds"] < GENERATE_TARGET_S else "MISSED"
                verdict += f" (target < {GENERATE_TARGET_S:.0f} s)"
            rows.append(
                (
                    f"generate {n:,} persons",
                    f"{res['seconds']:.1f} s",
                    f"peak {rss:,.0f} MB",
                    verdict,
                )
            )
        city = str(work / f"city-{load_size}")
        backends = []
        if opts.sqlite:
            backends.append(("SQLite", {"SAFETYNET_DATA_DIR": str(work / "sqlite")}))
        if opts.postgres:
            backends.append(("PostgreSQL", {"DATABASE_URL": _pg_url(PG_BENCH_DB)}))
        for label, env in backends:
            env = {**env, "SAFETYNET_DEBUG": "0"}
            if label == "SQLite":
                shutil.rmtree(work / "sqlite", ignore_errors=True)
                (work / "sqlite").mkdir()
            else:
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
                _pg_admin(f"CREATE DATABASE {PG_BENCH_DB}")
            console.print(f"load {load_size:,} persons into {label}, then search …")
            try:
                res, _wall, rss = _run(["_load_search", city, str(SEARCH_QUERIES)], env)
            finally:
                if label == "PostgreSQL":
                    _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            rows.append(
                (
                    f"load {load_size:,} persons into {label}",
                    f"{res['load_seconds']:.1f} s",
                    f"{res['rows_per_second']:,.0f} rows/s ({res['rows']:,} rows incl. history); "
                    f"{res['persons_per_second']:,.0f} persons/s; peak {rss:,.0f} MB",
                    "",
                )
            )
            s = res["search"]
            ok = s["p95_ms"] < SEARCH_P95_TARGET_MS
            rows.append(
                (
                    f"household search, {label}, {load_size:,} persons",
                    f"p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms",
                    f"ID p50/p95 {s['id_p50_ms']:.1f}/{s['id_p95_ms']:.1f} ms; "
                    f"name p50/p95 {s['name_p50_ms']:.1f}/{s['name_p95_ms']:.1f} ms; "
                    f"{s['queries']} queries",
                    ("OK" if ok else "MISSED") + f" (target p95 < {SEARCH_P95_TARGET_MS:.0f} ms)",
                )
            )
    finally:
        if not opts.workdir:
            shutil.rmtree(work, ignore_errors=True)

    table = Table(title=f"SafetyNet registry benchmark ({os.cpu_count()} CPUs)")
    for col in ("step", "result", "detail", "target"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_generate":
        print(json.dumps(worker_generate(int(sys.argv[2]), sys.argv[3])))
    elif len(sys.argv) > 1 and sys.argv[1] == "_load_search":
        print(json.dumps(worker_load_search(sys.argv[2], int(sys.argv[3]))))
    else:
        sys.exit(main())
