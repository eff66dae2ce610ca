"""Properties of the counting convention, over the package's years."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.workdays import CalendarError, load_calendar

CAL = load_calendar("/nonexistent-calendar-folder")  # the package alone
FIRST, LAST = CAL.known_years()[0], CAL.known_years()[-1]
# Dates whose next 200 working days stay inside the known years (a year has about 250: a count
# of 250 from late December runs past the last known year).
dates = st.dates(dt.date(FIRST, 1, 1), dt.date(LAST - 1, 12, 31))
any_known = st.dates(dt.date(FIRST, 1, 1), dt.date(LAST, 12, 31))
days = st.integers(0, 200)


@given(dates, days)
def test_between_inverts_add(d, n):
    assert CAL.workdays_between(d, CAL.add_workdays(d, n)) == n


@given(dates, st.integers(1, 200))
def test_result_is_a_later_workday(d, n):
    due = CAL.add_workdays(d, n)
    assert due > d
    assert CAL.is_workday(due)
    # no working day is skipped: the one before is the (n-1)-th
    assert CAL.add_workdays(CAL.add_workdays(d, n - 1), 1) == due


@given(dates, days, days)
def test_monotonic_in_n(d, n, m):
    if n < m:
        assert CAL.add_workdays(d, n) < CAL.add_workdays(d, m)


@given(dates, dates, days)
def test_monotonic_in_date(d1, d2, n):
    if d1 <= d2:
        assert CAL.add_workdays(d1, n) <= CAL.add_workdays(d2, n)


@given(any_known, any_known, any_known)
def test_between_is_additive_and_antisymmetric(a, b, c):
    assert CAL.workdays_between(a, b) + CAL.workdays_between(b, c) == CAL.workdays_between(a, c)
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)


@settings(max_examples=50)
@given(any_known, st.integers(0, 60))
def test_between_counts_workdays_one_by_one(d, span):
    end = min(d + dt.timedelta(days=span), dt.date(LAST, 12, 31))
    expected = sum(CAL.is_workday(d + dt.timedelta(days=i)) for i in range(1, (end - d).days + 1))
    assert CAL.workdays_between(d, end) == expected


def test_agrees_with_the_package_on_every_known_day():
    day = dt.date(FIRST, 1, 1)
    while day.year <= LAST:
        assert CAL.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@given(st.dates(dt.date(LAST + 1, 1, 1), dt.date(LAST + 50, 12, 31)), days)
def test_never_guesses_beyond(d, n):
    with pytest.raises(CalendarError):
        CAL.is_workday(d)
    with pytest.raises(CalendarError):
        CAL.add_workdays(d, n)
