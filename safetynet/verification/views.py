"""Verification pages: parse, call a selector or service, render. No business rules here.

Not found and outside the jurisdiction are both 404; a role without a need is 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetynet.core.files import attachment_response
from safetynet.core.uploads import SCAN_TYPES, XLSX
from safetynet.registry.selectors import household_get
from safetynet.web import lists
from safetynet.web.errors import http_errors

from . import errors as E
from . import selectors, services
from .findings import FindingsImportError
from .findings import findings_import as findings_import_run
from .forms import (
    CoverageForm,
    FindingsImportForm,
    RecheckForm,
    ReportBuildForm,
    RequestOpenForm,
    ResponseFileForm,
    ReviewTaskCloseForm,
    ReviewTaskFilterForm,
)
from .models import QueryStatus, RequestStatus, TaskOutcome, TaskStatus
from .report import report_context
from .sources.catalog import SOURCES

PAGE_SIZE = 50


def _detail_url(request_id: int) -> str:
    return reverse("verification:request-detail", args=[request_id])


# --------------------------------------------------------------------------- home, lists
@login_required
@require_GET
def home(request):
    form = CoverageForm(request.GET or None)
    with http_errors():
        cov = selectors.coverage(actor=request.user, as_of=form.as_of_or_today())
    recent = list(selectors.request_list(actor=request.user)[:10])
    return render(
        request,
        "verification/home.html",
        {"coverage": cov, "form": form, "recent": recent, "nav": "home"},
    )


REQUEST_COLUMNS = [
    lists.Column(gettext_lazy("Request number"), ("number",)),
    lists.Column(gettext_lazy("Household"), ("household__number",), key="household"),
    lists.Column(gettext_lazy("Purpose"), ("purpose",)),
    lists.Column(gettext_lazy("Program"), ("program",)),
    lists.Column(gettext_lazy("Month"), ("month",)),
    lists.Column(gettext_lazy("Status"), ("status",)),
    lists.Column(gettext_lazy("Opened"), ("created_at",), key="opened"),
]


@login_required
@require_GET
def request_list(request):
    if not request.user.has_perm("verification.view_verification"):
        raise PermissionDenied
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.request_list(
        actor=request.user,
        status=request.GET.get("status"),
        q=request.GET.get("q"),
        division=picker.code,
    )
    if request.GET.get("undecided") == "1":  # the home page's "reports awaiting a decision"
        qs = selectors.undecided_only(qs)
    listing = lists.list_page(request.GET, qs, columns=REQUEST_COLUMNS, default_sort="-opened")
    return render(
        request,
        "verification/request_list.html",
        {
            "list": listing,
            "page": listing.page,
            "picker": picker,
            "statuses": RequestStatus.choices,
            "q": request.GET.get("q", ""),
        },
    )


# --------------------------------------------------------------------------- open
@login_required
@require_http_methods(["GET", "POST"])
def request_open(request, household_id: int):
    with http_errors():
        household = household_get(actor=request.user, household_id=household_id)
    if not request.user.has_perm("verification.operate_verification", household):
        raise PermissionDenied
    members = [m for m in household.current_members if not m.person.death_date]
    form = RequestOpenForm(request.POST or None, request.FILES or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with http_errors():
                created = services.verification_request_open(
                    actor=request.user,
                    household_id=household.pk,
                    purpose=d["purpose"],
                    program=d["program"],
                    month=d["month"],
                    authorization_scan=d.get("authorization_scan"),
                    signed_by=d["signed_by"],
                    signed_on=d["signed_on"],
                    declared_income=form.declared_income(),
                    declared_assets=form.declared_assets(),
                )
        except E.ServiceError as exc:
            form.add_error(None, E.message_for(exc))
        else:
            messages.success(request, _("Request %(number)s opened.") % {"number": created.number})
            return redirect(_detail_url(created.pk))
    return render(request, "verification/request_open.html", {"form": form, "household": household})


# --------------------------------------------------------------------------- request page
def _sources_context(req) -> dict:
    rows = []
    for q in sorted(req.queries.all(), key=lambda q: (not SOURCES[q.source].automatic, q.source)):
        s = SOURCES[q.source]
        rows.append({"q": q, "source": s, "manual": not s.automatic})
    polling = req.status in (RequestStatus.OPEN, RequestStatus.QUERYING)
    counts = {}
    for q in req.queries.all():
        counts[q.status] = counts.get(q.status, 0) + 1
    # The 20 banks answer alike: one group (collapsed unless one of them needs attention).
    banks = [r for r in rows if r["q"].source.startswith("bank_")]
    others = [r for r in rows if not r["q"].source.startswith("bank_")]
    bank_counts: dict[str, int] = {}
    for r in banks:
        bank_counts[r["q"].status] = bank_counts.get(r["q"].status, 0) + 1
    return {
        "req": req,
        "rows": others if len(banks) > 1 else rows,
        "bank_rows": banks if len(banks) > 1 else [],
        "bank_counts": bank_counts,
        "banks_open": bool({QueryStatus.FAILED, QueryStatus.UNAVAILABLE} & set(bank_counts)),
        "polling": polling,
        "counts": counts,
        "progress": _progress(req),
    }


def _progress(req) -> dict:
    """How far the sources have answered: the request page's bar and its JSON poll."""
    statuses = [q.status for q in req.queries.all()]
    done = sum(1 for s in statuses if s != QueryStatus.PENDING)
    total = len(statuses)
    return {
        "status": req.status,
        "status_label": str(req.get_status_display()),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 100,
        "polling": req.status in (RequestStatus.OPEN, RequestStatus.QUERYING),
        "counts": {s: statuses.count(s) for s in sorted(set(statuses))},
    }


