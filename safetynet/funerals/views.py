"""Funerals screens (docs/funerals.md): the deaths reported by outside sources, for the street
officer to confirm or reject. Parse, call a selector or service, render; no rules here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.institutions.views import payable_file_response
from safetynet.web import lists
from safetynet.web.errors import http_errors, refusal_text
from safetynet.web.forms import BankResultForm

from . import homes, selectors, services
from .api import REASONS_ZH
from .errors import CODES, NotFoundError, ServiceError
from .models import ReportStatus, ServiceKind

DEATH_COLUMNS = [
    lists.Column(gettext_lazy("Name"), ("person__name",), key="name"),
    lists.Column(gettext_lazy("Death date"), ("death_date",), key="death_date"),
    lists.Column(gettext_lazy("Source"), ("source",)),
    lists.Column(gettext_lazy("Benefits stopped after")),
    lists.Column(gettext_lazy("Recovered (yuan)"), num=True),
    lists.Column(""),
]


@login_required
@require_GET
def deaths(request):
    """死亡信息核实: reported deaths with what confirming each does, on the list component
    (sorting, page numbers, text filter, division picker; ADR 1033)."""
    if not request.user.has_perm("funerals.view_deaths"):
        raise PermissionDenied
    status = request.GET.get("status") or ReportStatus.PROPOSED
    q = (request.GET.get("q") or "").strip()[:64]
    picker = lists.division_picker(actor=request.user, params=request.GET)
    rows = selectors.death_report_list(actor=request.user, status=status, q=q, division=picker.code)
    listing = lists.list_page(request.GET, rows, columns=DEATH_COLUMNS, default_sort="-death_date")
    previews = {r.pk: selectors.death_preview(r) for r in listing.rows if r.status == "proposed"}
    return render(
        request,
        "funerals/deaths.html",
        {
            "rows": listing.rows,
            "list": listing,
            "picker": picker,
            "q": q,
            "previews": previews,
            "status": status,
            "statuses": ReportStatus.choices,
        },
    )


@login_required
@require_POST
def decide(request, report_id: int):
    try:
        if request.POST.get("action") == "confirm":
            services.death_report_confirm(actor=request.user, report_id=report_id)
            messages.success(request, _("Death confirmed and recorded in the registry."))
        else:
            services.death_report_reject(
                actor=request.user, report_id=report_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Death report rejected."))
    except NotFoundError:
        raise Http404 from None
    except ServiceError as exc:
        if exc.code == NOT_PERMITTED:
            raise PermissionDenied(exc.message) from None
        messages.error(request, str(CODES.get(exc.code, exc.message)))
    return redirect("funerals:deaths")


@login_required
@require_GET
def funeral_services(request):
    """殡仪馆业务记录: what the funeral homes recorded (cremations with the fees waived, sea
    burials), per home and month, of the deceased of the jurisdiction."""
    with http_errors():
        month = request.GET.get("month", "")
        home = request.GET.get("home", "")
        kind = request.GET.get("kind", "")
        qs = selectors.services_visible_to(request.user, home=home, month=month, kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for s in page:
        s.reason_zh = REASONS_ZH.get(s.reason, s.reason)
    return render(
        request,
        "funerals/services.html",
        {
            "page": page,
            "summary": selectors.services_by_home(qs),
            "homes": selectors.funeral_homes(),
            "kinds": ServiceKind.choices,
            "month": month,
            "home": home,
            "kind": kind,
            "query": f"home={home}&month={month}&kind={kind}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def statements(request):
    """殡仪馆报销结算: the homes' monthly statements; make a month's, the bank file paying them,
    and read the bank's answer."""
    if not request.user.has_perm("funerals.reimburse_homes"):
        raise PermissionDenied
    upload = BankResultForm()
    if request.method == "POST":
        action = request.POST.get("action")
        month = request.POST.get("month", "")
        try:
            with http_errors():
                if action == "make":
                    made = homes.funeral_statements_make(actor=request.user, month=month)
                    messages.success(request, _("%(n)d statements made.") % {"n": len(made)})
                elif action == "pay":
                    files = homes.reimbursement_file_make(actor=request.user, month=month)
                    messages.success(request, _("%(n)d bank files made.") % {"n": len(files)})
                elif action == "results":
                    upload = BankResultForm(request.POST, request.FILES)
                    if upload.is_valid():
                        paid, failed = homes.reimbursement_results_import(
                            actor=request.user, content=upload.cleaned_data["file"].read()
                        )
                        messages.success(
                            request,
                            _("Bank result read: %(p)d paid, %(f)d failed.")
                            % {"p": paid, "f": failed},
                        )
                    else:
                        messages.error(request, _("Choose the bank's result file."))
        except ServiceError as exc:
            messages.error(request, refusal_text(exc))
        return redirect(f"{request.path}?month={month}")
    month = request.GET.get("month", "")
    return render(
        request,
        "funerals/statements.html",
        {
            "statements": selectors.statements(request.user, month=month),
            "files": selectors.reimbursement_files(request.user, month=month),
            "month": month,
            "upload": upload,
        },
    )


@login_required
@require_GET
def reimbursement_file(request, file_id: int):
    """A reimbursement bank file, as sent to the bank."""
    with http_errors():
        rf = selectors.reimbursement_file_get(request.user, file_id)
    return payable_file_response(rf)
