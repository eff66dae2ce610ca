"""`safetynet hospitals`: the simulated hospitals' systems (one-stop settlement, docs/medical.md).

safetynet hospitals setup --hospitals 10 --patients 2000 [--year 2019] --as USER --out plan.json
safetynet hospitals simulate --url http://127.0.0.1:8000 --plan plan.json
    [--concurrency 100] [--duration 120] [--bad-rate 0.02] [--seed 0] [--out summary.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a rate is between 0 and 1, not {text}")
    return value


def _run(coroutine):
    """asyncio.run, in a thread of its own when this thread already runs an event loop (a
    caller inside one, e.g. a test session driving Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Command(BaseCommand):
    help = (
        "Simulated hospitals calling the one-stop settlement API: `setup` registers hospitals "
        "with keys and lists covered patients (a plan file); `simulate` runs cashiers against a "
        "server and prints latencies and errors (exit 1 on any error)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("setup", help="hospitals, keys and patients -> a plan file")
        s.add_argument("--hospitals", type=int, default=10)
        s.add_argument("--patients", type=int, default=2000)
        s.add_argument("--year", type=int, default=2019)
        s.add_argument("--as", dest="username", required=True, help="the city administrator")
        s.add_argument("--out", type=Path, required=True)
        m = sub.add_parser("simulate", help="run cashiers against the API")
        m.add_argument("--url", required=True)
        m.add_argument("--plan", type=Path, required=True)
        m.add_argument("--concurrency", type=int, default=100)
        m.add_argument("--duration", type=float, default=120.0, help="seconds")
        m.add_argument("--bad-rate", type=_rate, default=0.02)
        m.add_argument("--seed", type=int, default=0)
        m.add_argument(
            "--think",
            type=float,
            default=0.0,
            help="seconds a cashier waits between requests (mean; default 0: back to back)",
        )
        m.add_argument("--out", type=Path, default=None)

    def handle(self, *args, action: str, **opts):
        if action == "setup":
            from safetynet.accounts.models import User
            from safetynet.simulated.hospitals.setup import setup

            actor = User.objects.filter(username=opts["username"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--as: no active user {opts['username']!r}", returncode=2)
            try:
                plan = setup(
                    actor=actor,
                    hospitals=opts["hospitals"],
                    patients=opts["patients"],
                    year=opts["year"],
                )
            except ServiceError as exc:
                raise CommandError(f"[{exc.code}] {exc.message}", returncode=BAD_INPUT) from None
            if not plan["patients"]:
                raise CommandError("no covered patient in the registry", returncode=BAD_INPUT)
            opts["out"].write_text(json.dumps(plan, ensure_ascii=False))
            self.stdout.write(
                f"{len(plan['hospitals'])} hospitals, {len(plan['patients'])} patients "
                f"-> {opts['out']}"
            )
            return
        from safetynet.simulated.hospitals.client import simulate

        try:
            plan = json.loads(opts["plan"].read_text())
            if not plan["hospitals"] or not plan["patients"]:
                raise ValueError("no hospitals or no patients")
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"--plan {opts['plan']}: {exc}", returncode=BAD_INPUT) from None
        summary = _run(
            simulate(
                opts["url"].rstrip("/"),
                plan,
                concurrency=opts["concurrency"],
                duration=opts["duration"],
                seed=opts["seed"],
                bad_rate=opts["bad_rate"],
                think=opts["think"],
            )
        )
        text = json.dumps(summary, ensure_ascii=False, indent=2)
        if opts["out"]:
            opts["out"].write_text(text)
        self.stdout.write(text)
        if summary["errors"]:
            raise CommandError(f"{summary['errors']} errors", returncode=1)
