"""`safetynet funerals statements|reimbursement-file` (docs/funerals.md).

- `statements --month YYYY-MM --as USER`: each funeral home's statement of a month that is over,
  booked in the ledger (expense ↔ payable).
- `reimbursement-file --month YYYY-MM --as USER [--format xlsx|csv] [--out DIR]`: the bank file
  paying the month's statements (one line per home), booked (treasuries → clearing).
- `results --file PATH --as USER`: the bank's result file (paid: the payable settled; failed:
  the money back, the statement waits for the next file).
(The simulated funeral home: `safetynet funeral_homes simulate`, safetynet/simulated.)

Bad input or a refusal: exit 2 with the field or the code named."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = "Funeral homes: monthly statements and reimbursement bank files."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("statements", help="make the funeral homes' statements of a month")
        p.add_argument("--month", required=True)
        p.add_argument("--as", dest="username", required=True)
        p = sub.add_parser("reimbursement-file", help="the bank file paying a month's statements")
        p.add_argument("--month", required=True)
        p.add_argument("--as", dest="username", required=True)
        p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
        p.add_argument("--out", help="also copy the file(s) into this folder")
        p = sub.add_parser("results", help="import the bank's result file of a reimbursement file")
        p.add_argument("--file", required=True)
        p.add_argument("--as", dest="username", required=True)

    def handle(self, *args, **options) -> None:
        action = options["action"]
        from safetynet.accounts.models import User
        from safetynet.funerals import homes as _homes

        try:
            actor = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise _fail(f"--as: no active user {options['username']!r}") from None
        try:
            if action == "statements":
                for s in _homes.funeral_statements_make(actor=actor, month=options["month"]):
                    self.stdout.write(
                        f"{s.institution.code}\t{s.month}\t{s.services_count}\t{s.amount_fen}"
                    )
            elif action == "results":
                path = Path(options["file"])
                if not path.is_file():
                    raise _fail(f"--file: no file {path}")
                paid, failed = _homes.reimbursement_results_import(
                    actor=actor, content=path.read_bytes()
                )
                self.stdout.write(f"paid\t{paid}\nfailed\t{failed}")
            else:
                files = _homes.reimbursement_file_make(
                    actor=actor, month=options["month"], fmt=options["format"]
                )
                for f in files:
                    self.stdout.write(
                        f"{f.reference}\t{f.bank_code}\t{f.line_count}\t{f.total_fen}"
                    )
                    if options.get("out"):
                        out = Path(options["out"])
                        out.mkdir(parents=True, exist_ok=True)
                        with f.file.open("rb") as src:
                            (out / Path(f.file.name).name).write_bytes(src.read())
        except ServiceError as exc:
            field = exc.problems[0].field if exc.problems else ""
            raise _fail(f"{field or 'refused'}: [{exc.code}] {exc.message}") from None
