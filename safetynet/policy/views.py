"""The parameter changes page (参数调整): proposed, approved and shipped values side by side, with
the propose and approve/reject forms. Thin: the services decide, the selectors read."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from safetynet.core.errors import ServiceError

from . import selectors, services
from .forms import DecideForm, ProposeForm


@login_required
@permission_required("policy.view_parameter_changes", raise_exception=True)
@require_http_methods(["GET", "POST"])
def changes(request):
    form = ProposeForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if not request.user.has_perm(services.PROPOSE):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.propose_change(request.user, **form.cleaned_data)
                return redirect("policy:changes")
            except ServiceError as e:
                error, status = e, 422
                if e.problems and e.problems[0].field in form.fields:
                    form.add_error(e.problems[0].field, e.problems[0].message)
        else:
            status = 422
    context = {
        "form": form,
        "error": error,
        "proposed": selectors.change_rows(selectors.changes_list("proposed")),
        "decided": selectors.change_rows(selectors.changes_list().exclude(status="proposed")),
        "events": selectors.change_events()[:50],
        "decide_form": DecideForm(),
    }
    return render(request, "policy/changes.html", context, status=status)


@login_required
@require_POST
def decide(request, pk: int, action: str):
    form = DecideForm(request.POST)
    note = form.data.get("note", "")
    try:
        if action == "approve":
            services.approve_change(request.user, pk, note=note)
        else:
            services.reject_change(request.user, pk, note)
    except ServiceError as e:
        if e.code == "not_permitted":
            raise PermissionDenied(e.message) from None
        context = {
            "form": ProposeForm(),
            "error": e,
            "proposed": selectors.change_rows(selectors.changes_list("proposed")),
            "decided": selectors.change_rows(selectors.changes_list().exclude(status="proposed")),
            "events": selectors.change_events()[:50],
            "decide_form": form,
        }
        return render(request, "policy/changes.html", context, status=422)
    return redirect("policy:changes")
