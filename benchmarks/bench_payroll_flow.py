"""Benchmark of the payroll's steps after the draft (ADR 0940, 0941) on PostgreSQL: a synthetic
payroll of N lines across every street of the city (written with one INSERT … SELECT from
generate_series, a handful of persons standing behind them), then timed:

- `payroll_check` (one grouped pass over the lines, one approval row per scope);
- the payroll page's reads for a district approver (totals by program, district and status, the
  previous month's, the first page of lines);
- `recoveries_apply` with R open recoveries on R of the draft's beneficiaries.

    python -m benchmarks.bench_payroll_flow --lines 1000000 --recoveries 10000

Database `sn_payroll_flow_bench` on $BENCH_POSTGRES_URL's server (default
postgres://safetynet:safetynet@127.0.0.1:5432), dropped and created at each run. Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import time

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://safetynet:safetynet@127.0.0.1:5432")
DB = "sn_payroll_flow_bench"


def setup() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_divisions", verbosity=0)


def build(lines: int, recoveries: int):
    import datetime as dt

    from django.db import connection

    from safetynet.accounts.models import Role, User
    from safetynet.payments.events import payroll_event_record
    from safetynet.payments.flow_models import Recovery
    from safetynet.payments.models import PaymentLine, Payroll
    from safetynet.registry.ids import build_id_number
    from safetynet.registry.models import Division, DivisionLevel, Person

    city = Division.objects.get(code="350200")
    streets = list(
        Division.objects.filter(level=DivisionLevel.STREET).values_list("code", flat=True)
    )
    preparer = User.objects.create_user("bench-ca", role=Role.CITY_ADMIN, jurisdiction=city)
    persons = [
        Person.objects.create(
            id_number=build_id_number("350203", dt.date(1950, 1, 1), i, "M"),
            name=f"测试{i}",
            sex="M",
            birth_date=dt.date(1950, 1, 1),
            hukou_division_id=streets[0],
        )
        for i in range(10)
    ]
    before = Payroll.objects.create(month="2024-04", status="closed", prepared_by=preparer)
    payroll = Payroll.objects.create(month="2024-05", prepared_by=preparer)
    payroll_event_record(payroll=payroll, kind="run", actor=preparer)
    programs = ["dibao", "tekun", "age_allowance", "five_elders", "disability"]
    arr = "ARRAY[" + ",".join(f"'{s}'" for s in streets) + "]"
    parr = "ARRAY[" + ",".join(f"'{p}'" for p in programs) + "]"
    pids = "ARRAY[" + ",".join(str(p.pk) for p in persons) + "]"
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for p, month, status in [(before, "2024-04", "paid"), (payroll, "2024-05", "pending")]:
            cur.execute(
                f"""
INSERT INTO payments_paymentline (payroll_id, payroll_month, beneficiary_key, person_id,
  household_id, program, benefit_month, kind, source_ref, amount_fen, city_fen, district_fen,
  street_fen, division_id, bank_account_id, bank_code, account_number, reason_code, reason,
  status, created_at, updated_at)
SELECT %s, %s, 'P' || g, ({pids})[1 + g %% 10], NULL, ({parr})[1 + g %% 5], %s, 'regular', '',
  a, a / 2, a - a / 2, 0, ({arr})[1 + g %% {len(streets)}], NULL, '', '', '', '', %s, now(), now()
FROM generate_series(1, %s) g, LATERAL (SELECT 10000 + (g %% 97) * 100 AS a) x""",
                [p.pk, month, month, status, lines],
            )
    print(f"lines written: {lines:,} × 2 months in {time.perf_counter() - t0:.1f} s")
    # R open recoveries on paid April lines, for beneficiaries paid again in May
    paid = list(
        PaymentLine.objects.filter(payroll=before)
        .order_by("id")
        .values_list("pk", flat=True)[:recoveries]
    )
    Recovery.objects.bulk_create(
        Recovery(
            line_id=pk,
            beneficiary_key=key,
            person_id=person,
            division_id=division,
            program=program,
            benefit_month="2024-04",
            amount_fen=amount,
            reason_code="death",
        )
        for pk, key, person, division, program, amount in PaymentLine.objects.filter(
            pk__in=paid
        ).values_list("pk", "beneficiary_key", "person_id", "division_id", "program", "amount_fen")
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return payroll, preparer


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<58}{time.perf_counter() - t0:>8.2f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--recoveries", type=int, default=10_000)
    args = ap.parse_args()
    setup()
    from safetynet.accounts.models import Role, User
    from safetynet.payments import approval
    from safetynet.payments import flow_screens as screens
    from safetynet.payments.recoveries import recoveries_apply
    from safetynet.registry.models import Division

    payroll, _ = build(args.lines, args.recoveries)
    city = Division.objects.get(code="350200")
    finance = User.objects.create_user("bench-fin", role=Role.CITY_FINANCE, jurisdiction=city)
    district = User.objects.create_user(
        "bench-da", role=Role.DISTRICT_APPROVER, jurisdiction_id="350203"
    )
    out = timed(
        f"recoveries_apply ({args.recoveries:,} open recoveries)",
        lambda: recoveries_apply(payroll=payroll),
    )
    print(f"  withheld: {out['deductions']:,} deductions, {out['amount_fen']:,} fen")
    timed(
        f"payroll_check ({args.lines:,} lines)",
        lambda: approval.payroll_check(actor=finance, payroll_id=payroll.pk),
    )
    print(f"  scopes: {payroll.approvals.count()}")
    totals = timed(
        "district page: totals by program/district/status",
        lambda: screens.payroll_totals(actor=district, payroll=payroll),
    )
    timed(
        "district page: differences from last month",
        lambda: screens.differences(actor=district, payroll=payroll, now=totals),
    )
    timed(
        "district page: first page of lines (filtered by name)",
        lambda: screens.with_deductions(
            list(screens.lines_filtered(actor=district, payroll=payroll, name="测试")[:51])
        ),
    )
    timed(
        "payroll_approve (the district's scope)",
        lambda: approval.payroll_approve(actor=district, payroll_id=payroll.pk),
    )


if __name__ == "__main__":
    main()
