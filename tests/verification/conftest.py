"""Fixtures of the verification tests: a small generated city with its agency extracts, the
simulated agencies on loopback, the city loaded into the test database; the batch findings' city
(findings_*); review tasks (run, tasks)."""

from pathlib import Path

import pytest
from django.utils import timezone

from safetynet.accounts.models import Role, User
from safetynet.registry import loading
from safetynet.simulated.agencies.testing import running_simulator, small_city
from safetynet.simulated.generator import generate
from safetynet.verification.batch import verify_batch
from safetynet.verification.models import (
    BatchRun,
    FindingKind,
    ReviewTask,
)
from tests.helpers.city import HULI_C1, ZHONGHUA_C1, ZHONGHUA_C2
from tests.helpers.review_tasks import make_household, make_task
from tests.helpers.verification import CityFacts, load_households, read_city_facts, street_user


@pytest.fixture(scope="session")
def agency_city(tmp_path_factory) -> Path:
    return small_city(tmp_path_factory.getbasetemp() / "agency-city")


@pytest.fixture(scope="session")
def city_facts(agency_city) -> CityFacts:
    return read_city_facts(agency_city)


@pytest.fixture(scope="module")
def simulator(agency_city):
    with running_simulator(agency_city) as sim:
        yield sim


@pytest.fixture
def agencies(simulator, settings):
    settings.AGENCIES_URL = simulator.url
    return simulator


@pytest.fixture
def city_db(users, agency_city, city_facts):
    """The recipient households of the generated city (and the three test households) in the
    registry, after the shared division fixtures."""
    load_households(agency_city, city_facts.loaded)
    return agency_city


@pytest.fixture
def caseworker(city_db, city_facts) -> User:
    """The street officer of the honest household's street."""
    return street_user("caseworker", Role.STREET_OFFICER, city_facts.honest.division[:9])


@pytest.fixture
def operator(users, city_db) -> User:
    return users["verification_operator"]


# ------------------------------------------------------------------ batch findings (test_findings,
# test_review_tasks): a city of its own, re-verified by the batch job; modules using it override
# `city_db` with `findings_city_db` (then `operator` follows).
FINDINGS_MONTH = "2020-06"


@pytest.fixture(scope="module")
def findings_city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("findings-city")
    generate(out=out, persons=4_000, seed=5)
    return out


@pytest.fixture(scope="module")
def batch_out(findings_city, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("findings-batch")
    verify_batch(findings_city, FINDINGS_MONTH, out)
    return out


@pytest.fixture
def findings_city_db(users, findings_city, monkeypatch) -> Path:
    monkeypatch.setattr(loading, "_tune_session", lambda: None, raising=False)
    loading.city_load(findings_city, history=False)
    return findings_city


# ------------------------------------------------------------------ review tasks
@pytest.fixture
def run(users) -> BatchRun:
    now = timezone.now()
    return BatchRun.objects.create(
        month="2020-06",
        engine="duckdb",
        source_dir="/tmp/batch",
        households_checked=3,
        findings_count=3,
        started_at=now,
        finished_at=now,
        imported_by=users["verification_operator"],
    )


@pytest.fixture
def tasks(run) -> dict[str, ReviewTask]:
    """A task in each of 中华街道's two communities and one in 湖里街道."""
    seq = iter(range(1, 1000))
    zh1 = make_household("350203002001000001", ZHONGHUA_C1, "张三", next(seq))
    zh2 = make_household("350203002002000001", ZHONGHUA_C2, "李四", next(seq))
    huli = make_household("350206001001000001", HULI_C1, "王五", next(seq))
    wage = {
        "kind": FindingKind.UNDECLARED_INCOME,
        "person": zh1.memberships.get().person,
        "source": "employment",
        "source_record": "91350200MA2XXXXX1",
        "detail": {"verified_fen": 123456, "declared_fen": 5, "limit_fen": None, "program": None},
    }
    line = {
        "kind": FindingKind.INCOME_ABOVE_LINE,
        "source": "employment",
        "source_record": "91350200MA2XXXXX1",
        "detail": {
            "verified_fen": 123456,
            "declared_fen": 5,
            "limit_fen": 160000,
            "program": "dibao",
            "line_fen": 80000,
        },
    }
    car = {
        "kind": FindingKind.NEW_VEHICLE,
        "source": "vehicles",
        "source_record": "闽D12345",
        "detail": {"verified_fen": 1, "declared_fen": 0, "limit_fen": 0, "value_fen": 8000001},
    }
    return {
        "zh1": make_task(zh1, run, [wage, line]),
        "zh2": make_task(zh2, run, [car]),
        "huli": make_task(huli, run, [car]),
    }
