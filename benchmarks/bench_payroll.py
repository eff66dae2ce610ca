"""Benchmark of the monthly payroll (issue 9, "Scale and proof"): a generated city loaded into
PostgreSQL, then its payroll computed (caseload export, one rules-engine batch call, lines) and
written (COPY) — target < 60 s for a 5M-person city.

    python -m benchmarks.bench_payroll                       # 5M persons
    python -m benchmarks.bench_payroll --persons 1000000
    python -m benchmarks.bench_payroll --reuse               # keep the generated and loaded city

One function per phase (`generate_city`, `load_city`, `give_accounts`, `payroll`) so that the
bank-file and ledger benchmarks can add theirs after `payroll`. The city: `safetynet generate`
into var/bench/city-<N> (kept), `safetynet load` (without history rows) into `sn_payroll_bench`
($BENCH_PAYROLL_DB; created if missing) on $BENCH_POSTGRES_URL's server (default
postgres://safetynet:safetynet@127.0.0.1:5432). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://safetynet:safetynet@127.0.0.1:5432")
DB = os.environ.get("BENCH_PAYROLL_DB", "sn_payroll_bench")
TARGET_S = 60.0
ROOT = Path(__file__).parents[1]


def setup_db(reuse: bool) -> bool:
    """Create the benchmark database (dropped first unless `reuse`); True if it existed."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [DB]).fetchone()
        if exists and not reuse:
            conn.execute(f"DROP DATABASE {DB} WITH (FORCE)")
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE {DB}")
    return bool(exists)


def generate_city(persons: int, seed: int = 1) -> tuple[Path, float]:
    from safetynet.simulated.generator import generate

    out = ROOT / "var" / "bench" / f"city-{persons}-{seed}"
    if (out / "manifest.json").is_file():
        return out, 0.0
    t0 = time.perf_counter()
    generate(out=out, persons=persons, seed=seed)
    return out, time.perf_counter() - t0


def load_city(city: Path) -> dict:
    from safetynet.payments.loading import amount_basis_load
    from safetynet.registry.loading import city_load

    t0 = time.perf_counter()
    report = city_load(city, history=False)
    t1 = time.perf_counter()
    basis = amount_basis_load(city)
    return {
        "registry_s": round(t1 - t0, 1),
        "skipped": report.skipped,
        "basis_rows": int(basis["bases"]) + int(basis["persons"]),
        "basis_s": round(time.perf_counter() - t1, 1),
    }


def give_accounts() -> dict:
    """A current bank account for every enrolled person without one (until the generator
    gives them: bank-files)."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
INSERT INTO payments_bankaccount (person_id, bank_code, bank_name, account_number, holder_name,
  valid_from, created_at)
SELECT p.id, 'ICBC', '中国工商银行', '622202' || lpad(p.id::text, 13, '0'), p.name,
  DATE '2015-01-01', now()
FROM registry_person p
WHERE p.id IN (SELECT person_id FROM registry_enrolment)
  AND NOT EXISTS (SELECT 1 FROM payments_bankaccount b WHERE b.person_id = p.id)"""
        )
        n = cur.rowcount
    return {"accounts": n, "seconds": round(time.perf_counter() - t0, 1)}


def payroll(month: str, engine: str = "duckdb") -> dict:
    """The run as the city administrator would start it; a draft is recomputed if present."""
    from safetynet.accounts.models import Role, User
    from safetynet.payments.models import PaymentLine, Payroll, PayrollEvent
    from safetynet.payments.services import payroll_run

    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"role": Role.CITY_ADMIN, "jurisdiction_id": "350200"}
    )
    from safetynet.payments.models import BankFile, BankFileEntry, BankResultFile

    BankFileEntry.objects.filter(file__payroll__month=month).delete()  # an earlier run's files
    BankResultFile.objects.filter(bank_file__payroll__month=month).delete()
    BankFile.objects.filter(payroll__month=month).delete()
    PaymentLine.objects.filter(payroll__month=month).delete()
    PayrollEvent.objects.filter(payroll__month=month).delete()
    Payroll.objects.filter(month=month).delete()
    t0 = time.perf_counter()
    report = payroll_run(actor=admin, month=month, engine=engine)
    total = time.perf_counter() - t0
    return {
        "lines": report.lines,
        "amount_fen": report.amount_fen,
        "held_no_account": report.held_no_account,
        "needs_review": report.needs_review_count,
        "programs": {k: v["lines"] for k, v in report.programs.items()},
        "phases_s": report.seconds,
        "compute_s": round(sum(v for k, v in report.seconds.items() if k != "write"), 2),
        "write_s": report.seconds.get("write"),
        "total_s": round(total, 2),
    }


def bank_files(month: str, fmt: str = "csv") -> dict:
    """The payroll's bank files (docs/bank-files.md; target < 10 s): the payroll is approved
    directly (check and approval are bench-payroll-flow's), then `bank_files_make`."""
    from safetynet.accounts.models import User
    from safetynet.payments.bank_services import bank_files_make
    from safetynet.payments.models import Payroll

    Payroll.objects.filter(month=month).update(status="approved")
    t0 = time.perf_counter()
    report = bank_files_make(
        actor=User.objects.get(username="bench-admin"),
        payroll=Payroll.objects.get(month=month),
        fmt=fmt,
    )
    return {
        "format": fmt,
        "files": len(report.files),
        "lines": report.lines,
        "held": len(report.held),
        "steps_s": report.seconds,
        "total_s": round(time.perf_counter() - t0, 2),
        "target_s": 10.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine", default="duckdb")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded city")
    args = parser.parse_args()

    existed = setup_db(args.reuse)
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    os.environ.setdefault("SAFETYNET_PAYROLL_DIR", str(ROOT / "var" / "bench" / "payroll"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    city, gen_s = generate_city(args.persons, args.seed)
    manifest = json.loads((city / "manifest.json").read_text())
    from safetynet.rules.columns import month_str, parse_month

    month = month_str(parse_month(manifest["reference_date"][:7]) + 1)
    figures: dict = {"persons": args.persons, "month": month, "generate_s": round(gen_s, 1)}
    figures["load"] = load_city(city) if not (existed and args.reuse) else {"reused": True}
    figures["accounts"] = give_accounts()
    figures["payroll"] = payroll(month, args.engine)
    figures["bank_files"] = bank_files(month)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    p = figures["payroll"]
    verdict = "within" if p["total_s"] < TARGET_S else "OVER"
    print(
        f"payroll of a {args.persons:,}-person city: {p['lines']:,} lines, compute "
        f"{p['compute_s']} s + write {p['write_s']} s = {p['total_s']} s ({verdict} the "
        f"{TARGET_S:.0f} s target)"
    )


if __name__ == "__main__":
    main()
