"""Template helpers other apps' pages use to link to casework (the household page)."""

from django import template
from django.utils.translation import gettext

from .. import screens

register = template.Library()


@register.simple_tag(takes_context=True)
def household_cases(context, household) -> list:
    """The household's cases the user may see, newest first (none for roles without a need)."""
    request = context.get("request")
    if request is None or household is None:
        return []
    return screens.household_cases(actor=request.user, household_id=household.pk)


@register.simple_tag
def due_date(day, pending_year=None) -> str:
    """A due date as YYYY-MM-DD; a pending one (ADR 0814: the calendar does not know its year
    yet) as "待定（等待2027年工作日安排）"; no date and nothing pending: "—"."""
    if day is not None:
        return day.strftime("%Y-%m-%d")
    if pending_year:
        return pending_label(pending_year)
    return "—"


def pending_label(year: int) -> str:
    return gettext("Pending (waiting for the %(year)s working-day calendar)") % {"year": str(year)}
