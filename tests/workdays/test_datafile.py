"""The bureau's data files: next year as data, validated with the file, line and problem."""

import datetime as dt
import re
import textwrap

import pytest

from safetynet.workdays import (
    BAD_FILE,
    PACKAGE_SOURCE,
    YEAR_UNKNOWN,
    CalendarError,
    add_workdays,
    default_calendar,
    is_workday,
    known_years,
    load_calendar,
)
from safetynet.workdays.datafile import load_file

D = dt.date
LAST = load_calendar("/nonexistent").known_years()[-1]  # the package's last year
NEXT = LAST + 1

# A made-up arrangement for the year after the package's last one (the shape of a real notice).
NEXT_YEAR = f"""\
year: {NEXT}
reference: 国务院办公厅关于{NEXT}年部分节假日安排的通知（测试用）
holidays:
  - {{name: 元旦, from: {NEXT}-01-01, to: {NEXT}-01-03}}
  - name: 春节
    from: {NEXT}-02-06
    to: {NEXT}-02-14
  - {{name: 清明节, from: {NEXT}-04-05}}
workdays:
  - {{date: {NEXT}-02-20, name: 春节}}
"""


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _first_weekday(year, month, weekday):
    d = D(year, month, 1)
    while d.weekday() != weekday:
        d += dt.timedelta(days=1)
    return d


def test_next_year_file_makes_the_year_known(no_bureau_files):
    with pytest.raises(CalendarError) as e:
        is_workday(D(NEXT, 3, 1))
    assert e.value.code == YEAR_UNKNOWN
    path = _write(no_bureau_files, f"{NEXT}.yaml", NEXT_YEAR)
    default_calendar.cache_clear()
    assert known_years()[-1] == NEXT
    assert default_calendar().sources()[NEXT].startswith(str(path))
    assert default_calendar().sources()[LAST] == PACKAGE_SOURCE
    # The listed days are off; the adjusted day is worked; other weekdays are working days.
    assert not is_workday(D(NEXT, 1, 1)) and not is_workday(D(NEXT, 4, 5))
    feb20 = D(NEXT, 2, 20)
    assert feb20.weekday() >= 5 or pytest.fail("the fixture needs a weekend day")
    assert is_workday(feb20)
    # A deadline now runs from the package's year into the file's year.
    due = add_workdays(D(LAST, 12, 31), 1)
    assert due == min(
        d for d in (D(NEXT, 1, 1) + dt.timedelta(days=i) for i in range(10)) if is_workday(d)
    )
    # the Spring Festival period is skipped, the adjusted day counted
    before = D(NEXT, 2, 5)
    expected = [d for d in (before + dt.timedelta(days=i) for i in range(1, 30)) if is_workday(d)]
    assert add_workdays(before, 3) == expected[2]
    assert all(not (D(NEXT, 2, 6) <= d <= D(NEXT, 2, 14)) for d in expected)
    assert feb20 in expected


