"""`safetynet cases escalate [--date YYYY-MM-DD]`: the daily escalation of overdue cases.
`safetynet cases deadlines [--date YYYY-MM-DD]`: fill the pending due dates (ADR 0814).

Run `escalate` once a day (cron, or the worker's schedule): it first fills the due dates that
were pending a year the calendar now knows, then every open case past a due date and not yet
escalated is marked and appears in its district's list of escalated cases (docs/cases.md).
Run `deadlines` after adding a year's calendar file to fill them at once. Bad input exits 2.
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
        "to its district, once, with an event naming the late steps; it prints the case numbers "
        "(pending due dates the calendar can now compute are filled first). `deadlines` fills "
        "the due dates pending a year the calendar now knows and reports those still pending."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{escalate,deadlines}")
        esc = sub.add_parser("escalate", help="escalate overdue cases to their district")
        esc.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default today)")
        fill = sub.add_parser("deadlines", help="fill due dates pending next year's calendar")
        fill.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default today)")

    def handle(self, *args, **options):
        today = _date(options["date"]) if options.get("date") else None
        if options["action"] == "deadlines":
            self._deadlines(today)
        else:
            self._escalate(today)

    def _deadlines(self, today):
        from safetynet.cases.selectors import cases_deadlines_pending
        from safetynet.cases.services import cases_deadlines_fill

        n = cases_deadlines_fill(today=today)
        self.stderr.write(f"{n} case(s) filled")
        for year, count in sorted(cases_deadlines_pending().items()):
            self.stderr.write(
                f"{count} case(s) still pending: {year} — add the calendar file {year}.yaml "
                "(docs/calendar.md)"
            )

    def _escalate(self, today):
        from safetynet.cases.services import cases_escalate_overdue

        numbers = cases_escalate_overdue(today=today)
        for number in numbers:
            self.stdout.write(number)
        self.stderr.write(f"{len(numbers)} case(s) escalated")
