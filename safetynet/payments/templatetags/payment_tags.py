"""Template helpers of the payments pages and of other apps' pages (the household page)."""

from django import template

from safetynet.rules.money import yuan as _yuan

from .. import flow_screens as screens
from ..flow_views import program_label

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen as yuan with two decimals ("1,234.50"); empty for None."""
    if fen is None or fen == "":
        return ""
    return _yuan(int(fen))


@register.filter
def program_name(code: str) -> str:
    return program_label(code)


@register.simple_tag(takes_context=True)
def household_payments(context, household) -> list:
    """What was paid to the household (its lines and its members' own), newest month first,
    each with `net_fen` and `program_label`; none for roles that may not see payrolls."""
    request = context.get("request")
    if request is None or household is None:
        return []
    lines = screens.household_payments(actor=request.user, household_id=household.pk)
    for line in lines:
        line.program_label = program_label(line.program)
        line.net_fen = line.amount_fen - int(line.deducted_fen or 0)
    return lines


@register.simple_tag(takes_context=True)
def household_refunds(context, household) -> list:
    request = context.get("request")
    if request is None or household is None:
        return []
    rows = screens.household_refunds(actor=request.user, household_id=household.pk)
    for r in rows:
        r.program_label = program_label(r.line.program)
    return rows


@register.simple_tag(takes_context=True)
def household_recoveries(context, household) -> list:
    request = context.get("request")
    if request is None or household is None:
        return []
    rows = screens.household_recoveries(actor=request.user, household_id=household.pk)
    for r in rows:
        r.program_label = program_label(r.program)
        r.outstanding_fen = screens.outstanding(r)
    return rows
