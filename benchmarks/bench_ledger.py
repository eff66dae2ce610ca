"""Benchmark: the Beancount export and check of a year of a 5M-person city's payrolls.

    python -m benchmarks.bench_ledger                 # 180,000 payment lines a month, 12 months
    python -m benchmarks.bench_ledger --lines 20000 --sqlite

The year is *synthesised* in bulk (this benchmark does not run the payroll itself; see
bench-payroll for that): each month's lines are drawn with numpy (programs, districts, amounts
in fen, each level's funding share), aggregated per (program, district) exactly as the payments
services hand them to the ledger, and booked through the real posting functions: the year's
budget allocations, each month's approval, one bank file and one result per bank (paid and 1 %
failed), the failed lines re-sent and paid the next month, and 0.1 % of lines overpaid, each
one recovery entry, then deducted, refunded or written off. The books are then exported with
`safetynet ledger export --format beancount` and checked by Beancount's loader.

On PostgreSQL (default) the database `sn_ledger_bench` (or --db) is dropped and created on the
server of $BENCH_POSTGRES_URL. Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://safetynet:safetynet@127.0.0.1:5432/postgres"
)
DISTRICTS = ["350203", "350205", "350206", "350211", "350212", "350213"]
PROGRAMS = [
    "dibao", "tekun", "low_income", "illness_poverty", "price_subsidy", "temporary_assistance",
    "five_elders", "age_allowance", "disability", "funeral_exemption", "silicosis",
    "retired_40pct", "entitled_groups",
]  # fmt: skip
BANKS = 5


def _recreate(db: str) -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + db


def _rows(program_idx, district_idx, city, district, street) -> list[dict]:
    """Lines → one row per (program, district) with each level's fen (numpy, no Python loop
    per line)."""
    import numpy as np

    key = program_idx * len(DISTRICTS) + district_idx
    n = len(PROGRAMS) * len(DISTRICTS)
    c = np.bincount(key, weights=city, minlength=n).astype(np.int64)
    d = np.bincount(key, weights=district, minlength=n).astype(np.int64)
    s = np.bincount(key, weights=street, minlength=n).astype(np.int64)
    out = []
    for k in np.nonzero(c + d + s)[0]:
        p, di = divmod(int(k), len(DISTRICTS))
        out.append(
            {
                "program": PROGRAMS[p],
                "district": DISTRICTS[di],
                "city_fen": int(c[k]),
                "district_fen": int(d[k]),
                "street_fen": int(s[k]),
            }
        )
    return out


def book_year(actor, *, lines: int, year: int, seed: int = 7) -> dict:
    import numpy as np

    from safetynet.funds import services as fs

    rng = np.random.default_rng(seed)
    # each program's funding shares (city, district, street) in percent
    shares = {
        p: rng.choice([(100, 0, 0), (60, 30, 10), (50, 50, 0), (70, 20, 10)]) for p in PROGRAMS
    }
    counts = {"entries": 0, "lines": 0}
    t = time.perf_counter()
    for p in PROGRAMS:
        c, d, s = shares[p]
        for level, pct in (("city", c), ("district", d), ("street", s)):
            if not pct:
                continue
            for district in [""] if level == "city" else DISTRICTS:
                fs.budget_allocate(actor=actor, year=year, program=p, level=level,
                                   district=district, amount_fen=int(5e9 * pct // 100),
                                   on=dt.date(year, 1, 2))  # fmt: skip
                counts["entries"] += 1
    carried: list[dict] = []  # failed rows, re-sent next month
    open_recoveries: list[tuple[str, str, str, int]] = []
    for month in range(1, 13):
        ym = f"{year}-{month:02d}"
        n = lines
        prog = rng.integers(0, len(PROGRAMS), n)
        dist = rng.integers(0, len(DISTRICTS), n)
        amount = rng.integers(5_000, 150_000, n)  # fen
        sh = np.array([shares[p] for p in PROGRAMS])[prog]
        city = amount * sh[:, 0] // 100
        district = amount * sh[:, 1] // 100
        street = amount - city - district
        bank = rng.integers(0, BANKS, n)
        failed = rng.random(n) < 0.01
        counts["lines"] += n
        on = dt.date(year, month, 3)
        fs.post_payroll_approval(actor=actor, payroll_id=month, month=ym, on=on,
                                 rows=_rows(prog, dist, city, district, street))  # fmt: skip
        counts["entries"] += 1
        for b in range(BANKS):
            mine = bank == b
            ref = f"bankfile:{ym}:{b}"
            rows = _rows(prog[mine], dist[mine], city[mine], district[mine], street[mine])
            if b == 0 and carried:
                rows = rows + carried  # last month's failures, re-sent with bank 0
            fs.post_bank_funding(actor=actor, ref=ref, on=dt.date(year, month, 8), rows=rows)
            ok, ko = mine & ~failed, mine & failed
            paid = _rows(prog[ok], dist[ok], city[ok], district[ok], street[ok])
            if b == 0 and carried:
                paid = paid + carried
            fs.post_payments_paid(actor=actor, ref=f"result:{ym}:{b}",
                                  on=dt.date(year, month, 10), rows=paid)  # fmt: skip
            fs.post_payments_failed(
                actor=actor, ref=f"result:{ym}:{b}", on=dt.date(year, month, 10),
                rows=_rows(prog[ko], dist[ko], city[ko], district[ko], street[ko]),
            )  # fmt: skip
            counts["entries"] += 3
        carried = _rows(prog[failed], dist[failed], city[failed], district[failed], street[failed])
        # settle last month's recoveries: deducted (60 %), refunded (20 %), written off (20 %)
        for i, (ref, p, dcode, fen) in enumerate(open_recoveries):
            kind = i % 5
            if kind < 3:
                fs.post_recovery_deduction(
                    actor=actor, ref=f"{ref}:d", on=on, program=p, line_program=p,
                    district=dcode, amount_fen=fen,
                )  # fmt: skip
            elif kind == 3:
                fs.post_refund(actor=actor, ref=f"{ref}:r", on=on, program=p, district=dcode,
                               amount_fen=fen)  # fmt: skip
            else:
                fs.post_write_off(actor=actor, ref=ref, on=on, program=p, district=dcode,
                                  amount_fen=fen, reason="无法追回")  # fmt: skip
            counts["entries"] += 1
        open_recoveries = []
        for j in np.nonzero(rng.random(n) < 0.001)[0]:
            p, dcode = PROGRAMS[int(prog[j])], DISTRICTS[int(dist[j])]
            split = fs.Split(p, dcode, int(city[j]), int(district[j]), int(street[j]))
            ref = f"recovery:{ym}:{j}"
            fs.post_recovery(actor=actor, ref=ref, on=dt.date(year, month, 20), split=split)
            open_recoveries.append((ref, p, dcode, split.amount_fen))
            counts["entries"] += 1
    counts["book_s"] = time.perf_counter() - t
    return counts


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--lines", type=int, default=180_000, help="payment lines a month")
    ap.add_argument("--db", default="sn_ledger_bench")
    ap.add_argument("--sqlite", action="store_true", help="a temporary SQLite database instead")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    if args.sqlite:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SAFETYNET_DATA_DIR"] = str(tmp)
    else:
        os.environ["DATABASE_URL"] = _recreate(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safetynet.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    from safetynet.accounts.models import Role, User
    from safetynet.funds.beancount_export import beancount_check, ledger_write
    from safetynet.funds.models import JournalEntry, Posting
    from safetynet.registry.services import division_table_load

    call_command("migrate", verbosity=0)
    division_table_load()
    actor = User.objects.create_user(
        username="bench-city", password="x-bench-1", role=Role.CITY_ADMIN,
        jurisdiction_id="350200",
    )  # fmt: skip
    counts = book_year(actor, lines=args.lines, year=2026)
    entries, postings = JournalEntry.objects.count(), Posting.objects.count()
    out = tmp / "books.beancount"
    t = time.perf_counter()
    with out.open("w", encoding="utf-8") as fh:
        written = ledger_write(fh)
    export_s = time.perf_counter() - t
    t = time.perf_counter()
    errors = beancount_check(str(out))
    check_s = time.perf_counter() - t
    figures = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "payment lines (year)": counts["lines"],
        "journal entries": entries,
        "postings": postings,
        "booking (s)": round(counts["book_s"], 2),
        "export (s)": round(export_s, 2),
        "export size (MB)": round(out.stat().st_size / 1e6, 2),
        "transactions written": written,
        "beancount check (s)": round(check_s, 2),
        "beancount errors": len(errors),
    }
    print("Ledger: a year of a 5M-person city's payrolls (synthesised lines, real postings)")
    for k, v in figures.items():
        print(f"  {k:<24} {v}")
    for e in errors[:5]:
        print("  error:", e)
    return figures


if __name__ == "__main__":
    main()
