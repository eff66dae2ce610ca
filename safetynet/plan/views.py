"""The plan's screens (docs/plan.md): the bureau head's dashboard with traffic lights and
drill-down (city → district → street), a target's page (trend, who is behind), the tasks with
their progress reports and attachments, the facility and project lists per district, the
stations' feed for the grid platform and the printable progress report.
Parse, call a selector or service, render; no rules here."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.cases import clock
from safetynet.core.files import attachment_response, generated_attachment
from safetynet.core.uploads import SCAN_TYPES, XLSX
from safetynet.web import lists

from . import indicators as I
from . import selectors, services
from .errors import CODES, NotFoundError, ServiceError
from .forms import (
    ActivityForm,
    AttachmentForm,
    DoneForm,
    EvaluationForm,
    HomeAdvanceForm,
    HomeForm,
    PlacementForm,
    ProgressForm,
    ProjectProgressForm,
    StationForm,
)
from .models import HomeStatus, ProjectStatus, PurchaseKind, StationMode, TaskStatus, Unit


@contextmanager
def http_errors():
    try:
        yield
    except NotFoundError:
        raise Http404 from None
    except ServiceError as exc:
        if exc.code == NOT_PERMITTED:
            raise PermissionDenied(exc.message) from None
        raise


def _need(request, ability: str = "plan.view_plan") -> None:
    if not request.user.has_perm(ability):
        raise PermissionDenied


def _as_of(request) -> dt.date:
    raw = (request.GET.get("as_of") or "").strip()
    try:
        return dt.date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        return clock.today()


def _pct(value: Fraction | None) -> float | None:
    """A share for a chart's axis (display only: the page's figures are exact)."""
    return None if value is None else round(float(value) * 100, 1)


def _chart_value(ind: I.Indicator, value: Fraction | None) -> float | None:
    if value is None:
        return None
    return int(value) if ind.kind == "count" else _pct(value)


def _service_call(request, call, ok: str) -> bool:
    try:
        call()
    except NotFoundError:
        raise Http404 from None
    except ServiceError as exc:
        if exc.code == NOT_PERMITTED:
            raise PermissionDenied(exc.message) from None
        messages.error(request, f"{CODES.get(exc.code, exc.message)}（{exc.message}）")
        return False
    messages.success(request, ok)
    return True


def _form_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.error(request, f"{label}：{errors[0]}")


# ------------------------------------------------------------------------------ dashboard
@login_required
@require_GET
def dashboard(request):
    """规划目标: every target for the chosen division with its children and lights."""
    _need(request)
    as_of = _as_of(request)
    with http_errors():
        board = selectors.dashboard(
            actor=request.user, as_of=as_of, division_code=request.GET.get("division", "")
        )
        trends = {
            row.indicator.key: selectors.trend(
                actor=request.user, key=row.indicator.key, division_code=board.division.code
            )
            for row in board.rows
        }
    rates = [r for r in board.rows if r.indicator.kind == "rate"]
    months = sorted({p.month for pts in trends.values() for p in pts})
    chart = {
        "months": months,
        "trend": [
            {
                "name": r.indicator.name_zh,
                "data": [
                    next((_pct(p.value) for p in trends[r.indicator.key] if p.month == m), None)
                    for m in months
                ],
            }
            for r in rates
        ],
        "children": [f.name for f in (rates[0].children if rates else [])],
        "by_child": [
            {"name": r.indicator.name_zh, "data": [_pct(f.value) for f in r.children]}
            for r in rates
        ],
        "percent": "%",
    }
    return render(
        request,
        "plan/dashboard.html",
        {"board": board, "chart": chart, "as_of": as_of, "nav": "dashboard"},
    )


@login_required
@require_GET
def indicator(request, key: str):
    """One target: its definition, the figure, the trend of the monthly snapshots and who is
    behind (the division's children, the furthest behind first)."""
    _need(request)
    as_of = _as_of(request)
    with http_errors():
        division = selectors.division_in_scope(
            actor=request.user, code=request.GET.get("division", "")
        )
        row = selectors.indicator_page(
            actor=request.user, key=key, as_of=as_of, division_code=division.code
        )
        points = selectors.trend(actor=request.user, key=key, division_code=division.code)
    ind = row.indicator
    chart = {
        "months": [p.month for p in points],
        "values": [_chart_value(ind, p.value) for p in points],
        "target": _chart_value(ind, Fraction(ind.target)),
        "name": ind.name_zh,
        "target_name": _("Target"),
    }
    return render(
        request,
        "plan/indicator.html",
        {
            "row": row,
            "ind": ind,
            "division": division,
            "points": points,
            "chart": chart,
            "as_of": as_of,
            "deadline": ind.deadline_for(as_of),
            "nav": "dashboard",
        },
    )


# ------------------------------------------------------------------------------ tasks
TASK_COLUMNS = [
    lists.Column(gettext_lazy("Code"), ("code",)),
    lists.Column(gettext_lazy("Task"), ("title",)),
    lists.Column(gettext_lazy("Responsible unit"), ("unit", "division_id"), key="unit"),
    lists.Column(gettext_lazy("Due"), ("due_on",), key="due"),
    lists.Column(gettext_lazy("Status"), ("status",)),
    lists.Column(gettext_lazy("Latest report")),
]


@login_required
@require_GET
def tasks(request):
    """计划任务: the plan's tasks by responsible unit, overdue ones flagged."""
    _need(request)
    today = clock.today()
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.tasks_visible_to(request.user)
    unit = request.GET.get("unit", "")
    if unit in Unit.values:
        qs = qs.filter(unit=unit)
    if picker.code:
        qs = qs.filter(division__code__startswith=picker.code[:6])
    if request.GET.get("overdue") == "1":
        qs = qs.filter(selectors.overdue_q(today))
    listing = lists.list_page(request.GET, qs, columns=TASK_COLUMNS, default_sort="code")
    reports = selectors.latest_reports(t.pk for t in listing.rows)
    rows = [
        {
            "task": t,
            "report": reports.get(t.pk),
            "overdue": t.due_on < today and t.status != TaskStatus.DONE,
        }
        for t in listing.rows
    ]
    overdue = selectors.tasks_visible_to(request.user).filter(selectors.overdue_q(today)).count()
    return render(
        request,
        "plan/tasks.html",
        {
            "list": listing,
            "rows": rows,
            "picker": picker,
            "units": Unit.choices,
            "overdue_count": overdue,
            "nav": "tasks",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task(request, task_id: int):
    """A task: steps, progress reports (the unit submits the month's), attachments."""
    with http_errors():
        obj = selectors.task_get(actor=request.user, task_id=task_id)
    progress = ProgressForm(request.POST if request.POST.get("action") == "report" else None)
    attach = AttachmentForm(
        request.POST if request.POST.get("action") == "attach" else None,
        request.FILES if request.POST.get("action") == "attach" else None,
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "report":
            if progress.is_valid():
                d = progress.cleaned_data
                if _service_call(
                    request,
                    lambda: services.progress_report(
                        actor=request.user,
                        task_id=obj.pk,
                        period=d["period"],
                        percent=d["percent"],
                        text=d["text"],
                        problems=d["problems"],
                    ),
                    _("Progress report saved."),
                ):
                    return redirect("plan:task", task_id=obj.pk)
            else:
                _form_errors(request, progress)
        elif action == "attach":
            if attach.is_valid():
                d = attach.cleaned_data
                code = obj.division_id or request.user.jurisdiction_id
                if _service_call(
                    request,
                    lambda: services.attachment_add(
                        actor=request.user,
                        division_code=code,
                        kind=d["kind"],
                        title=d["title"],
                        upload=d["file"],
                        task_id=obj.pk,
                    ),
                    _("Attachment saved."),
                ):
                    return redirect("plan:task", task_id=obj.pk)
            else:
                _form_errors(request, attach)
        elif action in ("step", "done"):
            form = DoneForm(request.POST)
            if not form.is_valid():
                _form_errors(request, form)
            elif action == "step":
                step_id = int(request.POST.get("step") or 0)
                if _service_call(
                    request,
                    lambda: services.step_done(
                        actor=request.user, step_id=step_id, on=form.cleaned_data["on"]
                    ),
                    _("Saved."),
                ):
                    return redirect("plan:task", task_id=obj.pk)
            elif _service_call(
                request,
                lambda: services.task_done(
                    actor=request.user, task_id=obj.pk, on=form.cleaned_data["on"]
                ),
                _("Saved."),
            ):
                return redirect("plan:task", task_id=obj.pk)
    today = clock.today()
    return render(
        request,
        "plan/task.html",
        {
            "task": obj,
            "steps": obj.steps.all(),
            "reports": obj.reports.select_related("submitted_by"),
            "attachments": selectors.attachments_visible_to(request.user).filter(task=obj),
            "children": selectors.tasks_visible_to(request.user).filter(parent=obj),
            "overdue": obj.due_on < today and obj.status != TaskStatus.DONE,
            "today": today,
            "progress": progress,
            "attach": attach,
            "nav": "tasks",
        },
    )


@login_required
@require_GET
def attachments(request):
    """区级实施方案和重点任务清单: the districts' own plans and key-task lists."""
    _need(request)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.attachments_visible_to(request.user)
    if picker.code:
        qs = qs.filter(division__code__startswith=picker.code[:6])
    listing = lists.list_page(request.GET, qs, columns=[])
    form = AttachmentForm()
    return render(
        request,
        "plan/attachments.html",
        {"list": listing, "picker": picker, "form": form, "nav": "attachments"},
    )


@login_required
@require_http_methods(["POST"])
def attachment_upload(request):
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        d = form.cleaned_data
        code = request.POST.get("division") or request.user.jurisdiction_id
        _service_call(
            request,
            lambda: services.attachment_add(
                actor=request.user,
                division_code=code,
                kind=d["kind"],
                title=d["title"],
                upload=d["file"],
            ),
            _("Attachment saved."),
        )
    return redirect("plan:attachments")


@login_required
@require_GET
def attachment(request, attachment_id: int):
    with http_errors():
        obj = selectors.attachment_get(actor=request.user, attachment_id=attachment_id)
    kind = next((k for k in (*SCAN_TYPES, XLSX) if k.ext == obj.ext), None)
    return attachment_response(
        obj.file,
        filename=f"JH-{obj.pk}.{obj.ext}",
        content_type=kind.content_type if kind else "application/octet-stream",
    )


# ------------------------------------------------------------------------------ facilities
HOME_COLUMNS = [
    lists.Column(gettext_lazy("Name"), ("name",)),
    lists.Column(gettext_lazy("Village"), ("village_id",), key="village"),
    lists.Column(gettext_lazy("Kind"), ("kind",)),
    lists.Column(gettext_lazy("Status"), ("status",)),
    lists.Column(gettext_lazy("Completed on"), ("completed_on",), key="completed"),
    lists.Column(gettext_lazy("Subsidy (yuan)"), ("subsidy_fen",), key="subsidy", num=True),
    lists.Column(gettext_lazy("Activities / attendance"), num=True),
]


@login_required
@require_http_methods(["GET", "POST"])
def homes(request):
    """农村幸福院: the registry by village, the construction projects' stages, subsidies."""
    _need(request)
    form = HomeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            if _service_call(
                request,
                lambda: services.home_register(
                    actor=request.user,
                    name=d["name"],
                    village_code=d["village"],
                    kind=d["kind"],
                    approved_on=d["approved_on"],
                    subsidy_fen=d["subsidy"],
                    places=d["places"],
                ),
                _("Saved."),
            ):
                return redirect("plan:homes")
        else:
            _form_errors(request, form)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.homes_visible_to(request.user)
    if picker.code:
        qs = qs.filter(village__code__startswith=picker.code)
    status = request.GET.get("status", "")
    if status in HomeStatus.values:
        qs = qs.filter(status=status)
    from django.db.models import Count, Sum

    qs = qs.annotate(n_activities=Count("activities"), attendance=Sum("activities__attendance"))
    listing = lists.list_page(request.GET, qs, columns=HOME_COLUMNS, default_sort="village")
    counts = dict(
        selectors.homes_visible_to(request.user)
        .filter(village__code__startswith=picker.code or "")
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "plan/homes.html",
        {
            "list": listing,
            "picker": picker,
            "form": form,
            "statuses": HomeStatus.choices,
            "counts": [(label, counts.get(v, 0)) for v, label in HomeStatus.choices],
            "advance": HomeAdvanceForm(),
            "activity": ActivityForm(),
            "nav": "homes",
        },
    )


@login_required
@require_http_methods(["POST"])
def home_post(request, home_id: int):
    """A home's next stage, or an activity held there."""
    if request.POST.get("action") == "activity":
        form = ActivityForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            _service_call(
                request,
                lambda: services.home_activity_add(
                    actor=request.user,
                    home_id=home_id,
                    on=d["on"],
                    title=d["title"],
                    attendance=d["attendance"],
                ),
                _("Saved."),
            )
        else:
            _form_errors(request, form)
    else:
        form = HomeAdvanceForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            _service_call(
                request,
                lambda: services.home_advance(
                    actor=request.user, home_id=home_id, status=d["status"], on=d["on"]
                ),
                _("Saved."),
            )
        else:
            _form_errors(request, form)
    return redirect("plan:homes")


STATION_COLUMNS = [
    lists.Column(gettext_lazy("Name"), ("name",)),
    lists.Column(gettext_lazy("Street / town"), ("street_id",), key="street"),
    lists.Column(gettext_lazy("Mode"), ("mode",)),
    lists.Column(gettext_lazy("Communities served")),
    lists.Column(gettext_lazy("Services")),
    lists.Column(gettext_lazy("Opening hours")),
    lists.Column(gettext_lazy("Grid code"), ("grid_code",), key="grid"),
]


@login_required
@require_http_methods(["GET", "POST"])
def stations(request):
    """社区服务站: the stations and each community's coverage (0: not covered); the offices
    register a station."""
    _need(request)
    form = StationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            if _service_call(
                request,
                lambda: services.station_register(
                    actor=request.user,
                    name=d["name"],
                    street_code=d["street"],
                    community_codes=d["communities"],
                    mode=d["mode"],
                    services=d["services"],
                    opening_hours=d["opening_hours"],
                    opened_on=d["opened_on"],
                    grid_code=d["grid_code"],
                ),
                _("Saved."),
            ):
                return redirect("plan:stations")
        else:
            _form_errors(request, form)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.stations_visible_to(request.user)
    if picker.code:
        qs = qs.filter(street__code__startswith=picker.code[:9])
    listing = lists.list_page(request.GET, qs, columns=STATION_COLUMNS, default_sort="street")
    coverage = selectors.station_coverage(actor=request.user, street_prefix=picker.code)
    covered = sum(1 for c in coverage if c.stations)
    return render(
        request,
        "plan/stations.html",
        {
            "list": listing,
            "picker": picker,
            "coverage": coverage,
            "covered": covered,
            "modes": StationMode.choices,
            "form": form,
            "nav": "stations",
        },
    )


@login_required
@require_GET
def stations_feed(request):
    """The stations as JSON for the grid-management platform (网格化平台): each station with its
    grid code, street, communities, services and opening hours, in the user's jurisdiction."""
    _need(request)
    rows = [
        {
            "name": s.name,
            "grid_code": s.grid_code,
            "street_code": s.street_id,
            "street": s.street.name,
            "mode": s.mode,
            "communities": [{"code": c.code, "name": c.name} for c in s.communities.all()],
            "services": list(s.services),
            "opening_hours": s.opening_hours,
            "address": s.address,
            "opened_on": s.opened_on.isoformat(),
        }
        for s in selectors.stations_visible_to(request.user)
    ]
    data = json.dumps({"stations": rows}, ensure_ascii=False, indent=1).encode()
    return generated_attachment(
        data, filename="service-stations.json", content_type="application/json; charset=utf-8"
    )


PURCHASE_COLUMNS = [
    lists.Column(gettext_lazy("Project"), ("title",)),
    lists.Column(gettext_lazy("Kind"), ("kind",)),
    lists.Column(gettext_lazy("Provider"), ("provider",)),
    lists.Column(gettext_lazy("Contract"), ("contract_number",), key="contract"),
    lists.Column(gettext_lazy("Period")),
    lists.Column(gettext_lazy("Amount (yuan)"), ("amount_fen",), key="amount", num=True),
    lists.Column(gettext_lazy("Beneficiaries served"), ("beneficiaries",), num=True),
    lists.Column(gettext_lazy("Volunteer hours"), ("volunteer_hours",), key="hours", num=True),
    lists.Column(gettext_lazy("Evaluation score"), ("score",), num=True),
]


@login_required
@require_GET
def purchases(request):
    """购买服务: social-work and volunteer service purchases, with their evaluation."""
    _need(request)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.purchases_visible_to(request.user)
    if picker.code:
        qs = qs.filter(division__code__startswith=picker.code)
    kind = request.GET.get("kind", "")
    if kind in PurchaseKind.values:
        qs = qs.filter(kind=kind)
    listing = lists.list_page(request.GET, qs, columns=PURCHASE_COLUMNS, default_sort="-amount")
    return render(
        request,
        "plan/purchases.html",
        {
            "list": listing,
            "picker": picker,
            "kinds": PurchaseKind.choices,
            "totals": selectors.purchase_totals(qs),
            "nav": "purchases",
        },
    )


@login_required
@require_http_methods(["POST"])
def purchase_post(request, purchase_id: int):
    """The services a purchase delivered and its evaluation score."""
    form = EvaluationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _service_call(
            request,
            lambda: services.purchase_evaluate(
                actor=request.user,
                purchase_id=purchase_id,
                beneficiaries=d["beneficiaries"],
                volunteer_hours=d["volunteer_hours"],
                score=d["score"],
            ),
            _("Saved."),
        )
    else:
        _form_errors(request, form)
    return redirect("plan:purchases")


@login_required
@require_http_methods(["POST"])
def project_post(request, project_id: int):
    """A base-village project's status, progress and money spent."""
    form = ProjectProgressForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        _service_call(
            request,
            lambda: services.village_project_progress(
                actor=request.user,
                project_id=project_id,
                status=d["status"],
                percent=d["percent"],
                spent_fen=d["spent"],
            ),
            _("Saved."),
        )
    else:
        _form_errors(request, form)
    return redirect("plan:villages")


@login_required
@require_GET
def villages(request):
    """老区基点村: the base villages (weak ones first) and their support projects."""
    _need(request)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.villages_visible_to(request.user)
    projects = selectors.projects_visible_to(request.user)
    if picker.code:
        qs = qs.filter(village__code__startswith=picker.code)
        projects = projects.filter(village__village__code__startswith=picker.code)
    listing = lists.list_page(request.GET, qs.order_by("-weak", "village_id"), columns=[])
    weak, total = selectors.weak_village_share(projects)
    return render(
        request,
        "plan/villages.html",
        {
            "list": listing,
            "picker": picker,
            "projects": projects.order_by("-village__weak", "village__village_id", "-year"),
            "weak_fen": weak,
            "total_fen": total,
            "weak_share": Fraction(weak, total) if total else None,
            "statuses": ProjectStatus.choices,
            "nav": "villages",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def placements(request):
    """集中供养: care institutions and who lives where (the concentrated-care target's data);
    the street, district or city records a move in (by ID number) or a move out."""
    _need(request, "plan.view_placements")
    from safetynet.registry.selectors import persons_visible_to

    from .models import CareInstitution

    institutions = CareInstitution.objects.order_by("division_id", "name")
    form = PlacementForm(
        request.POST if request.POST.get("action") == "start" else None,
        institutions=institutions,
    )
    if request.method == "POST":
        if request.POST.get("action") == "end":
            done = DoneForm(request.POST)
            if done.is_valid():
                placement_id = int(request.POST.get("placement") or 0)
                _service_call(
                    request,
                    lambda: services.placement_end(
                        actor=request.user, placement_id=placement_id, on=done.cleaned_data["on"]
                    ),
                    _("Saved."),
                )
            else:
                _form_errors(request, done)
            return redirect("plan:placements")
        if form.is_valid():
            d = form.cleaned_data
            person = (
                persons_visible_to(request.user)
                .filter(id_number=d["id_number"].strip().upper())
                .first()
            )
            if person is None:
                form.add_error("id_number", _("No such person in your jurisdiction."))
            elif _service_call(
                request,
                lambda: services.placement_start(
                    actor=request.user,
                    person_id=person.pk,
                    institution_id=d["institution"],
                    on=d["on"],
                ),
                _("Saved."),
            ):
                return redirect("plan:placements")
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.placements_visible_to(request.user).filter(end_on__isnull=True)
    if picker.code:
        qs = qs.filter(institution__division__code__startswith=picker.code)
    listing = lists.list_page(
        request.GET, qs.order_by("institution_id", "person__name"), columns=[]
    )
    return render(
        request,
        "plan/placements.html",
        {"list": listing, "picker": picker, "form": form, "nav": "placements"},
    )


# ------------------------------------------------------------------------------ the report
@login_required
@require_GET
def report_pdf(request):
    """The plan's printable progress report (规划实施进展报告) for the bureau office."""
    _need(request)
    from .report import progress_report_pdf

    as_of = _as_of(request)
    with http_errors():
        data = progress_report_pdf(actor=request.user, as_of=as_of)
    return generated_attachment(
        data, filename=f"plan-progress-{as_of.isoformat()}.pdf", content_type="application/pdf"
    )
