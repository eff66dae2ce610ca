"""The parameter changes page (参数调整): proposed, approved and shipped values side by side, with
the propose and approve/reject forms. Thin: the services decide, the selectors read."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safetynet.core.errors import ServiceError
from safetynet.web import lists

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
    context = {"form": form, "error": error, "decide_form": DecideForm(), **_lists(request)}
    return render(request, "policy/changes.html", context, status=status)


DECIDED_COLUMNS = [
    lists.Column("#", ("id",), key="id"),
    lists.Column(gettext_lazy("parameter"), ("name",)),
    lists.Column(gettext_lazy("kind"), ("kind",)),
    lists.Column(gettext_lazy("effective from"), ("effective",)),
    lists.Column(gettext_lazy("Shipped value")),
    lists.Column(gettext_lazy("Proposed value")),
    lists.Column(gettext_lazy("Value in force")),
    lists.Column(gettext_lazy("Legal reference"), ("reference_number",), key="reference"),
    lists.Column(gettext_lazy("status"), ("status",)),
    lists.Column(gettext_lazy("By"), ("author__username",), key="author"),
]


def _lists(request) -> dict:
    """The proposed changes (all: each waits for a decision), the decided ones on the list
    component (sorting, text filter, page numbers; parameters are city-wide: no division
    picker) and the audit trail's latest events (ADR 1033)."""
    q = (request.GET.get("q") or "").strip()[:64]
    decided = selectors.changes_list(q=q).exclude(status="proposed")
    listing = lists.list_page(request.GET, decided, columns=DECIDED_COLUMNS, default_sort="-id")
    return {
        "proposed": selectors.change_rows(selectors.changes_list("proposed", q=q)),
        "decided": selectors.change_rows(listing.rows),
        "list": listing,
        "q": q,
        "events": selectors.change_events()[:50],
    }


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
        context = {"form": ProposeForm(), "error": e, "decide_form": form, **_lists(request)}
        return render(request, "policy/changes.html", context, status=422)
    return redirect("policy:changes")
