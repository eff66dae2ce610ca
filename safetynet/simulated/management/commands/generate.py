"""`safetynet generate`: write a synthetic Xiamen as Parquet (docs/data-schemas.md)."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safetynet.simulated.generator import generate
from safetynet.simulated.generator.agencies import DEFAULT_DISCREPANCY_SHARE


class Command(BaseCommand):
    help = (
        "Generate a synthetic demo city (persons, households, enrolments, agency extracts and the "
        "planted discrepancies) as Parquet files. The same seed gives byte-identical files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--persons", type=int, default=20_000, help="number of persons (default 20,000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", required=True, help="output directory (created if missing)")
        parser.add_argument(
            "--reference-date",
            default=getattr(settings, "DEMO_REFERENCE_DATE", "2020-06-30"),
            help="the city's 'today', YYYY-MM-DD (default %(default)s; never the real date)",
        )
        parser.add_argument(
            "--discrepancy-share",
            type=float,
            default=DEFAULT_DISCREPANCY_SHARE,
            help="share of recipient households given one undeclared fact (default %(default)s)",
        )

    def handle(self, *args, persons, seed, out, reference_date, discrepancy_share, **options):
        try:
            reference = dt.date.fromisoformat(reference_date)
        except ValueError:
            raise CommandError(f"--reference-date {reference_date!r} is not YYYY-MM-DD") from None
        if persons < 1:
            raise CommandError("--persons must be at least 1")
        if not 0 <= discrepancy_share <= 1:
            raise CommandError("--discrepancy-share must be between 0 and 1")
        from rich.console import Console

        console = Console(file=self.stdout, stderr=False)
        with console.status(f"Generating {persons:,} persons (seed {seed})…") as status:
            manifest = generate(
                out=Path(out),
                persons=persons,
                seed=seed,
                reference_date=reference,
                discrepancy_share=discrepancy_share,
                progress=lambda step: status.update(
                    f"Generating {persons:,} persons: {step} done…"
                ),
            )
        files = manifest["files"]
        self.stdout.write(
            f"Generated {persons:,} persons in {manifest['households']:,} households, "
            f"{files['enrolments.parquet']:,} enrolments, "
            f"{files['ground_truth/discrepancies.parquet']:,} planted discrepancies "
            f"into {out} in {manifest['seconds']:.1f} s."
        )
