"""`safetynet payroll …`: the monthly payroll's steps after the draft (payments/flow_cli.py):
`check ID --as USER`, `approve ID --as USER [--scope S] [--budget-override]`,
`send-back ID --as USER --reason TEXT`, `close ID --as USER`. Exit 2 on bad input or a refusal,
naming the field or the code."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from safetynet.payments import flow_cli


class Command(BaseCommand):
    help = (
        "The monthly payroll. `check ID --as USER`: the checker (never the preparer) confirms the "
        "draft, one approval per scope is opened; `approve ID --as USER`: a district approver "
        "approves their district's lines, the city administrator the city-paid programs "
        "(never the preparer or the checker), the payroll is approved with the last scope; "
        "`send-back ID --as USER --reason TEXT`; `close ID --as USER` (reconciled payrolls)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{check,approve,send-back,close}"
        )
        flow_cli.add_parsers(sub)

    def handle(self, *args, action: str, **options):
        flow_cli.handle(action, options, self.stdout)
