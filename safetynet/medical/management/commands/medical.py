"""`safetynet medical`: hospitals' monthly reimbursement (docs/medical.md, ADR 1102–1103).

safetynet medical statements --month YYYY-MM --as USER [--hospital CODE]   make the statements
safetynet medical statement-file --month YYYY-MM --hospital CODE --out FILE.xlsx|FILE.pdf
safetynet medical reimburse --month YYYY-MM --as USER [--format xlsx|csv] --out DIR
safetynet medical results FILE --as USER                                   the bank's answer
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _actor(username: str):
    from safetynet.accounts.models import User

    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"--as: no active user {username!r}", returncode=BAD_INPUT) from None


class Command(BaseCommand):
    help = (
        "Medical assistance reimbursement of hospitals: `statements` (make a month's), "
        "`statement-file` (Excel or PDF), `reimburse` (payable files per bank), `results` "
        "(a bank's result file)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("statements")
        s.add_argument("--month", required=True)
        s.add_argument("--hospital", default="")
        s.add_argument("--as", dest="username", required=True)
        f = sub.add_parser("statement-file")
        f.add_argument("--month", required=True)
        f.add_argument("--hospital", required=True)
        f.add_argument("--out", type=Path, required=True)
        r = sub.add_parser("reimburse")
        r.add_argument("--month", required=True)
        r.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        r.add_argument("--out", type=Path, required=True)
        r.add_argument("--as", dest="username", required=True)
        b = sub.add_parser("results")
        b.add_argument("file", type=Path)
        b.add_argument("--as", dest="username", required=True)

    def handle(self, *args, action: str, **opts):
        from safetynet.medical import reimbursement, selectors, statements
        from safetynet.medical.models import HospitalStatement

        try:
            if action == "statements":
                actor = _actor(opts["username"])
                codes = [opts["hospital"]] if opts["hospital"] else [
                    h.code for h in selectors.hospitals().filter(is_active=True)
                ]  # fmt: skip
                for code in codes:
                    st = reimbursement.statement_make(
                        actor=actor, hospital_code=code, month=opts["month"]
                    )
                    self.stdout.write(
                        f"{code} {st.month}: {st.settlements_count} settlements, "
                        f"{st.reversals_count} reversals, due {st.amount_fen} fen"
                    )
            elif action == "statement-file":
                st = HospitalStatement.objects.filter(
                    hospital__code=opts["hospital"], month=opts["month"]
                ).first()
                if st is None:
                    raise CommandError("no such statement", returncode=BAD_INPUT)
                out: Path = opts["out"]
                if out.suffix not in (".xlsx", ".pdf"):
                    raise CommandError("--out: FILE.xlsx or FILE.pdf", returncode=BAD_INPUT)
                data = statements.statement_xlsx(st) if out.suffix == ".xlsx" else (
                    statements.statement_pdf(st)
                )  # fmt: skip
                out.write_bytes(data)
                self.stdout.write(str(out))
            elif action == "reimburse":
                files = reimbursement.reimbursement_files_make(
                    actor=_actor(opts["username"]), month=opts["month"], fmt=opts["format"]
                )
                opts["out"].mkdir(parents=True, exist_ok=True)
                for rf in files:
                    target = opts["out"] / Path(rf.file.name).name
                    with rf.file.open("rb") as src:
                        target.write_bytes(src.read())
                    self.stdout.write(f"{rf.reference}: {rf.line_count} lines -> {target}")
            elif action == "results":
                try:
                    content = opts["file"].read_bytes()
                except OSError as exc:
                    raise CommandError(f"{opts['file']}: {exc}", returncode=BAD_INPUT) from None
                out = reimbursement.reimbursement_results_import(
                    actor=_actor(opts["username"]), content=content
                )
                self.stdout.write(f"paid {out.paid}, failed {out.failed}")
        except ServiceError as exc:
            field = f" (field {exc.problems[0].field})" if exc.problems else ""
            code = 1 if exc.code == "not_permitted" else BAD_INPUT
            raise CommandError(f"[{exc.code}] {exc.message}{field}", returncode=code) from None
