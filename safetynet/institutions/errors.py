"""Institution service errors (stable codes)."""

from django.utils.translation import gettext_lazy as _

from safetynet.core.errors import FieldProblem, ServiceError


class InstitutionError(ServiceError):
    pass


def invalid(field: str, code: str, message) -> InstitutionError:
    return InstitutionError(code, str(message), [FieldProblem(field, str(message), code)])


INSTITUTION_EXISTS = "institution_exists"
KEY_ALREADY_REVOKED = "key_already_revoked"
INSTITUTION_INACTIVE = "institution_inactive"

MESSAGES = {
    INSTITUTION_EXISTS: _("An institution with this code is already registered."),
    KEY_ALREADY_REVOKED: _("This API key is already revoked."),
    INSTITUTION_INACTIVE: _("The institution is inactive; no key can be issued to it."),
}


class InstitutionRequestError(ServiceError):
    """A stable-coded refusal on an institution's API or of its monthly reimbursement (the
    hospitals' `MedicalError`, the funeral homes' `FuneralError`): the code, the input at
    fault, a message, and the HTTP status of the subclass's `STATUS` table."""

    STATUS: dict[str, int] = {}
    MESSAGES: dict = {}

    def __init__(self, code: str, field: str = "", message=None):
        message = str(message if message is not None else self.MESSAGES.get(code, code))
        super().__init__(code, message, [FieldProblem(field, message, code)] if field else [])
        self.field = field

    @property
    def http_status(self) -> int:
        return self.STATUS.get(self.code, 400)
