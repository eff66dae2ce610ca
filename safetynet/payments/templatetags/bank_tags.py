"""Template helpers of the bank pages (amounts: payment_tags' `yuan`)."""

from django import template
from django.utils.translation import gettext_lazy as _

from safetynet.core.masking import mask_account_number

register = template.Library()

REASONS = {
    "account_closed": _("Account closed"),
    "name_mismatch": _("Name does not match the account"),
    "no_such_account": _("No such account"),
    "account_frozen": _("Account frozen"),
    "other": _("Other"),
}


@register.filter
def bank_reason(code: str) -> str:
    return str(REASONS.get(code, code))


@register.filter
def masked_account(number: str) -> str:
    """Bank accounts are masked in lists like ID numbers are (ADR 1022): bank prefix, stars,
    last four."""
    return mask_account_number(number)
