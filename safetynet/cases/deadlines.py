"""Due dates of a case from the dated `casework.*` parameters and the official working-day
calendar (POLICY §8, docs/calendar.md). The value of a limit is the one in force on the day of
the event that starts it. A date beyond the calendar's known years is refused, never guessed."""

from __future__ import annotations

import datetime as dt

from safetynet.rules.parameters import load_parameters
from safetynet.workdays import CalendarError, add_workdays, workdays_between

from . import errors as E


def limit(name: str, on: dt.date) -> int:
    """The value of `casework.<name>` in force on `on`."""
    return int(load_parameters().at(f"casework.{name}", on).value)


def _add(day: dt.date, n: int) -> dt.date:
    try:
        return add_workdays(day, n)
    except CalendarError as exc:
        raise E.ServiceError(E.CALENDAR_YEAR_UNKNOWN, str(exc)) from None


def investigation_due(accepted_on: dt.date) -> dt.date:
    return _add(accepted_on, limit("investigation_workdays", accepted_on))


def total_due(accepted_on: dt.date, *, extended: bool = False) -> dt.date:
    name = "total_extended_workdays" if extended else "total_workdays"
    return _add(accepted_on, limit(name, accepted_on))


def notice_ends(posted_on: dt.date) -> dt.date:
    """The last day of the public notice: calendar days, the posting day not counted."""
    return posted_on + dt.timedelta(days=limit("notice_days", posted_on))


def decision_due(notice_end: dt.date) -> dt.date:
    return _add(notice_end, limit("decision_workdays", notice_end))


def refusal_notice_due(decided_on: dt.date) -> dt.date:
    return _add(decided_on, limit("refusal_notice_workdays", decided_on))


def workdays_left(today: dt.date, due: dt.date) -> int:
    """Working days after today up to due (negative: overdue by that many)."""
    try:
        return workdays_between(today, due)
    except CalendarError as exc:
        raise E.ServiceError(E.CALENDAR_YEAR_UNKNOWN, str(exc)) from None


def start_month_after(day: dt.date) -> str:
    """The first benefit month: the month after `day` (POLICY §3), as YYYY-MM."""
    y, m = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return f"{y:04d}-{m:02d}"
