from django import template

from safetynet.eldercare.exports import mask_phone as _mask_phone
from safetynet.rules.money import yuan as _yuan

register = template.Library()


@register.filter
def fen_yuan(fen) -> str:
    """Fen as yuan with two decimals, exactly ("" for None)."""
    if fen is None or fen == "":
        return "—"
    return _yuan(int(fen))


@register.filter
def mask_phone(phone) -> str:
    return _mask_phone(phone)
