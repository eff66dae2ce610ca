"""Shared fixtures: the division table, a few synthetic communities, and one user per role."""

import datetime as dt

import pytest

from safetynet.accounts.models import Role, User
from safetynet.registry.models import Division, DivisionLevel
from safetynet.registry.services import division_table_load

pytest_plugins = ["tests.browser"]

# Two test communities in 思明区中华街道 and one in 湖里区湖里街道 (synthetic, like the demo's).
ZHONGHUA = "350203002"
HULI_STREET = "350206001"
ZHONGHUA_C1 = "350203002001"
ZHONGHUA_C2 = "350203002002"
HULI_C1 = "350206001001"


@pytest.fixture
def divisions(db) -> dict[str, Division]:
    division_table_load()
    for code, parent, name in [
        (ZHONGHUA_C1, ZHONGHUA, "测试一社区"),
        (ZHONGHUA_C2, ZHONGHUA, "测试二社区"),
        (HULI_C1, HULI_STREET, "测试三社区"),
    ]:
        Division.objects.create(
            code=code,
            name=name,
            level=DivisionLevel.COMMUNITY,
            parent_id=parent,
            is_synthetic=True,
            valid_from=dt.date(2016, 1, 1),
            table_version="test",
        )
    return {d.code: d for d in Division.objects.all()}


def make_user(username: str, role: Role, jurisdiction: str) -> User:
    user = User.objects.create_user(
        username=username, password="pass-for-tests-1", role=role, jurisdiction_id=jurisdiction
    )
    return user


@pytest.fixture
def users(divisions) -> dict[str, User]:
    """One user per role; the street officer is 中华街道's, the district approver 思明区's."""
    return {
        "community_worker": make_user("cw", Role.COMMUNITY_WORKER, ZHONGHUA_C1),
        "street_officer": make_user("so", Role.STREET_OFFICER, ZHONGHUA),
        "district_approver": make_user("da", Role.DISTRICT_APPROVER, "350203"),
        "city_admin": make_user("ca", Role.CITY_ADMIN, "350200"),
        "verification_operator": make_user("vo", Role.VERIFICATION_OPERATOR, "350200"),
        "auditor": make_user("au", Role.AUDITOR, "350200"),
        "huli_officer": make_user("hso", Role.STREET_OFFICER, HULI_STREET),
    }
