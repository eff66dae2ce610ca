"""`safetynet cases escalate [--date YYYY-MM-DD]`: the daily escalation of overdue cases.

Run it once a day (cron, or the worker's schedule): every open case past a due date and not yet
escalated is marked and appears in its district's list of escalated cases (docs/cases.md).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

BAD_INPUT = 2


def _date(value: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--date: {value!r} is not a date YYYY-MM-DD", returncode=BAD_INPUT
        ) from None


class Command(BaseCommand):
    help = (
        "Casework jobs. `escalate` marks every open case that has run past a due date (the "
        "investigation, the decision or the whole case, on the working-day calendar) as escalated "
        "to its district, once, with an event naming the late steps; it prints the case numbers."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{escalate}")
        esc = sub.add_parser("escalate", help="escalate overdue cases to their district")
        esc.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default today)")

    def handle(self, *args, **options):
        from safetynet.cases.services import cases_escalate_overdue

        today = _date(options["date"]) if options.get("date") else None
        numbers = cases_escalate_overdue(today=today)
        for number in numbers:
            self.stdout.write(number)
        self.stderr.write(f"{len(numbers)} case(s) escalated")
