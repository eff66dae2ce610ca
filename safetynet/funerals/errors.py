"""Stable error codes of the funerals services and API (docs/funerals.md)."""

from django.utils.translation import gettext_lazy as _

from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["CODES", "FieldProblem", "NotFoundError", "ServiceError"]

REPORT_DECIDED = "death_report_decided"
REASON_REQUIRED = "death_report_reason_required"
DEATH_DATE_INVALID = "death_date_invalid"

CODES = {
    REPORT_DECIDED: _("This death report has already been decided."),
    REASON_REQUIRED: _("A rejection states its reason."),
    DEATH_DATE_INVALID: _("The death date is invalid."),
}


def refuse(code: str, message: str, field: str | None = None):
    problems = [FieldProblem(field=field, message=message, code=code)] if field else None
    raise ServiceError(code, message, problems)