def test_file_replaces_the_package_for_its_year(tmp_path):
    national_day = D(LAST, 10, 5) if D(LAST, 10, 5).weekday() < 5 else D(LAST, 10, 6)
    assert not load_calendar(tmp_path).is_workday(national_day)
    _write(
        tmp_path,
        f"{LAST}.yaml",
        f"""\
        year: {LAST}
        reference: correction (test)
        holidays:
          - {{name: 元旦, from: {LAST}-01-01}}
        """,
    )
    cal = load_calendar(tmp_path)
    assert cal.is_workday(national_day)  # the file is the whole year's arrangement
    assert cal.sources()[LAST].startswith(str(tmp_path))


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            "year: 2027\nreference: x\nholidays:\n  - {name: 元旦, from: 2027-02-30}\n",
            4,
            "holidays[0].from: '2027-02-30' is not a date YYYY-MM-DD",
        ),
        (
            "year: 2027\nreference: x\nholidays:\n  - {name: 元旦, from: 2028-01-01}\n",
            4,
            "not in the file's year 2027",
        ),
        (
            "year: 2027\nreference: x\nholidays:\n"
            "  - {name: 元旦, from: 2027-01-03, to: 2027-01-01}\n",
            4,
            "holidays[0].to: 2027-01-01 is before from 2027-01-03",
        ),
        (
            "year: 2027\nreference: x\nholidays:\n  - {name: 元旦, from: 2027-01-01}\n"
            "workdays:\n  - {date: 2027-01-05}\n",
            6,
            "workdays[0].date: 2027-01-05 is a Tuesday; an adjusted working day is a Saturday "
            "or Sunday",
        ),
        (
            "year: 2027\nreference: x\nholidays:\n"
            "  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\n"
            "workdays:\n  - {date: 2027-01-02}\n",
            6,
            "is in holiday '元旦' (line 4)",
        ),
        (
            "year: 2027\nreference: x\nholidays:\n  - {name: A, from: 2027-01-01, to: 2027-01-03}\n"
            "  - {name: B, from: 2027-01-03}\n",
            5,
            "2027-01-03 is already in holiday 'A' (line 4)",
        ),
        (
            "year: 2027\nreference: x\nholidays:\n  - {name: 元旦, from: 2027-01-01, till: x}\n",
            4,
            "holidays[0]: unknown key 'till'",
        ),
        (
            "year: 2027\nreference: x\nholidays:\n  - {from: 2027-01-01}\n",
            4,
            "holidays[0]: missing 'name'",
        ),
        ("year: 27\nreference: x\nholidays: []\n", 1, "year: expected a year YYYY"),
        ("year: 2027\nholidays:\n  - {name: a, from: 2027-01-01}\n", 1, "missing 'reference'"),
        ("year: 2027\nreference: x\nholidays: []\n", 3, "at least one holiday period"),
        ("year: 2027\nreference: x\nholiday: []\n", 3, "unknown key 'holiday'"),
        (
            "year: 2027\nreference: x\nholidays:\n  - {name: a, from: 2027-01-01\n",
            5,
            "not valid YAML",
        ),
        ("", 1, "the file is empty"),
    ],
)
def test_malformed_file_names_file_line_and_problem(tmp_path, text, line, problem):
    path = tmp_path / "2027.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError) as e:
        load_file(path)
    assert e.value.code == BAD_FILE
    assert e.value.line == line, str(e.value)
    assert str(e.value).startswith(f"{path}:{line}: "), str(e.value)
    assert problem in str(e.value)
    # the same error when the folder is loaded: a bad file is never half-used
    with pytest.raises(CalendarError, match=re.escape(problem)):
        load_calendar(tmp_path)


def test_two_files_for_one_year_refused(tmp_path):
    _write(tmp_path, "a.yaml", NEXT_YEAR)
    _write(tmp_path, "b.yml", NEXT_YEAR)
    with pytest.raises(CalendarError, match=f"year {NEXT} is also given by .*a.yaml"):
        load_calendar(tmp_path)


def test_missing_folder_means_package_only(tmp_path):
    assert load_calendar(tmp_path / "absent").known_years()[-1] == LAST


def test_a_gap_between_known_years_is_refused_not_skipped(tmp_path):
    after = NEXT + 1
    _write(
        tmp_path,
        f"{after}.yaml",
        f"year: {after}\nreference: x\nholidays:\n  - {{name: 元旦, from: {after}-01-01}}\n",
    )
    cal = load_calendar(tmp_path)
    assert NEXT not in cal.known_years() and after in cal.known_years()
    assert cal.is_workday(D(after, 1, 4)) is (D(after, 1, 4).weekday() < 5)
    with pytest.raises(CalendarError) as e:
        cal.add_workdays(D(LAST, 12, 30), 3)  # would jump over the unknown year
    assert (e.value.code, e.value.year) == (YEAR_UNKNOWN, NEXT)
    with pytest.raises(CalendarError) as e:
        cal.workdays_between(D(LAST, 12, 30), D(after, 1, 10))
    assert (e.value.code, e.value.year) == (YEAR_UNKNOWN, NEXT)
