"""Fixtures of the web tests: the verification tests' generated city and simulated agencies, for
the pages that show a verification (the trial calculation's prefill, the Chinese walk)."""

from tests.verification.conftest import (  # noqa: F401 (fixtures)
    agencies,
    agency_city,
    caseworker,
    city_db,
    city_facts,
    simulator,
)
