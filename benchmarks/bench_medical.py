"""One-stop settlement load test (issue 11): 100 concurrent hospital cashiers for 2 minutes
against the production server on PostgreSQL, on loopback. Target: p95 < 100 ms, 0 errors.

    python -m benchmarks.bench_medical                           # 100 cashiers, 120 s
    python -m benchmarks.bench_medical --concurrency 20 --duration 20   # a smoke run

1. a PostgreSQL database of its own, `safetynet_bench_medical` (dropped and created; server from
   $BENCH_POSTGRES_URL, default postgres://safetynet:safetynet@127.0.0.1:5432/postgres);
2. the division table, `--persons` recipients (tekun, dibao, low-income, illness-expenditure,
   enrolled since 2016), a city administrator, then `safetynet hospitals setup` (hospitals with
   keys, the plan file);
3. the production server exactly as documented (`scripts/serve-prod.sh`: gunicorn + worker);
4. `safetynet hospitals simulate` (safetynet/simulated/hospitals): `--concurrency` cashiers on
   kept-alive connections for `--duration` seconds — settlements, reversals, replays and
   malformed bills, each answer checked against the contract;
5. the capacity sweep (`--sweep 64,32,16,8,4,2,1`, `--sweep-duration` seconds each, against the
   same server): the highest concurrency at which p95 < 100 ms with no error holds — the figure
   that tells what the machine serves within the target (docs/medical.md "Capacity");
6. the figures printed with the machine's load average (and written to var/bench-medical/out/),
   every process stopped. Exit 1 on any error or p95 ≥ 100 ms at `--concurrency`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from benchmarks.bench_load import free_port, run, wait_http

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://safetynet:safetynet@127.0.0.1:5432/postgres"
)
PG_DB = os.environ.get("BENCH_MEDICAL_DB", "safetynet_bench_medical")
WORK = ROOT / "var" / "bench-medical"
P95_TARGET_MS = 100.0


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def setup_persons(count: int) -> None:
    """(In a subprocess with the prod settings.) Recipients enrolled since 2016 and the
    administrator who registers the hospitals."""
    import django

    django.setup()
    from stdnum.cn import ric

    from safetynet.accounts.models import Role, User
    from safetynet.registry.models import Division, Enrolment, Person

    User.objects.update_or_create(
        username="bench-admin",
        defaults={
            "role": Role.CITY_ADMIN,
            "jurisdiction": Division.objects.get(code="350200"),
            "is_active": True,
        },
    )
    districts = ["350203", "350205", "350206", "350211", "350212", "350213"]
    categories = ["tekun", "dibao", "dibao", "low_income", "illness_poverty"]
    persons = []
    for i in range(count):
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=(i * 37) % 20000)
        body = f"{districts[i % 6]}{birth:%Y%m%d}{i % 1000:03d}"
        persons.append(
            Person(
                id_number=body + ric.calc_check_digit(body + "0"),
                name=f"测试{i}",
                sex="M" if int(body[16]) % 2 else "F",
                birth_date=birth,
                hukou_division_id=districts[i % 6],
            )
        )
    Person.objects.bulk_create(persons, batch_size=2000, ignore_conflicts=True)
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                person=p,
                category=categories[i % len(categories)],
                start_date=dt.date(2016, 1, 1),
                legal_basis="bench",
            )
            for i, p in enumerate(Person.objects.order_by("id"))
        ],
        batch_size=2000,
    )
    print(f"{Person.objects.count()} recipients")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--hospitals", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--think", type=float, default=0.0, help="cashiers' pause between requests")
    ap.add_argument(
        "--sweep", default="64,32,16,8,4,2,1",
        help="concurrencies tried after the main run, highest first ('' for none)",
    )  # fmt: skip
    ap.add_argument("--sweep-duration", type=float, default=20.0)
    ap.add_argument("--setup-persons", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.setup_persons:
        setup_persons(args.setup_persons)
        return 0

    out = WORK / "out"
    data_dir = WORK / "data"
    for d in (out, data_dir):
        d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETYNET_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "safetynet.settings.prod",
        "DATABASE_URL": f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{PG_DB}",
        "SAFETYNET_SECRET_KEY": secrets.token_urlsafe(50),
        "SAFETYNET_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SAFETYNET_DATA_DIR": str(data_dir),
        "SAFETYNET_BIND": f"127.0.0.1:{port}",
        "SAFETYNET_ACCESS_LOG": str(out / "access.log"),
        "SAFETYNET_INSECURE_COOKIES": "1",  # no TLS on the loopback (bench_load's docstring)
        "SAFETYNET_PROXY_COUNT": "0",
        "BIN": str(BIN),
    }
    safetynet = str(BIN / "safetynet")
    recreate_database()
    run([safetynet, "migrate", "--noinput", "--verbosity", "0"], env)
    run([safetynet, "load_divisions"], env)
    run([sys.executable, "-m", "benchmarks.bench_medical", "--setup-persons", str(args.persons)],
        env)  # fmt: skip
    plan = out / "plan.json"
    run([safetynet, "hospitals", "setup", "--hospitals", str(args.hospitals), "--patients",
         str(args.persons), "--year", "2019", "--as", "bench-admin", "--out", str(plan)],
        env)  # fmt: skip
    server = subprocess.Popen(
        ["scripts/serve-prod.sh"],
        env=env,
        cwd=ROOT,
        stdout=(out / "server.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_http(port, "/login/", seconds=900)  # a loaded machine starts slowly
        load_before = os.getloadavg()
        summary_file = out / "summary.json"

        def simulate(concurrency: int, duration: float, target: Path):
            return subprocess.run(
                [safetynet, "hospitals", "simulate", "--url", f"http://127.0.0.1:{port}",
                 "--plan", str(plan), "--concurrency", str(concurrency),
                 "--duration", str(duration), "--think", str(args.think),
                 "--out", str(target)],
                env=env, cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip

        sim = simulate(args.concurrency, args.duration, summary_file)
        sweep = []
        for level in [int(x) for x in args.sweep.split(",") if x.strip()]:
            target = out / f"sweep-{level}.json"
            simulate(level, args.sweep_duration, target)
            if not target.exists():
                break
            row = json.loads(target.read_text())
            sweep.append((level, row, os.getloadavg()[0]))
            if not row["errors"] and row["p95_ms"] < P95_TARGET_MS:
                break  # the highest concurrency that holds the target
        load_after = os.getloadavg()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    if not summary_file.exists():
        print(sim.stdout, sim.stderr)
        return 1
    s = json.loads(summary_file.read_text())
    lines = [
        f"one-stop settlement: {args.concurrency} concurrent cashiers (think {args.think} s), "
        f"{s['seconds']} s, "
        f"{args.hospitals} hospitals, {args.persons} recipients (PostgreSQL, serve-prod.sh)",
        f"requests {s['requests']}  ({s['per_second']}/s)  errors {s['errors']}",
        f"latency p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms  "
        f"max {s['max_ms']} ms  (target p95 < {P95_TARGET_MS:.0f} ms)",
    ]
    for kind, k in s["by_kind"].items():
        lines.append(f"  {kind:<8} {k['requests']:>7}  p50 {k['p50_ms']} ms  p95 {k['p95_ms']} ms")
    lines.append(f"statuses {s['statuses']}")
    before = " ".join(f"{v:.2f}" for v in load_before)
    after = " ".join(f"{v:.2f}" for v in load_after)
    lines.append(
        f"load average before {before}, after {after} ({os.cpu_count()} cores; the client runs "
        "on the same machine)"
    )
    for e in s["first_errors"]:
        lines.append(f"  error: {e}")
    if sweep:
        lines.append(f"capacity sweep ({args.sweep_duration:.0f} s each, same server):")
        for level, row, load in sweep:
            ok = not row["errors"] and row["p95_ms"] < P95_TARGET_MS
            lines.append(
                f"  {level:>3} cashiers: {row['per_second']:>6}/s  p50 {row['p50_ms']} ms  "
                f"p95 {row['p95_ms']} ms  p99 {row['p99_ms']} ms  errors {row['errors']}  "
                f"(load {load:.1f}){'  <- p95 < 100 ms holds' if ok else ''}"
            )
        held = [level for level, row, _ in sweep if not row["errors"] and row["p95_ms"] < 100]
        lines.append(
            f"highest concurrency with p95 < {P95_TARGET_MS:.0f} ms and 0 errors: "
            + (str(held[0]) if held else "none of those tried")
        )
    text = "\n".join(lines)
    print(text)
    (out / "figures.txt").write_text(text + "\n")
    return 1 if s["errors"] or s["p95_ms"] >= P95_TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
