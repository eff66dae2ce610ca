"""`safetynet cases …`: the casework jobs.

- `escalate [--date YYYY-MM-DD]`: daily. Every open case past a due date and not yet escalated is
  marked and appears in its district's list of escalated cases (docs/cases.md). Run it once a day
  (cron, or the worker's schedule).
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
        "to its district, once, with an event naming the late steps; it prints the case numbers. "
        "`monthly --month YYYY-MM --as USER` proposes the month's no-application lists (age "
        "allowance, funeral grants and exemptions, price subsidy) and opens the scheduled "
        "reviews, for USER's jurisdiction; running it twice creates nothing new."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{escalate,monthly}")
        esc = sub.add_parser("escalate", help="escalate overdue cases to their district")
        esc.add_argument("--date", metavar="YYYY-MM-DD", help="as of this day (default today)")
        m = sub.add_parser("monthly", help="propose the month's lists and open scheduled reviews")
        m.add_argument("--month", required=True, help="YYYY-MM")
        m.add_argument("--as", dest="username", required=True, help="the user running the job")

    def handle(self, *args, action: str, **options):
        if action == "escalate":
            self._escalate(options.get("date"))
        else:
            self._monthly(options["month"], options["username"])

    def _escalate(self, date: str | None) -> None:
        from safetynet.cases.services import cases_escalate_overdue

        today = _date(date) if date else None
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
