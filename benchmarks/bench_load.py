"""Load test (issue 7 §5): 50 caseworkers against the production server on PostgreSQL.

    python -m benchmarks.bench_load                       # 100,000 persons, 50 users, 5 minutes
    python -m benchmarks.bench_load --run-time 1m --users 10 --persons 20000   # a smoke run

Everything on loopback, bounded in time, stopped at the end:
1. a PostgreSQL database of its own, `safetynet_load` (dropped and created; server from
   $BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres);
2. a generated demo city (`safetynet generate`, cached under var/bench-load/), bulk-loaded
   (`safetynet load`), and one street officer per load user, each in a street of the city;
3. the simulated agencies (`safetynet agencies serve`), then the production server exactly as
   documented: `scripts/serve-prod.sh` (gunicorn + WhiteNoise + the background worker, settings
   `safetynet.settings.prod`);
4. locust, headless, `--users` caseworkers each logging in once, for `--run-time`
   (benchmarks/locustfile.py: search, household pages and lists, Excel exports, API, and
   verification requests with their live status and report);
5. p95 per endpoint and the error count printed (and written to var/bench-load/out/), then
   every process stopped.

The loopback has no TLS proxy, so locust adds the X-Forwarded-Proto header the proxy of
docs/deploy.md would, and the session cookie is sent over plain HTTP
(SAFETYNET_INSECURE_COOKIES=1: the one difference from production). Exit status 1 when any request
failed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("BENCH_LOAD_DB", "safetynet_load")
WORK = ROOT / "var" / "bench-load"
PASSWORD = "load-test-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    # The application connects as the owner role when the admin URL is a superuser's.
    return os.environ.get("BENCH_LOAD_DATABASE_URL", f"{base}/{PG_DB}")


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def run(cmd: list[str], env: dict, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kw)


def wait_http(port: int, path: str, seconds: float = 60.0) -> None:
    """Until the server on the loopback port answers anything (a redirect included)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
        finally:
            conn.close()
    raise SystemExit(f"127.0.0.1:{port}{path} did not answer within {seconds:.0f} s")


# ------------------------------------------------------------------------------ setup worker
def setup_users(users: int, out: Path) -> None:
    """(In a subprocess with the prod settings.) One street officer per load user, spread over the
    streets that have households, and for each a sample of their households for locust."""
    import django

    django.setup()
    from django.db.models import Count

    from safetynet.accounts.models import Role, User
    from safetynet.registry.models import Division, Household, Membership

    streets = [
        row["division__parent_id"]
        for row in Household.objects.values("division__parent_id")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]
    plan = []
    for i in range(users):
        street = streets[i % len(streets)]
        username = f"load-{i:03d}"
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "role": Role.STREET_OFFICER,
                "jurisdiction": Division.objects.get(code=street),
                "is_active": True,
            },
        )
        user.set_password(PASSWORD)
        user.save()
        households = list(Household.objects.filter(division__parent_id=street).order_by("?")[:150])
        sample = []
        members = (
            Membership.objects.filter(
                household__in=households, end_date__isnull=True, person__death_date__isnull=True
            )
            .select_related("person")
            .order_by("household_id", "id")
        )
        by_household: dict[int, list] = {}
        for m in members:
            by_household.setdefault(m.household_id, []).append(m.person)
        for h in households:
            persons = by_household.get(h.pk)
            if not persons:
                continue
            head = persons[0]
            sample.append(
                {
                    "id": h.pk,
                    "number": h.number,
                    "person_id": head.pk,
                    "name": head.name,
                    "surname": head.name[:1],
                    "id_number": head.id_number,
                    "signer": head.pk,
                }
            )
        plan.append({"username": username, "password": PASSWORD, "households": sample})
    out.write_text(json.dumps(plan, ensure_ascii=False))
    print(f"{users} load users over {min(users, len(streets))} streets -> {out}")


