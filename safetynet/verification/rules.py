"""Who may see and do what with verification data (django-rules; docs/verification.md).

Verification data is economic data about a family, shown only for a purpose and only to the roles
that work the case: the community worker, the street/town officer, the district approver and the
verification operator (核对中心) — each within their jurisdiction, enforced by the selectors.
The city administrator manages users and parameters and does NOT see families' data; the auditor
sees the access log (who looked at what, when, why) but not the data itself.
"""

import rules

from safetynet.accounts.permissions import ABILITIES
from safetynet.accounts.rules import has_jurisdiction, role_in

ROLES_VIEWING = ABILITIES["verification.view_verification"]
# Open requests, import response files, re-query sources, issue reports, open rechecks.
ROLES_OPERATING = ABILITIES["verification.operate_verification"]
ROLES_AUDITING = ABILITIES["verification.view_access_log"]


@rules.predicate
def request_in_jurisdiction(user, obj) -> bool:
    """A request (or anything with a `household`) whose household is in the user's subtree.
    No object: the permission answers "in general"."""
    if obj is None:
        return True
    prefix = user.scope_prefix
    if prefix is None:
        return False
    household = getattr(obj, "household", obj)
    return bool(household.division_id and household.division_id.startswith(prefix))


# The role table is accounts/permissions.py (ABILITIES); the object is a request or a task.
for _name in ABILITIES:
    if not _name.startswith("verification."):
        continue
    _check = has_jurisdiction & role_in(_name)
    if _name in ("verification.view_verification", "verification.operate_verification"):
        _check = _check & request_in_jurisdiction
    rules.add_perm(_name, _check)
