"""Stable error codes of eldercare (screens translate them; the provider API answers them as
`{"code", "field", "message"}` with the HTTP status of `STATUS`)."""

from django.utils.translation import gettext_lazy as _

from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError
from safetynet.institutions.errors import InstitutionRequestError

__all__ = ["CODES", "STATUS", "EldercareError", "NotFoundError", "ServiceError", "refuse"]

NOT_ELDERLY = "eldercare_not_elderly"
DECEASED = "eldercare_person_deceased"
INPUT_INVALID = "eldercare_input_invalid"
PROVIDER_STATE = "eldercare_provider_state"
PROVIDER_INCOMPLETE = "eldercare_provider_incomplete"
NO_PROVIDER = "eldercare_no_provider"
PROVIDER_NOT_SERVING = "eldercare_provider_not_serving"
TRANSITION = "eldercare_transition_not_allowed"
ORDER_NOT_FOUND = "order_not_found"
ALREADY_SETTLED = "order_already_settled"
NOT_SETTLEABLE = "order_not_settleable"
CARD_INVALID = "card_invalid"
CARD_NOT_HOLDERS = "card_not_the_persons"
CARD_EXISTS = "card_exists"
STATEMENT_INVALID = "eldercare_statement_invalid"
STATEMENT_EXISTS = "eldercare_statement_exists"
# the bank files of the statements (institutions/reimbursement.py's codes, ADR 1210)
NOTHING_TO_PAY = "nothing_to_pay"
RESULT_FILE_INVALID = "result_file_invalid"

CODES = {
    NOT_ELDERLY: _("The person is not in the elderly database (under 60)."),
    DECEASED: _("The person is deceased."),
    INPUT_INVALID: _("The input is incomplete or invalid."),
    PROVIDER_STATE: _("The provider is not in a state that allows this."),
    PROVIDER_INCOMPLETE: _("The provider needs a contract, service items and areas first."),
    NO_PROVIDER: _("No admitted provider serves this item in the person's area."),
    PROVIDER_NOT_SERVING: _("This provider does not serve this item in the person's area."),
    TRANSITION: _("The order's status does not allow this step."),
    ORDER_NOT_FOUND: _("No such order of this provider."),
    ALREADY_SETTLED: _("The order is already settled."),
    NOT_SETTLEABLE: _("Only a done order can be settled."),
    CARD_INVALID: _("The card is not in use."),
    CARD_NOT_HOLDERS: _("The card is not the ordering person's."),
    CARD_EXISTS: _("The person already has a card in use."),
    STATEMENT_INVALID: _("The month is invalid or not over."),
    STATEMENT_EXISTS: _("The provider's statement of this month is already made."),
    NOTHING_TO_PAY: _("No statement is waiting for a reimbursement file."),
    RESULT_FILE_INVALID: _("The bank's result file is refused; nothing was changed."),
}

# HTTP status of each code on the provider API.
STATUS = {
    INPUT_INVALID: 400,
    ORDER_NOT_FOUND: 404,
    TRANSITION: 409,
    ALREADY_SETTLED: 409,
    NOT_SETTLEABLE: 409,
    CARD_INVALID: 422,
    CARD_NOT_HOLDERS: 422,
    PROVIDER_STATE: 403,
}


class EldercareError(ServiceError):
    def __init__(self, code: str, message: str, field: str = ""):
        problems = [FieldProblem(field=field, message=message, code=code)] if field else []
        super().__init__(code, message, problems)
        self.field = field

    @property
    def http_status(self) -> int:
        return STATUS.get(self.code, 400)


def refuse(code: str, message: str = "", field: str = ""):
    raise EldercareError(code, message or str(CODES.get(code, code)), field)


class EldercarePayableError(InstitutionRequestError):
    """A refusal of the providers' bank files (the shared `Program.error`, ADR 1210)."""

    MESSAGES = CODES