def _request_page(request, request_id: int, *, import_errors=None, status=200, **extra):
    with http_errors():
        req = selectors.request_get(actor=request.user, request_id=request_id)
    ctx = {
        **_sources_context(req),
        "import_errors": import_errors or {},
        "upload_form": ResponseFileForm(),
        "build_form": ReportBuildForm(),
        "may_operate": request.user.has_perm("verification.operate_verification", req),
        "pending": any(q.status == QueryStatus.PENDING for q in req.queries.all()),
        **extra,
    }
    return render(request, "verification/request_detail.html", ctx, status=status)


@login_required
@require_GET
def request_detail(request, request_id: int):
    return _request_page(request, request_id)


@login_required
@require_GET
def request_progress(request, request_id: int):
    """The request's status and how many sources have answered, as JSON: polled by
    request-progress.js so the page's status and bar move without a reload. Not logged
    (statuses only, like the sources poll)."""
    with http_errors():
        req = selectors.request_status(actor=request.user, request_id=request_id)
    return JsonResponse(_progress(req))


@login_required
@require_GET
def request_sources(request, request_id: int):
    """The sources table alone, polled by htmx while automatic sources are being queried."""
    with http_errors():
        req = selectors.request_status(actor=request.user, request_id=request_id)
    ctx = {
        **_sources_context(req),
        "import_errors": {},
        "upload_form": ResponseFileForm(),
        "may_operate": request.user.has_perm("verification.operate_verification", req),
    }
    return render(request, "verification/partials/sources.html", ctx)


@login_required
@require_GET
def query_file(request, query_id: int, which: str):
    with http_errors():
        q = selectors.query_exchange_file_get(actor=request.user, query_id=query_id, which=which)
    f = q.exchange_file if which == "exchange" else q.response_file
    return attachment_response(
        f, filename=f.name.rsplit("/", 1)[-1], content_type=XLSX.content_type
    )


@login_required
@require_GET
def authorization_scan(request, request_id: int):
    """The family's signed authorization, as stored (a PDF, JPEG or PNG by content): logged."""
    with http_errors():
        req = selectors.authorization_scan_get(actor=request.user, request_id=request_id)
    ext = req.authorization_scan.name.rsplit(".", 1)[-1]
    kind = next((k for k in SCAN_TYPES if k.ext == ext), None)
    content_type = kind.content_type if kind else "application/octet-stream"
    return attachment_response(
        req.authorization_scan,
        filename=f"{req.number}-authorization.{ext}",
        content_type=content_type,
    )


