"""Rules screens: the policy parameters (政策参数) and a trial calculation (试算). Thin views: the
forms parse, `rules_selectors` reads the engine and shapes its answers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import rules_selectors, trial_selectors
from . import selectors as web_selectors
from .forms import (
    TRIAL_INCOME_FIELDS,
    ParameterFilterForm,
    TrialCalculationForm,
    TrialHouseholdForm,
    TrialMemberFormSet,
)
from .views import not_found_as_404


@login_required
@require_GET
def parameters(request):
    form = ParameterFilterForm(
        request.GET or None, program_choices=rules_selectors.parameter_programs()
    )
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    on = cleaned.get("on") or timezone.localdate()
    program = cleaned.get("program") or None
    groups = rules_selectors.parameter_groups(program=program, on=on)
    context = {
        "form": form,
        "on": on,
        "groups": groups,
        "to_confirm": sum(g.to_confirm for g in groups),
        "count": sum(len(g.parameters) for g in groups),
    }
    return render(request, "web/rules/parameters.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def calculate(request):
    """The trial calculation: the household form (default; prefilled with ``?household=<id>``)
    or, with ``?mode=json`` or a posted ``situation``, the situation as JSON (ADR 1011)."""
    if request.GET.get("mode") == "json" or "situation" in request.POST:
        return _calculate_json(request)
    return _calculate_household(request)


def _community_choices(actor) -> list[tuple[str, str]]:
    rows = web_selectors.division_choices(actor=actor)
    return [(code, name.strip("\u3000")) for code, name in rows if len(code) == 12] or rows


def _calculate_household(request):
    choices = _community_choices(request.user)
    result = error = prefill = None
    status = 200
    if request.method == "POST":
        form = TrialHouseholdForm(request.POST, division_choices=choices)
        members = TrialMemberFormSet(request.POST, prefix="m")
        if form.is_valid() and members.is_valid():
            month = form.cleaned_data["month"]
            situation = trial_selectors.situation_from_form(
                actor=request.user,
                household=form.situation_household(),
                members=[
                    m.situation_member()
                    for m in members.forms
                    if m.cleaned_data and not m.cleaned_data.get("DELETE")
                ],
                month=month,
                requests=form.situation_requests(),
            )
            outcome = trial_selectors.trial_run(situation=situation, month=month)
            if isinstance(outcome, trial_selectors.TrialError):
                error, status = trial_selectors.field_error(outcome, situation), 422
            else:
                result = outcome
        else:
            status = 422
        if form.data.get("household"):
            with not_found_as_404():
                prefill = trial_selectors.trial_prefill(
                    actor=request.user, household_id=int(form.data["household"])
                )
    else:
        month = f"{timezone.localdate():%Y-%m}"
        if request.GET.get("household", "").isdigit():
            with not_found_as_404():
                prefill = trial_selectors.trial_prefill(
                    actor=request.user, household_id=int(request.GET["household"])
                )
        initial, rows = trial_selectors.form_initial(prefill, month=month, choices=choices)
        form = TrialHouseholdForm(initial=initial, division_choices=choices)
        members = TrialMemberFormSet(initial=rows, prefix="m")
    context = {
        "form": form,
        "members": members,
        "prefill": prefill,
        "result": result,
        "error": error,
        "income_fields": TRIAL_INCOME_FIELDS,
    }
    return render(request, "web/rules/calculate.html", context, status=status)


def _calculate_json(request):
    result = error = None
    status = 200
    if request.method == "POST":
        form = TrialCalculationForm(request.POST)
        if form.is_valid():
            outcome = rules_selectors.trial_calculation(
                text=form.cleaned_data["situation"], month=form.cleaned_data["month"]
            )
            if isinstance(outcome, rules_selectors.TrialError):
                error, status = outcome, 422
            else:
                result = outcome
        else:
            status = 422
    else:
        form = TrialCalculationForm(
            initial={
                "month": rules_selectors.EXAMPLE_MONTH,
                "situation": rules_selectors.example_situation(),
            }
        )
    context = {"form": form, "result": result, "error": error}
    return render(request, "web/rules/calculate_json.html", context, status=status)
