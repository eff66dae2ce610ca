"""`safetynet load DIR`: bulk-load a generated city into the database (see ADR 0202)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.registry.loading import LoadError, city_load


class Command(BaseCommand):
    help = (
        "Load a city written by `safetynet generate` into an empty registry: divisions, persons, "
        "households, memberships, enrolments, each with a history row. Skips a city already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the directory written by `safetynet generate`")
        parser.add_argument(
            "--no-history",
            dest="history",
            action="store_false",
            help="skip the simple_history creation rows (faster; the timeline starts empty)",
        )

    def handle(self, *args, directory, history, **options):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.table import Table

        console = Console(file=self.stdout)
        path = Path(directory)
        if not path.is_dir():
            raise CommandError(f"{directory} is not a directory")
        tasks: dict[str, int] = {}
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:

            def progress(label: str, k: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.advance(tasks[label], k)

            try:
                report = city_load(path, history=history, progress=progress)
            except LoadError as e:
                raise CommandError(str(e)) from None
        if report.skipped:
            self.stdout.write(report.message)
            return
        # the payroll's amount basis of the enrolled households (payments ADR 0900)
        from safetynet.payments.loading import amount_basis_load

        basis = amount_basis_load(path)
        report.rows["amount bases"] = int(basis["bases"])
        report.rows["amount basis persons"] = int(basis["persons"])
        table = Table("table", "rows", title=f"Loaded {path}")
        for label, rows in report.rows.items():
            table.add_row(label, f"{rows:,}")
        table.add_row("total", f"{report.total_rows:,}")
        console.print(table)
        self.stdout.write(report.message)
