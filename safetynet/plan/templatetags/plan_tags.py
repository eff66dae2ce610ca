"""Figures of the plan's screens: a target's value (a share as a percentage, a count as a
whole number), yuan from fen, and the traffic light's words."""

from fractions import Fraction

from django import template
from django.utils.translation import gettext as _

from safetynet.core import labels
from safetynet.funds.beancount_export import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    return _yuan(int(fen or 0))


@register.filter
def figure(value, kind: str) -> str:
    """A target's value: "95.0%" for a share, "12" for a count, "—" for none."""
    if value is None:
        return "—"
    if kind == "count":
        return str(int(value))
    return labels.percent(Fraction(value), 1)


@register.filter
def target(ind) -> str:
    if ind.kind == "count":
        return str(ind.target)
    return labels.percent(Fraction(ind.target), 0)


@register.filter
def light_word(light: str) -> str:
    return {
        "green": _("Met"),
        "amber": _("Behind, deadline ahead"),
        "red": _("Behind"),
        "none": _("No target at this level"),
    }.get(light, "—")


@register.filter
def units(ind) -> str:
    from ..models import Unit

    return "、".join(str(Unit(u).label) for u in ind.units)


@register.filter
def parts(f, ind) -> str:
    """A share's numerator and denominator, "（12/40）" (yuan for money), or "" for a count."""
    if f is None or not f.available or f.denominator is None:
        return ""
    if getattr(ind, "money", False):
        return f"（{_yuan(f.numerator)}/{_yuan(f.denominator)} 元）"
    return f"（{f.numerator}/{f.denominator}）"