@login_required
@require_POST
def query_import(request, query_id: int):
    form = ResponseFileForm(request.POST, request.FILES)
    with http_errors():
        q = selectors.query_get(actor=request.user, query_id=query_id)
    if not form.is_valid():
        return _request_page(
            request, q.request_id, import_errors={q.pk: {"message": _("Choose a file.")}}
        )
    upload = form.cleaned_data["response_file"]
    try:
        with http_errors():
            services.verification_manual_response_import(
                actor=request.user, query_id=q.pk, filename=upload.name, content=upload.read()
            )
    except E.ServiceError as exc:
        errors = {"message": E.message_for(exc), "problems": [p.as_dict() for p in exc.problems]}
        return _request_page(request, q.request_id, import_errors={q.pk: errors}, status=422)
    messages.success(request, _("Response file imported."))
    return redirect(_detail_url(q.request_id))


@login_required
@require_POST
def query_retry(request, query_id: int):
    try:
        with http_errors():
            query = services.verification_source_retry(actor=request.user, query_id=query_id)
    except E.ServiceError as exc:
        messages.error(request, E.message_for(exc))
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("verification:home")
        return redirect(back)
    messages.success(request, _("The source is being queried again."))
    return redirect(_detail_url(query.request_id))


# --------------------------------------------------------------------------- report
@login_required
@require_POST
def report_build(request, request_id: int):
    form = ReportBuildForm(request.POST)
    form.is_valid()
    try:
        with http_errors():
            report = services.verification_report_build(
                actor=request.user,
                request_id=request_id,
                allow_missing=form.cleaned_data.get("allow_missing", False),
            )
    except E.ServiceError as exc:
        messages.error(request, E.message_for(exc))
        return redirect(_detail_url(request_id))
    messages.success(request, _("Report %(number)s issued.") % {"number": report.number})
    return redirect("verification:report-detail", report_id=report.pk)


@login_required
@require_GET
def report_detail(request, report_id: int):
    with http_errors():
        report = selectors.report_get(actor=request.user, report_id=report_id)
    ctx = report_context(report)
    ctx["may_operate"] = request.user.has_perm("verification.operate_verification", report.request)
    ctx["recheck_form"] = RecheckForm()
    return render(request, "verification/report_detail.html", ctx)


@login_required
@require_GET
def report_pdf(request, report_id: int):
    with http_errors():
        report = selectors.report_pdf_get(actor=request.user, report_id=report_id)
    if not report.pdf:
        raise Http404
    return attachment_response(
        report.pdf, filename=f"{report.number}.pdf", content_type="application/pdf"
    )


@login_required
@require_http_methods(["GET", "POST"])
def recheck_open(request, request_id: int):
    with http_errors():
        original = selectors.request_get(actor=request.user, request_id=request_id)
    if not request.user.has_perm("verification.operate_verification", original):
        raise PermissionDenied
    form = RecheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with http_errors():
                recheck = services.verification_recheck_open(
                    actor=request.user,
                    request_id=original.pk,
                    objection=form.cleaned_data["objection"],
                    sources=form.cleaned_data["sources"],
                )
        except E.ServiceError as exc:
            form.add_error(None, E.message_for(exc))
        else:
            messages.success(request, _("Recheck %(number)s opened.") % {"number": recheck.number})
            return redirect(_detail_url(recheck.pk))
    return render(request, "verification/recheck.html", {"form": form, "original": original})


# --------------------------------------------------------------------------- access log
@login_required
@require_GET
def access_log(request):
    picker = lists.division_picker(actor=request.user, params=request.GET)
    q = (request.GET.get("q") or "").strip()[:64]
    with http_errors():
        qs = selectors.access_log_list(
            actor=request.user,
            request_number=request.GET.get("request") or None,
            q=q,
            division=picker.code,
        )
    listing = lists.list_page(request.GET, qs, columns=ACCESS_COLUMNS, default_sort="-at")
    return render(
        request,
        "verification/access_log.html",
        {
            "list": listing,
            "page": listing.page,
            "picker": picker,
            "q": q,
            "request_number": request.GET.get("request", ""),
        },
    )


ACCESS_COLUMNS = [
    lists.Column(gettext_lazy("Time"), ("at",)),
    lists.Column(gettext_lazy("User"), ("user__username",), key="user"),
    lists.Column(gettext_lazy("Role"), ("user__role",), key="role"),
    lists.Column(gettext_lazy("Action"), ("action",)),
    lists.Column(gettext_lazy("Purpose"), ("purpose",)),
]


