"""Bank pages (docs/bank-files.md): the payrolls' bank files (make, download), the result upload,
the reconciliation per bank, the failed lines with 'fix account'. Parse, call a selector or a
service, render; no rules here. Missing or outside the jurisdiction: 404; not permitted: 403."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetynet.core.errors import ServiceError
from safetynet.core.files import attachment_response, generated_attachment
from safetynet.core.uploads import MB, XLSX, FileRefused, read_upload
from safetynet.core.widgets import MultipleFileInput
from safetynet.web.errors import http_errors

from . import bank_selectors as sel
from .bank_format import REASONS
from .bank_services import bank_files_make, bank_results_import
from .refunds import refund_bank_return
from .services import bank_account_set

RESULT_MAX_BYTES = 50 * MB
CSV_TYPE = "text/csv; charset=utf-8"


class ResultUploadForm(forms.Form):
    files = forms.FileField(
        label=gettext_lazy("Result files (.xlsx or .csv)"),
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class MakeFilesForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")]
    )


class AccountForm(forms.Form):
    bank_code = forms.CharField(label=gettext_lazy("Bank code"), max_length=16)
    bank_name = forms.CharField(label=gettext_lazy("Bank name"), max_length=64)
    account_number = forms.CharField(label=gettext_lazy("Account number"), max_length=40)
    holder_name = forms.CharField(label=gettext_lazy("Account holder"), max_length=64)


class BankReturnForm(forms.Form):
    """A paid line the bank returned (退回, ADR 0943)."""

    reference = forms.CharField(label=gettext_lazy("Line reference"), max_length=32)
    on = forms.DateField(label=gettext_lazy("Returned on"))
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=[(r, r) for r in REASONS])

    def __init__(self, *args, **kwargs):
        from .templatetags.bank_tags import bank_reason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(r, bank_reason(r)) for r in REASONS]


def _may_send(user) -> bool:
    return user.has_perm("payments.send_bank_files")


@login_required
@require_GET
def bank_home(request):
    with http_errors():
        payrolls = list(sel.bank_payrolls(actor=request.user)[:24])
    return render(
        request,
        "payments/banks.html",
        {
            "payrolls": payrolls,
            "upload_form": ResultUploadForm(),
            "may_import": request.user.has_perm("payments.import_bank_results"),
        },
    )


def _payroll_page(
    request, payroll, *, upload_form=None, problems=None, status=200, return_form=None
):
    with http_errors():
        rec = sel.bank_reconciliation(actor=request.user, payroll=payroll)
        files = list(sel.bank_files_of(actor=request.user, payroll=payroll))
    return render(
        request,
        "payments/bank_payroll.html",
        {
            "payroll": payroll,
            "rec": rec,
            "files": files,
            "make_form": MakeFilesForm(),
            "may_make": _may_send(request.user) and payroll.status == "approved",
            "may_import": request.user.has_perm("payments.import_bank_results"),
            "upload_form": upload_form or ResultUploadForm(),
            "problems": problems or [],
            "may_refund": request.user.has_perm("payments.record_refund") and bool(files),
            "return_form": return_form or BankReturnForm(initial={"on": timezone.localdate()}),
        },
        status=status,
    )


@login_required
@require_GET
def bank_payroll(request, payroll_id: int):
    with http_errors():
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=payroll_id)
    return _payroll_page(request, payroll)


@login_required
@require_GET
def bank_reconciliation_export(request, payroll_id: int):
    """The reconciliation as Excel (a generated download: no stored file)."""
    with http_errors():
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=payroll_id)
        data = sel.bank_reconciliation_xlsx(actor=request.user, payroll=payroll)
    return generated_attachment(
        data, filename=f"reconciliation-{payroll.month}.xlsx", content_type=XLSX.content_type
    )


@login_required
@require_POST
def bank_files_make_view(request, payroll_id: int):
    with http_errors():
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=payroll_id)
    form = MakeFilesForm(request.POST)
    fmt = form.cleaned_data["format"] if form.is_valid() else "xlsx"
    try:
        with http_errors():
            report = bank_files_make(actor=request.user, payroll=payroll, fmt=fmt)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("payments-banks:payroll", payroll_id=payroll.pk)
    messages.success(
        request,
        _("%(files)d bank file(s) made: %(lines)d line(s); %(held)d held without an account.")
        % {"files": len(report.files), "lines": report.lines, "held": len(report.held)},
    )
    return redirect("payments-banks:payroll", payroll_id=payroll.pk)


@login_required
@require_GET
def bank_file_download(request, file_id: int):
    with http_errors():
        bf = sel.bank_file_download(actor=request.user, file_id=file_id)
    content_type = XLSX.content_type if bf.format == "xlsx" else CSV_TYPE
    return attachment_response(
        bf.file, filename=f"{bf.reference}.{bf.format}", content_type=content_type
    )


@login_required
@require_POST
def bank_results_upload(request):
    if not request.user.has_perm("payments.import_bank_results"):
        raise PermissionDenied
    uploads = request.FILES.getlist("files")
    back = request.POST.get("payroll", "")
    payroll = None
    if back.isdigit():
        with http_errors():
            payroll = sel.bank_payroll_get(actor=request.user, payroll_id=int(back))

    def refused(problems, message):
        messages.error(request, message)
        if payroll is not None:
            return _payroll_page(request, payroll, problems=problems, status=422)
        return redirect("payments-banks:home")

    if not uploads:
        return refused([], _("Choose one or more result files."))
    try:
        files = [(u.name, read_upload(u, max_bytes=RESULT_MAX_BYTES)) for u in uploads]
        with http_errors():
            report = bank_results_import(actor=request.user, files=files)
    except FileRefused as exc:
        return refused([p.as_dict() for p in exc.problems], exc.message)
    except ServiceError as exc:
        return refused([p.as_dict() for p in exc.problems], exc.message)
    messages.success(
        request,
        _("Imported %(files)d result file(s): %(paid)d paid, %(failed)d failed.")
        % {"files": len(report.files), "paid": report.paid, "failed": report.failed},
    )
    if payroll is not None:
        return redirect("payments-banks:payroll", payroll_id=payroll.pk)
    return redirect("payments-banks:home")


@login_required
@require_GET
def bank_failed(request):
    with http_errors():
        entries = list(sel.bank_failed_lines(actor=request.user))
    return render(
        request,
        "payments/bank_failed.html",
        {
            "entries": entries,
            "may_fix": request.user.has_perm("payments.manage_bank_accounts"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bank_account_fix(request, line_id: int):
    with http_errors():
        line = sel.payment_line_failed_get(actor=request.user, line_id=line_id)
    if not request.user.has_perm("payments.manage_bank_accounts"):
        raise PermissionDenied
    current = line.person.bank_accounts.filter(valid_to__isnull=True).first()
    initial = {}
    if current is not None:
        initial = {
            "bank_code": current.bank_code,
            "bank_name": current.bank_name,
            "account_number": current.account_number,
            "holder_name": current.holder_name,
        }
    form = AccountForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with http_errors():
                bank_account_set(
                    actor=request.user,
                    person=line.person,
                    on=timezone.localdate(),
                    **form.cleaned_data,
                )
        except ServiceError as exc:
            for p in exc.problems:
                if p.field in form.fields:
                    form.add_error(p.field, p.message)
            if not exc.problems:
                form.add_error(None, exc.message)
            status = 422
        else:
            messages.success(
                request, _("Account changed: the line is paid in the next payroll's bank files.")
            )
            return redirect("payments-banks:failed")
    elif request.method == "POST":
        status = 422
    last = line.bank_entries.order_by("-id").first()
    return render(
        request,
        "payments/bank_fix.html",
        {"line": line, "form": form, "last": last, "current": current},
        status=status,
    )


@login_required
@require_POST
def bank_return_view(request, payroll_id: int):
    """Record a paid line of this payroll's files that the bank returned."""
    with http_errors():
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=payroll_id)
    form = BankReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the line reference, the date and the reason."))
        return _payroll_page(request, payroll, return_form=form, status=422)
    d = form.cleaned_data
    try:
        with http_errors():
            refund = refund_bank_return(
                actor=request.user, reference=d["reference"], on=d["on"], reason=d["reason"]
            )
    except ServiceError as exc:
        problems = [f"{p.field}: {p.message}" for p in exc.problems] or [exc.message]
        messages.error(request, "; ".join(problems))
        return _payroll_page(request, payroll, return_form=form, status=422)
    messages.success(
        request,
        _("The return of %(ref)s is recorded: the line waits for a corrected account.")
        % {"ref": refund.reference},
    )
    return redirect("payments-banks:payroll", payroll_id=payroll.pk)


@login_required
@require_GET
def bank_reconciliation_pdf(request, payroll_id: int):
    """The reconciliation as PDF (WeasyPrint, like the fund statements)."""
    with http_errors():
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=payroll_id)
        data = sel.bank_reconciliation_pdf(actor=request.user, payroll=payroll)
    return generated_attachment(
        data, filename=f"reconciliation-{payroll.month}.pdf", content_type="application/pdf"
    )
