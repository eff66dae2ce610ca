"""Stable error codes of the payroll's workflow and the recoveries (docs/payments.md); the UI
translates them with `message_for`."""

from django.utils.translation import gettext_lazy as _

from safetynet.accounts.permissions import NOT_PERMITTED, NotPermittedError
from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = [
    "CODES",
    "CONFLICT_CODES",
    "NOT_PERMITTED",
    "FieldProblem",
    "NotFoundError",
    "ServiceError",
    "message_for",
]

TRANSITION_NOT_ALLOWED = "payroll_transition_not_allowed"
EMPTY = "payroll_empty"
CHECKER_IS_PREPARER = "payroll_checker_is_preparer"
APPROVER_CONFLICT = "payroll_approver_conflict"
SCOPE_NOT_YOURS = "payroll_scope_not_yours"
SCOPE_APPROVED = "payroll_scope_already_approved"
SCOPE_INVALID = "payroll_scope_invalid"
REASON_REQUIRED = "payroll_reason_required"
OVERRIDE_CITY_ONLY = "payroll_budget_override_city_only"
RECOVERY_CLOSED = "recovery_closed"
RECOVERY_REASON_REQUIRED = "recovery_reason_required"
RECONCILIATION_OPEN = "payroll_reconciliation_open"
REFUND_INVALID = "refund_invalid"
REFUND_NOT_PAID = "refund_not_paid"
REFUND_EXCEEDS = "refund_exceeds_outstanding"
REFUND_DUPLICATE = "refund_duplicate"

CODES = {
    TRANSITION_NOT_ALLOWED: _("This step is not possible in the payroll's present state."),
    EMPTY: _("The payroll has no lines to check."),
    CHECKER_IS_PREPARER: _("The person who prepared a payroll may not check it."),
    APPROVER_CONFLICT: _("The person who prepared or checked a payroll may not approve it."),
    SCOPE_NOT_YOURS: _(
        "District approvers approve their district's lines; the city administrator approves "
        "the city-paid programs."
    ),
    SCOPE_APPROVED: _("This part of the payroll has already been approved."),
    SCOPE_INVALID: _("Name the part of the payroll to approve: a district code or city."),
    REASON_REQUIRED: _("A reason is required."),
    OVERRIDE_CITY_ONLY: _("Only the city may approve a payroll over its budget."),
    RECOVERY_CLOSED: _("This recovery is already recovered or written off."),
    RECOVERY_REASON_REQUIRED: _("Write down why the recovery is written off."),
    RECONCILIATION_OPEN: _(
        "The reconciliation does not balance yet: a line is pending or the books still hold "
        "money at the bank."
    ),
    REFUND_NOT_PAID: _("Only a line the bank reported paid can be returned."),
    REFUND_EXCEEDS: _("The amount is more than what is outstanding."),
    REFUND_DUPLICATE: _("This receipt is already recorded."),
}

# A step the present state forbids: 409 in the API.
CONFLICT_CODES = frozenset(
    {
        TRANSITION_NOT_ALLOWED,
        EMPTY,
        CHECKER_IS_PREPARER,
        APPROVER_CONFLICT,
        SCOPE_NOT_YOURS,
        SCOPE_APPROVED,
        RECOVERY_CLOSED,
        RECONCILIATION_OPEN,
    }
)


def message_for(error: ServiceError) -> str:
    if isinstance(error, NotPermittedError):
        return error.message
    known = CODES.get(error.code)
    return str(known) if known is not None else error.message
