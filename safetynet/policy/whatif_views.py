"""The what-if screens (全市影响试算, ADR 1410): start one from a proposed change or from ad-hoc
values, follow its progress, read its results (charts, tables) and download the briefing. Thin:
the service decides, the selectors read (``policy.whatif``)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetynet.core.errors import NotFoundError, ServiceError

from . import whatif as svc
from .models import WhatIfStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AdhocForm(forms.Form):
    name = forms.CharField(label=_("parameter"), max_length=100, initial="dibao.standard")
    value = forms.CharField(label=_("value"), max_length=2000)
    effective = forms.CharField(label=_("effective from"), max_length=10)
    engine = forms.ChoiceField(
        label=_("Engine"),
        choices=[
            ("duckdb", _("single-machine batch engine")),
            ("spark", _("cluster batch engine")),
        ],
        initial="duckdb",
    )


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotFoundError:
        raise Http404 from None
    except ServiceError as e:
        if e.code == "not_permitted":
            raise PermissionDenied(e.message) from None
        raise


@login_required
@require_http_methods(["GET", "POST"])
def runs(request):
    form = AdhocForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                data = dict(form.cleaned_data)
                engine = data.pop("engine")
                run = _call(svc.whatif_start, request.user, settings=[data], engine=engine)
                return redirect("policy-whatif:run", run.pk)
            except ServiceError as e:
                error, status = e, 422
                if e.problems and e.problems[0].field in form.fields:
                    form.add_error(e.problems[0].field, e.problems[0].message)
        else:
            status = 422
    rows = _call(svc.whatif_runs, request.user)[:50]
    context = {"runs": rows, "form": form, "error": error}
    return render(request, "policy/whatif_list.html", context, status=status)


@login_required
@require_POST
def start(request, change_id: int):
    try:
        run = _call(svc.whatif_start, request.user, change_id=change_id)
    except ServiceError as e:
        rows = _call(svc.whatif_runs, request.user)[:50]
        context = {"runs": rows, "form": AdhocForm(), "error": e}
        return render(request, "policy/whatif_list.html", context, status=422)
    return redirect("policy-whatif:run", run.pk)


@login_required
@require_GET
def run(request, pk: int):
    row = _call(svc.whatif_get, request.user, pk)
    context = {"run": row, "progress": svc.whatif_progress(row)}
    if row.status == WhatIfStatus.DONE:
        context["b"] = svc.briefing(row)
    return render(request, "policy/whatif_run.html", context)


@login_required
@require_GET
def progress(request, pk: int):
    row = _call(svc.whatif_get, request.user, pk)
    return JsonResponse(svc.whatif_progress(row))


@login_required
@require_GET
def briefing(request, pk: int, fmt: str):
    row = _call(svc.whatif_get, request.user, pk)
    if row.status != WhatIfStatus.DONE or fmt not in ("xlsx", "pdf"):
        raise Http404
    stem = f"whatif-{row.pk}-{row.month}"
    if fmt == "xlsx":
        response = HttpResponse(svc.briefing_xlsx(row), content_type=XLSX)
    else:
        response = HttpResponse(svc.briefing_pdf(row), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
