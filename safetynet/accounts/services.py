"""Writes to accounts. Services take keyword arguments and run in one transaction."""

import os
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from safetynet.registry.models import Division, DivisionLevel

from .audit import acting
from .models import Role, User

# The documented demo password (docs/ui.md, README). Override with SAFETYNET_DEMO_PASSWORD.
DEMO_PASSWORD = "safetynet-demo"

CITY = "350200"
SIMING = "350203"
ZHONGHUA = "350203002"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    jurisdiction: Division
    created: bool


def _demo_community() -> Division:
    """The first community of 思明区中华街道, or the street itself when none is loaded yet."""
    community = (
        Division.objects.filter(code__startswith=ZHONGHUA, level=DivisionLevel.COMMUNITY)
        .order_by("code")
        .first()
    )
    return community or Division.objects.get(code=ZHONGHUA)


CITY_ADMIN_GROUP = "city administrators"


def city_admin_group_ensure() -> Group:
    """The group whose model permissions let city administrators use the Django admin: manage
    users (names, passwords, active status — role, jurisdiction, staff and superuser are for
    superusers, see accounts/admin.py), read the account changes, and view (not edit) registry
    records there. Re-running sets exactly these permissions."""
    group, _ = Group.objects.get_or_create(name=CITY_ADMIN_GROUP)
    perms = Permission.objects.filter(
        Q(content_type__app_label="accounts", content_type__model="user")
        | Q(content_type__app_label="accounts", codename="view_accountchange")
        | Q(content_type__app_label="auth", codename__in=["view_group", "view_permission"])
        | Q(content_type__app_label="registry", codename__startswith="view_")
    )
    group.permissions.set(perms)
    return group


def demo_password() -> str:
    return os.environ.get("SAFETYNET_DEMO_PASSWORD") or DEMO_PASSWORD


def demo_users_ensure(*, password: str | None = None) -> list[DemoLogin]:
    """Create (or reset) one demo user per role with a fixed username and password.

    Idempotent: re-running updates role, jurisdiction and password in place. Needs the division
    table (`safetynet load_divisions`); raises Division.DoesNotExist without it. A system operation
    (installation and demo, no actor): its changes are recorded as account changes ``via
    demo_users``.
    """
    with transaction.atomic(), acting(None, "demo_users"):
        return _demo_users(password or demo_password())


def _demo_users(password: str) -> list[DemoLogin]:
    # Each demo user has a (fictitious) real name: documents and pages show the officer's name,
    # never the login (issue 10).
    plan = [
        ("demo-community", Role.COMMUNITY_WORKER, _demo_community(), "林", "晓燕"),
        ("demo-street", Role.STREET_OFFICER, Division.objects.get(code=ZHONGHUA), "陈", "志明"),
        ("demo-district", Role.DISTRICT_APPROVER, Division.objects.get(code=SIMING), "黄", "建国"),
        ("demo-city", Role.CITY_ADMIN, Division.objects.get(code=CITY), "郑", "丽华"),
        ("demo-verify", Role.VERIFICATION_OPERATOR, Division.objects.get(code=CITY), "吴", "海峰"),
        ("demo-audit", Role.AUDITOR, Division.objects.get(code=CITY), "蔡", "文静"),
        ("demo-finance", Role.CITY_FINANCE, Division.objects.get(code=CITY), "许", "国强"),
        # 12349 (eldercare); a provider's staff login comes with its provider (eldercare demo)
        ("demo-12349", Role.ELDERCARE_OPERATOR, Division.objects.get(code=CITY), "苏", "秀梅"),
    ]
    logins = []
    for username, role, division, last_name, first_name in plan:
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "role": role,
                "jurisdiction": division,
                "last_name": last_name,
                "first_name": first_name,
                "is_active": True,
                # The city administrator manages users in the Django admin. Not a superuser: a
                # superuser passes every permission check, whole ID numbers included (ADR 0400).
                "is_staff": role == Role.CITY_ADMIN,
                "is_superuser": False,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        if role == Role.CITY_ADMIN:
            user.groups.add(city_admin_group_ensure())
        logins.append(DemoLogin(username, password, role, division, created))
    return logins
