"""Template helpers of the bank pages."""

from django import template
from django.utils.translation import gettext_lazy as _

from safetynet.rules.money import yuan as _yuan

register = template.Library()

REASONS = {
    "account_closed": _("Account closed"),
    "name_mismatch": _("Name does not match the account"),
    "no_such_account": _("No such account"),
    "account_frozen": _("Account frozen"),
    "other": _("Other"),
}


@register.filter
def fen_yuan(fen) -> str:
    """Fen as yuan with two decimals ("1,234.50"); empty for None."""
    if fen is None or fen == "":
        return ""
    return _yuan(int(fen))


@register.filter
def bank_reason(code: str) -> str:
    return str(REASONS.get(code, code))


@register.filter
def masked_account(number: str) -> str:
    """Bank accounts are masked in lists: the last four digits."""
    return f"…{number[-4:]}" if number else ""
