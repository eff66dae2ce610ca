"""China's working-day calendar (工作日历): statutory holidays and adjusted working days (调休).

Pure Python, no Django. Two sources, year by year:

- the ``chinesecalendar`` package (shipped): the State Council's arrangements of the years it knows;
- the bureau's data files (``*.yaml`` in the calendar folder, see :mod:`.datafile`): one file per
  year, the official arrangement of that year. A file **replaces** the package for its year, so
  the bureau can add next year's arrangement (or correct a year) without a code change.

A year that neither source knows is *unknown*: any question touching it is refused with
:class:`CalendarError` code ``calendar_year_unknown`` — never guessed as Monday to Friday.

Counting convention (POLICY §8: "the day of the event is not counted"):

- ``add_workdays(d, n)``: the n-th working day **after** ``d`` (``d`` itself never counts, whether
  it is a working day or not); for n ≥ 1 the result is a working day; ``add_workdays(d, 0) == d``.
- ``workdays_between(d1, d2)``: the number of working days ``w`` with ``d1 < w <= d2``; negative
  (``-workdays_between(d2, d1)``) when ``d2 < d1``. Hence
  ``workdays_between(d, add_workdays(d, n)) == n``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Stable error codes (the cases app and the UI translate these).
YEAR_UNKNOWN = "calendar_year_unknown"
NEGATIVE_DAYS = "calendar_negative_days"
BAD_DATE = "calendar_bad_date"
BAD_FILE = "calendar_bad_file"

PACKAGE_SOURCE = "chinesecalendar"


class CalendarError(ValueError):
    """A refused calendar question or an invalid data file.

    ``code`` is stable (``calendar_year_unknown``, ``calendar_negative_days``,
    ``calendar_bad_date``, ``calendar_bad_file``); ``year`` is set for an unknown year; ``path``
    and ``line`` for a data file problem.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        year: int | None = None,
        path: str | None = None,
        line: int | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.year = year
        self.path = path
        self.line = line


@dataclass(frozen=True)
class YearArrangement:
    """One year's official arrangement: days off on weekdays and weekend days worked.

    ``holidays`` are the statutory holiday days (weekend days inside a holiday period may be
    listed too; they are off either way); ``workdays`` are the adjusted working days (调休上班),
    always a Saturday or Sunday. ``names`` gives the holiday's name per date, for display.
    """

    year: int
    source: str
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    names: Mapping[dt.date, str]

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _as_date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise CalendarError(BAD_DATE, f"{what}: expected a date, got {value!r}")


def package_arrangements() -> dict[int, YearArrangement]:
    """Every year the ``chinesecalendar`` package knows, as arrangements."""
    from chinese_calendar import constants

    by_year: dict[int, tuple[set, set, dict]] = {}
    first = min(constants.holidays).year
    last = max(constants.holidays).year
    for y in range(first, last + 1):
        by_year[y] = (set(), set(), {})
    for day, holiday in constants.holidays.items():
        hs, _, names = by_year[day.year]
        hs.add(day)
        names[day] = str(holiday)
    for day, holiday in constants.workdays.items():
        _, ws, names = by_year[day.year]
        ws.add(day)
        names[day] = str(holiday)
    return {
        y: YearArrangement(y, PACKAGE_SOURCE, frozenset(h), frozenset(w), names)
        for y, (h, w, names) in by_year.items()
    }


