"""Object permissions (django-rules), discovered at start-up by AutodiscoverRulesConfig.

One permission per ability of the map in `permissions.py` (the role table). Jurisdiction itself is
enforced by the selectors (every query is scoped); the object predicates here answer "and is this
record in the user's subtree" when a caller passes one. Views call
`user.has_perm("registry.import_households")`; templates use the `perms` context
(`{% if perms.registry.import_households %}`); services call `permissions.require`.
The verification abilities are registered in `verification/rules.py`.
"""

import rules

from .permissions import ABILITIES

# Kept for callers of the former names; the map in permissions.py is the source.
ROLES_IMPORTING = ABILITIES["registry.import_households"]
ROLES_EXPORTING = ABILITIES["registry.export_households"]


@rules.predicate
def has_jurisdiction(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.scope_prefix is not None)


@rules.predicate
def sees_full_id_numbers(user) -> bool:
    return bool(getattr(user, "sees_full_id_numbers", False))


def role_in(ability: str):
    """A predicate: the user's role has `ability` in the map."""
    roles = ABILITIES[ability]

    @rules.predicate(name=f"role_may:{ability}")
    def predicate(user) -> bool:
        return getattr(user, "role", None) in roles

    return predicate


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


for _name in ABILITIES:
    if _name.startswith(("verification.", "cases.", "eldercare.")):
        continue  # verification/, cases/, eldercare/rules.py (their own objects)
    _check = has_jurisdiction & role_in(_name)
    if _name.startswith("registry.") and _name != "registry.view_registry":
        _check = _check & object_in_jurisdiction
    rules.add_perm(_name, _check)
