"""The payroll's steps after the draft on the command line (`safetynet payroll check|approve|
send-back|close ID --as USER`), added to the `payroll` command by `add_parsers` and run by
`handle`. Bad input or a refusal: exit 2, with the field or the code named."""

from __future__ import annotations

import argparse
from typing import Any

from safetynet.core.errors import ServiceError

from .cli_common import actor_named
from .cli_common import fail as _fail

ACTIONS = ("check", "approve", "send-back", "reconcile", "close")


def _payroll_id(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a payroll id (a positive number)")
    return int(value)


def add_parsers(sub) -> None:
    """Add the subcommands to the `payroll` command's subparsers."""

    def common(p) -> None:
        p.add_argument("payroll_id", metavar="ID", type=str, help="the payroll's id")
        p.add_argument("--as", dest="username", required=True, help="the user taking the step")

    p = sub.add_parser("check", help="check a draft payroll (not its preparer)")
    common(p)
    p.add_argument("--note", default="", help="a note for the timeline")
    p = sub.add_parser(
        "approve",
        help="approve your scope of a checked payroll (a district's lines, or the city's)",
    )
    common(p)
    p.add_argument("--scope", help="`city` or a district code (default: the one you approve)")
    p.add_argument(
        "--budget-override", action="store_true", help="the city's explicit budget override"
    )
    p.add_argument("--note", default="", help="a note for the timeline")
    p = sub.add_parser("send-back", help="send a checked payroll back to draft, with a reason")
    common(p)
    p.add_argument("--reason", required=True, help="why it goes back")
    p = sub.add_parser(
        "reconcile", help="reconcile a payroll whose bank results are all in (books agree)"
    )
    common(p)
    p = sub.add_parser("close", help="close a reconciled payroll")
    common(p)


def handle(action: str, options: dict[str, Any], stdout) -> None:

    from . import approval
    from .flow_errors import message_for

    try:
        payroll_id = _payroll_id(str(options["payroll_id"]))
    except argparse.ArgumentTypeError as exc:
        raise _fail(f"ID: {exc}") from None
    actor = actor_named(options["username"])
    try:
        if action == "check":
            payroll = approval.payroll_check(
                actor=actor, payroll_id=payroll_id, note=options.get("note") or ""
            )
            for scope, a in sorted((a.scope, a) for a in payroll.approvals.all()):
                stdout.write(f"{scope}\t{a.lines}\t{a.amount_fen}")
            stdout.write(f"payroll {payroll.month}: checked")
        elif action == "approve":
            a = approval.payroll_approve(
                actor=actor,
                payroll_id=payroll_id,
                scope=options.get("scope") or None,
                budget_override=bool(options.get("budget_override")),
                note=options.get("note") or "",
            )
            a.payroll.refresh_from_db()
            stdout.write(
                f"payroll {a.payroll.month}: {a.scope} approved ({a.lines} lines, "
                f"{a.amount_fen} fen); payroll {a.payroll.status}"
            )
        elif action == "send-back":
            payroll = approval.payroll_send_back(
                actor=actor, payroll_id=payroll_id, reason=options.get("reason") or ""
            )
            stdout.write(f"payroll {payroll.month}: back to draft")
        elif action == "reconcile":
            payroll = approval.payroll_reconcile(actor=actor, payroll_id=payroll_id)
            stdout.write(f"payroll {payroll.month}: reconciled")
        elif action == "close":
            payroll = approval.payroll_close(actor=actor, payroll_id=payroll_id)
            stdout.write(f"payroll {payroll.month}: closed")
        else:  # pragma: no cover - argparse limits the choices
            raise _fail(f"unknown action {action!r}")
    except ServiceError as exc:
        field = f"{exc.problems[0].field}: " if exc.problems else ""
        raise _fail(f"{field}[{exc.code}] {message_for(exc)} ({exc.message})") from None
