"""`safetynet cases monthly --month YYYY-MM --as USERNAME`: the monthly casework job — the
proactive lists (age allowance, funerals, price subsidy) proposed for confirmation and the
scheduled reviews opened, in the user's jurisdiction (docs/cases-dynamic.md). Exit 2 on bad
input or a refusal."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = (
        "Casework jobs. `monthly --month YYYY-MM --as USER`: propose the month's no-application "
        "lists (age allowance, funeral grants and exemptions, price subsidy) and open the "
        "scheduled reviews, for USER's jurisdiction; running it twice creates nothing new."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        m = sub.add_parser("monthly", help="propose the month's lists and open scheduled reviews")
        m.add_argument("--month", required=True, help="YYYY-MM")
        m.add_argument("--as", dest="username", required=True, help="the user running the job")

    def handle(self, *args, action: str, month: str, username: str, **options):
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
