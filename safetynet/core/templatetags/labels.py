"""Template filters of the one label map (safetynet.core.labels, ADR 1010).

``{% load labels %}`` then ``{{ code|label:"source" }}``, ``{{ flag|yes_no }}``,
``{{ code|division_name }}``, ``{{ code|division_path }}``, ``{{ ratio|percent }}``.
"""

from typing import Any

from django import template

from safetynet.core import labels

register = template.Library()


@register.filter(name="label")
def label(code: Any, kind: str) -> str:
    return labels.label(kind, code)


@register.filter
def yes_no(value: Any) -> str:
    return labels.yes_no(value)


@register.filter
def division_name(code: Any) -> str:
    return labels.division_name(code)


@register.filter
def division_path(code: Any) -> str:
    return labels.division_path(code)


@register.filter
def percent(ratio: Any) -> str:
    return labels.percent(ratio)


@register.filter
def legal_reference(reference: Any, status: str | None = None) -> str:
    return labels.legal_reference(reference, status)


@register.simple_tag
def colon() -> str:
    """The colon after a label: full-width (：) in Chinese text, ": " in English."""
    return labels.colon()
