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
    "bank_technical": _("Bank technical failure"),
    "timeout": _("Timed out at the bank"),
}


@register.filter
def bank_reason(code: str) -> str:
    return str(REASONS.get(code, code))


@register.filter
def resent_unchanged(code: str) -> bool:
    """A failure not about the account: the line goes again, unchanged (ADR 0942)."""
    from safetynet.payments.bank_format import RESEND_UNCHANGED_REASONS

    return code in RESEND_UNCHANGED_REASONS


@register.filter
def masked_account(number: str) -> str:
    """Bank accounts are masked in lists: the last four digits."""
    return f"…{number[-4:]}" if number else ""
