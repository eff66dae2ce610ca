"""Fixtures of the funerals tests: the case tests' staff, clock and family."""

from tests.cases.conftest import calendar_dir, clock, family, staff  # noqa: F401