class WorkdayCalendar:
    """The working days of the known years; immutable once built."""

    def __init__(self, arrangements: Iterable[YearArrangement]):
        self._years: dict[int, YearArrangement] = {a.year: a for a in arrangements}
        if not self._years:
            raise CalendarError(YEAR_UNKNOWN, "the calendar knows no year at all")
        # Ordinals of every working day of the known years, sorted: counting is a bisect.
        ordinals: list[int] = []
        for y in sorted(self._years):
            a = self._years[y]
            start = dt.date(y, 1, 1).toordinal()
            end = dt.date(y, 12, 31).toordinal()
            ordinals.extend(
                o for o in range(start, end + 1) if a.is_workday(dt.date.fromordinal(o))
            )
        self._workdays = ordinals

    # -- what is known ----------------------------------------------------------------------
    def known_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._years))

    def sources(self) -> dict[int, str]:
        """{year: source}: ``chinesecalendar`` or the bureau file's path."""
        return {y: self._years[y].source for y in sorted(self._years)}

    def arrangement(self, year: int) -> YearArrangement:
        self._check_year(year)
        return self._years[year]

    def _check_year(self, year: int) -> None:
        if year not in self._years:
            years = self.known_years()
            ranges = _ranges(years)
            raise CalendarError(
                YEAR_UNKNOWN,
                f"the working-day calendar of {year} is not known (known years: {ranges}); "
                f"add the State Council's arrangement of {year} as a data file in the calendar "
                "folder (SAFETYNET_CALENDAR_DIR, see docs/calendar.md)",
                year=year,
            )

    def _check_span(self, first: dt.date, last: dt.date) -> None:
        for y in range(first.year, last.year + 1):
            self._check_year(y)

    # -- questions ------------------------------------------------------------------------------
    def is_workday(self, day: dt.date) -> bool:
        day = _as_date(day, "date")
        self._check_year(day.year)
        return self._years[day.year].is_workday(day)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (``day`` not counted); ``day`` itself for n = 0."""
        day = _as_date(day, "date")
        if isinstance(n, bool) or not isinstance(n, int):
            raise CalendarError(NEGATIVE_DAYS, f"n: expected a whole number of days, got {n!r}")
        if n < 0:
            raise CalendarError(NEGATIVE_DAYS, f"n: must not be negative, got {n}")
        self._check_year(day.year)
        if n == 0:
            return day
        i = bisect.bisect_right(self._workdays, day.toordinal()) + n - 1
        if i >= len(self._workdays):
            self._check_year(max(self._years) + 1)  # raises: runs past the last known year
        result = dt.date.fromordinal(self._workdays[i])
        self._check_span(day, result)  # a gap between known years is refused, not skipped
        return result

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days ``w`` with ``start < w <= end``; negative when ``end < start``."""
        start = _as_date(start, "start")
        end = _as_date(end, "end")
        if end < start:
            return -self.workdays_between(end, start)
        self._check_span(start, end)
        lo = bisect.bisect_right(self._workdays, start.toordinal())
        hi = bisect.bisect_right(self._workdays, end.toordinal())
        return hi - lo


def _ranges(years: Iterable[int]) -> str:
    """2004–2026, 2028 (compact list of years)."""
    out: list[str] = []
    run: list[int] = []
    for y in sorted(years):
        if run and y == run[-1] + 1:
            run.append(y)
            continue
        if run:
            out.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [y]
    if run:
        out.append(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out) or "none"


def calendar_dir() -> Path:
    """The bureau's calendar folder: ``SAFETYNET_CALENDAR_DIR``, else
    ``$SAFETYNET_DATA_DIR/calendar`` (``SAFETYNET_DATA_DIR`` defaults to the checkout's ``var``,
    as in the settings)."""
    explicit = os.environ.get("SAFETYNET_CALENDAR_DIR")
    if explicit:
        return Path(explicit)
    data = os.environ.get("SAFETYNET_DATA_DIR")
    base = Path(data) if data else Path(__file__).resolve().parents[2] / "var"
    return base / "calendar"


def load_calendar(directory: Path | str | None = None) -> WorkdayCalendar:
    """The package's years, each replaced or extended by the bureau's files in ``directory``
    (default :func:`calendar_dir`; a missing folder means no bureau files). Invalid files raise
    :class:`CalendarError` ``calendar_bad_file`` naming the file, the line and the problem."""
    from .datafile import load_dir

    years = package_arrangements()
    folder = calendar_dir() if directory is None else Path(directory)
    for arrangement in load_dir(folder):
        years[arrangement.year] = arrangement
    return WorkdayCalendar(years.values())


@functools.cache
def default_calendar() -> WorkdayCalendar:
    """The calendar of this process (package + the configured folder), loaded once.
    ``default_calendar.cache_clear()`` reloads it (tests, or after the bureau adds a file)."""
    return load_calendar()


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day on the official calendar."""
    return default_calendar().is_workday(day)


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The n-th working day after ``day`` (the day of the event not counted)."""
    return default_calendar().add_workdays(day, n)


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end < start``)."""
    return default_calendar().workdays_between(start, end)


def known_years() -> tuple[int, ...]:
    """The years the calendar knows, ascending."""
    return default_calendar().known_years()
