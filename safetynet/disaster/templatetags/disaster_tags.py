from django import template

from safetynet.funds.beancount_export import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen as yuan with two decimals, exactly."""
    return _yuan(int(fen or 0))


@register.filter
def lookup(mapping, key):
    return (mapping or {}).get(key, 0)
