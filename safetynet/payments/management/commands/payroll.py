"""`safetynet payroll …`: the monthly payroll (docs/payments.md).

- `run --month YYYY-MM --as USER [--engine duckdb|spark]`: compute (or recompute) the month's
  draft payroll; prints the lines and totals per program, what needs review, and what changed
  since the previous draft. After approval a run is refused.
- `show (ID | --month YYYY-MM) --as USER [--lines N]`: a payroll's status, totals per program and
  status (in USER's jurisdiction), its timeline, and the first N lines.
- `check ID --as USER`, `approve ID --as USER [--scope S] [--budget-override]`,
  `send-back ID --as USER --reason TEXT`, `close ID --as USER`: the steps after the draft
  (payments/flow_cli.py, ADR 0940).
- `bank-files ID --out DIR [--format xlsx|csv] --as USER`, `bank-results FILE... --as USER`: the
  bank files (payments/bank_cli.py, docs/bank-files.md).

Exit 2 on bad input or a refusal, with the field named.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError
from safetynet.payments import bank_cli, flow_cli
from safetynet.payments.cli_common import actor_named as _actor
from safetynet.payments.cli_common import fail as _fail
from safetynet.rules.money import yuan


def _refusal(exc: ServiceError) -> CommandError:
    field = f" (field {exc.problems[0].field})" if exc.problems else ""
    return _fail(f"[{exc.code}] {exc.message}{field}")


class Command(BaseCommand):
    help = (
        "The monthly payroll. `run --month YYYY-MM --as USER [--engine duckdb|spark]` computes "
        "the month's draft from every enrolment in force through the rules engine (one batch "
        "call), plus the grants decided and the arrears of retroactive changes; running it "
        "again recomputes the draft (lines not yet sent) and prints what changed; after "
        "approval it is refused. `show ID|--month YYYY-MM --as USER` prints a payroll. "
        "`check ID --as USER` (never the preparer), `approve ID --as USER` (a district approver "
        "their district's lines, the city administrator the city-paid programs; never the "
        "preparer or the checker), `send-back ID --as USER --reason TEXT`, `close ID --as USER`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action",
            required=True,
            metavar="{run,show,check,approve,send-back,close,bank-files,bank-results}",
        )
        run = sub.add_parser("run", help="compute the month's draft payroll")
        run.add_argument("--month", required=True, help="benefit month YYYY-MM")
        run.add_argument("--as", dest="username", required=True, help="the preparing user")
        run.add_argument("--engine", default="duckdb", help="duckdb (default) or spark")
        show = sub.add_parser("show", help="a payroll's totals, timeline and lines")
        show.add_argument("id", nargs="?", help="the payroll's id")
        show.add_argument("--month", help="or its benefit month YYYY-MM")
        show.add_argument("--as", dest="username", required=True, help="the reading user")
        show.add_argument("--lines", type=int, default=20, help="lines to list (default 20)")
        flow_cli.add_parsers(sub)
        bank_cli.add_parsers(sub)

    def handle(self, *args, action: str, **options):
        if action in flow_cli.ACTIONS:
            flow_cli.handle(action, options, self.stdout)
            return
        if action in bank_cli.ACTIONS:
            bank_cli.handle(action, options, self.stdout)
            return
        getattr(self, f"_{action}")(**options)

    # ------------------------------------------------------------------------------- run
    def _run(self, *, month: str, username: str, engine: str, **_):
        from safetynet.payments.services import payroll_run

        actor = _actor(username)
        try:
            report = payroll_run(actor=actor, month=month, engine=engine)
        except ServiceError as exc:
            raise _refusal(exc) from None
        p = report.payroll
        w = self.stdout.write
        w(f"payroll {p.month} (id {p.pk}, {p.status}, run {p.runs})")
        w(f"{'program':<22}{'lines':>10}{'fen':>16}{'yuan':>16}")
        for program, t in report.programs.items():
            w(f"{program:<22}{t['lines']:>10,}{t['amount_fen']:>16,}{yuan(t['amount_fen']):>16}")
        w(f"{'total':<22}{report.lines:>10,}{report.amount_fen:>16,}{yuan(report.amount_fen):>16}")
        w(f"held (no bank account): {report.held_no_account:,} line(s)")
        w(f"needs review (enrolled, amount 0): {report.needs_review_count:,}")
        for item in report.needs_review[:10]:
            w(f"  {item['beneficiary_key']} {item['program']} {item['reason']}")
        if report.arrears_months:
            w(f"arrears recomputed for: {', '.join(report.arrears_months)}")
        if report.overpayments:
            total = sum(o["overpaid_fen"] for o in report.overpayments)
            w(f"overpaid (for recovery): {len(report.overpayments):,} ({yuan(total)} yuan)")
        c = report.changes
        if report.first_run:
            w("first run of this month")
        else:
            w(
                f"changes since the previous draft: {c['added']:,} added, "
                f"{c['removed']:,} removed, {c['changed']:,} changed"
            )
            for program, t in c["programs"].items():
                if t["before_fen"] != t["after_fen"]:
                    w(f"  {program}: {yuan(t['before_fen'])} → {yuan(t['after_fen'])} yuan")
        w("seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()))

    # ------------------------------------------------------------------------------- show
    def _show(self, *, id: str | None, month: str | None, username: str, lines: int, **_):
        from safetynet.payments.selectors import lines_visible_to, payroll_get, payroll_totals

        actor = _actor(username)
        if (id is None) == (month is None):
            raise _fail("id: give a payroll id or --month YYYY-MM (one of them)")
        if id is not None and not id.isdigit():
            raise _fail(f"id: {id!r} is not a payroll id")
        try:
            p = payroll_get(actor=actor, payroll_id=int(id) if id else None, month=month)
            totals = payroll_totals(actor=actor, payroll=p)
        except ServiceError as exc:
            raise _refusal(exc) from None
        w = self.stdout.write
        w(f"payroll {p.month} (id {p.pk}) status {p.status}, runs {p.runs}")
        for program, t in totals.items():
            by = ", ".join(f"{s} {v['lines']}" for s, v in t["by_status"].items())
            w(f"  {program:<22}{t['lines']:>8,} lines {yuan(t['amount_fen']):>16} yuan  ({by})")
        for e in p.events.order_by("at", "id"):
            w(f"  {e.at:%Y-%m-%d %H:%M} {e.kind} {e.from_status}→{e.to_status}")
        for line in lines_visible_to(actor, p).with_state().order_by("id")[: max(lines, 0)]:
            w(
                f"  {line.pk} {line.beneficiary_key} {line.program} {line.benefit_month} "
                f"{line.kind} {yuan(line.amount_fen)} {line.current_status()} {line.reason}"
            )
