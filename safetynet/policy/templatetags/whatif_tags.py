from django import template

from safetynet.rules.money import yuan

register = template.Library()


@register.filter
def yuan_fen(fen) -> str:
    """Fen as yuan with two decimals and thousands separators, exactly."""
    return yuan(int(fen or 0))


@register.filter
def parameter_zh(name) -> str:
    """A parameter's Chinese name (its dotted name where none is known)."""
    from safetynet.core.labels import PARAMETER_NAMES_ZH

    return PARAMETER_NAMES_ZH.get(str(name), str(name))
