"""`safetynet demo_users`: one user per role, fixed logins, safe to re-run."""

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from safetynet.accounts.models import Role, User
from safetynet.accounts.services import DEMO_PASSWORD
from safetynet.registry.models import Division, DivisionLevel
from safetynet.registry.services import division_table_load

pytestmark = pytest.mark.django_db

EXPECTED = {
    "demo-community": (Role.COMMUNITY_WORKER, None),
    "demo-street": (Role.STREET_OFFICER, "350203002"),
    "demo-district": (Role.DISTRICT_APPROVER, "350203"),
    "demo-city": (Role.CITY_ADMIN, "350200"),
    "demo-verify": (Role.VERIFICATION_OPERATOR, "350200"),
    "demo-audit": (Role.AUDITOR, "350200"),
    "demo-finance": (Role.CITY_FINANCE, "350200"),
    "demo-12349": (Role.ELDERCARE_OPERATOR, "350200"),
}


def run(*args) -> str:
    out = io.StringIO()
    call_command("demo_users", *args, stdout=out)
    return out.getvalue()


def test_creates_one_user_per_role_and_prints_logins(divisions):
    output = run()
    for username, (role, code) in EXPECTED.items():
        user = User.objects.get(username=username)
        assert user.role == role
        if code:
            assert user.jurisdiction_id == code
        assert username in output
        assert authenticate(username=username, password=DEMO_PASSWORD) == user
    assert DEMO_PASSWORD in output
    # a provider's staff login is made with its provider (`safetynet eldercare demo`)
    roles = {u.role for u in User.objects.filter(username__startswith="demo-")}
    assert roles == set(Role) - {Role.PROVIDER_STAFF}


def test_community_worker_gets_the_first_zhonghua_community(divisions):
    run()
    assert User.objects.get(username="demo-community").jurisdiction_id == "350203002001"


def test_falls_back_to_the_street_without_communities(db):
    division_table_load()
    assert not Division.objects.filter(level=DivisionLevel.COMMUNITY).exists()
    run()
    assert User.objects.get(username="demo-community").jurisdiction_id == "350203002"


def test_is_idempotent_and_resets_what_was_changed(divisions):
    run()
    user = User.objects.get(username="demo-street")
    user.set_password("something-else-1")
    user.role = Role.AUDITOR
    user.save()
    output = run()
    assert User.objects.filter(username__startswith="demo-").count() == len(EXPECTED)
    user.refresh_from_db()
    assert user.role == Role.STREET_OFFICER
    assert authenticate(username="demo-street", password=DEMO_PASSWORD) == user
    assert "updated" in output


def test_later_run_moves_the_community_worker_to_a_loaded_community(db):
    division_table_load()
    run()
    Division.objects.create(
        code="350203002009",
        name="演示社区",
        level=DivisionLevel.COMMUNITY,
        parent_id="350203002",
        is_synthetic=True,
        valid_from=dt.date(2016, 1, 1),
        table_version="test",
    )
    run()
    assert User.objects.get(username="demo-community").jurisdiction_id == "350203002009"


def test_password_option(divisions):
    run("--password", "another-demo-pass")
    assert authenticate(username="demo-city", password="another-demo-pass") is not None


def test_refuses_without_the_division_table(db):
    with pytest.raises(CommandError, match="load_divisions"):
        run()


def test_city_admin_can_open_the_admin(client, divisions):
    run()
    client.login(username="demo-city", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_city_admin_is_staff_but_not_superuser(divisions):
    """A superuser would pass every rule, whole ID numbers included."""
    run()
    user = User.objects.get(username="demo-city")
    assert user.is_staff and not user.is_superuser
    assert not user.has_perm("registry.view_full_id_number")
    assert user.has_perm("accounts.change_user")
