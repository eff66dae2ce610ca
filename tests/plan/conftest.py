"""Fixtures of the plan's tests: the shared registry (ZH1, ZH2 in 思明区中华街道; HL1 in 湖里区
湖里街道; tests/helpers/city.py) and a clock fixed at 2019-06-30."""

import datetime as dt

import pytest

AS_OF = dt.date(2019, 6, 30)


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr("safetynet.cases.clock.today", lambda: AS_OF)
    return AS_OF
