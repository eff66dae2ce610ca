"""Funerals screens (docs/funerals.md): the deaths reported by outside sources, for the street
officer to confirm or reject. Parse, call a selector or service, render; no rules here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.web import lists

from . import selectors, services
from .errors import CODES, NotFoundError, ServiceError
from .models import ReportStatus

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
