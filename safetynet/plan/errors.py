"""Stable error codes of the plan's services; the UI translates them."""

from django.utils.translation import gettext_lazy as _

from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["CODES", "FieldProblem", "NotFoundError", "ServiceError", "refuse"]

INVALID = "plan_invalid"
MONTH_INVALID = "plan_month_invalid"
TASK_INVALID = "plan_task_invalid"
REPORT_INVALID = "plan_report_invalid"
FILE_REFUSED = "plan_file_refused"
HOME_ORDER = "plan_home_out_of_order"
STATION_INVALID = "plan_station_invalid"
PURCHASE_INVALID = "plan_purchase_invalid"
PROJECT_INVALID = "plan_project_invalid"
PLACEMENT_INVALID = "plan_placement_invalid"
INSTITUTION_FULL = "plan_institution_full"
ALREADY_PLACED = "plan_already_placed"
OUTSIDE = "plan_outside_jurisdiction"

CODES = {
    INVALID: _("The input is incomplete or invalid."),
    MONTH_INVALID: _("The month must be YYYY-MM and not in the future."),
    TASK_INVALID: _("The task is incomplete or invalid."),
    REPORT_INVALID: _("The progress report is incomplete or invalid."),
    FILE_REFUSED: _("An attachment must be a PDF, JPEG, PNG or Excel file."),
    HOME_ORDER: _("A happiness home goes approved → building → completed → operating, in order."),
    STATION_INVALID: _("The service station's communities do not fit its mode."),
    PURCHASE_INVALID: _("The service purchase is incomplete or invalid."),
    PROJECT_INVALID: _("The support project is incomplete or invalid."),
    PLACEMENT_INVALID: _("The placement is incomplete or invalid."),
    INSTITUTION_FULL: _("Every bed of the institution is taken."),
    ALREADY_PLACED: _("The person already lives in a care institution."),
    OUTSIDE: _("The division is not in your jurisdiction or not of the right level."),
}


def refuse(code: str, message: str, field: str | None = None):
    problems = [FieldProblem(field=field, message=message, code=code)] if field else None
    raise ServiceError(code, message, problems)
