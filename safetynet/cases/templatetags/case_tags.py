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


@register.simple_tag(takes_context=True)
def household_reviews(context, household) -> list:
    """The household's reviews the user may see, newest first (the household page)."""
    from .. import dynamic_screens

    request = context.get("request")
    if request is None or household is None:
        return []
    return dynamic_screens.household_reviews(actor=request.user, household_id=household.pk)


@register.simple_tag(takes_context=True)
def case_dynamic(context, case) -> dict:
    """The case page's emergency aid (checklist) and grievances, and the grievance form when
    the user may record one on a decided case."""
    from safetynet.rules.money import yuan

    from .. import clock, dynamic_screens
    from ..actions import is_decided
    from ..dynamic_forms import FORMALITY_LABELS, GrievanceForm
    from ..emergency import FORMALITIES

    request = context["request"]
    x = dynamic_screens.case_extras(actor=request.user, case_id=case.pk)
    aid = x["aid"]
    if aid is not None:
        x["amount"], x["cap"] = yuan(aid.amount_fen), yuan(aid.cap_fen)
        x["checklist"] = [(i, FORMALITY_LABELS[i], aid.checklist.get(i)) for i in FORMALITIES]
        x["late"] = (
            aid.completed_on is None
            and aid.formalities_due is not None  # None: pending the calendar (ADR 0814)
            and clock.today() > aid.formalities_due
        )
    x["may_record"] = is_decided(case) and request.user.has_perm("cases.record_grievance")
    x["form"] = GrievanceForm(prefix="grievance") if x["may_record"] else None
    return x


@register.filter
def program_name(code: str) -> str:
    """A rules-engine program or category code as its label in the page's language."""
    from django.utils.translation import get_language

    from safetynet.rules.catalog import label

    return label(code, get_language())


@register.filter
def dynamic_label(code: str) -> str:
    """The label of a list entry's change, a review outcome or a timeline event."""
    from ..dynamic_forms import DYNAMIC_LABELS
    from ..dynamic_models import ReviewOutcome

    if code in ReviewOutcome.values:
        return str(ReviewOutcome(code).label)
    return str(DYNAMIC_LABELS.get(code, code))


@register.simple_tag
def review_open_form():
    from ..dynamic_forms import ReviewOpenForm

    return ReviewOpenForm(prefix="review")
