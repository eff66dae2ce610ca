"""Rules screens: the policy parameters (政策参数) and a trial calculation (试算). Thin views: the
forms parse, `rules_selectors` reads the engine and shapes its answers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import rules_selectors
from .forms import ParameterFilterForm, TrialCalculationForm


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
    return render(request, "web/rules/calculate.html", context, status=status)
