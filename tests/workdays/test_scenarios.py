"""Deadlines across Spring Festival and National Day, hand-computed from the State Council's
arrangements (国办发明电): holidays, and the adjusted working Saturdays/Sundays (调休上班)."""

import datetime as dt

import pytest

from safetynet.workdays import (
    YEAR_UNKNOWN,
    CalendarError,
    add_workdays,
    is_workday,
    known_years,
    workdays_between,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 2, 4), True),  # Sunday worked before Spring Festival 2024
        (D(2024, 2, 9), True),  # 除夕 2024: not a holiday that year
        (D(2024, 2, 12), False),  # Monday in Spring Festival
        (D(2024, 2, 18), True),  # Sunday worked after Spring Festival 2024
        (D(2024, 9, 29), True),  # Sunday worked before National Day 2024
        (D(2024, 10, 7), False),
        (D(2024, 10, 12), True),  # Saturday worked after National Day 2024
        (D(2025, 1, 26), True),  # Sunday worked before Spring Festival 2025
        (D(2025, 2, 4), False),  # Tuesday, last day of Spring Festival 2025
        (D(2025, 2, 8), True),  # Saturday worked
        (D(2025, 9, 28), True),  # Sunday worked before National Day + Mid-Autumn 2025
        (D(2025, 10, 8), False),  # Wednesday, 8th day of the 2025 holiday
        (D(2025, 10, 11), True),  # Saturday worked
        (D(2025, 10, 12), False),  # an ordinary Sunday
        (D(2026, 2, 14), True),  # Saturday worked before Spring Festival 2026
        (D(2026, 2, 23), False),  # Monday, 9th day of Spring Festival 2026
        (D(2026, 2, 28), True),  # Saturday worked
        (D(2026, 9, 20), True),  # Sunday worked before National Day 2026
        (D(2026, 9, 25), False),  # Friday, Mid-Autumn 2026
        (D(2026, 10, 10), True),  # Saturday worked
    ],
)
def test_official_days(day, expected):
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("event", "n", "due", "why"),
    [
        # 2024 Spring Festival: off 10–17 Feb; Sun 4 Feb and Sun 18 Feb worked.
        (D(2024, 2, 8), 1, D(2024, 2, 9), "除夕 is worked in 2024"),
        (D(2024, 2, 8), 2, D(2024, 2, 18), "the adjusted Sunday after the holiday"),
        (D(2024, 2, 8), 3, D(2024, 2, 19), ""),
        (D(2024, 2, 2), 15, D(2024, 2, 28), "investigation: accepted Fri 2 Feb 2024"),
        # 2024 National Day: off 1–7 Oct; Sun 29 Sep and Sat 12 Oct worked.
        (D(2024, 9, 27), 1, D(2024, 9, 29), "the adjusted Sunday before National Day"),
        (D(2024, 9, 27), 10, D(2024, 10, 16), "decision: notice ended Fri 27 Sep 2024"),
        # 2025 Spring Festival: off 28 Jan–4 Feb; Sun 26 Jan and Sat 8 Feb worked.
        (D(2025, 1, 24), 10, D(2025, 2, 13), "decision: notice ended Fri 24 Jan 2025"),
        (D(2025, 1, 27), 3, D(2025, 2, 7), "refusal notified: decided Mon 27 Jan 2025"),
        # 2025 National Day + Mid-Autumn: off 1–8 Oct; Sun 28 Sep and Sat 11 Oct worked.
        (D(2025, 9, 26), 1, D(2025, 9, 28), "the adjusted Sunday"),
        (D(2025, 9, 26), 15, D(2025, 10, 23), "investigation: accepted Fri 26 Sep 2025"),
        (D(2025, 9, 26), 30, D(2025, 11, 13), "whole case: accepted Fri 26 Sep 2025"),
        # 2026 Spring Festival: off 15–23 Feb; Sat 14 Feb and Sat 28 Feb worked.
        (D(2026, 2, 12), 3, D(2026, 2, 24), "Fri 13, Sat 14 (worked), Tue 24"),
        (D(2026, 2, 24), 4, D(2026, 2, 28), "the adjusted Saturday after the holiday"),
        # 2026 Mid-Autumn (Fri 25 Sep) and National Day (1–7 Oct); Sun 20 Sep, Sat 10 Oct worked.
        (D(2026, 9, 18), 10, D(2026, 10, 9), "decision: notice ended Fri 18 Sep 2026"),
        (D(2026, 9, 30), 1, D(2026, 10, 8), ""),
        (D(2026, 9, 30), 3, D(2026, 10, 10), "the adjusted Saturday"),
        (D(2026, 10, 3), 5, D(2026, 10, 13), "emergency grant on a holiday: formalities"),
        (D(2026, 10, 3), 0, D(2026, 10, 3), "zero days: the day itself"),
    ],
)
def test_deadlines(event, n, due, why):
    assert add_workdays(event, n) == due, why
    assert workdays_between(event, due) == n


def test_between_counts_after_start_up_to_and_including_end():
    # Fri 26 Sep 2025 → Sat 11 Oct 2025: Sun 28, Mon 29, Tue 30 Sep, Thu 9, Fri 10, Sat 11 Oct.
    assert workdays_between(D(2025, 9, 26), D(2025, 10, 11)) == 6
    assert workdays_between(D(2025, 10, 11), D(2025, 9, 26)) == -6
    assert workdays_between(D(2025, 10, 1), D(2025, 10, 8)) == 0  # all holiday
    assert workdays_between(D(2025, 10, 9), D(2025, 10, 9)) == 0


def test_plain_weekdays_would_be_wrong():
    """The point of the calendar: Mon–Fri counting gives another day around the holidays."""
    naive = D(2024, 2, 2)
    for _ in range(15):
        naive += dt.timedelta(days=3 if naive.weekday() == 4 else 1)
    assert naive == D(2024, 2, 23)
    assert add_workdays(D(2024, 2, 2), 15) == D(2024, 2, 28)


def test_beyond_known_years_is_refused_not_guessed():
    last = known_years()[-1]
    with pytest.raises(CalendarError) as e:
        is_workday(D(last + 1, 1, 4))
    assert e.value.code == YEAR_UNKNOWN and e.value.year == last + 1
    assert f"{last + 1} is not known" in str(e.value)
    with pytest.raises(CalendarError) as e:
        add_workdays(D(last, 12, 20), 15)  # runs into the next year
    assert e.value.code == YEAR_UNKNOWN and e.value.year == last + 1
    with pytest.raises(CalendarError) as e:
        workdays_between(D(last, 12, 1), D(last + 1, 1, 10))
    assert e.value.code == YEAR_UNKNOWN
    with pytest.raises(CalendarError) as e:
        is_workday(D(known_years()[0] - 1, 6, 1))
    assert e.value.code == YEAR_UNKNOWN


def test_negative_days_refused():
    with pytest.raises(CalendarError) as e:
        add_workdays(D(2025, 3, 3), -1)
    assert e.value.code == "calendar_negative_days"
    with pytest.raises(CalendarError):
        add_workdays(D(2025, 3, 3), 1.5)  # type: ignore[arg-type]


def test_package_years_known():
    years = known_years()
    assert {2024, 2025, 2026} <= set(years)
    assert years == tuple(range(years[0], years[-1] + 1))


def test_calendar_imports_no_django():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, datetime; from safetynet.workdays import add_workdays, cli, datafile; "
        "add_workdays(datetime.date(2025, 1, 2), 3); "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
