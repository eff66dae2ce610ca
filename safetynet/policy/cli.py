"""`safetynet rules parameters …`: the bureau's parameter changes from the command line (ADR 1400).

- ``set NAME --from DATE --value V --reference TEXT --as USER [--kind K] [--reference-date D]``:
  propose a change (kind ``new_value`` by default, ``confirmation`` or ``correction``). Money is
  in yuan (``850`` or ``850.50``); the reference is the document number, with its date either in
  the text (``"厦民〔2020〕12号 2020-05-20"``) or given by ``--reference-date``.
- ``approve ID --as USER [--note TEXT]``, ``reject ID --reason TEXT --as USER``: decide a
  proposal (another city officer than its author).
- ``list [--status S]``: the changes, newest first.

Bad input or a refusal → the reason on stderr (with the field), exit 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from safetynet.core.errors import ServiceError

EXIT_INVALID = 2
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*$")


class _Fail(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with argparse's own message, as everywhere
        raise _Fail(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="safetynet rules parameters", description="Parameter changes (ADR 1400).")
    sub = ap.add_subparsers(dest="action", required=True, parser_class=_Parser)
    s = sub.add_parser("set", help="propose a change of one parameter")
    s.add_argument("name", help="dotted parameter name, e.g. dibao.standard")
    s.add_argument("--from", dest="effective", required=True, help="effective date YYYY-MM-DD")
    s.add_argument("--value", help="the value in the parameter's unit (money in yuan)")
    s.add_argument("--reference", required=True, help="document number [and date]")
    s.add_argument("--reference-date", help="document date YYYY-MM-DD (else from --reference)")
    s.add_argument(
        "--kind", default="new_value", choices=("new_value", "confirmation", "correction")
    )
    s.add_argument("--note", default="", help="why (shown to the approver)")
    s.add_argument("--as", dest="username", required=True, help="the proposing user")
    a = sub.add_parser("approve", help="approve a proposed change")
    a.add_argument("id", help="the change's number")
    a.add_argument("--note", default="")
    a.add_argument("--as", dest="username", required=True, help="the approving user")
    r = sub.add_parser("reject", help="reject a proposed change")
    r.add_argument("id", help="the change's number")
    r.add_argument("--reason", required=True)
    r.add_argument("--as", dest="username", required=True, help="the deciding user")
    ls = sub.add_parser("list", help="the changes, newest first")
    ls.add_argument("--status", choices=("proposed", "approved", "rejected"))
    return ap


def _actor(username: str):
    from safetynet.accounts.models import User

    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise _Fail(f"--as: no active user {username!r}") from None


def _refusal(e: ServiceError) -> str:
    field = f" (field {e.problems[0].field})" if e.problems else ""
    return f"[{e.code}] {e.message}{field}"


def _set(args) -> str:
    from .services import propose_change

    number, ref_date = args.reference.strip(), args.reference_date
    if ref_date is None:
        m = _DATE_RE.search(number)
        if not m:
            raise _Fail(
                "--reference: give the document's date, at the end of the text "
                '("厦民〔2020〕12号 2020-05-20") or with --reference-date'
            )
        ref_date, number = m.group(1), number[: m.start()].strip()
    row = propose_change(
        _actor(args.username),
        name=args.name,
        kind=args.kind,
        effective=args.effective,
        value=args.value,
        reference_number=number,
        reference_date=ref_date,
        note=args.note,
    )
    shown = row.value or "(confirmed as shipped)"
    return (
        f"change #{row.pk} proposed: {row.name} = {shown} from {row.effective} "
        f"({row.kind}; {row.reference}); awaiting approval by another city officer"
    )


def _decide(args) -> str:
    from .services import approve_change, reject_change

    actor = _actor(args.username)
    if args.action == "approve":
        row = approve_change(actor, args.id, note=args.note)
    else:
        row = reject_change(actor, args.id, args.reason)
    out = f"change #{row.pk} {row.status}: {row.name} from {row.effective}"
    a = getattr(row, "retroactive", None) if args.action == "approve" else None
    if a is not None:  # a retroactive change reaching paid months (ADR 1431)
        from safetynet.rules.money import yuan

        out += (
            f"\nretroactive over {', '.join(a.months)}: {a.households} households, arrears "
            f"{yuan(a.arrears_fen)} yuan, overpaid {yuan(a.overpayment_fen)} yuan; the next "
            f"payroll pays them (list: /rules/arrears/{row.pk}/)"
        )
    return out


def _list(args) -> str:
    from .selectors import changes_list

    lines = [
        f"#{c.pk}\t{c.status}\t{c.name}\t{c.kind}\t{c.effective}\t{c.value}\t{c.reference}\t"
        f"{c.author.username}\t{c.approver.username if c.approver else ''}"
        for c in changes_list(args.status)
    ]
    return "\n".join(lines) if lines else "no parameter changes"


def parameters_main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(list(argv or []))
        out = {"set": _set, "approve": _decide, "reject": _decide, "list": _list}[args.action](args)
    except _Fail as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except ServiceError as e:
        print(f"error: {_refusal(e)}", file=sys.stderr)
        return EXIT_INVALID
    print(out)
    return 0
