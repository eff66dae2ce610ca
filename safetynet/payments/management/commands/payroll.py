"""`safetynet payroll …`: the monthly payroll (docs/payments.md, docs/bank-files.md).
Bank files: `bank-files ID --out DIR [--format xlsx|csv] --as USER`, `bank-results FILE...
--as USER` (payments/bank_cli.py). Exit 2 on bad input or a refusal, naming the field."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from safetynet.payments import bank_cli


class Command(BaseCommand):
    help = (
        "The monthly payroll. `bank-files ID --out DIR [--format xlsx|csv] --as USER` makes an "
        "approved payroll's bank files (one per bank) and writes them to DIR; `bank-results "
        "FILE... --as USER` imports the banks' result files, all or nothing."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{bank-files,bank-results}"
        )
        bank_cli.add_parsers(sub)

    def handle(self, *args, action: str, **options):
        if action in bank_cli.ACTIONS:
            bank_cli.handle(action, options, self.stdout)
