"""`safetynet funeral_homes simulate --url URL --key KEY --deceased FILE [--seed N]`: the
simulated funeral home (safetynet.simulated.funeral_homes) records each `ID-number,YYYY-MM-DD`
line of FILE over the platform's API and prints the count of each answer. Bad input: exit 2 with
the line named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.simulated.funeral_homes import FuneralHomeBehaviour, FuneralHomeClient, simulate

BAD_INPUT = 2


class Command(BaseCommand):
    help = "The simulated funeral home: record deaths over the funeral homes' API."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("simulate", help="record each death of a file over the API")
        p.add_argument("--url", required=True, help="the platform's base URL")
        p.add_argument("--key", required=True, help="the home's API key")
        p.add_argument("--deceased", required=True, help="a file of `ID-number,YYYY-MM-DD` lines")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--replay-rate", type=float, default=0.05)
        p.add_argument("--malformed-rate", type=float, default=0.02)

    def handle(self, *args, **options) -> None:
        path = Path(options["deceased"])
        if not path.is_file():
            raise CommandError(f"--deceased: no file {path}", returncode=BAD_INPUT)
        deceased = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                id_number, day = (x.strip() for x in line.split(","))
                deceased.append((id_number, dt.date.fromisoformat(day)))
            except ValueError:
                raise CommandError(
                    f"--deceased line {n}: expected `ID-number,YYYY-MM-DD`", returncode=BAD_INPUT
                ) from None
        behaviour = FuneralHomeBehaviour(
            seed=options["seed"],
            replay_rate=options["replay_rate"],
            malformed_rate=options["malformed_rate"],
        )
        counts = simulate(FuneralHomeClient(options["url"], options["key"]), deceased, behaviour)
        for key, n in sorted(counts.items()):
            self.stdout.write(f"{key}\t{n}")
