"""Views: parse the request, call a selector or service, render. No business rules here.

Out-of-jurisdiction and missing records both raise NotFoundError in the selectors; views turn it
into a 404, so guessing a URL reveals nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.accounts import selectors as accounts_selectors
from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.registry import exporters, importers

from . import selectors
from .forms import ImportForm, ListFilterForm, LoginForm, SearchForm
from .home_selectors import (
    cases_due,
    charts_data,
    drill_target,
    group_waiting,
    recipient_trend,
    recipients_breakdown,
    spending_by_program,
    verification_coverage,
    waiting_for,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@contextmanager
def not_found_as_404():
    try:
        yield
    except NotFoundError:
        raise Http404 from None


@contextmanager
def refusals_as_403():
    """A service's role refusal (code not_permitted) becomes the 403 page, with its message.
    The decorators refuse first; this is for the service's own check (the guard)."""
    try:
        yield
    except NotPermittedError as refused:
        raise PermissionDenied(refused.message) from None


def _wants_fragment(request) -> bool:
    """An htmx request for a part of the page (a history restore needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
@require_GET
def home(request):
    """The workbench (what waits for the user) and the dashboard (ADR 1000); `?at=` drills the
    recipients chart into one division of the jurisdiction."""
    actor = request.user
    dashboard = selectors.dashboard_counts(actor=actor)
    at = drill_target(actor=actor, code=request.GET.get("at"))
    breakdown = recipients_breakdown(actor=actor, at=at)
    trend = recipient_trend(actor=actor)
    coverage = verification_coverage(actor=actor)
    spending = spending_by_program(actor=actor, year=timezone.localdate().year)
    waiting = waiting_for(actor=actor)
    context = {
        "dashboard": dashboard,
        "waiting": waiting,
        "waiting_groups": group_waiting(waiting),
        "cases_due": cases_due(actor=actor),
        "breakdown": breakdown,
        "trend": trend,
        "coverage": coverage,
        "spending": spending,
        "charts": charts_data(
            breakdown=breakdown,
            trend=trend,
            coverage=coverage,
            spending=spending,
            person_list_url=reverse("person-list"),
            home_url=reverse("home"),
        ),
    }
    return render(request, "web/home.html", context)


@login_required
@require_GET
def search(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    found = selectors.household_search(actor=request.user, query=query)
    context = {"form": form, "query": query, "found": found, "results": found.households}
    template = "web/partials/search_results.html" if _wants_fragment(request) else "web/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _list_context(request, queryset, form):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"form": form, "page": page, "querystring": query.urlencode()}


@login_required
@require_GET
def household_list(request):
    form = ListFilterForm(
        request.GET, division_choices=selectors.division_choices(actor=request.user)
    )
    qs = selectors.household_list(actor=request.user, filters=form.filters())
    return render(request, "web/household_list.html", _list_context(request, qs, form))


@login_required
@require_GET
def person_list(request):
    form = ListFilterForm(
        request.GET, division_choices=selectors.division_choices(actor=request.user)
    )
    qs = selectors.person_list(actor=request.user, filters=form.filters())
    return render(request, "web/person_list.html", _list_context(request, qs, form))


@login_required
@require_GET
def household_detail(request, pk: int):
    with not_found_as_404():
        page = selectors.household_page(actor=request.user, household_id=pk)
    return render(request, "web/household_detail.html", {"page": page, "household": page.household})


@login_required
@require_GET
def person_detail(request, pk: int):
    with not_found_as_404():
        page = selectors.person_page(actor=request.user, person_id=pk)
    return render(request, "web/person_detail.html", {"page": page, "person": page.person})


def _xlsx(content: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    filename = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(request, export, stem: str) -> HttpResponse:
    form = ListFilterForm(
        request.GET, division_choices=selectors.division_choices(actor=request.user)
    )
    with refusals_as_403():
        return _xlsx(export(actor=request.user, filters=form.filters()), stem)


@login_required
@permission_required("registry.export_households", raise_exception=True)
@require_GET
def household_export(request):
    return _export(request, exporters.households_export, "households")


@login_required
@permission_required("registry.export_persons", raise_exception=True)
@require_GET
def person_export(request):
    return _export(request, exporters.persons_export, "persons")


@login_required
@permission_required("registry.import_households", raise_exception=True)
@require_GET
def household_import_template(request):
    with refusals_as_403():
        content = importers.household_template_workbook(actor=request.user)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="household-roster-template.xlsx"'
    return response


@login_required
@permission_required("registry.import_households", raise_exception=True)
@require_http_methods(["GET", "POST"])
def household_import(request):
    """Upload a roster: the importer validates the whole file and writes all of it or nothing."""
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "result": None, "problems": None, "error": None}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                with refusals_as_403():
                    context["result"] = importers.household_roster_import(
                        actor=request.user, file=upload, filename=upload.name
                    )
            except ServiceError as error:  # ImportRejected: every problem, nothing written
                context["problems"] = error.problems
                context["error"] = error
                status = 422
        else:
            status = 422
    return render(request, "web/household_import.html", context, status=status)


@login_required
@permission_required("accounts.view_account_changes", raise_exception=True)
@require_GET
def account_changes(request):
    """The auditor's view of every change to roles, jurisdictions, staff and superuser status,
    groups, permissions, active status and passwords of accounts (ADR 0724)."""
    username = (request.GET.get("user") or "").strip()[:150]
    with refusals_as_403():
        qs = accounts_selectors.account_changes(actor=request.user, username=username)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (c, accounts_selectors.shown_value(c, c.old), accounts_selectors.shown_value(c, c.new))
        for c in page
    ]
    querystring = urlencode({"user": username}) if username else ""
    context = {"page": page, "rows": rows, "username": username, "querystring": querystring}
    return render(request, "web/account_changes.html", context)
