"""Case pages: parse, call a selector or service, render. No business rules here.

Not found and outside the jurisdiction are both 404; a role without the ability to see cases is
403. A refused action is a message on the case page (never a 500), with the form kept."""

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

from safetynet.accounts.models import User
from safetynet.core import labels
from safetynet.core.files import attachment_response
from safetynet.core.uploads import SCAN_TYPES
from safetynet.registry.selectors import household_get, household_list
from safetynet.rules.money import yuan
from safetynet.web import lists
from safetynet.web.errors import http_errors

from . import errors as E
from . import screens
from .actions import ACTIONS, available
from .forms import (
    ApplicationForm,
    HomeVisitForm,
    HouseholdPickForm,
    QueueFilterForm,
    WorkbenchFilterForm,
)
from .models import CaseStatus
from .services import accepted_or_investigated_by, case_apply

PAGE_SIZE = 50


def _need_view(user):
    if not user.has_perm("cases.view_cases"):
        raise PermissionDenied


# --------------------------------------------------------------------------- workbench, queue
def _case_columns(*, due_label, due_fields: tuple[str, ...], due_key: str) -> list[lists.Column]:
    return [
        lists.Column(gettext_lazy("Case"), ("number",)),
        lists.Column(gettext_lazy("Category"), ("program",)),
        lists.Column(gettext_lazy("Household"), ("household__number",), key="household"),
        lists.Column(gettext_lazy("Applicant"), ("applicant__name",), key="applicant"),
        lists.Column(gettext_lazy("Step"), ("status",)),
        lists.Column(due_label, due_fields, key=due_key, nulls_last=True),
        lists.Column(gettext_lazy("Whole case due"), ("total_due",), key="due", nulls_last=True),
        lists.Column(gettext_lazy("Handling office"), ("handling_division_id",), key="office"),
    ]


# the step's due date is not one column: the list sorts by the investigation's then the
# decision's date (the step due shown is one of them, or the notice's end)
WORKBENCH_COLUMNS = _case_columns(
    due_label=gettext_lazy("Step due"),
    due_fields=("investigation_due", "decision_due"),
    due_key="step_due",
)
QUEUE_COLUMNS = _case_columns(
    due_label=gettext_lazy("Decision due"), due_fields=("decision_due",), due_key="decision_due"
)


@login_required
@require_GET
def workbench(request):
    """The casework list on the list component (ADR 1030): sorting, page numbers with the true
    count (from the cached counts per step where they answer), category, text and division."""
    _need_view(request.user)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    form = WorkbenchFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    program = f.get("program") or None
    step, overdue, mine = f.get("step") or None, bool(f.get("overdue")), bool(f.get("mine"))
    q = (f.get("q") or "").strip()
    qs = screens.workbench(
        actor=request.user,
        program=program,
        step=step,
        overdue=overdue,
        mine=mine,
        q=q,
        division=picker.code,
    )
    counts = screens.step_counts(actor=request.user, program=program)
    known = None
    if not (q or picker.code or mine):
        if overdue and not step:
            known = counts["overdue"]
        elif step in counts and not overdue:
            known = counts[step]
        elif not step and not overdue:
            known = sum(counts[s.value] for s in screens.STEPS)
    filters = {
        "program": program,
        "step": step,
        "overdue": overdue,
        "mine": mine and request.user.pk,
    }
    filters |= {"q": q, "division": picker.code}
    count = screens.list_count(qs, actor=request.user, filters=filters, known=known)
    listing = lists.list_page(
        request.GET, qs, columns=WORKBENCH_COLUMNS, default_sort="due", count=count
    )
    screens.decorate_in_place(listing.page)
    return render(
        request,
        "cases/workbench.html",
        {
            "form": form,
            "picker": picker,
            "list": listing,
            "page": listing.page,
            "counts": [
                (s.value, CaseStatus(s.value).label, counts[s.value]) for s in screens.STEPS
            ],
            "overdue": counts["overdue"],
            "deadlines_pending": screens.deadlines_pending(actor=request.user),
            "may_apply": request.user.has_perm("cases.accept_application"),
        },
    )


