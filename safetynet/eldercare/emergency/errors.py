"""Stable error codes of the one-key emergencies (docs/eldercare-emergency.md). The device API
answers `{"code", "field", "message"}` with the HTTP status of `STATUS`; the screens translate
the code through `MESSAGES`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["MESSAGES", "STATUS", "EmergencyError", "NotFoundError", "ServiceError"]

# the device API (api.py)
REQUEST_MALFORMED = "request_malformed"
SIGNAL_ID_INVALID = "signal_id_invalid"
KIND_INVALID = "kind_invalid"
SENT_AT_INVALID = "sent_at_invalid"
SIGNAL_ID_CONFLICT = "signal_id_conflict"
PERSON_DECEASED = "person_deceased"
# devices (services.py)
DEVICE_ID_INVALID = "device_id_invalid"
DEVICE_EXISTS = "device_exists"
DEVICE_INACTIVE = "device_inactive"
PERSON_NOT_ELDERLY = "person_not_elderly"
# the operator's steps
TRANSITION_NOT_ALLOWED = "emergency_transition_not_allowed"
RESPONDER_REQUIRED = "responder_required"
RESPONDER_KIND_INVALID = "responder_kind_invalid"
OUTCOME_INVALID = "outcome_invalid"
PHONE_INVALID = "phone_invalid"

STATUS = {
    REQUEST_MALFORMED: 400,
    SIGNAL_ID_INVALID: 400,
    KIND_INVALID: 400,
    SENT_AT_INVALID: 400,
    SIGNAL_ID_CONFLICT: 409,
    PERSON_DECEASED: 422,
}

MESSAGES = {
    REQUEST_MALFORMED: _("The request is not a JSON object with the documented fields."),
    SIGNAL_ID_INVALID: _("The signal ID must be 1 to 64 letters, digits, '-', '_', '.' or ':'."),
    KIND_INVALID: _("The kind of signal is not one of the documented kinds."),
    SENT_AT_INVALID: _("The sending time must be an ISO 8601 date and time with its offset."),
    SIGNAL_ID_CONFLICT: _("This signal ID was already sent with other content."),
    PERSON_DECEASED: _("The person this device belongs to is recorded as deceased."),
    DEVICE_ID_INVALID: _("The device ID must be 4 to 32 letters, digits or '-'."),
    DEVICE_EXISTS: _("A device with this ID is already registered."),
    DEVICE_INACTIVE: _("This device is already inactive."),
    PERSON_NOT_ELDERLY: _("Alarm devices are registered to persons aged 60 or over."),
    TRANSITION_NOT_ALLOWED: _("This step is not possible in the emergency's current state."),
    RESPONDER_REQUIRED: _("Name the responder (a name or a user) and how to reach them."),
    RESPONDER_KIND_INVALID: _("Choose the kind of responder."),
    OUTCOME_INVALID: _("Choose the outcome of the emergency."),
    PHONE_INVALID: _("The phone number must be 3 to 20 digits (with '-' or '+')."),
}


class EmergencyError(ServiceError):
    """A refusal with its stable code and the input at fault (nothing was written)."""

    def __init__(self, code: str, field: str = "", message: str | None = None):
        text = str(message or MESSAGES.get(code, code))
        super().__init__(code, text, [FieldProblem(field, text, code)] if field else [])
        self.field = field

    @property
    def http_status(self) -> int:
        return STATUS.get(self.code, 400)
