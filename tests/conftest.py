"""Shared fixtures: the division table, a few synthetic communities, one user per role, and a tiny
registry across two districts (tests/helpers/city.py)."""

import datetime as dt

import pytest

from safetynet.accounts.models import Role, User
from safetynet.registry.models import Division, DivisionLevel
from safetynet.registry.services import division_table_load
from tests.helpers.city import (
    HULI_C1,
    HULI_STREET,
    ZHONGHUA,
    ZHONGHUA_C1,
    ZHONGHUA_C2,
    Registry,
    build_registry,
    make_user,
)

pytest_plugins = ["tests.browser"]


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


@pytest.fixture
def registry(divisions) -> Registry:
    """ZH1 (3 members) and ZH2 in 中华街道, HL1 (2 members, one deceased) in 湖里街道."""
    return build_registry()
