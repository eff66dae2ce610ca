"""Benchmark: the plan's targets (issue 13) on a generated city in PostgreSQL with the demo's
facilities and placements (`safetynet plan demo`): each target computed for the city (one query
per target, grouped by street), the whole dashboard (city and a district's drill-down), a month's
snapshot (city, districts, streets) and the progress report PDF.

    python -m benchmarks.bench_plan                      # 20,000 persons
    python -m benchmarks.bench_plan --persons 1000000 --reuse

Each size is generated (cached under var/bench/) and loaded into its own database
`sn_plan_bench_<persons>` on $BENCH_POSTGRES_URL (default
postgres://safetynet:safetynet@127.0.0.1:5432/postgres). Prints milliseconds; never asserts.
Figures measured on a shared machine are upper bounds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_home import _db_url, _prepare

ROOT = Path(__file__).resolve().parents[1]


def _ms(f) -> float:
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def _measure() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from safetynet.accounts.models import User
    from safetynet.plan import indicators as I
    from safetynet.plan import selectors, services
    from safetynet.plan.report import progress_report_pdf
    from safetynet.registry.models import Division

    call_command("demo_users", verbosity=0)
    t = time.perf_counter()
    call_command("plan", "demo", verbosity=0)
    label = "plan demo (facilities, placements, 6 snapshots)"
    print(f"{label:48} {(time.perf_counter() - t) * 1000:9.1f}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = User.objects.get(username="demo-city")
    city = user.jurisdiction
    today = dt.date.today()
    for ind in I.INDICATORS:
        ms = _ms(lambda i=ind: selectors.indicator_result(i, division=city, as_of=today))
        print(f"{'target: ' + ind.key:48} {ms:9.1f}")
    print(
        f"{'dashboard: city (7 targets, districts)':48} "
        f"{_ms(lambda: selectors.dashboard(actor=user, as_of=today)):9.1f}"
    )
    district = Division.objects.filter(parent=city).order_by("code").first()
    code = district.code
    ms = _ms(lambda: selectors.dashboard(actor=user, as_of=today, division_code=code))
    print(f"{'dashboard: a district (7 targets, streets)':48} {ms:9.1f}")
    month = f"{today.year:04d}-{today.month:02d}"
    print(
        f"{'snapshot of a month (city, districts, streets)':48} "
        f"{_ms(lambda: services.snapshot_take(actor=user, month=month)):9.1f}"
    )
    print(
        f"{'progress report PDF':48} "
        f"{_ms(lambda: progress_report_pdf(actor=user, as_of=today)):9.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, action="append", help="city size (repeatable)")
    ap.add_argument("--reuse", action="store_true", help="reuse a loaded database if present")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure_only:
        _measure()
        return
    for persons in args.persons or [20_000]:
        db = f"sn_plan_bench_{persons}"
        _prepare(persons, db, args.reuse)
        print(f"\n== {persons:,} persons (database {db}; load average {os.getloadavg()[0]:.1f})")
        print(f"{'step':48} {'ms':>9}")
        env = {
            **os.environ,
            "DATABASE_URL": _db_url(db),
            "DJANGO_SETTINGS_MODULE": "safetynet.settings.dev",
        }
        cmd = [sys.executable, "-m", "benchmarks.bench_plan", "--measure-only"]
        subprocess.run(cmd, env=env, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
