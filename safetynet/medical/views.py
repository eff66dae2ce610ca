"""Medical-assistance screens (docs/medical.md): settlements by hospital and person, a person's
annual room, hospitals' statements. Parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.core.errors import ServiceError
from safetynet.institutions.views import payable_file_response
from safetynet.registry.selectors import persons_visible_to
from safetynet.web import lists
from safetynet.web.errors import refusal_text
from safetynet.web.forms import BankResultForm

from . import reimbursement, selectors
from .models import HospitalStatement
from .statements import statement_pdf, statement_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _need(user, ability: str) -> None:
    if not user.has_perm(ability):
        raise PermissionDenied


SETTLEMENT_COLUMNS = [
    lists.Column(gettext_lazy("Hospital"), ("hospital__code",), key="hospital"),
    lists.Column(gettext_lazy("Settlement number"), ("number",)),
    lists.Column(gettext_lazy("Name"), ("person__name",), key="name"),
    lists.Column(gettext_lazy("Category"), ("category",)),
    lists.Column(gettext_lazy("Discharged on"), ("discharged_on",), key="discharged"),
    lists.Column(gettext_lazy("Total (yuan)"), ("total_fen",), key="total", num=True),
    lists.Column(gettext_lazy("Insurance (yuan)"), ("insurance_fen",), key="insurance", num=True),
    lists.Column(
        gettext_lazy("Medical assistance (yuan)"), ("assistance_fen",), key="assistance", num=True
    ),
    lists.Column(gettext_lazy("Patient (yuan)"), ("patient_fen",), key="patient", num=True),
    lists.Column(gettext_lazy("Status"), ("status",)),
]


@login_required
@require_GET
def settlements(request):
    """结算记录: by hospital and month, scoped to the persons of the jurisdiction, on the list
    component (sorting, page numbers, text filter, division picker; ADR 1033)."""
    _need(request.user, "medical.view_settlements")
    hospital = request.GET.get("hospital", "")
    month = request.GET.get("month", "")
    q = (request.GET.get("q") or "").strip()[:64]
    picker = lists.division_picker(actor=request.user, params=request.GET)
    qs = selectors.settlements_visible_to(
        request.user, hospital=hospital, month=month, q=q, division=picker.code
    )
    listing = lists.list_page(
        request.GET, qs, columns=SETTLEMENT_COLUMNS, default_sort="-discharged"
    )
    return render(
        request,
        "medical/settlements.html",
        {
            "list": listing,
            "page": listing.page,
            "picker": picker,
            "q": q,
            "hospitals": selectors.hospitals(),
            "hospital": hospital,
            "month": month,
        },
    )


@login_required
@require_GET
def person(request, person_id: int):
    """A person's settlements and annual room (年度救助额度)."""
    _need(request.user, "medical.view_settlements")
    p = persons_visible_to(request.user).filter(pk=person_id).first()
    if p is None:
        raise Http404
    return render(
        request,
        "medical/person.html",
        {
            "person": p,
            "rooms": selectors.annual_rooms(p),
            "settlements": selectors.settlements_visible_to(request.user, person_id=p.pk),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def statements(request):
    """医院清算单: the months' statements; make a month's, send the reimbursements."""
    _need(request.user, "medical.view_statements")
    if request.method == "POST":
        action = request.POST.get("action")
        month = request.POST.get("month", "")
        try:
            with transaction.atomic():
                if action == "make":
                    made = reimbursement.statements_make_month(actor=request.user, month=month)
                    messages.success(request, _("%(n)d statements made.") % {"n": len(made)})
                elif action == "pay":
                    files = reimbursement.reimbursement_files_make(actor=request.user, month=month)
                    messages.success(request, _("%(n)d bank files made.") % {"n": len(files)})
                elif action == "results":
                    upload = BankResultForm(request.POST, request.FILES)
                    if not upload.is_valid():
                        messages.error(request, _("Choose the bank's result file."))
                    else:
                        out = reimbursement.reimbursement_results_import(
                            actor=request.user, content=upload.cleaned_data["file"].read()
                        )
                        messages.success(
                            request,
                            _("Bank result read: %(p)d paid, %(f)d failed.")
                            % {"p": out.paid, "f": out.failed},
                        )
        except ServiceError as exc:
            if exc.code == NOT_PERMITTED:
                raise PermissionDenied(exc.message) from None
            messages.error(request, refusal_text(exc))
        return redirect(f"{request.path}?month={month}")
    month = request.GET.get("month", "")
    return render(
        request,
        "medical/statements.html",
        {
            "statements": selectors.statements(month=month),
            "month": month,
            "may_make": request.user.has_perm("medical.make_statements"),
            "may_pay": request.user.has_perm("medical.send_reimbursements"),
            "files": selectors.reimbursement_files(month=month),
            "upload": BankResultForm(),
        },
    )


@login_required
@require_GET
def statement_download(request, statement_id: int, fmt: str):
    _need(request.user, "medical.view_statements")
    st = HospitalStatement.objects.select_related("hospital").filter(pk=statement_id).first()
    if st is None:
        raise Http404
    name = f"statement-{st.hospital.code}-{st.month}"
    if fmt == "xlsx":
        response = HttpResponse(statement_xlsx(st), content_type=XLSX)
    else:
        response = HttpResponse(statement_pdf(st), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def reimbursement_file(request, file_id: int):
    """A reimbursement payable file, as sent to the bank."""
    _need(request.user, "medical.send_reimbursements")
    rf = selectors.reimbursement_files().filter(pk=file_id).first()
    if rf is None:
        raise Http404
    return payable_file_response(rf)
