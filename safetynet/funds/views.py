"""Funds screens (docs/funds.md): budget execution with its chart, budgets, fund income, the
monthly statements, the journal. Parse, call a selector or service, render; no rules here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.rules.catalog import name_zh
from safetynet.web import lists
from safetynet.web.errors import http_errors

from . import selectors, services
from .beancount_export import yuan
from .chart import LEVEL_ZH
from .errors import ServiceError, message_for
from .forms import BudgetForm, IncomeForm, JournalFilterForm, StatementForm, TaFundForm
from .statements import statement_pdf, statement_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _need(user, ability: str) -> None:
    if not user.has_perm(ability):
        raise PermissionDenied


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


@login_required
@require_GET
def execution(request):
    """预算执行: each budget of the year with its spending and rate, and the chart."""
    _need(request.user, "funds.view_funds")
    year = _year(request)
    with http_errors():
        rows = selectors.budget_execution(request.user, year)
    names = dict(selectors.districts_visible(request.user))
    chart = {
        "labels": [
            f"{name_zh(r.program)} {names.get(r.district, '')}{LEVEL_ZH[r.level]}" for r in rows
        ],
        "budget": [yuan(r.budget_fen) for r in rows],
        "spent": [yuan(r.spent_fen) for r in rows],
        "budget_name": _("Budget (yuan)"),
        "spent_name": _("Spent (yuan)"),
    }
    return render(
        request,
        "funds/execution.html",
        {"year": year, "rows": rows, "chart": chart, "names": names},
    )


@login_required
@require_http_methods(["GET", "POST"])
def budgets(request):
    """预算: the year's budgets; the city allocates (or adds to) one."""
    _need(request.user, "funds.view_funds")
    year = _year(request)
    districts = selectors.districts_visible(request.user)
    form = BudgetForm(request.POST or None, districts=districts, initial={"year": year})
    if request.method == "POST":
        _need(request.user, "funds.manage_budgets")
        if form.is_valid():
            f = form.cleaned_data
            try:
                with http_errors():
                    services.budget_allocate(
                        actor=request.user,
                        year=f["year"],
                        program=f["program"],
                        level=f["level"],
                        district=f["district"],
                        amount_fen=f["amount"],
                    )
            except ServiceError as exc:
                for p in exc.problems:
                    form.add_error(p.field if p.field in form.fields else None, p.message)
                if not exc.problems:
                    form.add_error(None, message_for(exc))
            else:
                messages.success(request, _("The budget has been allocated."))
                return redirect(f"{request.path}?year={f['year']}")
    with http_errors():
        rows = selectors.budgets_visible(request.user, year)
    return render(
        request,
        "funds/budgets.html",
        {"year": year, "rows": rows, "form": form, "level_zh": LEVEL_ZH},
    )


@login_required
@require_http_methods(["GET", "POST"])
def income(request):
    """资金筹集: lottery and donation income, the temporary-assistance fund."""
    _need(request.user, "funds.view_funds")
    form = IncomeForm(request.POST if "receipt" in request.POST else None)
    ta_form = TaFundForm(request.POST if "ta_year" in request.POST else None)
    if request.method == "POST":
        _need(request.user, "funds.record_income")
        try:
            with http_errors():
                if "ta_year" in request.POST:
                    year = int(request.POST["ta_year"])
                    services.ta_fund_raise(actor=request.user, year=year)
                    messages.success(request, _("The temporary-assistance fund has been raised."))
                    return redirect(request.path)
                if form.is_valid():
                    f = form.cleaned_data
                    services.income_record(
                        actor=request.user,
                        kind=f["kind"],
                        on=f["on"],
                        amount_fen=f["amount"],
                        payer=f["payer"],
                        receipt=f["receipt"],
                        memo=f["memo"],
                    )
                    messages.success(request, _("The income has been recorded."))
                    return redirect(request.path)
        except (ServiceError, ValueError) as exc:
            text = message_for(exc) if isinstance(exc, ServiceError) else str(exc)
            messages.error(request, text)
    q = (request.GET.get("q") or "").strip()[:64]
    qs = selectors.incomes_visible(request.user, q=q)
    listing = lists.list_page(request.GET, qs, columns=INCOME_COLUMNS, default_sort="-on")
    return render(
        request,
        "funds/income.html",
        {
            "list": listing,
            "q": q,
            "form": form,
            "ta_form": ta_form,
            "this_year": timezone.localdate().year,
        },
    )


