"""Views: parse the request, call a selector or service, render. No business rules here.

Out-of-jurisdiction and missing records both raise NotFoundError in the selectors; views turn it
into a 404, so guessing a URL reveals nothing.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.accounts import selectors as accounts_selectors
from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.registry import exporters, importers
from safetynet.registry.selectors import is_id_number_query

from . import lists, selectors
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


HOUSEHOLD_COLUMNS = [
    lists.Column(_("Household number"), ("number",)),
    lists.Column(_("Head of household"), ("head_name",)),
    lists.Column(_("ID number")),
    lists.Column(_("Members"), ("member_count",), num=True),
    lists.Column(_("Category")),
    lists.Column(_("Division"), ("division_id",), key="division"),
    lists.Column(_("Address"), ("address",)),
]
PERSON_COLUMNS = [
    lists.Column(_("Name"), ("name",)),
    lists.Column(_("ID number")),
    lists.Column(_("Sex"), ("sex",)),
    lists.Column(_("Age"), ("-birth_date",), key="age", num=True),
    lists.Column(_("Category")),
    lists.Column(_("Registered residence (hukou)"), ("hukou_division_id",), key="hukou"),
    lists.Column(_("Household"), ("household_number",)),
    lists.Column(_("Disability")),
]


@login_required
@require_GET
def search(request):
    """The search page: every match paged (ADR 1020), the members each household matched by."""
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    found = selectors.household_search(actor=request.user, query=query)
    # A whole ID number finds one household: no sort links, which would repeat the number.
    columns = HOUSEHOLD_COLUMNS
    if is_id_number_query(query):
        columns = [lists.Column(c.label, num=c.num) for c in columns]
    listing = lists.list_page(request.GET, found.rows, columns=columns, count=found.count)
    selectors.attach_categories(listing.rows, by="household")
    matched = selectors.matched_members(listing.rows, query=query)
    for h in listing.rows:
        h.matched = matched.get(h.pk, [])
    context = {"form": form, "query": query, "found": found, "list": listing}
    template = "web/partials/search_results.html" if _wants_fragment(request) else "web/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _list_filters(request) -> tuple[ListFilterForm, lists.DivisionPicker]:
    picker = lists.division_picker(actor=request.user, params=request.GET)
    return ListFilterForm(request.GET, picker_code=picker.code), picker


def _registry_list(request, *, select, columns, by: str, template: str):
    form, picker = _list_filters(request)
    listing = select(actor=request.user, filters=form.filters())
    page = lists.list_page(request.GET, listing.rows, columns=columns, default_sort="")
    selectors.attach_categories(page.rows, by=by)
    context = {"form": form, "picker": picker, "list": page, "truncated": listing.truncated}
    return render(request, template, context)


@login_required
@require_GET
def household_list(request):
    return _registry_list(
        request,
        select=selectors.household_list,
        columns=HOUSEHOLD_COLUMNS,
        by="household",
        template="web/household_list.html",
    )


@login_required
@require_GET
def person_list(request):
    return _registry_list(
        request,
        select=selectors.person_list,
        columns=PERSON_COLUMNS,
        by="person",
        template="web/person_list.html",
    )


@login_required
@require_GET
def division_children(request):
    """The division picker's next level (division-picker.js): the children of `parent` in the
    user's jurisdiction, as [{code, name}]. Outside the jurisdiction: an empty list."""
    parent = (request.GET.get("parent") or "").strip()[:12]
    rows = lists.division_children(actor=request.user, parent=parent or None) if parent else []
    return JsonResponse({"children": [{"code": c, "name": n} for c, n in rows]})


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
    form, _picker = _list_filters(request)
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
    listing = lists.list_page(request.GET, qs, columns=[])
    rows = [
        (c, accounts_selectors.shown_value(c, c.old), accounts_selectors.shown_value(c, c.new))
        for c in listing.rows
    ]
    context = {"list": listing, "page": listing.page, "rows": rows, "username": username}
    return render(request, "web/account_changes.html", context)
