"""Payroll pages (list, payroll page with check / approve / send back / close) and the recoveries
(list, write-off): parse, call a selector or a service, render. No business rules here.

Outside the jurisdiction or missing: 404; a role that may not see payrolls: 403. A refused step
is a message on the payroll page (status 422 or 403), never a 500."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core import labels
from safetynet.rules.catalog import CATALOG
from safetynet.web import lists

from . import approval
from . import flow_errors as E
from . import flow_screens as screens
from .bank_format import yuan_to_fen
from .flow_models import RecoveryStatus
from .models import LineStatus, PayrollEventKind
from .recoveries import recovery_write_off
from .refunds import refund_repayment
from .states import PayrollStatus

STATUS_LABELS = labels.PAYROLL_STATUSES  # the one label map (ADR 1010)


EVENT_LABELS = dict(PayrollEventKind.choices)


def program_label(code: str) -> str:
    entry = CATALOG.get(code)
    return entry.name_zh if entry is not None else code


def status_label(value: str) -> str:
    try:
        return str(STATUS_LABELS[PayrollStatus(value)])
    except ValueError:
        return value


class LineFilterForm(forms.Form):
    """The lines' own filters; the division is the shared picker's (`district`, `street`,
    `community`: the same `district=` as before, ADR 1035)."""

    program = forms.ChoiceField(label=gettext_lazy("Program"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", "—"), *LineStatus.choices],
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=50)

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", "—")] + [(p, program_label(p)) for p in programs]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveForm(forms.Form):
    scope = forms.CharField(max_length=12, widget=forms.HiddenInput)
    budget_override = forms.BooleanField(
        label=gettext_lazy("Override the budget (city only)"), required=False
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)


def _need_view(user) -> None:
    if not user.has_perm("payments.see_payrolls"):
        raise PermissionDenied


def _payroll(request, payroll_id: int):
    try:
        return screens.payroll_get(actor=request.user, payroll_id=payroll_id)
    except E.NotFoundError:
        raise Http404 from None


# --------------------------------------------------------------------------- list
PAYROLL_COLUMNS = [
    lists.Column(gettext_lazy("Benefit month"), ("month",)),
    lists.Column(gettext_lazy("Status"), ("status",)),
    lists.Column(gettext_lazy("Lines"), num=True),
    lists.Column(gettext_lazy("Total (yuan)"), num=True),
    lists.Column(gettext_lazy("Updated"), ("updated_at",), key="updated"),
]


@login_required
@require_GET
def payroll_list(request):
    _need_view(request.user)
    qs = screens.payrolls_visible_to(request.user)
    month = (request.GET.get("q") or "").strip()[:7]
    if month:
        qs = qs.filter(month__startswith=month)  # a year (2026) or a month (2026-11)
    status = request.GET.get("status") or ""
    if status:
        qs = qs.filter(status=status)
    listing = lists.list_page(request.GET, qs, columns=PAYROLL_COLUMNS, default_sort="-month")
    rows = [
        (p, status_label(p.status), screens.list_totals(actor=request.user, payroll=p))
        for p in listing.rows
    ]
    context = {"rows": rows, "list": listing, "q": month, "status": status}
    context["statuses"] = [(s.value, status_label(s.value)) for s in PayrollStatus]
    return render(request, "payments/payroll_list.html", context)


# --------------------------------------------------------------------------- payroll page
LINE_COLUMNS = [
    lists.Column(gettext_lazy("Name"), ("person__name",), key="name"),
    lists.Column(gettext_lazy("Program"), ("program",)),
    lists.Column(gettext_lazy("Benefit month"), ("benefit_month",), key="month"),
    lists.Column(
        gettext_lazy("Division"),
        ("division_id", "beneficiary_key", "program", "benefit_month"),
        key="division",
    ),
    lists.Column(gettext_lazy("Amount (yuan)"), ("amount_fen",), key="amount", num=True),
    lists.Column(gettext_lazy("Withheld (yuan)"), num=True),
    lists.Column(gettext_lazy("To pay (yuan)"), num=True),
    lists.Column(gettext_lazy("Status"), ("state",), key="status"),
    lists.Column(gettext_lazy("Reason")),
]


def _payroll_page(request, payroll, *, status: int = 200, reason_form=None):
    actor = request.user
    totals = screens.payroll_totals(actor=actor, payroll=payroll)
    before, diffs = screens.differences(actor=actor, payroll=payroll, now=totals)
    form = LineFilterForm(request.GET or None, programs=list(totals.by_program))
    f = form.cleaned_data if form.is_valid() else {}
    picker = lists.division_picker(actor=actor, params=request.GET)
    qs = screens.lines_filtered(
        actor=actor,
        payroll=payroll,
        program=f.get("program") or "",
        district=picker.code,
        status=f.get("status") or "",
        name=f.get("name") or "",
    )
    # the true count of the filtered lines (one COUNT on the payroll's index, ADR 1035)
    listing = lists.list_page(request.GET, qs, columns=LINE_COLUMNS, default_sort="division")
    page = listing.page
    page.object_list = label_lines(page.object_list)
    approvals = screens.approvals(actor=actor, payroll=payroll)
    is_checked = payroll.status == PayrollStatus.CHECKED
    return render(
        request,
        "payments/payroll_detail.html",
        {
            "payroll": payroll,
            "status": status_label(payroll.status),
            "totals": totals,
            "programs": [(p, program_label(p), t) for p, t in totals.by_program.items()],
            "previous": before,
            "diffs": [(program_label(d["program"]), d) for d in diffs],
            "approvals": approvals,
            "form": form,
            "page": page,
            "list": listing,
            "picker": picker,
            "may_check": payroll.status == PayrollStatus.DRAFT
            and actor.has_perm("payments.check_payroll"),
            "may_send_back": is_checked and actor.has_perm("payments.check_payroll"),
            "may_approve": is_checked and actor.has_perm("payments.approve_payroll"),
            "may_reconcile": payroll.status == PayrollStatus.RESULTS_IN
            and actor.has_perm("payments.close_payroll"),
            "may_close": payroll.status == PayrollStatus.RECONCILED
            and actor.has_perm("payments.close_payroll"),
            "reason_form": reason_form or ReasonForm(),
            "timeline": [
                (
                    e,
                    EVENT_LABELS.get(e.kind, e.kind),
                    status_label(e.from_status) if e.from_status else "",
                    status_label(e.to_status) if e.to_status else "",
                )
                for e in payroll.events.select_related("actor").order_by("at", "id")
            ],
        },
        status=status,
    )


def label_lines(lines) -> list:
    """A page of lines with their deductions (one query) and program names."""
    lines = screens.with_deductions(list(lines))
    for line in lines:
        line.program_label = program_label(line.program)
    return lines


@login_required
@require_GET
def payroll_detail(request, payroll_id: int):
    _need_view(request.user)
    return _payroll_page(request, _payroll(request, payroll_id))


def _run_step(request, payroll, label: str, call, *, reason_form=None):
    """Run one service; a refusal is a message on the payroll page."""
    try:
        call()
    except E.NotFoundError:
        raise Http404 from None
    except NotPermittedError as exc:
        messages.error(request, exc.message)
        return _payroll_page(request, payroll, status=403, reason_form=reason_form)
    except E.ServiceError as exc:
        messages.error(request, E.message_for(exc))
        payroll.refresh_from_db()
        return _payroll_page(request, payroll, status=422, reason_form=reason_form)
    messages.success(request, _("Done: %(action)s.") % {"action": label})
    return redirect("payments:payroll", payroll_id=payroll.pk)


@login_required
@require_POST
def payroll_check_view(request, payroll_id: int):
    _need_view(request.user)
    payroll = _payroll(request, payroll_id)
    return _run_step(
        request,
        payroll,
        _("payroll checked"),
        lambda: approval.payroll_check(actor=request.user, payroll_id=payroll.pk),
    )


@login_required
@require_POST
def payroll_approve_view(request, payroll_id: int):
    _need_view(request.user)
    payroll = _payroll(request, payroll_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _payroll_page(request, payroll, status=422)
    d = form.cleaned_data
    return _run_step(
        request,
        payroll,
        _("approved"),
        lambda: approval.payroll_approve(
            actor=request.user,
            payroll_id=payroll.pk,
            scope=d["scope"],
            budget_override=d.get("budget_override", False),
            note=d.get("note", ""),
        ),
    )


@login_required
@require_POST
def payroll_send_back_view(request, payroll_id: int):
    _need_view(request.user)
    payroll = _payroll(request, payroll_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _payroll_page(request, payroll, status=422, reason_form=form)
    return _run_step(
        request,
        payroll,
        _("sent back to draft"),
        lambda: approval.payroll_send_back(
            actor=request.user, payroll_id=payroll.pk, reason=form.cleaned_data["reason"]
        ),
        reason_form=form,
    )


@login_required
@require_POST
def payroll_reconcile_view(request, payroll_id: int):
    _need_view(request.user)
    payroll = _payroll(request, payroll_id)
    return _run_step(
        request,
        payroll,
        _("payroll reconciled"),
        lambda: approval.payroll_reconcile(actor=request.user, payroll_id=payroll.pk),
    )


@login_required
@require_POST
def payroll_close_view(request, payroll_id: int):
    _need_view(request.user)
    payroll = _payroll(request, payroll_id)
    return _run_step(
        request,
        payroll,
        _("payroll closed"),
        lambda: approval.payroll_close(actor=request.user, payroll_id=payroll.pk),
    )


# --------------------------------------------------------------------------- recoveries
class RecoveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *RecoveryStatus.choices]
    )


def _recoveries_page(request, *, status: int = 200, bound=None):
    if not request.user.has_perm("payments.view_recoveries"):
        raise PermissionDenied
    form = RecoveryFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = screens.recoveries_list(actor=request.user, status=f.get("status") or "")
    page = screens.slice_page(qs, request.GET.get("page"))
    for r in page.object_list:
        r.program_label = program_label(r.program)
        r.outstanding_fen = screens.outstanding(r)
        r.recovered_fen = int(r.recovered or 0)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "payments/recoveries.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_write_off": request.user.has_perm("payments.write_off_recovery"),
            "may_refund": request.user.has_perm("payments.record_refund"),
            "today": timezone.localdate(),
            "bound": bound,
        },
        status=status,
    )


@login_required
@require_GET
def recovery_list(request):
    return _recoveries_page(request)


@login_required
@require_POST
def recovery_write_off_view(request, recovery_id: int):
    if not request.user.has_perm("payments.view_recoveries"):
        raise PermissionDenied
    form = ReasonForm(request.POST, prefix=f"wo{recovery_id}")
    if not form.is_valid():
        messages.error(request, _("Write down why the recovery is written off."))
        return _recoveries_page(request, status=422, bound=(recovery_id, form))
    return _settle(
        request,
        recovery_id,
        form,
        lambda: recovery_write_off(
            actor=request.user, recovery_id=recovery_id, reason=form.cleaned_data["reason"]
        ),
        _("The recovery is written off."),
    )


def _settle(request, recovery_id: int, form, call, done: str):
    """Run a service settling a recovery; a refusal is a message on the recoveries page."""
    try:
        call()
    except E.NotFoundError:
        raise Http404 from None
    except NotPermittedError as exc:
        messages.error(request, exc.message)
        return _recoveries_page(request, status=403)
    except E.ServiceError as exc:
        messages.error(request, E.message_for(exc))
        return _recoveries_page(request, status=422, bound=(recovery_id, form))
    messages.success(request, done)
    return redirect("payments:recoveries")


class RepaymentForm(forms.Form):
    """A beneficiary's repayment of an overpayment (ADR 0943): yuan with two decimals."""

    amount = forms.RegexField(
        label=gettext_lazy("Amount (yuan)"), regex=r"^\d{1,9}\.\d{2}$", max_length=13
    )
    receipt = forms.CharField(label=gettext_lazy("Receipt number"), max_length=60)
    on = forms.DateField(label=gettext_lazy("Received on"))


@login_required
@require_POST
def recovery_repayment_view(request, recovery_id: int):
    if not request.user.has_perm("payments.view_recoveries"):
        raise PermissionDenied
    form = RepaymentForm(request.POST, prefix=f"rp{recovery_id}")
    if not form.is_valid():
        fields = ", ".join(str(form.fields[f].label) for f in form.errors)
        messages.error(request, _("Check the repayment: %(fields)s.") % {"fields": fields})
        return _recoveries_page(request, status=422, bound=(recovery_id, form))
    d = form.cleaned_data
    return _settle(
        request,
        recovery_id,
        form,
        lambda: refund_repayment(
            actor=request.user,
            recovery_id=recovery_id,
            amount_fen=yuan_to_fen(d["amount"]),
            on=d["on"],
            receipt=d["receipt"],
        ),
        _("The repayment is recorded."),
    )