@login_required
@require_GET
def queue(request):
    """The approver's queue on the list component (ADR 1030), the escalated cases below."""
    _need_view(request.user)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    form = QueueFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    program, q = f.get("program") or None, (f.get("q") or "").strip()
    qs = screens.approver_queue(actor=request.user, program=program, q=q, division=picker.code)
    known = None
    if not (q or picker.code):
        known = screens.step_counts(actor=request.user, program=program)[
            CaseStatus.AWAITING_DECISION.value
        ]
    filters = {"queue": 1, "program": program, "q": q, "division": picker.code}
    count = screens.list_count(qs, actor=request.user, filters=filters, known=known)
    listing = lists.list_page(
        request.GET, qs, columns=QUEUE_COLUMNS, default_sort="decision_due", count=count
    )
    screens.decorate_in_place(listing.page)
    return render(
        request,
        "cases/queue.html",
        {
            "form": form,
            "picker": picker,
            "list": listing,
            "page": listing.page,
            "escalated": screens.escalated(actor=request.user),
        },
    )


# --------------------------------------------------------------------------- case page
def _staff_choices(case):
    """Active community workers and street officers of the handling street (the service
    checks again)."""
    users = User.objects.filter(
        is_active=True,
        role__in=["community_worker", "street_officer"],
        jurisdiction__code__startswith=case.handling_division_id,
    ).order_by("username")
    return [(u.pk, u.get_full_name() or u.username) for u in users]


def _case_page(request, case_id: int, *, bound: dict | None = None, status: int = 200):
    with http_errors():
        page = screens.case_page(actor=request.user, case_id=case_id)
    case = page.case
    excluded = accepted_or_investigated_by(case) if case.status == "awaiting_decision" else None
    offered = available(request.user, case, excluded=excluded)
    forms = []
    for a in offered:
        if a.name == "answer_objection":
            continue  # one form per unanswered objection, below
        if bound and bound.get("action") == a.name:
            form = bound["form"]
        elif a.form is HomeVisitForm:
            form = HomeVisitForm(staff_choices=_staff_choices(case), prefix=a.name)
        else:
            form = a.form(prefix=a.name)
        forms.append((a, form))
    may_answer = any(a.name == "answer_objection" for a in offered)
    return render(
        request,
        "cases/case_detail.html",
        {
            "p": page,
            "case": case,
            "due_dates": [(screens.STEP_LABELS.get(d.step, d.step), d) for d in page.due_dates],
            "figures": _figures(case.proposal),
            "trace_lines": _trace_lines(case.proposal),
            "timeline": [
                (e, _status_label(e.from_status), _status_label(e.to_status)) for e in page.timeline
            ],
            "decision_amount": yuan(page.decision.amount_fen or 0) if page.decision else "",
            "actions": forms,
            "may_answer": may_answer,
            "answering": bound.get("objection") if bound else None,
            "answer_form": bound["form"] if bound and bound.get("objection") else None,
            "decider_excluded": excluded is not None
            and request.user.pk in excluded
            and request.user.has_perm("cases.decide"),
        },
        status=status,
    )


def _status_label(value: str) -> str:
    return str(CaseStatus(value).label) if value in CaseStatus.values else value


def _trace_lines(proposal: dict | None) -> list[str]:
    """The proposal's trace as sentences in the reader's language (its parameters with value,
    date and legal reference); a proposal frozen before the steps were kept shows its text."""
    if not proposal:
        return []
    steps = proposal.get("trace_steps")
    if steps is None:
        return list(proposal.get("trace") or [])
    names = [p.get("name", "") for p in (proposal.get("situation") or {}).get("persons", [])]
    return [line for step in steps for line in labels.trace_sentences(step, names)]


def _figures(proposal: dict | None) -> list[tuple[str, str]]:
    """The proposal's named figures for display: money (`*_fen`) in yuan; the household's
    figures (dibao's) once when the program's are the same."""
    if not proposal:
        return []
    out: dict[str, object] = {}
    for group in (proposal.get("household_figures") or {}, proposal.get("figures") or {}):
        out.update(group)
    rows = []
    for name, value in out.items():
        shown = labels.label("named_figure", name)
        if name.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
            rows.append((shown, _("%(amount)s yuan") % {"amount": yuan(value)}))
        elif isinstance(value, bool):
            rows.append((shown, labels.yes_no(value)))
        elif isinstance(value, list):
            rows.append((shown, "、".join(labels.value_label(v) for v in value)))
        else:
            rows.append((shown, str(value)))
    return rows


@login_required
@require_GET
def case_detail(request, case_id: int):
    _need_view(request.user)
    return _case_page(request, case_id)


