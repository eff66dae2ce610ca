"""Template helpers of the bank pages (amounts: payment_tags' `yuan`)."""

from django import template
from django.utils.translation import gettext_lazy as _

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
    """Bank accounts are masked in lists: the last four digits."""
    return f"…{number[-4:]}" if number else ""
