"""Benchmark of the monthly casework jobs (issue 8, "Scale and proof"): the proactive lists
(age allowance, funeral grants and exemptions, price subsidy) and the review schedule for a
city's caseload in PostgreSQL.

    python -m benchmarks.bench_cases_batch                      # 5M persons
    python -m benchmarks.bench_cases_batch --persons 1000000
    python -m benchmarks.bench_cases_batch --reuse              # keep the loaded city

The city is set up directly in SQL (generate_series, one INSERT … SELECT per table: about 2 min
for 5M persons) instead of `safetynet generate` + `safetynet load`, which take much longer at
5M: the jobs read only persons, households, memberships and enrolments. Shape: 2.5 persons per
household over the shipped streets' synthetic communities; 3% aged 80+ (the rest 0–79); 2% of
households on dibao and 0.3% of persons on tekun; 80+ already enrolled in the age-allowance
database except those turning 80 lately; deaths over the last two months (≈ 0.6%/year).

Database: `sn_dynamic_bench` (created if missing) on $BENCH_POSTGRES_URL's server (default
postgres://safetynet:safetynet@127.0.0.1:5432). Figures are printed, never asserted; the target
is < 60 s for the lists and the schedule together.
"""

from __future__ import annotations

import argparse
import json
import os
import time

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://safetynet:safetynet@127.0.0.1:5432")
DB = "sn_dynamic_bench"
TARGET_S = 60.0


def _setup_db(reuse: bool) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [DB]).fetchone()
        if exists and not reuse:
            conn.execute(f"DROP DATABASE {DB} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {DB}")


CITY_SQL = """
SELECT setseed(0.42);
CREATE TEMP TABLE comm AS
  SELECT row_number() OVER (ORDER BY code) - 1 AS i, code FROM registry_division
  WHERE level = 'community';
CREATE TEMP TABLE ncomm AS SELECT count(*) AS n FROM comm;
INSERT INTO registry_household (id, number, division_id, address, is_rural, created_at)
  SELECT h, 'B' || h, c.code, '', false, now()
  FROM generate_series(1, %(households)s) h CROSS JOIN ncomm
  JOIN comm c ON c.i = h %% ncomm.n;
INSERT INTO registry_person (id, id_number, name, sex, birth_date, hukou_division_id,
    residence_address, disability_kind, disability_grade, created_at, death_date)
  SELECT p, lpad(p::text, 18, '0'), '居民' || p, CASE WHEN p %% 2 = 0 THEN 'F' ELSE 'M' END,
    DATE %(month_first)s - ((CASE WHEN random() < 0.03 THEN 80 + random() * 25
                                   ELSE random() * 79.9 END) * 365.25)::int,
    c.code, '', '', NULL, now(),
    CASE WHEN random() < 0.001 THEN DATE %(month_first)s - (random() * 55)::int END
  FROM generate_series(1, %(persons)s) p CROSS JOIN ncomm
  JOIN comm c ON c.i = ((p * 2) / 5 + 1) %% ncomm.n;
UPDATE registry_person SET birth_date = LEAST(birth_date, death_date - 1)
  WHERE death_date IS NOT NULL;
INSERT INTO registry_membership (person_id, household_id, relation, start_date)
  SELECT p, (p * 2) / 5 + 1,
    CASE WHEN p = 1 OR (p * 2) / 5 <> ((p - 1) * 2) / 5 THEN 'head' ELSE 'other' END,
    DATE '2010-01-01'
  FROM generate_series(1, %(persons)s) p;
INSERT INTO registry_enrolment (person_id, household_id, category, start_date, legal_basis)
  SELECT m.person_id, m.household_id, 'dibao',
    DATE '2023-01-01' + (m.household_id %% 900)::int, 'bench'
  FROM registry_membership m WHERE m.household_id %% 50 = 7;
INSERT INTO registry_enrolment (person_id, household_id, category, start_date, legal_basis)
  SELECT m.person_id, m.household_id, 'tekun', DATE '2022-06-01', 'bench'
  FROM registry_membership m WHERE m.person_id %% 333 = 5 AND m.household_id %% 50 <> 7;
INSERT INTO registry_enrolment (person_id, household_id, category, start_date, legal_basis)
  SELECT p.id, m.household_id, 'elderly_80', p.birth_date + 365 * 80 + 40, 'bench'
  FROM registry_person p JOIN registry_membership m ON m.person_id = p.id
  WHERE p.birth_date < DATE %(month_first)s - 365 * 80 - 60;
ANALYZE;
"""


def build_city(persons: int, month: str) -> dict:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_person")
        if cur.fetchone()[0]:
            return {"reused": True}
        for stmt in CITY_SQL.split(";\n"):
            if stmt.strip():
                cur.execute(
                    stmt,
                    {
                        "persons": persons,
                        "households": persons * 2 // 5 + 1,
                        "month_first": f"{month}-01",
                    },
                )
        for table in ("registry_household", "registry_person", "registry_membership"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    return {"seconds": round(time.perf_counter() - t0, 1)}


def counts() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        out = {}
        for name, sql in {
            "persons": "SELECT count(*) FROM registry_person",
            "households": "SELECT count(*) FROM registry_household",
            "enrolments": "SELECT count(*) FROM registry_enrolment",
            "dibao_households": "SELECT count(DISTINCT household_id) FROM registry_enrolment "
            "WHERE category = 'dibao'",
        }.items():
            cur.execute(sql)
            out[name] = cur.fetchone()[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=5_000_000)
    ap.add_argument("--month", default="2025-11")
    ap.add_argument("--reuse", action="store_true", help="keep an already loaded city")
    args = ap.parse_args()
    _setup_db(args.reuse)
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from safetynet.registry.models import Division

    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
        _synthetic_communities()
    built = build_city(args.persons, args.month)
    from safetynet.accounts.models import Role, User

    # the job's outputs of an earlier run go (the city stays with --reuse)
    from safetynet.cases.dynamic_models import DynamicEvent, ProposalEntry, ProposalList, Review
    from safetynet.cases.monthly import monthly_run

    DynamicEvent.objects.all().delete()
    ProposalEntry.objects.all().delete()
    ProposalList.objects.all().delete()
    Review.objects.all().delete()
    admin, _ = User.objects.get_or_create(
        username="bench-city",
        defaults={"role": Role.CITY_ADMIN, "jurisdiction_id": "350200"},
    )
    import datetime as dt

    today = dt.date.fromisoformat(f"{args.month}-03")
    first = monthly_run(actor=admin, month=args.month, today=today)
    second = monthly_run(actor=admin, month=args.month, today=today)
    total = first["seconds"]["lists"] + first["seconds"]["reviews"]
    print(
        json.dumps(
            {
                "city": {**counts(), "setup": built},
                "first_run": first,
                "second_run (idempotence: nothing new)": second,
                "lists_and_schedule_seconds": round(total, 1),
                "target_seconds": TARGET_S,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


def _synthetic_communities() -> None:
    """Ten synthetic communities under each shipped street (the demo city's shape)."""
    import datetime as dt

    from safetynet.registry.models import Division, DivisionLevel

    rows = [
        Division(
            code=f"{s.code}{i:03d}",
            name=f"{s.name}第{i}社区",
            level=DivisionLevel.COMMUNITY,
            parent=s,
            is_synthetic=True,
            valid_from=dt.date(2016, 1, 1),
            table_version="bench",
        )
        for s in Division.objects.filter(level=DivisionLevel.STREET)
        for i in range(1, 11)
    ]
    Division.objects.bulk_create(rows)


if __name__ == "__main__":
    main()
