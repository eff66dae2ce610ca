"""System checks of the working-day calendar (`safetynet check`, and before `migrate`/`runserver`).

- ``safetynet.E801``: a bureau data file in the calendar folder is invalid (file, line, problem);
  every deadline computation would be refused until it is fixed.
- ``safetynet.W802``: the year of the day 90 days from now is not known yet: deadlines running
  into it are pending (cases go on, their due dates unset, ADR 0814) and the calendar commands
  refuse them; add the State Council's arrangement (docs/calendar.md).
"""

import datetime as dt

from django.core.checks import Error, Warning, register

LOOKAHEAD = dt.timedelta(days=90)


@register()
def calendar_check(app_configs=None, **kwargs):
    from safetynet.workdays import CalendarError, calendar_dir, load_calendar

    try:
        cal = load_calendar()
    except CalendarError as e:
        return [Error(str(e), hint="fix the file, or check it with `safetynet calendar check FILE`",
                      id="safetynet.E801")]  # fmt: skip
    ahead = (dt.date.today() + LOOKAHEAD).year
    if ahead not in cal.known_years():
        return [
            Warning(
                f"the working-day calendar of {ahead} is not known; case deadlines running into "
                "it are pending until it is added",
                hint=f"add the State Council's arrangement of {ahead} as {calendar_dir()}/"
                f"{ahead}.yaml (docs/calendar.md)",
                id="safetynet.W802",
            )
        ]
    return []