@login_required
@require_POST
def case_act(request, case_id: int, action: str):
    """Run one action of the case page: the form parses, the service decides; a refusal is a
    message on the page with the form kept (status 422 for invalid input or a refused step)."""
    _need_view(request.user)
    a = ACTIONS.get(action)
    if a is None:
        raise Http404
    with http_errors():
        case = screens.case_get(actor=request.user, case_id=case_id)
    if a.form is HomeVisitForm:
        form = a.form(
            request.POST, request.FILES, staff_choices=_staff_choices(case), prefix=a.name
        )
    elif action == "answer_objection":
        form = a.form(request.POST, prefix=f"answer-{request.POST.get('objection_id', '')}")
    else:
        form = a.form(request.POST, request.FILES, prefix=a.name)
    bound = {"action": a.name, "form": form}
    if action == "answer_objection":
        bound["objection"] = request.POST.get("objection_id")
    if not form.is_valid():
        messages.error(request, _("Please correct the fields marked below."))
        return _case_page(request, case_id, bound=bound, status=422)
    try:
        with http_errors():
            a.run(request.user, case, form.cleaned_data)
    except Http404:
        raise
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
        return _case_page(request, case_id, bound=bound, status=403)
    except E.ServiceError as exc:
        messages.error(request, E.message_for(exc))
        for problem in exc.problems:
            field = (problem.field or "").split("[")[0].split(".")[0]
            if field in form.fields:
                form.add_error(field, E.message_for(exc))
        return _case_page(request, case_id, bound=bound, status=422)
    screens.counts_forget(actor=request.user)
    messages.success(request, _("Done: %(action)s.") % {"action": a.label})
    return redirect("cases:detail", case_id=case_id)


# --------------------------------------------------------------------------- stored files
def _scan_type(name: str) -> str:
    ext = name.rsplit(".", 1)[-1]
    kind = next((k for k in SCAN_TYPES if k.ext == ext), None)
    return kind.content_type if kind else "application/octet-stream"


@login_required
@require_GET
def visit_photo(request, photo_id: int):
    _need_view(request.user)
    with http_errors():
        photo = screens.visit_photo_get(actor=request.user, photo_id=photo_id)
    name = photo.file.name.rsplit("/", 1)[-1]
    return attachment_response(photo.file, filename=name, content_type=_scan_type(name))


@login_required
@require_GET
def document(request, document_id: int):
    _need_view(request.user)
    with http_errors():
        doc = screens.document_get(actor=request.user, document_id=document_id)
    name = doc.file.name.rsplit("/", 1)[-1]
    return attachment_response(doc.file, filename=name, content_type=_scan_type(name))


@login_required
@require_GET
def notice_pdf(request, notice_id: int):
    _need_view(request.user)
    with http_errors():
        notice = screens.notice_get(actor=request.user, notice_id=notice_id)
    return attachment_response(
        notice.pdf, filename=f"{notice.number}.pdf", content_type="application/pdf"
    )


# --------------------------------------------------------------------------- application
@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """The application form: an existing household (`?household=<id>`, or found by its number)
    or a new one; what the family declared, the signed authorization, the documents."""
    if not request.user.has_perm("cases.accept_application"):
        raise PermissionDenied
    household = None
    pick = HouseholdPickForm(request.GET if "household_number" in request.GET else None)
    if pick.is_bound and pick.is_valid():
        number = pick.cleaned_data["household_number"].strip()
        found = household_list(actor=request.user, q=number).filter(number=number).first()
        if found is None:
            pick.add_error("household_number", _("No household with this number in your area."))
        else:
            return redirect(f"{reverse('cases:apply')}?household={found.pk}")
    hid = request.GET.get("household")
    if hid:
        if not hid.isdigit():
            raise Http404
        with http_errors():
            household = household_get(actor=request.user, household_id=int(hid))
    members = (
        [m for m in household.current_members if not m.person.death_date] if household else None
    )
    form = ApplicationForm(request.POST or None, request.FILES or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with http_errors():
                case = case_apply(
                    actor=request.user,
                    program=d["program"],
                    household_id=household.pk if household else None,
                    new_household=form.new_household(),
                    applicant=d.get("applicant"),
                    declared_income=form.declared_income(),
                    declared_assets=form.declared_assets(),
                    authorization_scan=d["authorization_scan"],
                    signed_by=form.signed_by(),
                    signed_on=d["signed_on"],
                    documents=[(f.name, f) for f in d.get("documents") or []],
                )
        except E.ServiceError as exc:
            form.add_error(None, E.message_for(exc))
            for problem in exc.problems:
                if problem.message:
                    form.add_error(None, f"{problem.field}: {problem.message}")
        else:
            screens.counts_forget(actor=request.user)
            messages.success(
                request, _("Application %(number)s accepted.") % {"number": case.number}
            )
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/apply.html",
        {"form": form, "household": household, "pick": pick},
        status=422 if request.method == "POST" else 200,
    )
