"""Fixtures of the disaster-relief tests: the case tests' staff, clock and family (rural)."""

from tests.cases.conftest import calendar_dir, clock, family, staff  # noqa: F401
