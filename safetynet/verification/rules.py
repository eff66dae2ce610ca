"""Who may see and do what with verification data (django-rules; docs/verification.md).

Verification data is economic data about a family, shown only for a purpose and only to the roles
that work the case: the community worker, the street/town officer, the district approver and the
verification operator (核对中心) — each within their jurisdiction, enforced by the selectors.
The city administrator manages users and parameters and does NOT see families' data; the auditor
sees the access log (who looked at what, when, why) but not the data itself.
"""

import rules

from safetynet.accounts.models import Role
from safetynet.accounts.rules import has_jurisdiction

ROLES_VIEWING = frozenset(
    {
        Role.COMMUNITY_WORKER,
        Role.STREET_OFFICER,
        Role.DISTRICT_APPROVER,
        Role.VERIFICATION_OPERATOR,
    }
)
# Open requests, import response files, re-query sources, issue reports, open rechecks.
ROLES_OPERATING = frozenset(
    {Role.COMMUNITY_WORKER, Role.STREET_OFFICER, Role.VERIFICATION_OPERATOR}
)
ROLES_AUDITING = frozenset({Role.AUDITOR})


@rules.predicate
def may_view_verification(user) -> bool:
    return getattr(user, "role", None) in ROLES_VIEWING


@rules.predicate
def may_operate_verification(user) -> bool:
    return getattr(user, "role", None) in ROLES_OPERATING


@rules.predicate
def may_audit(user) -> bool:
    return getattr(user, "role", None) in ROLES_AUDITING


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


rules.add_perm(
    "verification.view_verification",
    has_jurisdiction & may_view_verification & request_in_jurisdiction,
)
rules.add_perm(
    "verification.operate_verification",
    has_jurisdiction & may_operate_verification & request_in_jurisdiction,
)
rules.add_perm("verification.view_access_log", has_jurisdiction & may_audit)
# Coverage is an aggregate (no family's data): every role with a jurisdiction sees its own.
rules.add_perm("verification.view_coverage", has_jurisdiction)
