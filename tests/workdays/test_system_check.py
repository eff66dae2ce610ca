"""The calendar's system checks: an invalid bureau file is an error; a missing next year warns."""

import datetime as dt

from safetynet.core import calendar_checks
from safetynet.workdays import load_calendar

LAST = load_calendar("/nonexistent").known_years()[-1]


class _Today(dt.date):
    value = dt.date(LAST, 6, 1)

    @classmethod
    def today(cls):
        return cls.value


def _ids(monkeypatch, day):
    _Today.value = day
    monkeypatch.setattr(calendar_checks.dt, "date", _Today)
    return [m.id for m in calendar_checks.calendar_check()]


def test_invalid_bureau_file_is_an_error(no_bureau_files, monkeypatch):
    (no_bureau_files / "bad.yaml").write_text("year: 2027\nreference: x\n", encoding="utf-8")
    messages = calendar_checks.calendar_check()
    assert [m.id for m in messages] == ["safetynet.E801"]
    assert "bad.yaml:1: missing 'holidays'" in messages[0].msg


def test_next_year_unknown_warns_ahead(no_bureau_files, monkeypatch):
    assert _ids(monkeypatch, dt.date(LAST, 6, 1)) == []
    assert _ids(monkeypatch, dt.date(LAST, 11, 1)) == ["safetynet.W802"]
    (no_bureau_files / f"{LAST + 1}.yaml").write_text(
        f"year: {LAST + 1}\nreference: x\nholidays:\n  - {{name: 元旦, from: {LAST + 1}-01-01}}\n",
        encoding="utf-8",
    )
    assert _ids(monkeypatch, dt.date(LAST, 11, 1)) == []
