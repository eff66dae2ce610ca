"""One-key emergencies under a storm (issue 12): 1,000 alarm-device signals in a minute against
the production server on PostgreSQL, on loopback — every signal must be answered and open
exactly one emergency (none lost, none doubled). Then the same number as fast as the client can
send them, for the headroom.

    python -m benchmarks.bench_eldercare_emergency                  # 1,000 in 60 s, then a burst
    python -m benchmarks.bench_eldercare_emergency --signals 200 --no-burst   # a smoke run

1. a PostgreSQL database of its own, `safetynet_bench_eldercare_emergency` (dropped and created;
   server from $BENCH_POSTGRES_URL, default postgres://safetynet:safetynet@127.0.0.1:5432/postgres);
2. the division table, 2 × `--signals` elderly persons spread over the city's streets, a city
   administrator, then `safetynet devices setup` (one alarm device per person, registered
   through the platform's service; the keys in a plan file);
3. the production server exactly as documented (`scripts/serve-prod.sh`: gunicorn + worker);
4. `safetynet devices simulate` (safetynet/simulated/devices): one signal from each of
   `--signals` devices, paced at `--per-minute`, over `--concurrency` kept-alive connections;
   5 % sent again after their answer (must come back `replayed`, same emergency); a 429 or 5xx
   is retried with the same signal ID;
5. the emergencies and signals counted in the database, the figures printed with the machine's
   load average (and written to var/bench-eldercare-emergency/out/), every process stopped.
   Exit 1 on any error or any count that differs from the signals sent.
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
PG_DB = os.environ.get("BENCH_ELDERCARE_EMERGENCY_DB", "safetynet_bench_eldercare_emergency")
WORK = ROOT / "var" / "bench-eldercare-emergency"
# Signals sent before the timed runs, so that every gunicorn worker has loaded the application
# and the parameter tree (a cold worker's first answer takes seconds on a loaded machine).
WARMUP = 40


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def database_url() -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{PG_DB}"


def setup_persons(count: int) -> None:
    """(In a subprocess with the prod settings.) Elderly persons registered in the city's streets
    and the administrator who gives them their devices."""
    import django

    django.setup()
    from stdnum.cn import ric

    from safetynet.accounts.models import Role, User
    from safetynet.registry.models import Division, DivisionLevel, Person

    User.objects.update_or_create(
        username="bench-admin",
        defaults={
            "role": Role.CITY_ADMIN,
            "jurisdiction": Division.objects.get(code="350200"),
            "is_active": True,
        },
    )
    streets = list(
        Division.objects.filter(level=DivisionLevel.STREET).values_list("code", flat=True)
    )
    persons = []
    for i in range(count):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=(i * 37) % 10000)  # aged 60 to 96
        street = streets[i % len(streets)]
        body = f"{street[:6]}{birth:%Y%m%d}{i % 1000:03d}"
        persons.append(
            Person(
                id_number=body + ric.calc_check_digit(body + "0"),
                name=f"老人{i}",
                sex="M" if int(body[16]) % 2 else "F",
                birth_date=birth,
                hukou_division_id=street,
                residence_address=f"测试路{i}号",
            )
        )
    Person.objects.bulk_create(persons, batch_size=2000, ignore_conflicts=True)
    print(f"{Person.objects.count()} elderly persons in {len(streets)} streets")


def count_rows() -> dict:
    import psycopg

    with psycopg.connect(database_url()) as conn:
        emergencies = conn.execute("SELECT count(*) FROM eldercare_emergency_emergency").fetchone()
        signals = conn.execute(
            "SELECT count(*) FROM eldercare_emergency_emergencysignal"
        ).fetchone()
        doubled = conn.execute(
            "SELECT count(*) FROM (SELECT person_id FROM eldercare_emergency_emergency "
            "WHERE status <> 'closed' GROUP BY person_id HAVING count(*) > 1) d"
        ).fetchone()
    return {"emergencies": emergencies[0], "signals": signals[0], "doubled": doubled[0]}


def emergency_benchmark(
    *, signals: int = 1000, per_minute: float = 1000.0, concurrency: int = 50, burst: bool = True
) -> int:
    """The whole benchmark (steps 1–5 of the module's docstring); returns the exit status."""
    out = WORK / "out"
    data_dir = WORK / "data"
    for d in (out, data_dir):
        d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETYNET_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "safetynet.settings.prod",
        "DATABASE_URL": database_url(),
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
    devices = (2 * signals if burst else signals) + WARMUP
    recreate_database()
    run([safetynet, "migrate", "--noinput", "--verbosity", "0"], env)
    run([safetynet, "load_divisions"], env)
    run([sys.executable, "-m", "benchmarks.bench_eldercare_emergency", "--setup-persons",
         str(devices)], env)  # fmt: skip
    plan = out / "plan.json"
    run([safetynet, "devices", "setup", "--devices", str(devices), "--as", "bench-admin",
         "--out", str(plan)], env)  # fmt: skip
    server = subprocess.Popen(
        ["scripts/serve-prod.sh"],
        env=env,
        cwd=ROOT,
        stdout=(out / "server.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    runs = [("paced", per_minute, WARMUP)] + ([("burst", 0.0, WARMUP + signals)] if burst else [])
    results = []
    try:
        wait_http(port, "/login/", seconds=900)  # a loaded machine starts slowly
        run([safetynet, "devices", "simulate", "--url", f"http://127.0.0.1:{port}", "--plan",
             str(plan), "--signals", str(WARMUP), "--per-minute", "0", "--concurrency", "8"],
            env, capture_output=True)  # fmt: skip
        for name, rate, offset in runs:
            load_before = os.getloadavg()
            summary_file = out / f"summary-{name}.json"
            sim = subprocess.run(
                [safetynet, "devices", "simulate", "--url", f"http://127.0.0.1:{port}",
                 "--plan", str(plan), "--signals", str(signals), "--per-minute", str(rate),
                 "--concurrency", str(concurrency), "--replay-rate", "0.05",
                 "--offset", str(offset), "--out", str(summary_file)],
                env=env, cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip
            if not summary_file.exists():
                print(sim.stdout, sim.stderr)
                return 1
            results.append((name, json.loads(summary_file.read_text()), load_before,
                            os.getloadavg(), count_rows()))  # fmt: skip
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    lines = [
        f"one-key emergencies: {signals} alarm-device signals per run from distinct devices, "
        f"{concurrency} connections, 5 % replayed (PostgreSQL, serve-prod.sh; the client on the "
        f"same machine, {os.cpu_count()} cores shared: figures are upper bounds under load); "
        f"{WARMUP} warm-up signals first (counted below)"
    ]
    failed = False
    expected = WARMUP
    for name, s, before, after, rows in results:
        expected += signals
        lost = expected - rows["emergencies"]
        pace = f"paced at {per_minute:.0f}/min" if name == "paced" else "burst"
        lines += [
            f"{name} ({pace}): {s['answered']}/{s['signals']} answered in {s['seconds']} s "
            f"({s['per_second']}/s)  errors {s['errors']}  retries {s['retries']}",
            f"  press to answer p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  p99 {s['p99_ms']} ms  "
            f"max {s['max_ms']} ms; one request p50 {s['request_p50_ms']} ms  "
            f"p95 {s['request_p95_ms']} ms",
            f"  in the database: {rows['emergencies']} emergencies, {rows['signals']} signals "
            f"(expected {expected} of each), lost {lost}, persons with two open {rows['doubled']}",
            f"  statuses {s['statuses']}",
            "  load average before " + " ".join(f"{v:.2f}" for v in before)
            + ", after " + " ".join(f"{v:.2f}" for v in after),
        ]  # fmt: skip
        lines += [f"  error: {e}" for e in s["first_errors"]]
        if name == "paced" and s["seconds"] > 70:
            lines.append("  NOT within the minute")
            failed = True
        failed |= bool(
            s["errors"] or lost or rows["signals"] != expected or rows["doubled"]
            or s["distinct_emergencies"] != signals
        )  # fmt: skip
    text = "\n".join(lines)
    print(text)
    (out / "figures.txt").write_text(text + "\n")
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--signals", type=int, default=1000)
    ap.add_argument("--per-minute", type=float, default=1000.0)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--no-burst", action="store_true", help="only the paced run")
    ap.add_argument("--setup-persons", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.setup_persons:
        setup_persons(args.setup_persons)
        return 0
    return emergency_benchmark(
        signals=args.signals,
        per_minute=args.per_minute,
        concurrency=args.concurrency,
        burst=not args.no_burst,
    )


if __name__ == "__main__":
    sys.exit(main())
