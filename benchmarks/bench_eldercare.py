"""Benchmark: 12349 elderly care on a generated city in PostgreSQL (issue 12).

`lookup_benchmark()`: the operator's one search box (ADR 1205) — a caller's number (the person's
own phone, or a relative's), a whole ID number, a name — as `selectors.person_lookup` answers it
for a city-wide 12349 operator. The eldercare data of the city (a phone for every person aged 60+
and one relative's phone each) is written by SQL from the registry, as a call centre would have
it after its first year. Target: p95 < 50 ms at 1,000,000 persons.

    python -m benchmarks.bench_eldercare                       # 1,000,000 persons
    python -m benchmarks.bench_eldercare --persons 20000 --lookups 200
    python -m benchmarks.bench_eldercare --fresh                # drop and load the city again

The city is generated (`safetynet generate`, cached under var/bench/) and loaded into its own
database `sn_eldercare_bench_<persons>` (kept and reused unless --fresh) on $BENCH_POSTGRES_URL
(default postgres://safetynet:safetynet@127.0.0.1:5432/postgres), like bench_home. Prints
milliseconds; never asserts. Figures measured on a shared machine are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

from benchmarks.bench_home import _db_url, _prepare


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def _eldercare_data() -> int:
    """Profiles (own phone 139…) and one relative (phone 137…) for every living person of 60+,
    written once by SQL; returns the number of elderly persons."""
    from django.db import connection

    from safetynet.eldercare import selectors

    cutoff = selectors.birth_cutoff()
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM eldercare_elderprofile")
        if c.fetchone()[0] == 0:
            c.execute(
                """
                INSERT INTO eldercare_elderprofile
                    (person_id, living_situation, phone, selfcare_level, note, updated_at)
                SELECT id, (ARRAY['alone','spouse','family'])[1 + id %% 3],
                       '139' || lpad(id::text, 8, '0'), 'unknown', '', now()
                FROM registry_person WHERE death_date IS NULL AND birth_date <= %s
                """,
                [cutoff],
            )
            c.execute(
                """
                INSERT INTO eldercare_eldercontact
                    (person_id, name, phone, relation, is_primary, created_at)
                SELECT person_id, '家属', '137' || lpad(person_id::text, 8, '0'), 'child', true,
                       now()
                FROM eldercare_elderprofile
                """
            )
            c.execute("ANALYZE")
        c.execute("SELECT count(*) FROM eldercare_elderprofile")
        return c.fetchone()[0]


def _operator():
    from safetynet.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username="bench-12349",
        defaults={"role": Role.ELDERCARE_OPERATOR, "jurisdiction_id": "350200"},
    )
    return user


def lookup_benchmark(lookups: int = 300, seed: int = 12349) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of the operator's lookup by own phone, relative's phone, ID number and
    name, `lookups` random elderly persons each; prints them and returns them."""
    from safetynet.eldercare import selectors
    from safetynet.eldercare.models import ElderProfile

    elderly = _eldercare_data()
    operator = _operator()
    rng = random.Random(seed)
    ids = list(ElderProfile.objects.values_list("person_id", flat=True)[:200_000])
    sample = rng.sample(ids, min(lookups, len(ids)))
    from safetynet.registry.models import Person

    people = {p.pk: p for p in Person.objects.filter(pk__in=sample).only("id", "name", "id_number")}
    queries = {
        "own phone": [f"139{pk:08d}" for pk in sample],
        "relative's phone": [f"137{pk:08d}" for pk in sample],
        "ID number": [people[pk].id_number for pk in sample],
        "name (exact)": [people[pk].name for pk in sample],
    }
    print(f"elderly persons (60+) with a phone and a relative: {elderly:,}")
    from django.db import connection

    trips = []
    with connection.cursor() as c:
        for _ in range(200):
            t = time.perf_counter()
            c.execute("SELECT 1")
            c.fetchone()
            trips.append((time.perf_counter() - t) * 1000)
    print(
        f"one database round trip (SELECT 1) p50 / p95: {statistics.median(trips):.2f} / "
        f"{_pct(trips, 95):.2f} ms; a lookup makes 4 (phone: 5)"
    )
    print(f"{'lookup by':20} {'n':>5} {'found':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    out = {}
    for label, qs in queries.items():
        selectors.person_lookup(actor=operator, query=qs[0])  # warm the connection and plans
        spent, found = [], 0
        for q in qs:
            t = time.perf_counter()
            hits = selectors.person_lookup(actor=operator, query=q)
            spent.append((time.perf_counter() - t) * 1000)
            found += bool(hits)
        p50, p95 = statistics.median(spent), _pct(spent, 95)
        out[label] = (p50, p95)
        print(f"{label:20} {len(qs):5} {found:6} {p50:8.2f} {p95:8.2f} {max(spent):8.2f}")
    worst = max(p95 for _p50, p95 in out.values())
    print(f"worst p95: {worst:.2f} ms (target < 50 ms)")
    return out


def _measure(lookups: int) -> None:
    import django

    django.setup()
    lookup_benchmark(lookups)
    # the one-key emergencies' part (benchmarks/bench_eldercare_emergency.py, emergency_benchmark)
    # runs after this one: `make bench-eldercare` calls both


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, action="append", help="city size (repeatable)")
    ap.add_argument("--lookups", type=int, default=300, help="lookups per kind")
    ap.add_argument("--fresh", action="store_true", help="drop and load the city again")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure_only:
        _measure(args.lookups)
        return
    for persons in args.persons or [1_000_000]:
        db = f"sn_eldercare_bench_{persons}"
        _prepare(persons, db, reuse=not args.fresh)
        env = {
            **os.environ,
            "DATABASE_URL": _db_url(db),
            "DJANGO_SETTINGS_MODULE": "safetynet.settings.dev",
        }
        # a reused database gets this branch's migrations (the eldercare tables, indexes)
        subprocess.run(
            [sys.executable, "-m", "safetynet.cli", "migrate", "-v0"], env=env, check=True
        )
        print(f"\n== {persons:,} persons (database {db}; load average {os.getloadavg()[0]:.1f})")
        cmd = [sys.executable, "-m", "benchmarks.bench_eldercare", "--measure-only"]
        subprocess.run([*cmd, "--lookups", str(args.lookups)], env=env, check=True)


if __name__ == "__main__":
    main()
