"""Bank files on the command line, added to the `payroll` command by `add_parsers`, run by
`handle` (docs/bank-files.md):

- `safetynet payroll bank-files ID --out DIR [--format xlsx|csv] --as USER`: make the approved
  payroll's files (one per bank) and write them to DIR; for a payroll whose files are already
  made, write those again. Prints each file, the lines held without an account.
- `safetynet payroll bank-results FILE... --as USER`: import the banks' result files, all or
  nothing; prints paid and failed per file and the payrolls now complete.
- `safetynet payroll bank-return REF --on YYYY-MM-DD --reason CODE --as USER`: a paid line the
  bank returned (`refund_bank_return`, ADR 0943); the line waits for a corrected account.
- `safetynet payroll repayment RECOVERY_ID --amount YUAN --receipt NO --on YYYY-MM-DD --as USER`:
  a beneficiary paid back an overpayment (`refund_repayment`).

Bad input or a refusal: exit 2, naming the file, row and field (or the code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from safetynet.core.errors import ServiceError

from .cli_common import actor_named as _actor
from .cli_common import fail as _fail

ACTIONS = ("bank-files", "bank-results", "bank-return", "repayment")
MAX_RESULT_BYTES = 200 * 1024 * 1024


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def add_parsers(sub) -> None:
    p = sub.add_parser("bank-files", help="make (or write again) an approved payroll's bank files")
    p.add_argument("payroll_id", metavar="ID", help="the payroll's id")
    p.add_argument("--out", required=True, type=Path, help="directory to write the files to")
    p.add_argument("--format", dest="fmt", default="xlsx", help="xlsx (default) or csv")
    p.add_argument("--as", dest="username", required=True, help="the finance officer")
    p = sub.add_parser("bank-results", help="import the banks' result files (all or nothing)")
    p.add_argument("files", metavar="FILE", nargs="+", type=Path, help="result files")
    p.add_argument("--as", dest="username", required=True, help="the finance officer")
    p = sub.add_parser("bank-return", help="record a paid line the bank returned (退回)")
    p.add_argument("reference", metavar="REF", help="the line reference L<line>-<n>")
    p.add_argument("--on", required=True, help="the day the money came back, YYYY-MM-DD")
    p.add_argument("--reason", required=True, help="the bank's reason code (account_closed, …)")
    p.add_argument("--note", default="", help="a note")
    p.add_argument("--as", dest="username", required=True, help="the finance officer")
    p = sub.add_parser("repayment", help="record a beneficiary's repayment of an overpayment")
    p.add_argument("recovery_id", metavar="RECOVERY_ID", help="the recovery's id")
    p.add_argument("--amount", required=True, help="yuan with two decimals, e.g. 120.00")
    p.add_argument("--receipt", required=True, help="the receipt's number")
    p.add_argument("--on", required=True, help="the day the money was received, YYYY-MM-DD")
    p.add_argument("--note", default="", help="a note")
    p.add_argument("--as", dest="username", required=True, help="the finance officer")


def _refusal(exc: ServiceError) -> CommandError:
    lines = [f"[{exc.code}] {exc.message}"]
    for p in exc.problems[:20]:
        row = f" row {p.row}" if p.row else ""
        lines.append(f"  {p.field}{row}: {p.message} ({p.code})")
    if len(exc.problems) > 20:
        lines.append(f"  … and {len(exc.problems) - 20} more")
    return _fail("\n".join(lines))


def handle(action: str, options: dict[str, Any], stdout) -> None:
    actor = _actor(options["username"])
    if action == "bank-files":
        _bank_files(actor, options, stdout)
    elif action == "bank-results":
        _bank_results(actor, options, stdout)
    else:
        _refund(action, actor, options, stdout)


def _refund(action: str, actor, options, stdout) -> None:
    import datetime as dt

    from safetynet.payments.bank_format import yuan_to_fen
    from safetynet.payments.refunds import refund_bank_return, refund_repayment

    try:
        on = dt.date.fromisoformat(str(options["on"]))
    except ValueError:
        raise _fail(f"--on: {options['on']!r} is not a date YYYY-MM-DD") from None
    try:
        if action == "bank-return":
            refund = refund_bank_return(
                actor=actor,
                reference=options["reference"],
                on=on,
                reason=options["reason"],
                note=options["note"],
            )
            stdout.write(
                f"{refund.reference}: {_yuan(refund.amount_fen)} yuan returned by the bank "
                f"({refund.reason}); line {refund.line_id} waits for a corrected account"
            )
            return
        rid = str(options["recovery_id"])
        if not rid.isascii() or not rid.isdigit():
            raise _fail(f"RECOVERY_ID: {rid!r} is not a recovery id (a positive number)")
        try:
            amount = yuan_to_fen(str(options["amount"]))
        except ValueError:
            raise _fail(f"--amount: {options['amount']!r} is not yuan with two decimals") from None
        refund = refund_repayment(
            actor=actor,
            recovery_id=int(rid),
            amount_fen=amount,
            on=on,
            receipt=options["receipt"],
            note=options["note"],
        )
        recovery = refund.recovery
        stdout.write(
            f"recovery {recovery.pk}: {_yuan(refund.amount_fen)} yuan paid back "
            f"(receipt {refund.reference}); {recovery.status}"
        )
    except ServiceError as exc:
        raise _refusal(exc) from None


def _bank_files(actor, options, stdout) -> None:
    from safetynet.payments.bank_selectors import bank_files_of
    from safetynet.payments.bank_services import bank_files_make
    from safetynet.payments.models import Payroll

    pid = str(options["payroll_id"])
    if not pid.isascii() or not pid.isdigit():
        raise _fail(f"ID: {pid!r} is not a payroll id (a positive number)")
    fmt = options["fmt"]
    if fmt not in ("xlsx", "csv"):
        raise _fail(f"--format: {fmt!r}: use xlsx or csv")
    try:
        payroll = Payroll.objects.get(pk=int(pid))
    except Payroll.DoesNotExist:
        raise _fail(f"ID: no payroll {pid}") from None
    out: Path = options["out"]
    try:
        if payroll.status == "approved":
            report = bank_files_make(actor=actor, payroll=payroll, fmt=fmt)
            files = report.files
            stdout.write(
                f"payroll {payroll.month}: {len(files)} file(s), {report.lines:,} line(s), "
                f"{_yuan(report.total_fen)} yuan; held without an account: {len(report.held):,}; "
                f"sent again after an account change: {report.resent:,}"
            )
        else:
            files = list(bank_files_of(actor=actor, payroll=payroll))
            if not files:
                raise _fail(
                    f"ID: payroll {payroll.month} is {payroll.status}: bank files are made once "
                    "it is approved"
                )
            stdout.write(f"payroll {payroll.month}: the {len(files)} file(s) made before")
    except ServiceError as exc:
        raise _refusal(exc) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(f"--out: {exc}") from None
    for bf in files:
        target = out / f"{bf.reference}.{bf.format}"
        with bf.file.open("rb") as fh:
            target.write_bytes(fh.read())
        stdout.write(f"  {target}: {bf.bank_name} {bf.count:,} line(s) {_yuan(bf.total_fen)} yuan")


def _bank_results(actor, options, stdout) -> None:
    from safetynet.payments.bank_services import bank_results_import

    files = []
    for path in options["files"]:
        try:
            if path.stat().st_size > MAX_RESULT_BYTES:
                raise _fail(f"{path}: larger than {MAX_RESULT_BYTES // 2**20} MB")
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            raise _fail(f"{path}: {exc.strerror or exc}") from None
    try:
        report = bank_results_import(actor=actor, files=files)
    except ServiceError as exc:
        raise _refusal(exc) from None
    for rf in report.files:
        stdout.write(
            f"{rf.original_name}: {rf.bank_file.reference} {rf.lines:,} line(s): "
            f"{rf.paid:,} paid, {rf.failed:,} failed"
        )
    stdout.write(
        f"paid {report.paid:,} ({_yuan(report.paid_fen)} yuan), failed {report.failed:,} "
        f"({_yuan(report.failed_fen)} yuan)"
        + (
            f", returned {report.returned:,} ({_yuan(report.returned_fen)} yuan)"
            if report.returned
            else ""
        )
    )
    for month in report.payrolls_complete:
        stdout.write(f"payroll {month}: every line answered (results_in)")


__all__ = ["ACTIONS", "add_parsers", "handle"]
