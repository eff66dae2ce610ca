"""Django admin (ADR 0724): the city administrator cannot grant superuser, staff, roles or
jurisdictions (to itself or anyone), nor take over a staff or superuser account; every such change
made by a superuser is recorded where the auditor reads it; ID numbers are masked in the admin."""

import datetime as dt

import pytest
from django.urls import reverse

from safetynet.accounts.models import AccountChange, Role, User
from safetynet.accounts.services import city_admin_group_ensure
from safetynet.registry.ids import mask_id_number
from safetynet.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_admin(users):
    """The demo's city administrator: staff, in the city administrators' group."""
    ca = users["city_admin"]
    ca.is_staff = True
    ca.save()
    ca.groups.add(city_admin_group_ensure())
    return ca


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="pass-for-tests-1")


def form_for(user: User, **changes) -> dict:
    """The admin's change form of `user`, as a browser would post it, with `changes`."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2020-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2020-01-01",
        "initial-date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "role": user.role,
        "jurisdiction": user.jurisdiction_id or "",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    for key, value in changes.items():
        if value is False:
            data.pop(key, None)
        elif value is True:
            data[key] = "on"
        else:
            data[key] = value
    return data


ESCALATIONS = {
    "is_superuser": True,
    "is_staff": True,
    "role": Role.VERIFICATION_OPERATOR,
    "jurisdiction": "350206",
}


def test_city_admin_cannot_grant_itself_anything(client, city_admin):
    client.force_login(city_admin)
    url = reverse("admin:accounts_user_change", args=[city_admin.pk])
    page = client.get(url)
    assert page.status_code == 200
    for field in ("is_superuser", "role", "jurisdiction", "groups", "user_permissions"):
        assert f'name="{field}"' not in page.content.decode(), field
    response = client.post(url, form_for(city_admin, last_name="改名", **ESCALATIONS))
    assert response.status_code == 302  # saved: the allowed change only
    city_admin.refresh_from_db()
    assert city_admin.last_name == "改名"
    assert not city_admin.is_superuser
    assert (city_admin.role, city_admin.jurisdiction_id) == (Role.CITY_ADMIN, "350200")


def test_city_admin_cannot_grant_others_anything(client, city_admin, users):
    cw = users["community_worker"]
    client.force_login(city_admin)
    url = reverse("admin:accounts_user_change", args=[cw.pk])
    response = client.post(url, form_for(cw, first_name="小", **ESCALATIONS))
    assert response.status_code == 302
    cw.refresh_from_db()
    assert cw.first_name == "小"
    assert not (cw.is_superuser or cw.is_staff)
    assert (cw.role, cw.jurisdiction_id) == (Role.COMMUNITY_WORKER, "350203002001")
    assert not AccountChange.objects.filter(actor=city_admin).exclude(field="first_name").exists()


def test_city_admin_cannot_take_over_a_superuser_or_another_staff_account(
    client, city_admin, root, users
):
    other = users["auditor"]
    other.is_staff = True
    other.save()
    client.force_login(city_admin)
    for target in (root, other):
        change = reverse("admin:accounts_user_change", args=[target.pk])
        assert client.post(change, form_for(target, first_name="x")).status_code == 403
        password = reverse("admin:auth_user_password_change", args=[target.pk])
        new = {"password1": "taken-over-1234", "password2": "taken-over-1234"}
        assert client.post(password, new).status_code == 403
        delete = reverse("admin:accounts_user_delete", args=[target.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        target.refresh_from_db()
        assert target.check_password("pass-for-tests-1")


def test_city_admin_adds_accounts_without_role_or_jurisdiction(client, city_admin):
    client.force_login(city_admin)
    url = reverse("admin:accounts_user_add")
    assert 'name="role"' not in client.get(url).content.decode()
    data = {
        "username": "newbie",
        "usable_password": "true",
        "password1": "a-long-pass-1234",
        "password2": "a-long-pass-1234",
        "role": Role.CITY_ADMIN,
        "jurisdiction": "350200",
        "is_superuser": "on",
    }
    assert client.post(url, data).status_code == 302
    newbie = User.objects.get(username="newbie")
    assert (newbie.role, newbie.jurisdiction_id, newbie.is_superuser) == ("", None, False)


def test_superuser_changes_are_audited_and_the_auditor_reads_them(client, root, users):
    cw = users["community_worker"]
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[cw.pk])
    data = form_for(cw, is_staff=True, role=Role.STREET_OFFICER, jurisdiction="350203002")
    assert client.post(url, data).status_code == 302
    cw.refresh_from_db()
    assert (cw.role, cw.jurisdiction_id, cw.is_staff) == ("street_officer", "350203002", True)
    rows = {
        (c.field, c.old, c.new, c.actor_username, c.via)
        for c in AccountChange.objects.filter(username="cw", actor=root)
    }
    assert rows == {
        ("role", "community_worker", "street_officer", "root", "admin"),
        ("jurisdiction", "350203002001", "350203002", "root", "admin"),
        ("is_staff", "False", "True", "root", "admin"),
    }
    client.force_login(users["auditor"])
    page = client.get(reverse("account-changes"), {"user": "cw"})
    assert page.status_code == 200
    text = page.content.decode()
    # jurisdictions by the division's name (测试一社区 → 中华街道), the role by its label
    assert "测试一社区" in text and "中华街道" in text and "350203002001" not in text
    assert "root" in text and "街道（镇）经办人员" in text
    for role in ("community_worker", "city_admin", "verification_operator"):
        client.force_login(users[role])
        assert client.get(reverse("account-changes")).status_code == 403


def test_changes_outside_the_admin_are_recorded_too(users):
    """A command or the shell: recorded with no actor, `system`."""
    so = users["street_officer"]
    so.is_superuser = True
    so.save()
    so.groups.add(city_admin_group_ensure())
    root = User.objects.create_superuser("root2", password="pass-for-tests-1")
    got = {(c.username, c.field, c.new, c.via) for c in AccountChange.objects.all()}
    assert ("so", "is_superuser", "True", "system") in got
    assert ("so", "groups", "city administrators", "system") in got
    assert ("root2", "is_superuser", "True", "system") in got
    assert root.is_superuser
    users["auditor"].delete()
    gone = AccountChange.objects.get(username="au", field="deleted")
    assert gone.user is None and gone.old == "au"
    assert AccountChange.objects.filter(username="au", field="role").exists()  # kept


def test_logging_in_records_nothing(client, users):
    before = AccountChange.objects.count()
    assert client.login(username="cw", password="pass-for-tests-1")
    assert AccountChange.objects.count() == before


def test_the_trail_cannot_be_edited_in_the_admin(client, city_admin, root, users):
    users["auditor"].is_superuser = True
    users["auditor"].save()
    change = AccountChange.objects.first()
    for who in (city_admin, root):
        client.force_login(who)
        url = reverse("admin:accounts_accountchange_delete", args=[change.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        url = reverse("admin:accounts_accountchange_change", args=[change.pk])
        assert client.post(url, {"field": "x"}).status_code in (403, 200)
        change.refresh_from_db()
        assert change.field == "is_superuser"


@pytest.mark.parametrize("who", ["city_admin", "root"])
def test_admin_masks_id_numbers(client, city_admin, root, divisions, who):
    from safetynet.registry.services import person_update

    p = Person.objects.create(
        id_number="35020319800101001X",
        name="张三",
        sex="M",
        birth_date=dt.date(1980, 1, 1),
        hukou_division_id="350203002001",
    )
    person_update(actor=city_admin, person=p, name="张三丰")
    client.force_login(city_admin if who == "city_admin" else root)
    pages = [
        reverse("admin:registry_person_changelist"),
        reverse("admin:registry_person_change", args=[p.pk]),
        reverse("admin:registry_person_history", args=[p.pk]),
        reverse("admin:registry_person_simple_history", args=[p.pk, p.history.first().pk]),
        reverse("admin:registry_person_changelist") + f"?q={p.id_number}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        # the number typed into the search box comes back in the box and the links' filters
        for echo in (f"q={p.id_number}", f"q%3D{p.id_number}", f'value="{p.id_number}"'):
            text = text.replace(echo, "")
        assert p.id_number not in text, url
    assert mask_id_number(p.id_number) in client.get(pages[1]).content.decode()
