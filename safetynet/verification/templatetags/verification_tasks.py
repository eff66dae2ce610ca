"""Template helpers other apps' pages use to link to verification (the household page)."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def open_review_tasks(context, household) -> list:
    """The household's open and in-progress review tasks the user may see (none for roles
    without a need). Not logged: ids and statuses only."""
    request = context.get("request")
    if request is None or household is None:
        return []
    return selectors.household_open_tasks(actor=request.user, household_id=household.pk)
