"""Template helpers of the web UI: ID masking, ages, divisions."""

import datetime as dt

from django import template
from django.utils import timezone

from safetynet.core import labels
from safetynet.registry.ids import mask_id_number

register = template.Library()


@register.filter
def mask_id(number: str | None) -> str:
    """`350203199001011234` -> `350203********1234`. Lists always use this."""
    return mask_id_number(number) if number else ""


@register.filter
def thousands(value) -> str:
    """`1234567` -> `1,234,567` in every language. Django's `intcomma` follows the locale's
    format, and zh-Hans has no thousands separator; counts on the screens group by three like
    the bureau's statistical tables (ADR 1000). Non-numbers pass through unchanged."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)


@register.simple_tag(takes_context=True)
def id_number(context, person) -> str:
    """The whole ID number if the user may see it for this person (rule
    `registry.view_full_id_number`), else the masked one."""
    user = context["request"].user
    if user.has_perm("registry.view_full_id_number", person):
        return person.id_number
    return mask_id_number(person.id_number)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@register.filter
def age(person) -> int | None:
    """Age in whole years today, or at death."""
    if person is None or not person.birth_date:
        return None
    return age_on(person.birth_date, person.death_date or timezone.localdate())


# Fields whose raw value (a row id) says nothing the entry's label does not already say.
_HISTORY_HIDDEN_FIELDS = {"person", "household"}


@register.filter
def history_changes(changes) -> list:
    return [c for c in changes if c.field not in _HISTORY_HIDDEN_FIELDS]


@register.filter
def history_value(value) -> str:
    """A value of a history entry, as the rest of the UI shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return labels.yes_no(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
