"""Object permissions (django-rules), discovered at start-up by AutodiscoverRulesConfig.

Jurisdiction itself is enforced by the selectors (every query is scoped); these predicates say
what a role may *do* with what it can see. Views call `user.has_perm("registry.import_households")`;
templates use the `perms` context (`{% if perms.registry.import_households %}`).
"""

import rules

from .models import Role

ROLES_IMPORTING = frozenset({Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.CITY_ADMIN})
ROLES_EXPORTING = frozenset(
    {
        Role.COMMUNITY_WORKER,
        Role.STREET_OFFICER,
        Role.DISTRICT_APPROVER,
        Role.CITY_ADMIN,
        Role.AUDITOR,
    }
)


@rules.predicate
def has_jurisdiction(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.scope_prefix is not None)


@rules.predicate
def sees_full_id_numbers(user) -> bool:
    return bool(getattr(user, "sees_full_id_numbers", False))


@rules.predicate
def may_import(user) -> bool:
    return getattr(user, "role", None) in ROLES_IMPORTING


@rules.predicate
def may_export(user) -> bool:
    return getattr(user, "role", None) in ROLES_EXPORTING


@rules.predicate
def object_in_jurisdiction(user, obj) -> bool:
    """A household (by its division) or a person (by 户籍 or current household) in the user's
    subtree. `None` (no object) is accepted, so the permission also answers "in general"."""
    if obj is None:
        return True
    prefix = user.scope_prefix
    if prefix is None:
        return False
    division_id = getattr(obj, "division_id", None)
    if division_id is not None:
        return division_id.startswith(prefix)
    # Late import: accounts must not import the registry at module import time.
    from safetynet.registry.selectors import persons_visible_to

    return persons_visible_to(user).filter(pk=obj.pk).exists()


rules.add_perm("registry.view_registry", has_jurisdiction)
rules.add_perm(
    "registry.view_full_id_number", has_jurisdiction & sees_full_id_numbers & object_in_jurisdiction
)
rules.add_perm("registry.import_households", has_jurisdiction & may_import)
rules.add_perm("registry.export_households", has_jurisdiction & may_export)
rules.add_perm("registry.export_persons", has_jurisdiction & may_export)
