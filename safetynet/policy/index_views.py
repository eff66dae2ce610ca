"""The price-index screen (价格指数, ADR 1430) and the policy audit trail (政策审计记录, ADR 1432).
Thin: the services decide, the selectors read."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import ServiceError
from safetynet.core.uploads import read_upload
from safetynet.web import lists

from . import audit, indices, selectors
from .forms import AUDIT_EVENTS, AuditFilterForm, IndexForm, IndexUploadForm

FIELD_LABELS = {
    "month": gettext_lazy("month"),
    "kind": gettext_lazy("index"),
    "value": gettext_lazy("index (same month last year = 100)"),
    "cumulative": gettext_lazy("cumulative index (same period last year = 100)"),
    "source": gettext_lazy("source"),
    "file": gettext_lazy("file"),
    "columns": gettext_lazy("columns"),
}
PROBLEM_TEXTS = {
    "bad_month": gettext_lazy("not a month YYYY-MM"),
    "future_month": gettext_lazy("the month is in the future"),
    "unknown_kind": gettext_lazy(
        "unknown index: CPI, food CPI or the low-income living-cost index"
    ),
    "float_value": gettext_lazy("give the index as text with at most two decimals"),
    "wrong_unit": gettext_lazy("not an index with at most two decimals (e.g. 102.8)"),
    "out_of_range": gettext_lazy(
        "outside 50–200: give the index (same month last year = 100), not the rise"
    ),
    "required": gettext_lazy("missing"),
    "too_long": gettext_lazy("too long"),
    "duplicate": gettext_lazy("the same month and index is on an earlier row"),
    "wrong_columns": gettext_lazy("the columns must be 月份, 指数, 同比指数, 累计指数, 来源"),
    "empty": gettext_lazy("no data rows"),
    "malformed": gettext_lazy("the file cannot be read"),
    "not_utf8": gettext_lazy("not an Excel file nor a UTF-8 CSV file"),
    "too_large": gettext_lazy("the file is too large"),
}


def shown_problems(e: ServiceError) -> list[dict]:
    """The problems of a refusal in the active language, by row and field."""
    out = []
    for p in e.problems or []:
        out.append(
            {
                "row": p.row,
                "field": FIELD_LABELS.get(p.field, p.field),
                "message": PROBLEM_TEXTS.get(p.code, p.message),
                "code": p.code,
            }
        )
    if not out:
        out.append({"row": None, "field": "", "message": e.message, "code": e.code})
    return out


def _index_page(request, *, form=None, upload=None, problems=None, imported=None, status=200):
    year = request.GET.get("year") or ""
    try:
        year_n = int(year) if year else None
    except ValueError:
        year_n = None
    rows = selectors.index_months(year=year_n)
    context = {
        "rows": rows,
        "year": year_n or "",
        "form": form or IndexForm(),
        "upload": upload or IndexUploadForm(),
        "problems": problems,
        "imported": imported,
        "may_enter": request.user.has_perm(indices.ENTER),
    }
    return render(request, "policy/indices.html", context, status=status)


@login_required
@permission_required("policy.view_price_indices", raise_exception=True)
@require_http_methods(["GET", "POST"])
def index_list(request):
    """The months entered with the three indices and the price-subsidy flag; the entry form and
    the upload (city administrator)."""
    if request.method == "GET":
        return _index_page(request)
    if not request.user.has_perm(indices.ENTER):
        raise PermissionDenied
    if "file" in request.FILES:
        upload = IndexUploadForm(request.POST, request.FILES)
        try:
            content = read_upload(request.FILES["file"], max_bytes=indices.MAX_FILE_BYTES)
            imp = indices.index_import(request.user, content, request.FILES["file"].name)
        except NotPermittedError as e:
            raise PermissionDenied(e.message) from None
        except ServiceError as e:
            return _index_page(request, upload=upload, problems=shown_problems(e), status=422)
        return _index_page(request, imported=imp)
    form = IndexForm(request.POST)
    if not form.is_valid():
        return _index_page(request, form=form, status=422)
    try:
        indices.index_enter(request.user, **form.cleaned_data)
    except NotPermittedError as e:
        raise PermissionDenied(e.message) from None
    except ServiceError as e:
        for p in shown_problems(e):
            field = next((k for k, v in FIELD_LABELS.items() if v == p["field"]), None)
            form.add_error(field if field in form.fields else None, p["message"])
        return _index_page(request, form=form, status=422)
    return redirect("policy-indices:list")


@login_required
@permission_required("policy.view_price_indices", raise_exception=True)
@require_GET
def index_template(request):
    response = HttpResponse(indices.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="price-indices-template.csv"'
    return response


def _audit_rows(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        rows = audit.audit_trail(
            request.user, **{k: v for k, v in filters.items() if v not in (None, "")}
        )
    except NotPermittedError as e:
        raise PermissionDenied(e.message) from None
    return form, rows


AUDIT_COLUMNS = [
    lists.Column(gettext_lazy("Time"), ("at",)),
    lists.Column(gettext_lazy("By"), ("actor",), key="by"),
    lists.Column(gettext_lazy("Event"), ("area", "event"), key="event"),
    lists.Column(gettext_lazy("Item"), ("area", "item"), key="item"),
    lists.Column(gettext_lazy("Reference or source"), ("reference",), key="reference"),
    lists.Column(gettext_lazy("Details")),
]


@login_required
@permission_required("policy.view_policy_audit", raise_exception=True)
@require_GET
def audit_trail(request):
    """Every proposal, approval and rejection of a parameter change and every index entry,
    correction and import: who, when, reference; filterable; Excel export."""
    form, rows = _audit_rows(request)
    listing = lists.list_page(
        request.GET, rows, columns=AUDIT_COLUMNS, default_sort="-at", sort_in_python=True
    )
    events = dict(AUDIT_EVENTS)
    context = {
        "form": form,
        "list": listing,
        "page": listing.page,
        "rows": [
            {"row": r, "event": events[r.event], "details": _details(r)} for r in listing.rows
        ],
        "querystring": listing.querystring,
    }
    return render(request, "policy/audit.html", context)


AUDIT_HEADER = [
    gettext_lazy("Time"),
    gettext_lazy("By"),
    gettext_lazy("area"),
    gettext_lazy("event"),
    gettext_lazy("item"),
    gettext_lazy("subject"),
    gettext_lazy("reference or source"),
    gettext_lazy("details"),
]


def _subject(row) -> str:
    from safetynet.core.labels import label

    if row.area == "parameter":
        return label("parameter", row.subject)
    if row.event == "imported":
        return row.subject
    return f"{row.item} {label('index_kind', row.subject_code)}"


def _details(row) -> str:
    from safetynet.core.labels import label
    from safetynet.rules.indices import index_text

    d = row.detail
    if row.area == "parameter":
        parts = [f"{_('effective from')} {d.get('effective')}", label("change_kind", d["kind"])]
        if d.get("value"):
            parts.append(f"{_('value')} {d['value']}")
        if d.get("note"):
            parts.append(str(d["note"]))
        if d.get("arrears"):
            from safetynet.rules.money import yuan

            a = d["arrears"]
            parts.append(
                _("retroactive over %(months)s: arrears %(a)s yuan, overpaid %(o)s yuan")
                % {
                    "months": "、".join(a["months"]),
                    "a": yuan(a["arrears_fen"]),
                    "o": yuan(a["overpayment_fen"]),
                }
            )
        return "；".join(str(p) for p in parts)
    if row.event == "imported":
        return _("%(rows)s rows") % {"rows": d.get("rows")}
    parts = []
    if d.get("value") is not None:
        parts.append(f"{_('index')} {index_text(d['value'])}")
    if d.get("cumulative") is not None:
        parts.append(f"{_('cumulative')} {index_text(d['cumulative'])}")
    if d.get("old"):
        parts.append(f"{_('before')} {index_text(d['old']['value'])}")
    if d.get("file"):
        parts.append(f"{_('file')} {d['file']}")
    return "；".join(parts)


@login_required
@permission_required("policy.view_policy_audit", raise_exception=True)
@require_GET
def audit_export(request):
    """The filtered audit trail as an Excel workbook."""
    from openpyxl import Workbook

    from safetynet.core.spreadsheet import safe_row

    _form, rows = _audit_rows(request)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Policy audit trail"))
    ws.append(safe_row(ws, [str(h) for h in AUDIT_HEADER]))
    areas = {"parameter": _("Parameter changes"), "index": _("Price indices")}
    events = dict(AUDIT_EVENTS)
    for r in rows:
        ws.append(
            safe_row(
                ws,
                [
                    timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M:%S"),
                    r.actor,
                    str(areas[r.area]),
                    str(events[r.event]),
                    r.item,
                    str(_subject(r)),
                    r.reference,
                    _details(r),
                ],
            )
        )
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="policy-audit.xlsx"'
    return response


@login_required
@permission_required("policy.view_policy_audit", raise_exception=True)
@require_GET
def arrears(request, change_id: int):
    """A retroactive change's arrears and overpayments per household, program and month (ADR
    1431); the payroll pays them at its next run. ``?format=xlsx``: the list as a workbook."""
    from django.http import Http404

    from safetynet.rules.money import yuan

    from .retroactive import workbook

    a = selectors.retroactive_assessment(change_id)
    if a is None:
        raise Http404
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            workbook(a),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="arrears-change-{change_id}.xlsx"'
        return response
    rows = a.rows.select_related("household").order_by("household__number", "program", "month")
    listing = lists.list_page(request.GET, rows, columns=[])
    context = {
        "a": a,
        "change": a.change,
        "list": listing,
        "page": listing.page,
        "rows": [(r, yuan(abs(r.amount_fen))) for r in listing.rows],
        "arrears_yuan": yuan(a.arrears_fen),
        "overpayment_yuan": yuan(a.overpayment_fen),
    }
    return render(request, "policy/arrears.html", context)
