"""Object permissions by role (django-rules)."""

import pytest

from tests.helpers.city import FULL_ID, MAY_EXPORT, MAY_IMPORT, ROLES, VISIBLE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_role_permissions(users, role):
    user = users[role]
    assert user.has_perm("registry.view_registry")
    assert user.has_perm("registry.import_households") == (role in MAY_IMPORT)
    assert user.has_perm("registry.export_households") == (role in MAY_EXPORT)
    assert user.has_perm("registry.export_persons") == (role in MAY_EXPORT)
    assert user.has_perm("registry.view_full_id_number") == FULL_ID[role]


@pytest.mark.parametrize("role", ROLES)
def test_full_id_only_inside_the_jurisdiction(users, registry, role):
    user = users[role]
    for key, person in [("zh1", registry.zhang_wei), ("hl1", registry.chen_jie)]:
        allowed = FULL_ID[role] and key in VISIBLE[role]
        assert user.has_perm("registry.view_full_id_number", person) == allowed, key


def test_a_user_without_jurisdiction_may_do_nothing(users):
    user = users["street_officer"]
    user.jurisdiction = None
    assert not user.has_perm("registry.view_registry")
    assert not user.has_perm("registry.import_households")
    assert not user.has_perm("registry.view_full_id_number")


def test_anonymous_may_do_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert not AnonymousUser().has_perm("registry.view_registry")
    assert not AnonymousUser().has_perm("registry.export_households")
