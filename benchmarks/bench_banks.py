"""Benchmark of the bank files (issue 9, "Scale and proof": bank files for a 5M-person city's
payroll in < 10 s): `bank_files_make` over an approved payroll on PostgreSQL, in CSV and in
Excel, then `bank_results_import` of the simulated bank's answers.

    python -m benchmarks.bench_banks                  # 350,000 lines (a 5M-person city)
    python -m benchmarks.bench_banks --lines 200000
    python -m benchmarks.bench_banks --reuse          # keep the set-up payroll

Size: `bench-payroll` on a generated 20,000-person city writes 1,400 payment lines (7 % of the
persons: dibao and tekun per household, age allowance and disability per person), so a
5M-person city's payroll has about 350,000 lines; `--lines 1000000` for a margin. The payees,
their accounts (20 banks, one in 20 each) and the approved payroll's lines are set up directly
in SQL (generate_series), not through `payroll_run`, whose
own benchmark is the payroll's. Each format's run starts from the approved payroll (the files,
entries and line statuses of the previous run are removed).

Database: `sn_banks_bench` or $BENCH_BANKS_DB (created if missing) on $BENCH_POSTGRES_URL's
server (default postgres://safetynet:safetynet@127.0.0.1:5432). Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import time

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://safetynet:safetynet@127.0.0.1:5432")
DB = os.environ.get("BENCH_BANKS_DB", "sn_banks_bench")
TARGET_S = 10.0
MONTH = "2025-11"

SETUP_SQL = """
SELECT setseed(0.42);
INSERT INTO registry_person (id, id_number, name, sex, birth_date, hukou_division_id,
    residence_address, disability_kind, disability_grade, created_at)
  SELECT p, lpad(p::text, 18, '0'), '居民' || p, 'M', DATE '1950-01-01', '350203002', '', '',
    NULL, now()
  FROM generate_series(1, %(lines)s) p;
INSERT INTO payments_bankaccount (id, person_id, bank_code, bank_name, account_number,
    holder_name, valid_from, created_at)
  SELECT p, p, 'B' || (p %% 20), '银行' || (p %% 20),
    lpad((6228000000000000000 + p)::text, 19, '0'),
    '居民' || p, DATE '2020-01-01', now()
  FROM generate_series(1, %(lines)s) p;
INSERT INTO payments_payroll (id, month, status, created_at, updated_at, runs, totals, summary,
    parameters_digest)
  VALUES (1, %(month)s, 'approved', now(), now(), 1, '{}', '{}', '');
INSERT INTO payments_paymentline (id, payroll_id, payroll_month, beneficiary_key, person_id,
    program, benefit_month, kind, source_ref, amount_fen, city_fen, district_fen, street_fen,
    division_id, bank_account_id, bank_code, account_number, reason_code, reason, status,
    created_at, updated_at)
  SELECT p, 1, %(month)s, 'P' || p, p, 'dibao', %(month)s, 'regular', '', a, a, 0, 0,
    '350203002', p, 'B' || (p %% 20), '', '', '', 'pending', now(), now()
  FROM (SELECT p, 10000 + (random() * 190000)::bigint AS a
        FROM generate_series(1, %(lines)s) p) s;
ANALYZE;
"""


def _setup_db(reuse: bool) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [DB]).fetchone()
        if exists and not reuse:
            conn.execute(f"DROP DATABASE {DB} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {DB}")


def _setup(lines: int) -> dict:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM payments_paymentline")
        if cur.fetchone()[0]:
            return {"reused": True}
        for stmt in SETUP_SQL.split(";\n"):
            if stmt.strip():
                cur.execute(stmt, {"lines": lines, "month": MONTH})
        for table in ("registry_person", "payments_bankaccount", "payments_paymentline"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    return {"seconds": round(time.perf_counter() - t0, 1)}


def _reset() -> None:
    """Back to the approved payroll: no files, entries or results."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM payments_bankfileentry")
        cur.execute("DELETE FROM payments_bankresultfile")
        cur.execute("DELETE FROM payments_bankfile")
        cur.execute("DELETE FROM payments_payrollevent")
        cur.execute("UPDATE payments_paymentline SET status = 'pending' WHERE status <> 'pending'")
        cur.execute("UPDATE payments_payroll SET status = 'approved'")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=350_000)
    ap.add_argument("--reuse", action="store_true", help="keep an already set-up payroll")
    ap.add_argument("--formats", default="csv,xlsx", help="comma-separated (default csv,xlsx)")
    args = ap.parse_args()
    _setup_db(args.reuse)
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    import tempfile

    os.environ.setdefault("SAFETYNET_DATA_DIR", tempfile.mkdtemp(prefix="bench-banks-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from safetynet.registry.models import Division

    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
    setup = _setup(args.lines)
    from safetynet.accounts.models import Role, User
    from safetynet.payments.bank_services import bank_files_make, bank_results_import
    from safetynet.payments.models import Payroll
    from safetynet.simulated.banks.bank import BankBehaviour, SimulatedBank
    from safetynet.simulated.banks.server import answer_payment_file

    admin, _ = User.objects.get_or_create(
        username="bench-city", defaults={"role": Role.CITY_ADMIN, "jurisdiction_id": "350200"}
    )
    out: dict = {"lines": args.lines, "setup": setup, "target_seconds": TARGET_S, "runs": {}}
    for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
        _reset()
        payroll = Payroll.objects.get(month=MONTH)
        t0 = time.perf_counter()
        report = bank_files_make(actor=admin, payroll=payroll, fmt=fmt)
        make_s = time.perf_counter() - t0
        run = {
            "bank_files_make_seconds": round(make_s, 2),
            "steps": report.seconds,
            "files": len(report.files),
            "lines": report.lines,
            "total_fen": report.total_fen,
            "bytes": sum(f.file.size for f in report.files),
        }
        if fmt == "csv":
            bank = SimulatedBank({}, BankBehaviour(failure_rate=0.01, late_rate=0.0, seed=1))
            t0 = time.perf_counter()
            answers = []
            for bf in report.files:
                with bf.file.open("rb") as fh:
                    answers += [(n, d) for n, d, _ in answer_payment_file(bank, fh.read())]
            run["simulated_bank_seconds"] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            res = bank_results_import(actor=admin, files=answers)
            run["bank_results_import_seconds"] = round(time.perf_counter() - t0, 2)
            run["import_steps"] = res.seconds
            run["paid"], run["failed"] = res.paid, res.failed
        out["runs"][fmt] = run
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
