"""Stable error codes of the funds services (docs/funds.md); the UI translates them."""

from django.utils.translation import gettext_lazy as _

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["CODES", "FieldProblem", "NotFoundError", "ServiceError", "message_for"]

UNBALANCED = "journal_unbalanced"
POSTINGS_INVALID = "journal_postings_invalid"
ALREADY_POSTED = "journal_already_posted"
SOURCE_INVALID = "journal_source_invalid"
BUDGET_INVALID = "budget_invalid"
BUDGET_EXCEEDED = "budget_exceeded"
OVERRIDE_REASON_REQUIRED = "budget_override_reason_required"
OVERRIDE_NOT_NEEDED = "budget_override_not_needed"
INCOME_INVALID = "fund_income_invalid"
MONTH_INVALID = "month_invalid"
DISTRICT_INVALID = "district_invalid"

CODES = {
    UNBALANCED: _("The postings of a journal entry must add up to zero."),
    POSTINGS_INVALID: _("A journal entry needs at least two postings of whole fen, none zero."),
    ALREADY_POSTED: _("This has already been booked."),
    SOURCE_INVALID: _("A journal entry needs a source of the form kind:reference."),
    BUDGET_INVALID: _("The budget is not valid."),
    BUDGET_EXCEEDED: _("The payroll would exceed the budget; the city must approve an override."),
    OVERRIDE_REASON_REQUIRED: _("An override needs a reason."),
    OVERRIDE_NOT_NEEDED: _("The payroll is within its budgets; there is nothing to override."),
    INCOME_INVALID: _("The income is not valid."),
    MONTH_INVALID: _("The month must be written YYYY-MM."),
    DISTRICT_INVALID: _("No such district."),
}


def message_for(error: ServiceError) -> str:
    if isinstance(error, NotPermittedError):
        return error.message
    known = CODES.get(error.code)
    return str(known) if known is not None else error.message
