"""Pages of the no-application lists (无需申请名单), the reviews (动态管理), the emergency aid
(急难救助) and the grievances: parse, call a selector or a service, render. No rules here.

Not found and outside the jurisdiction are 404; a role without the ability is 403; any other
refusal of a service is a message on the page with the form kept (422)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetynet.core.files import attachment_response
from safetynet.rules.money import yuan
from safetynet.web import lists as list_component

from . import clock, dynamic_screens, screens
from . import errors as E
from .dynamic_forms import (
    FORMALITY_LABELS,
    EmergencyForm,
    FormalityForm,
    GrievanceAnswerForm,
    GrievanceForm,
    ListConfirmForm,
    MonthForm,
    ReviewDecideForm,
    ReviewOpenForm,
)
from .dynamic_selectors import reviews_open
from .emergency import emergency_aid_grant, emergency_formality_done
from .grievances import grievance_answer, grievance_record
from .monthly import monthly_run
from .proactive import proposal_list_confirm
from .reviews import review_decide, review_open
from .views import http_errors


def _need(user, ability: str) -> None:
    if not user.has_perm(ability):
        raise PermissionDenied


def _refused(request, exc: E.ServiceError, form=None) -> None:
    """A service's refusal as a message (and on the form's field it names)."""
    messages.error(request, E.message_for(exc))
    if form is None:
        return
    for problem in exc.problems:
        field = (problem.field or "").split("[")[0]
        if field in form.fields:
            form.add_error(field, E.message_for(exc))


def _run(request, call, form=None):
    """Run a service: (result, None) or (None, status) after a message. 404/403 propagate."""
    try:
        with http_errors():
            return call(), None
    except Http404:
        raise
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
        return None, 403
    except E.ServiceError as exc:
        _refused(request, exc, form)
        return None, 422


# --------------------------------------------------------------------------- lists
@login_required
@require_GET
def lists(request):
    _need(request.user, "cases.view_cases")
    today = clock.today()
    month_form = MonthForm(request.GET or {"month": f"{today:%Y-%m}"})
    month = month_form.cleaned_data["month"] if month_form.is_valid() else f"{today:%Y-%m}"
    return _lists_page(request, month, month_form)


LIST_COLUMNS = [
    list_component.Column(gettext_lazy("List"), ("kind",)),
    list_component.Column(gettext_lazy("Month"), ("month",)),
    list_component.Column(gettext_lazy("Street"), ("street_id",), key="street"),
    list_component.Column(gettext_lazy("Status"), ("status",)),
    list_component.Column(gettext_lazy("Generated on"), ("proposed_on",), key="generated"),
]


def _lists_page(request, month, month_form, status=200):
    q = (request.GET.get("q") or "").strip()[:32]
    picker = list_component.division_picker(actor=request.user, params=request.GET)
    qs = dynamic_screens.lists_of_month(actor=request.user, month=month)
    if picker.code:  # a list is kept per street: a community narrows to its street
        qs = qs.filter(street__code__startswith=picker.code[:9])
    if q:
        qs = qs.filter(street__name__contains=q)
    listing = list_component.list_page(request.GET, qs, columns=LIST_COLUMNS, default_sort="kind")
    pending = list(dynamic_screens.lists_of_month(actor=request.user, month=None))
    return render(
        request,
        "cases/lists.html",
        {
            "month": month,
            "month_form": month_form,
            "list": listing,
            "lists": listing.rows,
            "picker": picker,
            "q": q,
            "pending": [p for p in pending if p.month != month],
            "may_generate": request.user.has_perm("cases.run_monthly"),
        },
        status=status,
    )


@login_required
@require_POST
def lists_generate(request):
    _need(request.user, "cases.run_monthly")
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _lists_page(request, f"{clock.today():%Y-%m}", form, status=422)
    month = form.cleaned_data["month"]
    result, status = _run(request, lambda: monthly_run(actor=request.user, month=month), form)
    if result is None:
        return _lists_page(request, month, form, status=status)
    p = result["proposed"]
    messages.success(
        request,
        _(
            "Lists of %(month)s generated: %(age)s age allowances, %(funeral)s funeral entries,"
            " %(price)s price subsidies; %(reviews)s reviews opened."
        )
        % {
            "month": month,
            "age": p["age_allowance"],
            "funeral": p["funeral"],
            "price": p["price_subsidy"],
            "reviews": result["reviews_opened"],
        },
    )
    return redirect(f"{reverse('cases:lists')}?month={month}")


def _list_page(request, list_id, form=None, status=200):
    with http_errors():
        plist = dynamic_screens.list_get(actor=request.user, list_id=list_id)
    entries = dynamic_screens.list_entries(plist)
    may_confirm = plist.status == "proposed" and request.user.has_perm("cases.confirm_lists")
    if form is None and may_confirm:
        form = ListConfirmForm(entries=entries)
    return render(
        request,
        "cases/list_detail.html",
        {
            "plist": plist,
            "entries": [(e, yuan(e.amount_fen)) for e in entries],
            "total": yuan(sum(e.amount_fen for e in entries)),
            "form": form if may_confirm else None,
            "rows": [(e, yuan(e.amount_fen), ex, r) for e, ex, r in form.rows()]
            if may_confirm
            else [],
            "timeline": list(plist.events.select_related("actor").order_by("at", "id")),
        },
        status=status,
    )


@login_required
@require_GET
def list_detail(request, list_id: int):
    _need(request.user, "cases.view_cases")
    return _list_page(request, list_id)


@login_required
@require_POST
def list_confirm(request, list_id: int):
    _need(request.user, "cases.confirm_lists")
    with http_errors():
        plist = dynamic_screens.list_get(actor=request.user, list_id=list_id)
    form = ListConfirmForm(request.POST, entries=dynamic_screens.list_entries(plist))
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _list_page(request, list_id, form, status=422)
    excluded = form.excluded()
    result, status = _run(
        request,
        lambda: proposal_list_confirm(actor=request.user, list_id=list_id, excluded=excluded),
        form,
    )
    if result is None:
        return _list_page(request, list_id, form, status=status)
    messages.success(
        request,
        _("List confirmed: %(excluded)s excluded.") % {"excluded": len(excluded)},
    )
    return redirect("cases:list-detail", list_id=list_id)


# --------------------------------------------------------------------------- reviews
REVIEW_COLUMNS = [
    list_component.Column(gettext_lazy("Review"), ("id",), key="id"),
    list_component.Column(gettext_lazy("Household"), ("household__number",), key="household"),
    list_component.Column(gettext_lazy("Program"), ("program",)),
    list_component.Column(gettext_lazy("Street / town"), ("street_id",), key="street"),
    list_component.Column(gettext_lazy("Trigger"), ("trigger",)),
    list_component.Column(gettext_lazy("Opened on"), ("opened_on",), key="opened"),
    list_component.Column(gettext_lazy("Due"), ("due_on",), key="due", nulls_last=True),
    list_component.Column(gettext_lazy("Outcome")),
]


@login_required
@require_GET
def review_list(request):
    _need(request.user, "cases.view_cases")
    q = (request.GET.get("q") or "").strip()[:32]
    picker = list_component.division_picker(actor=request.user, params=request.GET)
    qs = reviews_open(actor=request.user)
    if picker.code:  # the household's division, as the visibility (ADR 1037)
        qs = qs.filter(household__division__code__startswith=picker.code)
    if q:
        qs = qs.filter(household__number__startswith=q)
    listing = list_component.list_page(request.GET, qs, columns=REVIEW_COLUMNS, default_sort="due")
    return render(
        request,
        "cases/reviews.html",
        {"list": listing, "page": listing.page, "picker": picker, "q": q},
    )


def _review_page(request, review_id, form=None, status=200):
    with http_errors():
        p = dynamic_screens.review_page(actor=request.user, review_id=review_id)
    review = p["review"]
    may_decide = review.closed_on is None and request.user.has_perm("cases.decide_review")
    if form is None and may_decide:
        form = ReviewDecideForm(members=p["members"])
    return render(
        request,
        "cases/review_detail.html",
        {
            "review": review,
            "timeline": p["timeline"],
            "amount": yuan(review.amount_fen) if review.amount_fen is not None else "",
            "form": form if may_decide else None,
        },
        status=status,
    )


@login_required
@require_GET
def review_detail(request, review_id: int):
    _need(request.user, "cases.view_cases")
    return _review_page(request, review_id)


@login_required
@require_POST
def review_decide_view(request, review_id: int):
    _need(request.user, "cases.decide_review")
    with http_errors():
        p = dynamic_screens.review_page(actor=request.user, review_id=review_id)
    form = ReviewDecideForm(request.POST, members=p["members"])
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _review_page(request, review_id, form, status=422)
    d = form.cleaned_data
    result, status = _run(
        request,
        lambda: review_decide(
            actor=request.user,
            review_id=review_id,
            outcome=d["outcome"],
            reason=d.get("reason", ""),
            declared_income=form.declared_income(),
            declared_assets=form.declared_assets(),
        ),
        form,
    )
    if result is None:
        return _review_page(request, review_id, form, status=status)
    messages.success(
        request, _("Review decided: %(outcome)s.") % {"outcome": result.get_outcome_display()}
    )
    return redirect("cases:review-detail", review_id=review_id)


@login_required
@require_POST
def review_open_view(request, household_id: int):
    """Open a review at once for a change the family reported (from the household page)."""
    _need(request.user, "cases.open_review")
    form = ReviewOpenForm(request.POST, prefix="review")
    back = reverse("household-detail", args=[household_id])
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {errors[0]}" if label else errors[0])
        return redirect(back)
    d = form.cleaned_data
    review, _status = _run(
        request,
        lambda: review_open(
            actor=request.user,
            household_id=household_id,
            program=d["program"],
            trigger="reported_change",
            reported_change=d["reported_change"],
        ),
    )
    if review is None:
        return redirect(back)
    messages.success(request, _("Review opened."))
    return redirect("cases:review-detail", review_id=review.pk)


@login_required
@require_GET
def review_notice_pdf(request, review_id: int):
    _need(request.user, "cases.view_cases")
    with http_errors():
        review = dynamic_screens.review_notice_get(actor=request.user, review_id=review_id)
    return attachment_response(
        review.notice_pdf, filename=f"{review.notice_number}.pdf", content_type="application/pdf"
    )


# --------------------------------------------------------------------------- emergency aid
@login_required
@require_http_methods(["GET", "POST"])
def emergency(request):
    _need(request.user, "cases.grant_emergency")
    hid = request.GET.get("household", "")
    if not hid.isdigit():
        raise Http404
    with http_errors():
        household, members, cap = dynamic_screens.emergency_cap(
            actor=request.user, household_id=int(hid)
        )
    form = EmergencyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            aid, status = _run(
                request,
                lambda: emergency_aid_grant(
                    actor=request.user,
                    household_id=household.pk,
                    amount_fen=form.amount_fen(),
                    hardship=form.cleaned_data["hardship"],
                ),
                form,
            )
            if aid is not None:
                screens.counts_forget(actor=request.user)
                messages.success(
                    request,
                    _("Emergency aid of %(amount)s yuan granted (case %(number)s).")
                    % {"amount": yuan(aid.amount_fen), "number": aid.case.number},
                )
                return redirect("cases:detail", case_id=aid.case_id)
        else:
            messages.error(request, _("Please correct the fields marked below."))
    return render(
        request,
        "cases/emergency.html",
        {"household": household, "members": members, "cap": yuan(cap), "form": form},
        status=status,
    )


@login_required
@require_POST
def formality_done(request, case_id: int):
    _need(request.user, "cases.grant_emergency")
    form = FormalityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown formality."))
    else:
        item = form.cleaned_data["item"]
        done, _status = _run(
            request,
            lambda: emergency_formality_done(actor=request.user, case_id=case_id, item=item),
        )
        if done is not None:
            messages.success(request, _("Done: %(item)s.") % {"item": FORMALITY_LABELS[item]})
    return redirect("cases:detail", case_id=case_id)


# --------------------------------------------------------------------------- grievances
@login_required
@require_POST
def grievance_new(request, case_id: int):
    _need(request.user, "cases.record_grievance")
    form = GrievanceForm(request.POST, prefix="grievance")
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(
            request,
            f"{form.fields[field].label}: {errors[0]}" if field in form.fields else errors[0],
        )
        return redirect("cases:detail", case_id=case_id)
    d = form.cleaned_data
    g, _status = _run(
        request,
        lambda: grievance_record(
            actor=request.user,
            case_id=case_id,
            kind=d["kind"],
            content=d["content"],
            lodged_by=d.get("lodged_by", ""),
            lodged_on=d.get("lodged_on"),
        ),
    )
    if g is not None:
        messages.success(
            request,
            _("%(kind)s recorded; answer due %(due)s.")
            % {
                "kind": g.get_kind_display(),
                "due": g.answer_due.isoformat() if g.answer_due else _("pending"),
            },
        )
    return redirect("cases:detail", case_id=case_id)


@login_required
@require_POST
def grievance_answer_view(request, grievance_id: int):
    _need(request.user, "cases.answer_grievance")
    with http_errors():
        case_id = dynamic_screens.grievance_case_id(actor=request.user, grievance_id=grievance_id)
    form = GrievanceAnswerForm(request.POST, prefix=f"answer-{grievance_id}")
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
        return redirect("cases:detail", case_id=case_id)
    d = form.cleaned_data
    g, _status = _run(
        request,
        lambda: grievance_answer(
            actor=request.user, grievance_id=grievance_id, answer=d["answer"], upheld=d["upheld"]
        ),
    )
    if g is not None:
        messages.success(request, _("Answer recorded."))
    return redirect("cases:detail", case_id=case_id)
