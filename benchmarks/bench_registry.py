"""Benchmark of the registry's demo city: generate, bulk load, and the search users get; and a
province: a 50M-person city generated, then the rules and the re-verification over it on DuckDB.

    python -m benchmarks.bench_registry            # 1M and 5M generate; 1M load + search; province
    python -m benchmarks.bench_registry --quick    # 100k everywhere (a smoke run), no province
    python -m benchmarks.bench_registry --persons 1000000 --no-sqlite --pg-db sn_bench
    python -m benchmarks.bench_registry --no-postgres
    python -m benchmarks.bench_registry --province-only                    # `make bench-province`
    python -m benchmarks.bench_registry --province-only --province 20000000 --trend 1000000

The province (issue 15): the generator's peak memory at each size of --trend and at --province
(it writes one block of households at a time, ADR 1510: the peak should not grow with the city),
then `safetynet rules run` and `safetynet verify batch` (DuckDB) over the province's files, each in
its own process, with wall time and peak memory. Target: generating stays under 4 GB at any size.

The search is timed through HTTP, the path users take: Django's whole stack in-process (test
Client: middleware, session, auth, view, template or serializer, database), for the search page
(the htmx fragment with its count) and the API lists (`/api/households/?q=`, `/api/persons/?q=`,
page 1 with `count`), for every query kind (surname prefix, whole name, whole ID number, household
number), as a city administrator, the busiest street's officer and the busiest community's worker.

Each measured step runs in its own subprocess, so that its peak memory (ru_maxrss, from wait4) and
its database settings are its own. SQLite goes to a throwaway directory; PostgreSQL to a throwaway
database `safetynet_bench` (created and dropped; the server from $BENCH_POSTGRES_URL, default
postgres://postgres@127.0.0.1:5432/postgres).

Targets: generate 5M persons in under 60 s (issue 2); every search p95 under 50 ms at 1M persons on
PostgreSQL, counts included (issue 7). The exit code is 1 when a search target is missed.
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
SEARCH_QUERIES = 100
GENERATE_TARGET_S = 60.0
SEARCH_P95_TARGET_MS = 50.0
PROVINCE_PERSONS = 50_000_000
PROVINCE_TREND = (1_000_000, 5_000_000, 10_000_000)
GENERATE_PEAK_TARGET_MB = 4096.0
PROVINCE_MONTH = "2020-06"


# ------------------------------------------------------------------------------ workers
def worker_generate(persons: int, out: str) -> dict:
    from safetynet.simulated.generator import generate

    t0 = time.perf_counter()
    manifest = generate(out=Path(out), persons=persons, seed=1)
    return {"seconds": time.perf_counter() - t0, "timings": manifest["timings"]}


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q * (len(values) - 1))))
    return values[k]


# What users type, and where: the search page (htmx fragment, with its count) and the API lists
# (page 1 with `count`). Every request goes through Django's full stack (middleware, session,
# auth, view, template or serializer) in-process, as the test Client sends it.
KINDS = ("surname", "name", "id_number", "household_number")
ENDPOINTS = {
    "ui search": "/search/",
    "api households": "/api/households/",
    "api persons": "/api/persons/",
}
ROLES = ("city_admin", "street_officer", "community_worker")


def _plan(city: str, per_kind: int) -> dict[str, list[str]]:
    import pyarrow.parquet as pq

    persons = pq.read_table(Path(city) / "persons.parquet", columns=["id_number", "name"])
    households = pq.read_table(Path(city) / "households.parquet", columns=["household_number"])
    rng = random.Random(42)
    ids, names = persons["id_number"].to_pylist(), persons["name"].to_pylist()
    numbers = households["household_number"].to_pylist()
    picks = [rng.randrange(len(ids)) for _ in range(per_kind)]
    return {
        "surname": [names[i][0] for i in picks],
        "name": [names[i] for i in picks],
        "id_number": [ids[i] for i in picks],
        "household_number": [numbers[rng.randrange(len(numbers))] for _ in range(per_kind)],
    }


def _users() -> dict:
    """One user per timed role, in the busiest street and community of the city."""
    from django.db.models import Count

    from safetynet.accounts.models import Role, User
    from safetynet.registry.models import Household

    def busiest(length: int) -> str:
        rows = (
            Household.objects.values("division_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("division_id", "n")
        )
        by_prefix: dict[str, int] = {}
        for code, n in rows:
            by_prefix[code[:length]] = by_prefix.get(code[:length], 0) + n
        return max(by_prefix, key=by_prefix.get)

    specs = {
        "city_admin": (Role.CITY_ADMIN, "350200"),
        "street_officer": (Role.STREET_OFFICER, busiest(9)),
        "community_worker": (Role.COMMUNITY_WORKER, busiest(12)),
    }
    return {
        key: User.objects.create_user(
            username=f"bench-{key}", password=None, role=role, jurisdiction_id=code
        )
        for key, (role, code) in specs.items()
    }


def worker_load_search(city: str, queries: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from safetynet.registry.loading import city_load

    call_command("migrate", verbosity=0)
    call_command("load_divisions", verbosity=0)
    report = city_load(city)
    result = {
        "vendor": connection.vendor,
        "load_seconds": report.seconds,
        "rows": report.total_rows,
        "rows_per_second": report.rows_per_second,
        "persons_per_second": report.rows["persons"] / report.seconds,
        "timings": report.timings,
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum gives a live database

    plan = _plan(city, queries)
    timings: dict[str, dict] = {}
    for role, user in _users().items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        for endpoint, path in ENDPOINTS.items():
            headers = {"HTTP_HX_REQUEST": "true"} if endpoint == "ui search" else {}
            for kind in KINDS:
                if endpoint == "api persons" and kind == "household_number":
                    continue  # persons are not searched by household number
                for q in plan[kind][:10]:  # warm the caches
                    client.get(path, {"q": q}, **headers)
                spent, empty, capped = [], 0, 0
                for q in plan[kind]:
                    t0 = time.perf_counter()
                    response = client.get(path, {"q": q}, **headers)
                    spent.append((time.perf_counter() - t0) * 1000)
                    if response.status_code != 200:
                        raise SystemExit(f"{path}?q={q} as {role}: {response.status_code}")
                    if endpoint != "ui search":
                        body = response.json()
                        empty += body["count"] == 0
                        capped += body["truncated"]
                    else:
                        empty += b'data-testid="no-results"' in response.content
                timings[f"{role}|{endpoint}|{kind}"] = {
                    "p50_ms": statistics.median(spent),
                    "p95_ms": _percentile(spent, 0.95),
                    "max_ms": max(spent),
                    "queries": len(spent),
                    "empty": empty,
                    "capped": capped,
                }
    result["search"] = timings
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


def _run_command(args: list[str]) -> tuple[float, float, str]:
    """Run a command; return (wall seconds, its peak RSS in MB, the tail of its stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed (exit {proc.returncode})")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, out.strip()[-400:]


def province(work: Path, persons: int, trend: list[int], console) -> list[tuple[str, ...]]:
    """Generate the trend sizes and the province (peak memory each), then rules and re-verification
    over the province on DuckDB. Rows are printed as they come (a long run shows its progress)."""
    rows: list[tuple[str, ...]] = []

    def row(*cells: str) -> None:
        rows.append(cells)
        console.print("  " + " | ".join(cells))

    for n in [*trend, persons]:
        out = work / f"city-{n}"
        console.print(f"generate {n:,} persons …")
        res, _wall, rss = _run(["_generate", str(n), str(out)])
        ok = "OK" if rss < GENERATE_PEAK_TARGET_MB else "MISSED"
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**30
        row(
            f"generate {n:,} persons",
            f"{res['seconds']:.1f} s",
            f"peak {rss:,.0f} MB; {size:.1f} GiB of Parquet",
            f"{ok} (peak < {GENERATE_PEAK_TARGET_MB:,.0f} MB)",
        )
        if n != persons:
            shutil.rmtree(out, ignore_errors=True)
    city = work / f"city-{persons}"
    cli = [sys.executable, "-m", "safetynet.cli"]
    console.print(f"rules run over {persons:,} persons (DuckDB) …")
    wall, rss, _ = _run_command(
        [*cli, "rules", "run", "--input", str(city), "--month", PROVINCE_MONTH,
         "--out", str(work / "rules-out"), "--engine", "duckdb"]
    )  # fmt: skip
    row(
        f"safetynet rules run, {persons:,} persons (DuckDB)",
        f"{wall:.1f} s",
        f"peak {rss:,.0f} MB",
        "",
    )
    shutil.rmtree(work / "rules-out", ignore_errors=True)
    console.print(f"verify batch over {persons:,} persons (DuckDB) …")
    wall, rss, tail = _run_command(
        [*cli, "verify", "batch", "--input", str(city), "--month", PROVINCE_MONTH,
         "--out", str(work / "verify-out"), "--engine", "duckdb"]
    )  # fmt: skip
    row(
        f"safetynet verify batch, {persons:,} persons (DuckDB)",
        f"{wall:.1f} s",
        f"peak {rss:,.0f} MB; " + (tail.splitlines()[-1].split(" in ")[0] if tail else ""),
        "",
    )
    shutil.rmtree(work / "verify-out", ignore_errors=True)
    return rows


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
    parser.add_argument(
        "--persons", type=int, help="one city of this size only (no 5M generate), e.g. 1000000"
    )
    parser.add_argument(
        "--queries", type=int, default=SEARCH_QUERIES, help="queries per kind, endpoint and role"
    )
    parser.add_argument("--pg-db", default=PG_BENCH_DB, help="the throwaway PostgreSQL database")
    parser.add_argument(
        "--province", type=int, default=PROVINCE_PERSONS, help="persons of the province city"
    )
    parser.add_argument(
        "--trend",
        type=lambda v: [int(x) for x in v.split(",") if x],
        default=list(PROVINCE_TREND),
        help="comma-separated sizes generated before the province, for the memory trend",
    )
    parser.add_argument("--no-province", dest="with_province", action="store_false")
    parser.add_argument(
        "--province-only", action="store_true", help="only the province part (no load/search)"
    )
    opts = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    sizes = [100_000] if opts.quick else [1_000_000, 5_000_000]
    if opts.persons:
        sizes = [opts.persons]
    pg_db = opts.pg_db
    load_size = sizes[0]
    work = Path(opts.workdir or tempfile.mkdtemp(prefix="safetynet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str, str]] = []
    summary: list[tuple[str, float]] = []
    try:
        if opts.province_only:
            sizes = []
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
        if opts.province_only:
            opts.sqlite = opts.postgres = False
        if opts.sqlite:
            backends.append(("SQLite", {"SAFETYNET_DATA_DIR": str(work / "sqlite")}))
        if opts.postgres:
            backends.append(("PostgreSQL", {"DATABASE_URL": _pg_url(pg_db)}))
        for label, env in backends:
            env = {**env, "SAFETYNET_DEBUG": "0"}
            if label == "SQLite":
                shutil.rmtree(work / "sqlite", ignore_errors=True)
                (work / "sqlite").mkdir()
            else:
                _pg_admin(f"DROP DATABASE IF EXISTS {pg_db}")
                _pg_admin(f"CREATE DATABASE {pg_db}")
            console.print(f"load {load_size:,} persons into {label}, then search …")
            try:
                res, _wall, rss = _run(["_load_search", city, str(opts.queries)], env)
            finally:
                if label == "PostgreSQL":
                    _pg_admin(f"DROP DATABASE IF EXISTS {pg_db}")
            rows.append(
                (
                    f"load {load_size:,} persons into {label}",
                    f"{res['load_seconds']:.1f} s",
                    f"{res['rows_per_second']:,.0f} rows/s ({res['rows']:,} rows incl. history); "
                    f"{res['persons_per_second']:,.0f} persons/s; peak {rss:,.0f} MB",
                    "",
                )
            )
            worst = 0.0
            for key, t in res["search"].items():
                role, endpoint, kind = key.split("|")
                worst = max(worst, t["p95_ms"])
                ok = t["p95_ms"] < SEARCH_P95_TARGET_MS
                rows.append(
                    (
                        f"{label} {load_size:,}: {endpoint}, {kind}, as {role}",
                        f"p50 {t['p50_ms']:.1f} ms, p95 {t['p95_ms']:.1f} ms",
                        f"max {t['max_ms']:.0f} ms; {t['queries']} queries, {t['empty']} empty"
                        + (f", {t['capped']} capped" if t["capped"] else ""),
                        ("OK" if ok else "MISSED") + f" (p95 < {SEARCH_P95_TARGET_MS:.0f} ms)",
                    )
                )
            summary.append((label, worst))
        if opts.with_province and not opts.quick:
            shutil.rmtree(work / f"city-{load_size}", ignore_errors=True)
            rows.extend(province(work, opts.province, opts.trend, console))
    finally:
        if not opts.workdir:
            shutil.rmtree(work, ignore_errors=True)

    table = Table(title=f"SafetyNet registry benchmark ({os.cpu_count()} CPUs)")
    for col in ("step", "result", "detail", "target"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    missed = False
    for label, worst in summary:
        verdict = "OK" if worst < SEARCH_P95_TARGET_MS else "MISSED"
        missed |= verdict == "MISSED"
        console.print(f"{label}: worst search p95 {worst:.1f} ms: {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_generate":
        print(json.dumps(worker_generate(int(sys.argv[2]), sys.argv[3])))
    elif len(sys.argv) > 1 and sys.argv[1] == "_load_search":
        print(json.dumps(worker_load_search(sys.argv[2], int(sys.argv[3]))))
    else:
        sys.exit(main())
