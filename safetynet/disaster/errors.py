"""Stable error codes of the disaster-relief services; the UI translates them."""

from django.utils.translation import gettext_lazy as _

from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["CODES", "FieldProblem", "NotFoundError", "ServiceError"]

EVENT_INVALID = "disaster_event_invalid"
OUTSIDE_EVENT = "disaster_household_outside_event"
ALREADY_REGISTERED = "disaster_household_already_registered"
DAMAGE_INVALID = "disaster_damage_invalid"
PHOTO_REFUSED = "disaster_photo_refused"
SHELTER_INVALID = "disaster_shelter_invalid"
SHELTER_FULL = "disaster_shelter_full"
ALREADY_IN_SHELTER = "disaster_already_in_shelter"
NOT_IN_SHELTER = "disaster_not_in_shelter"
AID_INVALID = "disaster_aid_invalid"
AID_NOT_DUE = "disaster_aid_not_due"
AID_TWICE = "disaster_aid_twice"
GRANT_EXISTS = "disaster_grant_exists"
GRANT_NOT_APPROVED = "disaster_grant_not_approved"
STAGE_ORDER = "disaster_stage_out_of_order"
STAGE_INVALID = "disaster_stage_invalid"

CODES = {
    EVENT_INVALID: _("The disaster event is incomplete or invalid."),
    OUTSIDE_EVENT: _("The household is not in a division the event struck."),
    ALREADY_REGISTERED: _("The household is already registered for this event."),
    DAMAGE_INVALID: _("Damage and estimated loss must be given."),
    PHOTO_REFUSED: _("A photo must be a JPEG, PNG or PDF file."),
    SHELTER_INVALID: _("The shelter is incomplete or invalid."),
    SHELTER_FULL: _("The shelter is full."),
    ALREADY_IN_SHELTER: _("The person is already checked in at a shelter."),
    NOT_IN_SHELTER: _("The person is not checked in at this shelter."),
    AID_INVALID: _("Persons and days of the living aid are invalid."),
    AID_NOT_DUE: _("Living aid is for households whose home collapsed or is severely damaged."),
    AID_TWICE: _("Living aid for this month is already granted."),
    GRANT_EXISTS: _("A housing grant has already been applied for."),
    GRANT_NOT_APPROVED: _("The housing grant has not been approved."),
    STAGE_ORDER: _("The construction stages are recorded in order: start, completion, inspection."),
    STAGE_INVALID: _("Unknown construction stage."),
}


def refuse(code: str, message: str, field: str | None = None):
    problems = [FieldProblem(field=field, message=message, code=code)] if field else None
    raise ServiceError(code, message, problems)