# --------------------------------------------------------------------------- review tasks
TASK_COLUMNS = [
    lists.Column(gettext_lazy("Task"), ("id",), key="task"),
    lists.Column(gettext_lazy("Household"), ("household__number",), key="household"),
    lists.Column(gettext_lazy("Head of household"), ("head_name",), key="head"),
    lists.Column(gettext_lazy("Findings")),
    lists.Column(gettext_lazy("Batch month"), ("batch_run__month",), key="month"),
    lists.Column(gettext_lazy("Status"), ("status",)),
    lists.Column(gettext_lazy("Age (days)"), ("-created_at",), key="age", num=True),
]


@login_required
@require_GET
def review_task_list(request):
    """Review tasks on the list component (ADR 1033): sorting, page numbers, text filter,
    division picker; the counts per status above."""
    form = ReviewTaskFilterForm(request.GET)
    filters = form.filters()
    picker = lists.division_picker(actor=request.user, params=request.GET)
    q = (request.GET.get("q") or "").strip()[:64]
    with http_errors():
        qs = selectors.review_task_list(actor=request.user, q=q, division=picker.code, **filters)
    listing = lists.list_page(request.GET, qs, columns=TASK_COLUMNS, default_sort="-age")
    counts = selectors.review_task_counts(actor=request.user, kind=filters["kind"])
    return render(
        request,
        "verification/task_list.html",
        {
            "form": form,
            "list": listing,
            "page": listing.page,
            "picker": picker,
            "q": q,
            "tasks": selectors.review_task_rows(listing.rows),
            "counts": [(v, label, counts[v]) for v, label in TaskStatus.choices],
            "total": sum(counts.values()),
            "kind": filters["kind"] or "",
        },
    )


def _task_page(request, task_id: int, *, close_form=None, status=200):
    with http_errors():
        task = selectors.review_task_get(actor=request.user, task_id=task_id)
    ctx = {
        "task": task,
        "may_operate": request.user.has_perm("verification.operate_verification", task),
        "close_form": close_form or ReviewTaskCloseForm(),
        "referred": task.outcome == TaskOutcome.REFERRED_TO_VERIFICATION,
    }
    return render(request, "verification/task_detail.html", ctx, status=status)


def _task_url(task_id: int) -> str:
    return reverse("verification:task-detail", args=[task_id])


@login_required
@require_GET
def review_task_detail(request, task_id: int):
    return _task_page(request, task_id)


@login_required
@require_POST
def review_task_start(request, task_id: int):
    try:
        with http_errors():
            services.review_task_start(actor=request.user, task_id=task_id)
    except E.ServiceError as exc:
        messages.error(request, E.message_for(exc))
    else:
        messages.success(request, _("Review task started."))
    return redirect(_task_url(task_id))


@login_required
@require_POST
def review_task_close(request, task_id: int):
    form = ReviewTaskCloseForm(request.POST)
    if form.is_valid():
        try:
            with http_errors():
                services.review_task_close(
                    actor=request.user,
                    task_id=task_id,
                    outcome_code=form.cleaned_data["outcome_code"],
                    note=form.cleaned_data["note"],
                )
        except E.ServiceError as exc:
            field = exc.problems[0].field if exc.problems else None
            form.add_error(field if field in form.fields else None, E.message_for(exc))
        else:
            messages.success(request, _("Review task closed."))
            return redirect(_task_url(task_id))
    else:
        with http_errors():  # 404/403 before showing form errors about a task one may not see
            task = selectors.review_task_status(actor=request.user, task_id=task_id)
        if not request.user.has_perm("verification.operate_verification", task):
            raise PermissionDenied
    return _task_page(request, task_id, close_form=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def findings_import(request):
    """Import a batch re-verification's output from a directory on the server (the CLI's
    `safetynet verify import-findings DIR`): verification operators only."""
    if not request.user.has_perm("verification.import_findings"):
        raise PermissionDenied
    form = FindingsImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = findings_import_run(actor=request.user, batch_dir=form.cleaned_data["directory"])
        except FindingsImportError as exc:
            form.add_error("directory", str(exc))
        else:
            messages.success(
                request,
                _("Batch %(month)s imported: %(findings)s findings, %(tasks)s review tasks.")
                % {"month": run.month, "findings": run.findings_count, "tasks": run.tasks.count()},
            )
            return redirect("verification:task-list")
    return render(request, "verification/findings_import.html", {"form": form})
