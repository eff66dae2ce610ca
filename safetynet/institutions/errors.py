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
