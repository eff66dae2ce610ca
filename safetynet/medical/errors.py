"""Stable error codes of the one-stop settlement API and services (docs/medical.md).

Each code has an HTTP status for the institution API: bad input 400, a refusal of the person
422, a replay with other content 409, an unknown settlement 404.
"""

from django.utils.translation import gettext_lazy as _

from safetynet.institutions.errors import InstitutionRequestError

STATUS = {
    "request_malformed": 400,
    "bill_malformed": 400,
    "amount_invalid": 400,
    "amounts_inconsistent": 400,
    "id_number_invalid": 400,
    "date_invalid": 400,
    "reason_invalid": 400,
    "unknown_person": 422,
    "not_eligible": 422,
    "person_deceased": 422,
    "settlement_number_conflict": 409,
    "settlement_not_found": 404,
    # statements (staff)
    "month_invalid": 400,
    "month_not_over": 400,
    "statement_exists": 400,
    "statement_out_of_order": 400,
    "statement_negative": 400,
    "nothing_to_pay": 400,
    "result_file_invalid": 400,
}

MESSAGES = {
    "unknown_person": _("The ID number is not in the assistance registry."),
    "not_eligible": _(
        "The person holds no recipient category covered by medical assistance on the discharge "
        "date."
    ),
    "person_deceased": _("The registry records the person's death before the discharge date."),
    "settlement_number_conflict": _(
        "This settlement number was already used for a different settlement; nothing changed."
    ),
    "settlement_not_found": _("No settlement of this hospital has this number."),
    "month_not_over": _("A month is stated once it is over."),
    "statement_exists": _("The hospital's statement of this month is already made."),
    "statement_out_of_order": _("A later month of this hospital is already stated."),
    "statement_negative": _(
        "The reversals exceed the settlements: nothing is due; the balance waits for the next "
        "month."
    ),
    "nothing_to_pay": _("No statement is waiting for a reimbursement file."),
}


class MedicalError(InstitutionRequestError):
    STATUS = STATUS
    MESSAGES = MESSAGES
