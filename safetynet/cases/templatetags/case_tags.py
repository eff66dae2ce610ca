"""Template helpers other apps' pages use to link to casework (the household page)."""

from django import template

from .. import screens

register = template.Library()


@register.simple_tag(takes_context=True)
def household_cases(context, household) -> list:
    """The household's cases the user may see, newest first (none for roles without a need)."""
    request = context.get("request")
    if request is None or household is None:
        return []
    return screens.household_cases(actor=request.user, household_id=household.pk)
