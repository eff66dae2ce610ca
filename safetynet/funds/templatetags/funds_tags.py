from django import template

from safetynet.rules.catalog import name_zh

from ..beancount_export import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen as yuan with two decimals, exactly."""
    return _yuan(int(fen or 0))


@register.filter
def program_name(code: str) -> str:
    return name_zh(code)


@register.filter
def level_name(level: str) -> str:
    from ..chart import LEVEL_ZH

    return LEVEL_ZH.get(level, level)


@register.filter
def lookup(mapping: dict, key):
    return mapping.get(key, key) if mapping else key
