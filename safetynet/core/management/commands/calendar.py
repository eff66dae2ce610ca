"""`safetynet calendar add-workdays|workdays|years|check ...`: the working-day calendar.

The calendar imports no Django, so its argument parsing lives in `safetynet.workdays.cli`; this
command only hands the arguments over and exits with its code (2 for invalid input).
"""

import sys

from django.core.management.base import BaseCommand

from safetynet.workdays.cli import main


class Command(BaseCommand):
    help = (
        "China's working-day calendar: add-workdays DATE N, workdays DATE1 DATE2, years, "
        "check FILE. See docs/calendar.md."
    )

    def run_from_argv(self, argv: list[str]) -> None:
        sys.exit(main(argv[2:]))

    def print_help(self, prog_name: str, subcommand: str) -> None:
        main(["--help"])
