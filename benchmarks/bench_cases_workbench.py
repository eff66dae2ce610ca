"""Benchmark: the caseworker's workbench and the approver's queue with 100,000 open cases of
one street office, on PostgreSQL, through HTTP (Django's test client: URL routing, middleware,
session, selectors, templates).

    python -m benchmarks.bench_cases_workbench                    # 100,000 cases, 200 requests
    python -m benchmarks.bench_cases_workbench --cases 20000 --requests 50

The database `sn_casesui_bench` (or --db) is dropped and created on the server of
$BENCH_POSTGRES_URL (default postgres://safetynet:safetynet@127.0.0.1:5432/postgres), migrated,
and filled with bulk_create (households, applicants and cases spread over the open steps, a
tenth of them overdue and escalated). Prints p50/p95/max in milliseconds per screen; never asserts.
Target (issue 8): p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://safetynet:safetynet@127.0.0.1:5432/postgres"
)
STREET = "350203002"  # 中华街道
COMMUNITIES = ["350203002001", "350203002002"]


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def _recreate(db: str) -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + db


def _setup(n_cases: int) -> dict:
    from django.core.management import call_command

    from safetynet.accounts.models import Role, User
    from safetynet.cases.models import Case
    from safetynet.registry.models import Division, DivisionLevel, Household, Person
    from safetynet.registry.services import division_table_load

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    division_table_load()
    for code in COMMUNITIES:
        Division.objects.get_or_create(
            code=code,
            defaults=dict(
                name=f"测试社区{code[-1]}",
                level=DivisionLevel.COMMUNITY,
                parent_id=STREET,
                is_synthetic=True,
                valid_from=dt.date(2016, 1, 1),
                table_version="bench",
            ),
        )
    cw = User.objects.create_user(
        "bench_cw", role=Role.COMMUNITY_WORKER, jurisdiction_id=COMMUNITIES[0]
    )
    so = User.objects.create_user("bench_so", role=Role.STREET_OFFICER, jurisdiction_id=STREET)
    da = User.objects.create_user("bench_da", role=Role.DISTRICT_APPROVER, jurisdiction_id="350203")
    # one household per case: a household has one open case per program (the database's
    # case_one_open_per_household_and_program)
    n_households = max(1, n_cases)
    persons = [
        Person(
            id_number=f"350203198001{i:06d}",
            name=f"测{i}",
            sex="M",
            birth_date=dt.date(1980, 1, 1),
            hukou_division_id=COMMUNITIES[i % 2],
        )
        for i in range(n_households)
    ]
    Person.objects.bulk_create(persons, batch_size=5000)
    persons = list(Person.objects.order_by("id").values_list("id", flat=True))
    Household.objects.bulk_create(
        [
            Household(number=f"HH-BENCH-{i:07d}", division_id=COMMUNITIES[i % 2])
            for i in range(n_households)
        ],
        batch_size=5000,
    )
    households = list(Household.objects.order_by("id").values_list("id", flat=True))
    steps = ["accepted", "investigating", "proposed", "in_notice", "awaiting_decision"]
    today = dt.date(2025, 11, 3)
    cases = []
    for i in range(n_cases):
        status = steps[i % len(steps)]
        accepted = today - dt.timedelta(days=i % 60)
        late = i % 10 == 0
        inv_due = accepted + dt.timedelta(days=14 if not late else -1 + (accepted - today).days)
        total_due = accepted + dt.timedelta(days=42)
        decision_due = accepted + dt.timedelta(days=30) if status == "awaiting_decision" else None
        notice_on = accepted + dt.timedelta(days=10) if status == "in_notice" else None
        cases.append(
            Case(
                number=f"SQ-BENCH-{i:07d}",
                program="dibao" if i % 3 else "low_income",
                household_id=households[i % n_households],
                applicant_id=persons[i % n_households],
                status=status,
                accepting_division_id=COMMUNITIES[i % 2],
                handling_division_id=STREET,
                accepted_by=cw,
                accepted_on=accepted,
                investigation_due=inv_due,
                total_due=total_due if not late else today - dt.timedelta(days=1),
                decision_due=decision_due,
                notice_posted_on=notice_on,
                notice_ends_on=notice_on + dt.timedelta(days=7) if notice_on else None,
                escalated_on=today - dt.timedelta(days=1) if late else None,
            )
        )
    Case.objects.bulk_create(cases, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"created {n_cases:,} open cases ({n_households:,} households) in "
        f"{time.perf_counter() - t:.1f} s"
    )
    return {"cw": cw, "so": so, "da": da, "today": today}


def _time(client, url: str, n: int, cold: bool = False) -> list[float]:
    from django.core.cache import cache

    out = []
    client.get(url)  # warm
    for _ in range(n):
        if cold:
            cache.clear()
        t = time.perf_counter()
        r = client.get(url)
        out.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{url}: HTTP {r.status_code}")
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--db", default="sn_casesui_bench")
    args = ap.parse_args(argv)

    os.environ["DATABASE_URL"] = _recreate(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    os.environ["SAFETYNET_DEBUG"] = "0"
    os.environ["SAFETYNET_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.test import Client

    import safetynet.cases.clock as clock

    ctx = _setup(args.cases)
    clock.today = lambda: ctx["today"]
    results = {}
    screens = [
        ("so", "/cases/", "workbench (street officer, page 1)"),
        ("so", "/cases/?page=20", "workbench page 20"),
        ("so", "/cases/?step=investigating&program=dibao", "workbench step+program"),
        ("so", "/cases/?overdue=on", "workbench overdue"),
        ("so", "/cases/?sort=applicant", "workbench sorted by applicant"),
        ("so", "/cases/?sort=-number&page=5", "workbench by number desc, page 5"),
        ("so", "/cases/?q=SQ-BENCH-00012", "workbench text filter (case no.)"),
        ("so", "/cases/?q=%E6%B5%8B123", "workbench text filter (name)"),
        ("so", f"/cases/?division={COMMUNITIES[1]}", "workbench one community"),
        ("cw", "/cases/", "workbench (community worker)"),
        ("da", "/cases/queue/", "approver queue (district)"),
        ("da", "/cases/queue/?sort=applicant", "approver queue sorted by applicant"),
        ("so", "/api/cases/", "API case list"),
        ("so", "/cases/", "workbench, counts not cached (ADR 0820)"),
    ]
    print(f"{args.cases:,} open cases of one street office; {args.requests} requests per screen")
    print(f"{'screen':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for who, url, label in screens:
        client = Client()
        client.force_login(ctx[who])
        ms = _time(client, url, args.requests, cold="not cached" in label)
        results[label] = {"p50": statistics.median(ms), "p95": _pct(ms, 95), "max": max(ms)}
        r = results[label]
        print(f"{label:40} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f}", flush=True)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
