"""Stable error codes of the verification services. The UI translates them (`message_for`)."""

from django.utils.translation import gettext_lazy as _

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["CODES", "FieldProblem", "NotFoundError", "ServiceError", "message_for"]

NOT_PERMITTED = "not_permitted"
AUTHORIZATION_MISSING = "authorization_missing"
AUTHORIZATION_SIGNER_NOT_MEMBER = "authorization_signer_not_member"
AUTHORIZATION_SIGNED_IN_FUTURE = "authorization_signed_in_future"
AUTHORIZATION_FILE_REFUSED = "authorization_file_refused"
INVALID_PURPOSE = "invalid_purpose"
INVALID_PROGRAM = "invalid_program"
INVALID_MONTH = "invalid_month"
INVALID_DECLARATION = "invalid_declaration"
HOUSEHOLD_HAS_NO_MEMBERS = "household_has_no_members"
NOT_A_MANUAL_SOURCE = "not_a_manual_source"
QUERY_NOT_PENDING = "query_not_pending"
QUERY_NOT_RETRYABLE = "query_not_retryable"
RESPONSE_FILE_INVALID = "response_file_invalid"
SOURCES_PENDING = "sources_pending"
REQUEST_ALREADY_REPORTED = "request_already_reported"
RECHECK_NEEDS_REPORT = "recheck_needs_report"
RECHECK_NEEDS_OBJECTION = "recheck_needs_objection"
RECHECK_UNKNOWN_SOURCE = "recheck_unknown_source"
RULES_REFUSED_SITUATION = "rules_refused_situation"
TASK_NOT_OPEN = "task_not_open"
TASK_NOT_IN_PROGRESS = "task_not_in_progress"
TASK_ALREADY_CLOSED = "task_already_closed"
TASK_OUTCOME_UNKNOWN = "task_outcome_unknown"
TASK_NOTE_MISSING = "task_note_missing"

CODES = {
    NOT_PERMITTED: _("You may not do this."),
    AUTHORIZATION_MISSING: _("No signed authorization was uploaded: no authorization, no query."),
    AUTHORIZATION_SIGNER_NOT_MEMBER: _(
        "The authorization must be signed by a current member of the household."
    ),
    AUTHORIZATION_SIGNED_IN_FUTURE: _("The authorization cannot be signed in the future."),
    AUTHORIZATION_FILE_REFUSED: _(
        "The authorization scan must be a PDF, JPEG or PNG file of at most 10 MB."
    ),
    INVALID_PURPOSE: _("Unknown purpose."),
    INVALID_PROGRAM: _("Unknown program."),
    INVALID_MONTH: _("The month must be written YYYY-MM."),
    INVALID_DECLARATION: _("The declared income or assets are not valid."),
    HOUSEHOLD_HAS_NO_MEMBERS: _("The household has no current members."),
    NOT_A_MANUAL_SOURCE: _("This source is queried automatically; it takes no response file."),
    QUERY_NOT_PENDING: _("This source has already answered."),
    QUERY_NOT_RETRYABLE: _("Only a failed or unavailable source can be queried again."),
    RESPONSE_FILE_INVALID: _("The response file has errors; nothing was imported."),
    SOURCES_PENDING: _(
        "Some sources have not answered yet. Issue the report anyway to conclude “incomplete”."
    ),
    REQUEST_ALREADY_REPORTED: _("A report was already issued for this request."),
    RECHECK_NEEDS_REPORT: _("A recheck needs an issued report."),
    RECHECK_NEEDS_OBJECTION: _("Write down the family's objection."),
    RECHECK_UNKNOWN_SOURCE: _("Choose the disputed sources among the request's sources."),
    RULES_REFUSED_SITUATION: _("The rules engine refused the household's data."),
    TASK_NOT_OPEN: _("Only an open review task can be started."),
    TASK_NOT_IN_PROGRESS: _("Start the review task before closing it."),
    TASK_ALREADY_CLOSED: _("This review task is already closed."),
    TASK_OUTCOME_UNKNOWN: _("Choose the outcome of the review."),
    TASK_NOTE_MISSING: _("Write down what the review found."),
}


def message_for(error: ServiceError) -> str:
    """The user-facing (translated) message for a service error. A role refusal says what the role
    may not do (accounts/permissions.py)."""
    if isinstance(error, NotPermittedError):
        return error.message
    known = CODES.get(error.code)
    return str(known) if known is not None else error.message
