"""`safetynet plan snapshot|tasks|demo` (docs/plan.md).

- `snapshot --month YYYY-MM [--as USER]`: every target's figure for the city, each district and
  street, stored for the month (the trend on the target pages); re-running replaces the month.
  Without `--as` it is the operator's monthly job (cron).
- `tasks --as USER`: load the plan's tasks from the seed's text (idempotent).
- `demo [--as USER]`: the demo city's happiness homes, stations, purchases, base villages, care
  placements, task progress and six months of snapshots (after `safetynet load` and
  `demo_users`; safe to re-run).

Bad input or a refusal: exit 2 with the field or the code named."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = "The plan: monthly snapshots of the targets, the seed's tasks, the demo data."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("snapshot", help="store every target's figure for a month")
        p.add_argument("--month", required=True, help="YYYY-MM")
        p.add_argument("--as", dest="username", help="a city administrator (default: the job)")
        p = sub.add_parser("tasks", help="load the plan's tasks from the seed's text")
        p.add_argument("--as", dest="username", required=True)
        p = sub.add_parser("demo", help="the demo city's facilities, projects and progress")
        p.add_argument("--as", dest="username", default="demo-city")

    def _actor(self, username):
        from safetynet.accounts.models import User

        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise _fail(f"--as: no active user {username!r}") from None

    def handle(self, *args, **options) -> None:
        from safetynet.plan import seed, services

        action = options["action"]
        actor = self._actor(options.get("username"))
        try:
            if action == "snapshot":
                n = services.snapshot_take(actor=actor, month=options["month"])
                self.stdout.write(f"snapshot\t{options['month']}\t{n} figures")
            elif action == "tasks":
                n = seed.seed_tasks(actor=actor)
                self.stdout.write(f"tasks\t{n} created")
            else:
                from safetynet.plan.demo import demo_load

                for line in demo_load(actor=actor):
                    self.stdout.write(line)
        except ServiceError as exc:
            where = f" ({exc.problems[0].field})" if exc.problems else ""
            raise _fail(f"[{exc.code}] {exc.message}{where}") from None
