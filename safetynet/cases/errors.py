"""Stable error codes of the case services (docs/cases.md); the UI translates them."""

from django.utils.translation import gettext_lazy as _

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError

__all__ = ["CODES", "FieldProblem", "NotFoundError", "ServiceError", "message_for"]

TRANSITION_NOT_ALLOWED = "case_transition_not_allowed"
ALREADY_DECIDED = "case_already_decided"
DECIDER_CONFLICT = "case_decider_conflict"
PROGRAM_INVALID = "case_program_invalid"
HOUSEHOLD_INVALID = "case_household_invalid"
APPLICANT_NOT_MEMBER = "case_applicant_not_member"
DOCUMENT_REFUSED = "case_document_refused"
VISIT_STAFF_SAME = "home_visit_staff_same"
VISIT_STAFF_INVALID = "home_visit_staff_invalid"
VISIT_DATE_INVALID = "home_visit_date_invalid"
VISIT_FINDINGS_MISSING = "home_visit_findings_missing"
VISIT_PHOTO_REFUSED = "home_visit_photo_refused"
NEEDS_HOME_VISIT = "case_needs_home_visit"
NEEDS_VERIFICATION_REPORT = "case_needs_verification_report"
VERIFICATION_INCOMPLETE = "case_verification_incomplete"
RULES_REFUSED = "case_rules_refused"
PROPOSAL_NOT_ELIGIBLE = "case_proposal_not_eligible"
PROPOSAL_ELIGIBLE = "case_proposal_eligible"
NOTICE_RUNNING = "case_notice_running"
OBJECTION_UNANSWERED = "case_objection_unanswered"
OBJECTION_ALREADY_ANSWERED = "objection_already_answered"
OBJECTION_CONTENT_MISSING = "objection_content_missing"
OBJECTION_OUTSIDE_NOTICE = "objection_outside_notice"
REASON_REQUIRED = "case_reason_required"
ALREADY_EXTENDED = "case_already_extended"
CALENDAR_YEAR_UNKNOWN = "calendar_year_unknown"
DUPLICATE_APPLICATION = "case_duplicate_application"
REQUEST_INVALID = "case_request_invalid"
ALREADY_ENROLLED = "case_already_enrolled"
# fast path, proactive lists, dynamic management, grievances (docs/cases-dynamic.md)
EMERGENCY_OVER_CAP = "emergency_over_cap"
EMERGENCY_AMOUNT_INVALID = "emergency_amount_invalid"
FORMALITY_UNKNOWN = "emergency_formality_unknown"
FORMALITY_DONE = "emergency_formality_done"
LIST_CONFIRMED = "proposal_list_confirmed"
LIST_ENTRY_UNKNOWN = "proposal_list_entry_unknown"
MONTH_INVALID = "month_invalid"
REVIEW_OPEN = "review_already_open"
REVIEW_CLOSED = "review_closed"
REVIEW_NOT_ENROLLED = "review_not_enrolled"
REVIEW_OUTCOME_INVALID = "review_outcome_invalid"
GRIEVANCE_KIND_INVALID = "grievance_kind_invalid"
GRIEVANCE_NO_DECISION = "grievance_no_decision"
GRIEVANCE_TOO_LATE = "grievance_too_late"
GRIEVANCE_ANSWERED = "grievance_already_answered"

CODES = {
    TRANSITION_NOT_ALLOWED: _("This step is not possible in the case's present state."),
    ALREADY_DECIDED: _("This case has already been decided."),
    DECIDER_CONFLICT: _("A person who accepted or investigated a case may not decide it."),
    PROGRAM_INVALID: _("This program takes no application."),
    HOUSEHOLD_INVALID: _("Name an existing household or give the data of a new one."),
    APPLICANT_NOT_MEMBER: _("The applicant must be a current member of the household."),
    DOCUMENT_REFUSED: _("A document must be a PDF, JPEG or PNG file of at most 10 MB."),
    VISIT_STAFF_SAME: _("A home visit is made by two different staff members."),
    VISIT_STAFF_INVALID: _("The visiting staff must be active staff of the handling office."),
    VISIT_DATE_INVALID: _("The visit date must lie between acceptance and today."),
    VISIT_FINDINGS_MISSING: _("Write down what the home visit found."),
    VISIT_PHOTO_REFUSED: _("A photo must be a JPEG or PNG (or a PDF) of at most 10 MB."),
    NEEDS_HOME_VISIT: _("Record the home visit before making the proposal."),
    NEEDS_VERIFICATION_REPORT: _("The verification report is needed before the proposal."),
    VERIFICATION_INCOMPLETE: _("The verification report is incomplete; complete it first."),
    RULES_REFUSED: _("The rules engine refused the household's data."),
    PROPOSAL_NOT_ELIGIBLE: _("The proposal finds the household not eligible."),
    PROPOSAL_ELIGIBLE: _("The proposal finds the household eligible: post the public notice."),
    NOTICE_RUNNING: _("The public notice has not ended yet."),
    OBJECTION_UNANSWERED: _("Answer every objection before the notice is closed."),
    OBJECTION_ALREADY_ANSWERED: _("This objection has already been answered."),
    OBJECTION_CONTENT_MISSING: _("Write down the objection (or the answer)."),
    OBJECTION_OUTSIDE_NOTICE: _("An objection is recorded during the public notice."),
    REASON_REQUIRED: _("A reason is required."),
    ALREADY_EXTENDED: _("The time limit of this case has already been extended."),
    REQUEST_INVALID: _(
        "Give the kind of the request and the amount asked for, in fen (temporary assistance, "
        "disaster housing only)."
    ),
    DUPLICATE_APPLICATION: _("The household already has an open case for this program."),
    ALREADY_ENROLLED: _("The household already receives this benefit."),
    CALENDAR_YEAR_UNKNOWN: _(
        "The working-day calendar does not know this year yet; the bureau must add it."
    ),
    EMERGENCY_OVER_CAP: _(
        "Emergency aid is at most the cap: the monthly dibao standard per member."
    ),
    EMERGENCY_AMOUNT_INVALID: _("Give the emergency aid amount in fen, more than zero."),
    FORMALITY_UNKNOWN: _("This is not one of the emergency case's formalities."),
    FORMALITY_DONE: _("This formality is already completed."),
    LIST_CONFIRMED: _("This list has already been confirmed."),
    LIST_ENTRY_UNKNOWN: _("Every excluded person must be on the list, with a reason."),
    MONTH_INVALID: _("Give the month as YYYY-MM."),
    REVIEW_OPEN: _("A review of this household and program is already open."),
    REVIEW_CLOSED: _("This review has already been decided."),
    REVIEW_NOT_ENROLLED: _("The household is not enrolled in this program."),
    REVIEW_OUTCOME_INVALID: _(
        "The outcome does not fit the review (continue, adjust, stop, exit)."
    ),
    GRIEVANCE_KIND_INVALID: _("A grievance is a complaint, a reconsideration or a lawsuit."),
    GRIEVANCE_NO_DECISION: _("Reconsideration and lawsuit are about a decision notified."),
    GRIEVANCE_TOO_LATE: _("The time limit for this request has passed."),
    GRIEVANCE_ANSWERED: _("This grievance has already been answered."),
}


def message_for(error: ServiceError) -> str:
    if isinstance(error, NotPermittedError):
        return error.message
    known = CODES.get(error.code)
    return str(known) if known is not None else error.message
