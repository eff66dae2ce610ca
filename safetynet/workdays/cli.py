"""``safetynet calendar ...``: the working-day calendar on the command line (no Django needed).

- ``add-workdays DATE N``: the date N working days after DATE (DATE not counted).
- ``workdays DATE1 DATE2``: the working days after DATE1 up to and including DATE2.
- ``years``: the known years and the source of each.
- ``check FILE``: validate a bureau data file.

Invalid input (a malformed date, a negative N, a date outside the known years, an invalid data
file) → a message naming the argument on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from .calendar import YEAR_UNKNOWN, CalendarError, WorkdayCalendar, calendar_dir, load_calendar

EXIT_INVALID = 2
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: str) -> dt.date:
    try:
        if not _DATE_RE.match(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _days(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{n} is negative; give 0 or more working days")
    return n


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="safetynet calendar",
        description="China's working-day calendar: statutory holidays and adjusted working days "
        "(chinesecalendar package + the bureau's data files). See docs/calendar.md.",
    )
    ap.add_argument(
        "--calendar-dir",
        type=Path,
        metavar="DIR",
        help="folder of the bureau's data files (default: SAFETYNET_CALENDAR_DIR, else "
        "$SAFETYNET_DATA_DIR/calendar)",
    )
    sub = ap.add_subparsers(
        dest="action", required=True, metavar="{add-workdays,workdays,years,check}"
    )
    add = sub.add_parser(
        "add-workdays",
        help="print the date N working days after DATE",
        description="Print the date N working days after DATE; DATE itself is not counted "
        "(N = 0 prints DATE).",
    )
    add.add_argument("date", type=_date, metavar="DATE", help="the day of the event, YYYY-MM-DD")
    add.add_argument("n", type=_days, metavar="N", help="working days, 0 or more")
    between = sub.add_parser(
        "workdays",
        help="print the number of working days after DATE1 up to and including DATE2",
        description="Print the number of working days after DATE1 up to and including DATE2 "
        "(negative when DATE2 is before DATE1).",
    )
    between.add_argument("date1", type=_date, metavar="DATE1", help="YYYY-MM-DD (not counted)")
    between.add_argument("date2", type=_date, metavar="DATE2", help="YYYY-MM-DD (counted)")
    sub.add_parser(
        "years",
        help="list the known years and their source",
        description="List the known years "
        "and the source of each (the chinesecalendar package or a bureau file).",
    )
    check = sub.add_parser(
        "check",
        help="validate a bureau data file",
        description="Validate a bureau data file (one year's arrangement, YAML); print a summary, "
        "or the problem with its line.",
    )
    check.add_argument("file", type=Path, metavar="FILE", help="the YAML file")
    return ap


def _unknown(e: CalendarError, args: list[tuple[str, dt.date]]) -> str:
    """Name the argument whose year is unknown (or both, for a gap between them)."""
    for name, day in args:
        if e.year == day.year:
            return f"error: {name}: {e}"
    return f"error: {', '.join(n for n, _ in args)}: {e}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = _parser()
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) and EXIT_INVALID
    out = sys.stdout
    if args.action == "check":
        from .datafile import load_file

        try:
            a = load_file(args.file)
        except CalendarError as e:
            print(f"error: FILE: {e}", file=sys.stderr)
            return EXIT_INVALID
        off = sorted(d for d in a.holidays if d.weekday() < 5)
        print(
            f"{args.file}: OK — {a.year}: {len(a.holidays)} holiday days "
            f"({len(off)} on weekdays), {len(a.workdays)} adjusted working days "
            f"({', '.join(d.isoformat() for d in sorted(a.workdays)) or 'none'})",
            file=out,
        )
        return 0
    try:
        cal: WorkdayCalendar = load_calendar(args.calendar_dir)
    except CalendarError as e:
        print(f"error: calendar folder: {e}", file=sys.stderr)
        return EXIT_INVALID
    if args.action == "years":
        folder = args.calendar_dir or calendar_dir()
        print(f"# bureau files: {folder}", file=out)
        for year, source in cal.sources().items():
            print(f"{year}\t{source}", file=out)
        return 0
    try:
        if args.action == "add-workdays":
            result: object = cal.add_workdays(args.date, args.n)
            print(result.isoformat(), file=out)  # type: ignore[attr-defined]
        else:
            print(cal.workdays_between(args.date1, args.date2), file=out)
    except CalendarError as e:
        if e.code != YEAR_UNKNOWN:
            print(f"error: {e}", file=sys.stderr)
        elif args.action == "add-workdays" and e.year != args.date.year:
            print(f"error: N: {args.n} working days after {args.date} run into {e.year}: {e}",
                  file=sys.stderr)  # fmt: skip
        elif args.action == "add-workdays":
            print(f"error: DATE: {e}", file=sys.stderr)
        else:
            print(_unknown(e, [("DATE1", args.date1), ("DATE2", args.date2)]), file=sys.stderr)
        return EXIT_INVALID
    return 0


if __name__ == "__main__":
    sys.exit(main())