# ------------------------------------------------------------------------------------ driver
def report(csv_prefix: Path) -> int:
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(f"{csv_prefix}_failures.csv", encoding="utf-8") as f:
        failures = list(csv.DictReader(f))
    lines = [f"{'endpoint':<44} {'requests':>9} {'errors':>7} {'median':>8} {'p95':>8} {'max':>8}"]
    total_errors = 0
    for r in rows:
        name = r["Name"] if r["Name"] != "Aggregated" else "ALL"
        errors = int(r["Failure Count"])
        if r["Name"] != "Aggregated":
            total_errors += errors
        lines.append(
            f"{(r['Type'] + ' ' + name).strip():<44} {int(r['Request Count']):>9} {errors:>7} "
            f"{r['Median Response Time']:>6}ms {r['95%']:>6}ms "
            f"{float(r['Max Response Time']):>6.0f}ms"
        )
    lines.append(f"errors: {total_errors}")
    for f in failures:
        lines.append(f"  {f['Method']} {f['Name']}: {f['Error']} (x{f['Occurrences']})")
    text = "\n".join(lines)
    print(text)
    Path(f"{csv_prefix}_summary.txt").write_text(text + "\n")
    return total_errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2016)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--spawn-rate", type=float, default=5.0)
    ap.add_argument("--run-time", default=os.environ.get("BENCH_LOAD_RUN_TIME", "5m"))
    ap.add_argument("--keep-db", action="store_true", help="reuse a loaded database as it is")
    ap.add_argument("--setup-users", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.setup_users:
        setup_users(args.users, args.setup_users)
        return 0

    city = WORK / f"city-{args.persons}-{args.seed}"
    out = WORK / "out"
    data_dir = WORK / "data"
    for d in (out, data_dir):
        d.mkdir(parents=True, exist_ok=True)
    web_port, agencies_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFETYNET_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "safetynet.settings.prod",
        "DATABASE_URL": database_url(),
        "SAFETYNET_SECRET_KEY": secrets.token_urlsafe(50),
        "SAFETYNET_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SAFETYNET_DATA_DIR": str(data_dir),
        "SAFETYNET_AGENCIES_URL": f"http://127.0.0.1:{agencies_port}",
        "SAFETYNET_BIND": f"127.0.0.1:{web_port}",
        "SAFETYNET_ACCESS_LOG": str(out / "access.log"),
        "SAFETYNET_INSECURE_COOKIES": "1",  # no TLS on the loopback (see the docstring)
        "SAFETYNET_PROXY_COUNT": "0",  # no proxy in front: REMOTE_ADDR is the client
        "BIN": str(BIN),
    }
    safetynet = str(BIN / "safetynet")
    t0 = time.perf_counter()
    if not (city / "persons.parquet").exists():
        run([safetynet, "generate", "--persons", str(args.persons), "--seed", str(args.seed),
             "--out", str(city)], env)  # fmt: skip
    if not args.keep_db:
        recreate_database()
        run([safetynet, "migrate", "--noinput", "--verbosity", "0"], env)
        run([safetynet, "load_divisions"], env)
        run([safetynet, "load", str(city)], env)
    plan = out / "users.json"
    run([sys.executable, "-m", "benchmarks.bench_load", "--users", str(args.users),
         "--setup-users", str(plan)], env)  # fmt: skip
    print(f"set up in {time.perf_counter() - t0:.0f} s", flush=True)

    procs: list[subprocess.Popen] = []

    def start(cmd: list[str], log: str) -> subprocess.Popen:
        print("+", " ".join(cmd), f"> {out / log}", flush=True)
        p = subprocess.Popen(
            cmd,
            env=env,
            cwd=ROOT,
            stdout=(out / log).open("w"),  # the process's log
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
        procs.append(p)
        return p

    try:
        start([safetynet, "agencies", "serve", "--city", str(city), "--port", str(agencies_port)],
              "agencies.log")  # fmt: skip
        wait_http(agencies_port, "/healthz")
        start(["scripts/serve-prod.sh"], "server.log")
        wait_http(web_port, "/login/", seconds=180)
        csv_prefix = out / "locust"
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", "benchmarks/locustfile.py", "--headless",
             "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", args.run_time, "--stop-timeout", "30",
             "--host", f"http://127.0.0.1:{web_port}", "--csv", str(csv_prefix),
             "--only-summary", "--loglevel", "WARNING"],
            env=env | {"BENCH_LOAD_PLAN": str(plan)},
            cwd=ROOT,
            timeout=60 * 60 * 3,
        )  # fmt: skip
        print(f"locust exited with {locust.returncode}")
        errors = report(csv_prefix)
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
