"""Who may do what with cases (django-rules; the role table is accounts/permissions.py).

Each `cases.*` ability: the user has a jurisdiction, the role has the ability, and — when an
object is passed (a case, or a household) — the object lies in the user's subtree: the case's
household, or the office that accepted it (一门受理)."""

import rules

from safetynet.accounts.permissions import ABILITIES
from safetynet.accounts.rules import has_jurisdiction, role_in


@rules.predicate
def case_in_jurisdiction(user, obj) -> bool:
    if obj is None:
        return True
    prefix = user.scope_prefix
    if prefix is None:
        return False
    household = getattr(obj, "household", obj)
    division_id = getattr(household, "division_id", None) or ""
    accepting = getattr(obj, "accepting_division_id", None) or ""
    return division_id.startswith(prefix) or accepting.startswith(prefix)


for _name in ABILITIES:
    if _name.startswith("cases."):
        rules.add_perm(_name, has_jurisdiction & role_in(_name) & case_in_jurisdiction)