JOURNAL_COLUMNS = [
    lists.Column("#", ("id",), key="id", num=True),
    lists.Column(gettext_lazy("Date"), ("on",)),
    lists.Column(gettext_lazy("Kind"), ("kind",)),
    lists.Column(gettext_lazy("Memo"), ("memo",)),
    lists.Column(gettext_lazy("Source"), ("source",)),
    lists.Column(gettext_lazy("By"), ("actor__username",), key="by"),
]
INCOME_COLUMNS = [
    lists.Column(gettext_lazy("Date"), ("on",)),
    lists.Column(gettext_lazy("Kind"), ("kind",)),
    lists.Column(gettext_lazy("From"), ("payer",)),
    lists.Column(gettext_lazy("Amount (yuan)"), ("amount_fen",), key="amount", num=True),
    lists.Column(gettext_lazy("Journal entry"), ("entry_id",), key="entry"),
]


@login_required
@require_GET
def statement(request):
    """月度资金报表: a district's statement for a month; Excel or PDF with ?format=."""
    _need(request.user, "funds.view_funds")
    districts = selectors.districts_visible(request.user)
    initial = {
        "month": f"{timezone.localdate():%Y-%m}",
        "district": districts[0][0] if districts else "",
    }
    form = StatementForm(request.GET or initial, districts=districts)
    stmt = None
    if form.is_valid():
        with http_errors():
            stmt = selectors.fund_statement(
                request.user,
                month=form.cleaned_data["month"],
                district=form.cleaned_data["district"],
            )
        fmt = request.GET.get("format")
        stem = f"fund-statement-{stmt.district}-{stmt.month}"
        if fmt == "xlsx":
            response = HttpResponse(statement_xlsx(stmt), content_type=XLSX)
            response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
            return response
        if fmt == "pdf":
            response = HttpResponse(statement_pdf(stmt), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
            return response
    return render(
        request,
        "funds/statement.html",
        {"form": form, "stmt": stmt, "level_zh": LEVEL_ZH, "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def journal(request):
    """记账凭证: the journal for the auditor (a district: the entries touching it)."""
    _need(request.user, "funds.view_funds")
    form = JournalFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    q = (request.GET.get("q") or "").strip()[:64]
    # postings carry the district only: the picker stops there (ADR 1036)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    picker = lists.DivisionPicker(
        levels=[lv for lv in picker.levels if lv.name == "district"],
        code=next((lv.selected for lv in picker.levels if lv.name == "district"), ""),
    )
    with http_errors():
        qs = selectors.entries_visible(
            request.user,
            kind=f.get("kind") or "",
            month=f.get("month") or "",
            q=q,
            district=picker.code,
        )
    listing = lists.list_page(request.GET, qs, columns=JOURNAL_COLUMNS, default_sort="-on")
    return render(
        request,
        "funds/journal.html",
        {"form": form, "list": listing, "page": listing.page, "picker": picker, "q": q},
    )


@login_required
@require_GET
def entry_detail(request, entry_id: int):
    _need(request.user, "funds.view_funds")
    with http_errors():
        entry = selectors.entry_get(request.user, entry_id)
        postings = list(selectors.postings_visible(request.user, entry))
    return render(request, "funds/entry.html", {"entry": entry, "postings": postings})


@login_required
@require_http_methods(["GET", "POST"])
def overrides(request):
    """超预算批准: the payrolls awaiting approval with the budgets they would exceed; the city
    records its override with a reason."""
    from safetynet.payments.models import Payroll

    from .models import BudgetOverride

    _need(request.user, "funds.view_funds")
    pending = Payroll.objects.filter(status__in=["draft", "checked"]).order_by("-month")[:24]
    if request.method == "POST":
        _need(request.user, "funds.override_budget")
        payroll = Payroll.objects.filter(pk=request.POST.get("payroll") or 0).first()
        if payroll is None:
            raise Http404
        try:
            with http_errors():
                services.budget_override(
                    actor=request.user, payroll=payroll, reason=request.POST.get("reason", "")
                )
        except ServiceError as exc:
            messages.error(request, message_for(exc))
        else:
            messages.success(request, _("The override has been recorded."))
        return redirect(request.path)
    rows = [(p, services.budget_check(p)) for p in pending]
    return render(
        request,
        "funds/overrides.html",
        {"rows": rows, "done": BudgetOverride.objects.select_related("actor")[:50]},
    )
