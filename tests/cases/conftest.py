"""Fixtures of the case tests: the office staff, a clock the tests move, a family of 中华街道
测试一社区 and a case awaiting its decision (helpers: tests/helpers/cases.py)."""

import datetime as dt

import pytest

from safetynet.accounts.models import Role
from tests.conftest import ZHONGHUA, make_user
from tests.helpers.cases import Clock, Family, apply, make_family, to_decision


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(dt.date(2025, 9, 26))  # a Friday before National Day 2025
    monkeypatch.setattr("safetynet.cases.clock.today", c)
    return c


@pytest.fixture
def calendar_dir(tmp_path_factory, monkeypatch):
    """An empty bureau calendar folder (the package's years only: up to 2026), the process's
    calendar reloaded before and after (add a year with tests.helpers.cases.add_calendar_2027)."""
    from safetynet.workdays import default_calendar

    folder = tmp_path_factory.mktemp("calendar")
    monkeypatch.setenv("SAFETYNET_CALENDAR_DIR", str(folder))
    default_calendar.cache_clear()
    yield folder
    default_calendar.cache_clear()


@pytest.fixture
def staff(users):
    """The root fixture's users plus a second street officer of 中华街道 and a second district
    approver of 思明区."""
    return {
        **users,
        "street_officer_2": make_user("so2", Role.STREET_OFFICER, ZHONGHUA),
        "district_approver_2": make_user("da2", Role.DISTRICT_APPROVER, "350203"),
    }


@pytest.fixture
def family(staff) -> Family:
    return make_family(staff["community_worker"])


@pytest.fixture
def awaiting(staff, family, clock):
    """A dibao case of the family, eligible, awaiting the district's decision."""
    case = apply(staff["community_worker"], family)
    return to_decision(staff, case, clock)
