"""`safetynet devices`: the simulated one-key alarm devices (docs/eldercare-emergency.md).

safetynet devices setup --devices 1000 --as USER --out plan.json [--prefix SIM]
    register a device to each of the first N elderly persons (60+, alive, without a device) in
    USER's jurisdiction, through the platform's service; the plan file holds their keys
safetynet devices signal --url URL --key KEY --signal-id ID [--kind button|fall]
    one signal, retried with the same ID until answered; prints the answer
safetynet devices simulate --url URL --plan plan.json [--signals 1000] [--per-minute 1000]
    [--concurrency 50] [--replay-rate 0.05] [--offset 0] [--out summary.json]
    one signal from each of N devices, paced; prints the figures (exit 1 on any error)

Bad input: exit 2 naming the option.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

BAD_INPUT = 2


def _run(coroutine):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Command(BaseCommand):
    help = "Simulated one-key alarm devices: register them, send one signal, or a storm."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("setup", help="register devices to elderly persons -> a plan file")
        s.add_argument("--devices", type=int, default=100)
        s.add_argument("--prefix", default="SIM")
        s.add_argument("--as", dest="username", required=True)
        s.add_argument("--out", type=Path, required=True)
        g = sub.add_parser("signal", help="one signal over the API")
        g.add_argument("--url", required=True)
        g.add_argument("--key", required=True)
        g.add_argument("--signal-id", required=True)
        g.add_argument("--kind", default="button", choices=["button", "fall"])
        m = sub.add_parser("simulate", help="one signal from each of N devices, paced")
        m.add_argument("--url", required=True)
        m.add_argument("--plan", type=Path, required=True)
        m.add_argument("--signals", type=int, default=1000)
        m.add_argument("--per-minute", type=float, default=1000.0, help="0: as fast as possible")
        m.add_argument("--concurrency", type=int, default=50)
        m.add_argument("--replay-rate", type=float, default=0.0)
        m.add_argument("--offset", type=int, default=0, help="skip the plan's first devices")
        m.add_argument("--seed", type=int, default=0)
        m.add_argument("--out", type=Path, default=None)

    def handle(self, *args, action: str, **o):
        if action == "setup":
            return self.setup(o)
        if action == "signal":
            from safetynet.simulated.devices import DeviceClient

            status, answer = DeviceClient(o["url"], o["key"]).signal(o["signal_id"], o["kind"])
            self.stdout.write(f"{status} {json.dumps(answer, ensure_ascii=False)}")
            if status not in (200, 201):
                raise CommandError(answer.get("code", str(status)), returncode=1)
            return None
        plan_path: Path = o["plan"]
        if not plan_path.is_file():
            raise CommandError(f"--plan: no file {plan_path}", returncode=BAD_INPUT)
        try:
            devices = json.loads(plan_path.read_text())["devices"]
        except (ValueError, KeyError):
            raise CommandError("--plan: not a devices plan file", returncode=BAD_INPUT) from None
        if not 0 <= o["offset"] < len(devices):
            raise CommandError(f"--offset: 0 to {len(devices) - 1}", returncode=BAD_INPUT)
        devices = devices[o["offset"] :]
        if o["signals"] < 1 or o["signals"] > len(devices):
            raise CommandError(
                f"--signals: 1 to {len(devices)} (one per device of the plan)",
                returncode=BAD_INPUT,
            )
        if not 0 <= o["replay_rate"] <= 1:
            raise CommandError("--replay-rate: between 0 and 1", returncode=BAD_INPUT)
        from safetynet.simulated.devices.client import storm

        summary = _run(
            storm(
                o["url"],
                devices,
                total=o["signals"],
                per_minute=o["per_minute"],
                concurrency=o["concurrency"],
                replay_rate=o["replay_rate"],
                seed=o["seed"],
            )
        )
        text = json.dumps(summary, ensure_ascii=False, indent=2)
        if o["out"]:
            o["out"].write_text(text)
        self.stdout.write(text)
        if summary["errors"]:
            raise CommandError(f"{summary['errors']} errors", returncode=1)
        return None

    def setup(self, o) -> None:
        from safetynet.accounts.models import User
        from safetynet.core.errors import ServiceError
        from safetynet.eldercare.emergency import services
        from safetynet.eldercare.emergency.models import AlarmDevice
        from safetynet.registry.selectors import persons_visible_to

        actor = User.objects.filter(username=o["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"--as: no active user {o['username']}", returncode=BAD_INPUT)
        today = dt.date.today()
        born_by = today.replace(year=today.year - 60)
        with_device = AlarmDevice.objects.filter(is_active=True).values("person_id")
        persons = (
            persons_visible_to(actor)
            .filter(birth_date__lte=born_by, death_date__isnull=True)
            .exclude(id__in=with_device)
            .order_by("id")
            .values_list("id", flat=True)[: o["devices"]]
        )
        plan = []
        try:
            for n, person_id in enumerate(persons, start=1):
                out = services.device_register(
                    actor=actor, person_id=person_id, device_id=f"{o['prefix']}-{n:06d}"
                )
                plan.append({"device_id": out.device.device_id, "key": out.key})
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}", returncode=BAD_INPUT) from None
        o["out"].write_text(json.dumps({"devices": plan}))
        self.stdout.write(f"{len(plan)} devices registered; plan written to {o['out']}")
