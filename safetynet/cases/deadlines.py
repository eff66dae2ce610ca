"""Due dates of a case from the dated `casework.*` parameters and the official working-day
calendar (POLICY §8, docs/calendar.md). The value of a limit is the one in force on the day of
the event that starts it. A deadline that runs into a year the calendar does not know yet is
**pending** (`None`), never guessed: the step goes on, and `cases_deadlines_fill` computes it from
the same event date once the bureau adds the year (ADR 0814)."""

from __future__ import annotations

import datetime as dt

from safetynet.rules.parameters import load_parameters
from safetynet.workdays import CalendarError, add_workdays, known_years, workdays_between

from . import errors as E


def limit(name: str, on: dt.date) -> int:
    """The value of `casework.<name>` in force on `on`."""
    return int(load_parameters().at(f"casework.{name}", on).value)


def due_after(day: dt.date, n: int) -> dt.date | None:
    """n working days after `day`, or None (pending) when the count runs into a year the
    calendar does not know yet. The one place where "unknown year" becomes "pending" (ADR 0814):
    a caller storing the result keeps a NULL date and records the awaited year."""
    try:
        return add_workdays(day, n)
    except CalendarError as exc:
        if exc.code == E.CALENDAR_YEAR_UNKNOWN:
            return None
        raise E.ServiceError(exc.code, str(exc)) from None


def awaited_year(start: dt.date) -> int:
    """The year a deadline counted forward from `start` waits for: the first year from
    `start`'s on that the calendar does not know."""
    known = set(known_years())
    year = start.year
    while year in known:
        year += 1
    return year


def investigation_due(accepted_on: dt.date) -> dt.date | None:
    return due_after(accepted_on, limit("investigation_workdays", accepted_on))


def total_due(accepted_on: dt.date, *, extended: bool = False) -> dt.date | None:
    name = "total_extended_workdays" if extended else "total_workdays"
    return due_after(accepted_on, limit(name, accepted_on))


def notice_ends(posted_on: dt.date) -> dt.date:
    """The last day of the public notice: calendar days, the posting day not counted."""
    return posted_on + dt.timedelta(days=limit("notice_days", posted_on))


def decision_due(notice_end: dt.date) -> dt.date | None:
    return due_after(notice_end, limit("decision_workdays", notice_end))


def refusal_notice_due(decided_on: dt.date) -> dt.date | None:
    return due_after(decided_on, limit("refusal_notice_workdays", decided_on))


def workdays_left(today: dt.date, due: dt.date) -> int | None:
    """Working days after today up to due (negative: overdue by that many); None when the count
    crosses a year this process's calendar does not know (a due date filled by another process
    that already loaded the year's file: the server is restarted after adding one)."""
    try:
        return workdays_between(today, due)
    except CalendarError as exc:
        if exc.code == E.CALENDAR_YEAR_UNKNOWN:
            return None
        raise E.ServiceError(exc.code, str(exc)) from None


def start_month_after(day: dt.date) -> str:
    """The first benefit month: the month after `day` (POLICY §3), as YYYY-MM."""
    y, m = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return f"{y:04d}-{m:02d}"
