"""Stable error codes of the payments services (docs/payments.md); the UI translates them."""

from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["FieldProblem", "NotFoundError", "ServiceError", "refuse"]

MONTH_INVALID = "payroll_month_invalid"
ENGINE_INVALID = "payroll_engine_invalid"
PAYROLL_NOT_DRAFT = "payroll_not_draft"
PAYROLL_TRANSITION_NOT_ALLOWED = "payroll_transition_not_allowed"
BANK_ACCOUNT_INVALID = "bank_account_invalid"
RULES_REFUSED = "payroll_rules_refused"
RUN_IN_PROGRESS = "payroll_run_in_progress"


def refuse(code: str, message: str, field: str | None = None):
    problems = [FieldProblem(field=field, message=message, code=code)] if field else []
    raise ServiceError(code, message, problems)
