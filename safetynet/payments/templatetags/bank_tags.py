"""Template helpers of the bank pages (amounts: payment_tags' `yuan`)."""

from django import template

from safetynet.core import labels
from safetynet.core.masking import mask_account_number

register = template.Library()

REASONS = labels.BANK_RETURN_REASONS  # the one label map (ADR 1010)


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
    """Bank accounts are masked in lists like ID numbers are (ADR 1022): bank prefix, stars,
    last four."""
    return mask_account_number(number)
