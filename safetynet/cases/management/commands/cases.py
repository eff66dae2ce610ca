"""`safetynet cases …`: the casework jobs.

- `escalate [--date YYYY-MM-DD]`: daily (cron, or the worker's schedule). It first fills the due
  dates that were pending a year the calendar now knows (ADR 0814), then every open case past a
  due date and not yet escalated is marked and appears in its district's list of escalated cases
  (docs/cases.md).
- `deadlines [--date YYYY-MM-DD]`: after adding a year's calendar file, fill the pending due dates
  at once and report the years still awaited.
- `monthly --month YYYY-MM --as USER`: the proactive lists (age allowance, funerals, price
  subsidy) proposed for confirmation and the scheduled reviews opened, in the user's jurisdiction
  (docs/cases-dynamic.md).

Exit 2 on bad input or a refusal.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


def _date(value: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"--date: {value!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Casework jobs. `escalate` marks every open case that has run past a due date (the "
        "investigation, the decision or the whole case, on the working-day calendar) as escalated "
        "to its district, once, with an event naming the late steps; it prints the case numbers "
        "(pending due dates the calendar can now compute are filled first). `deadlines` fills "
        "the due dates pending a year the calendar now knows and reports those still pending. "
        "`monthly --month YYYY-MM --as USER` proposes the month's no-application lists (age "
        "allowance, funeral grants and exemptions, price subsidy) and opens the scheduled "
        "reviews, for USER's jurisdiction; running it twice creates nothing new."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{escalate,deadlines,monthly}"
        )
        esc = sub.add_parser("escalate", help="escalate overdue cases to their district")
        esc.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default today)")
        fill = sub.add_parser("deadlines", help="fill due dates pending next year's calendar")
        fill.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default today)")
        m = sub.add_parser("monthly", help="propose the month's lists and open scheduled reviews")
        m.add_argument("--month", required=True, help="YYYY-MM")
        m.add_argument("--as", dest="username", required=True, help="the user running the job")

    def handle(self, *args, action: str, **options):
        if action == "monthly":
            self._monthly(options["month"], options["username"])
            return
        today = _date(options["date"]) if options.get("date") else None
        if action == "deadlines":
            self._deadlines(today)
        else:
            self._escalate(today)

    def _deadlines(self, today: dt.date | None) -> None:
        from safetynet.cases.selectors import cases_deadlines_pending
        from safetynet.cases.services import cases_deadlines_fill

        n = cases_deadlines_fill(today=today)
        self.stderr.write(f"{n} case(s) filled")
        for year, count in sorted(cases_deadlines_pending().items()):
            self.stderr.write(
                f"{count} case(s) still pending: {year} — add the calendar file {year}.yaml "
                "(docs/calendar.md)"
            )

    def _escalate(self, today: dt.date | None) -> None:
        from safetynet.cases.services import cases_escalate_overdue

        numbers = cases_escalate_overdue(today=today)
        for number in numbers:
            self.stdout.write(number)
        self.stderr.write(f"{len(numbers)} case(s) escalated")

    def _monthly(self, month: str, username: str) -> None:
        from safetynet.accounts.models import User
        from safetynet.cases.errors import message_for
        from safetynet.cases.monthly import monthly_run

        try:
            actor = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise _fail(f"--as: no active user {username!r}") from None
        try:
            result = monthly_run(actor=actor, month=month)
        except ServiceError as exc:
            raise _fail(f"[{exc.code}] {message_for(exc)} ({exc.message})") from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
