"""`safetynet ledger …`: the books (docs/funds.md).

- `export --format beancount --out FILE [--as USER] [--check]`: the whole books as a Beancount
  ledger; `--check` runs Beancount's own checker on the file written.
- `statement --month YYYY-MM --district CODE --out FILE --as USER`: a district's monthly fund
  statement, Excel (.xlsx) or PDF (.pdf) by the file's extension.
- `check`: the database's own check (trial balance, every entry balanced).
- `override PAYROLL_ID --reason TEXT --as USER`: the city's override of the budgets a payroll
  would exceed.

Exit 2 on bad input or a refusal, naming the field.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


def _actor(username: str | None):
    from safetynet.accounts.models import User

    if not username:
        return None
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise _fail(f"--as: no active user {username!r}") from None


class Command(BaseCommand):
    help = (
        "The fund ledger. `export --format beancount --out FILE` writes the books as a Beancount "
        "ledger (with --check, Beancount's own checker runs on it); `statement --month YYYY-MM "
        "--district CODE --out FILE.xlsx|FILE.pdf --as USER` writes a district's monthly fund "
        "statement; `check` verifies the trial balance in the database."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{export,statement,check,override}"
        )
        ex = sub.add_parser("export", help="write the books as a Beancount ledger")
        ex.add_argument("--format", dest="fmt", required=True, help="beancount")
        ex.add_argument("--out", required=True, help="the ledger file to write")
        ex.add_argument("--as", dest="username", help="the user exporting (city or auditor)")
        ex.add_argument("--check", action="store_true", help="run Beancount's checker on it")
        st = sub.add_parser("statement", help="a district's monthly fund statement")
        st.add_argument("--month", required=True, help="YYYY-MM")
        st.add_argument("--district", required=True, help="the district's 6-digit code")
        st.add_argument("--out", required=True, help="FILE.xlsx or FILE.pdf")
        st.add_argument("--as", dest="username", required=True, help="the user reading it")
        sub.add_parser("check", help="the trial balance and every entry balanced")
        ov = sub.add_parser("override", help="the city's override of a payroll's budgets")
        ov.add_argument("payroll", help="the payroll's id")
        ov.add_argument("--reason", required=True, help="why the budgets may be exceeded")
        ov.add_argument("--as", dest="username", required=True, help="the city administrator")

    def handle(self, *args, action: str, **options):
        try:
            if action == "export":
                self._export(options)
            elif action == "statement":
                self._statement(options)
            elif action == "override":
                self._override(options)
            else:
                self._check()
        except ServiceError as exc:
            from safetynet.funds.errors import message_for

            field = exc.problems[0].field if exc.problems else ""
            where = f"--{field}: " if field in {"month", "district"} else ""
            raise _fail(f"[{exc.code}] {where}{message_for(exc)} ({exc.message})") from None

    def _export(self, options) -> None:
        from safetynet.accounts.permissions import require
        from safetynet.funds.beancount_export import beancount_check, ledger_write

        if options["fmt"] != "beancount":
            raise _fail(f"--format: {options['fmt']!r} is not supported (beancount)")
        actor = _actor(options.get("username"))
        if actor is not None:
            require(actor, "funds.export_ledger")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise _fail(f"--out: folder {str(out.parent)!r} does not exist")
        with out.open("w", encoding="utf-8") as fh:
            n = ledger_write(fh)
        self.stderr.write(f"{n} transaction(s) written to {out}")
        if options["check"]:
            errors = beancount_check(str(out))
            for e in errors[:50]:
                self.stderr.write(e)
            if errors:
                raise CommandError(f"beancount: {len(errors)} error(s)", returncode=1)
            self.stderr.write("beancount: no errors")

    def _statement(self, options) -> None:
        from safetynet.funds.selectors import fund_statement
        from safetynet.funds.statements import statement_pdf, statement_xlsx

        actor = _actor(options["username"])
        out = Path(options["out"])
        suffix = out.suffix.lower()
        if suffix not in {".xlsx", ".pdf"}:
            raise _fail(f"--out: {out.name!r} must end in .xlsx or .pdf")
        if not out.parent.is_dir():
            raise _fail(f"--out: folder {str(out.parent)!r} does not exist")
        try:
            stmt = fund_statement(actor, month=options["month"], district=options["district"])
        except ServiceError as exc:
            if exc.code == "not_found":
                raise _fail(f"--district: {options['district']!r} not found") from None
            if exc.code == "month_invalid":
                raise _fail(f"--month: {options['month']!r} is not YYYY-MM") from None
            if exc.code == "district_invalid":
                raise _fail(f"--district: {options['district']!r} is not a district") from None
            raise
        data = statement_xlsx(stmt) if suffix == ".xlsx" else statement_pdf(stmt)
        out.write_bytes(data)
        self.stderr.write(f"statement {stmt.month} {stmt.district} written to {out}")

    def _override(self, options) -> None:
        from safetynet.funds.services import budget_override
        from safetynet.payments.models import Payroll

        actor = _actor(options["username"])
        try:
            payroll = Payroll.objects.get(pk=int(options["payroll"]))
        except (ValueError, Payroll.DoesNotExist):
            raise _fail(f"payroll: no payroll {options['payroll']!r}") from None
        override = budget_override(actor=actor, payroll=payroll, reason=options["reason"])
        for s in override.shortfalls:
            self.stdout.write(
                f"{s['program']} {s['level']} {s['district'] or '-'}: over {s['over_fen']} fen"
            )
        self.stderr.write(f"override recorded for payroll {payroll.month}")

    def _check(self) -> None:
        from safetynet.funds.selectors import trial_balance, unbalanced_entries

        total, bad = trial_balance(), unbalanced_entries()
        self.stdout.write(f"trial balance: {total} fen; unbalanced entries: {len(bad)}")
        if total or bad:
            sys.exit(1)
