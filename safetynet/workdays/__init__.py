"""China's official working-day calendar for casework deadlines (see docs/calendar.md).

Pure Python (no Django)::

    from safetynet.workdays import add_workdays, workdays_between, is_workday, CalendarError
    due = add_workdays(accepted_on, 15)          # the day of the event not counted
    left = workdays_between(today, due)          # working days after today up to due (<0: late)
"""

from .calendar import (
    BAD_DATE,
    BAD_FILE,
    NEGATIVE_DAYS,
    PACKAGE_SOURCE,
    YEAR_UNKNOWN,
    CalendarError,
    WorkdayCalendar,
    YearArrangement,
    add_workdays,
    calendar_dir,
    default_calendar,
    is_workday,
    known_years,
    load_calendar,
    workdays_between,
)

__all__ = [
    "BAD_DATE",
    "BAD_FILE",
    "NEGATIVE_DAYS",
    "PACKAGE_SOURCE",
    "YEAR_UNKNOWN",
    "CalendarError",
    "WorkdayCalendar",
    "YearArrangement",
    "add_workdays",
    "calendar_dir",
    "default_calendar",
    "is_workday",
    "known_years",
    "load_calendar",
    "workdays_between",
]
