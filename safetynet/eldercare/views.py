"""12349 screens (docs/eldercare.md): the elderly database and a person's page, the operator's
console, the orders, the providers, the provider portal, statistics and the monthly statements.
Parse, call a selector or a service, render; no rules here. A refusal of a service is shown as a
message naming it (its stable code translated), never a half-done write."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.institutions.views import payable_file_response
from safetynet.registry.models import Category
from safetynet.rules.eldercare import age_on
from safetynet.web import lists
from safetynet.web.forms import BankResultForm

from . import exports, selectors, services, settlement
from .errors import CODES
from .models import (
    SELFCARE_ITEMS,
    CallOutcome,
    CallTopic,
    ContactRelation,
    LivingSituation,
    OrderStatus,
    ProviderStatement,
    ProviderStatus,
    SelfCareLevel,
    ServiceCard,
    ServiceItem,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _need(request, ability: str) -> None:
    if not request.user.has_perm(ability):
        raise PermissionDenied


@contextmanager
def _handled(request):
    """A service's refusal as a message (or 403/404); yields a list that is [True] on success."""
    ok: list[bool] = []
    try:
        yield ok
        ok.append(True)
    except NotFoundError:
        raise Http404 from None
    except ServiceError as exc:
        if exc.code == NOT_PERMITTED:
            raise PermissionDenied(exc.message) from None
        reason = CODES.get(exc.code)
        text = (
            f"{reason}（{exc.message}）" if reason and str(reason) != exc.message else exc.message
        )
        messages.error(request, text)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


def _fen(value) -> int | None:
    try:
        d = Decimal(str(value or "").strip())
    except InvalidOperation:
        return None
    if d != d.quantize(Decimal("0.01")) or d <= 0:
        return None
    return int(d * 100)


# --------------------------------------------------------------------------- elderly database

ELDER_COLUMNS = [
    lists.Column(gettext_lazy("Name"), ("name",)),
    lists.Column(gettext_lazy("ID number")),
    lists.Column(gettext_lazy("Age"), ("-birth_date",), key="age", num=True),
    lists.Column(gettext_lazy("Living in")),
    lists.Column(gettext_lazy("Living situation")),
    lists.Column(gettext_lazy("Self-care")),
    lists.Column(gettext_lazy("Category")),
]


def _elder_filters(request) -> tuple[dict, lists.DivisionPicker]:
    picker = lists.division_picker(actor=request.user, params=request.GET)
    filters = {
        k: (request.GET.get(k) or "").strip()[:64] for k in ("q", "living", "level", "category")
    }
    if filters["living"] not in LivingSituation.values:
        filters["living"] = ""
    if filters["level"] not in SelfCareLevel.values:
        filters["level"] = ""
    if filters["category"] not in Category.values:
        filters["category"] = ""
    if picker.code:
        filters["division"] = picker.code
    return {k: v for k, v in filters.items() if v}, picker


@login_required
@require_GET
def elders(request):
    """老年人信息库: the 60+ of the jurisdiction with filters, counts per community, export."""
    _need(request, "eldercare.view_elders")
    filters, picker = _elder_filters(request)
    rows = selectors.elder_list(actor=request.user, filters=filters)
    counts = selectors.counts_per_community(rows)
    page = lists.list_page(request.GET, rows, columns=ELDER_COLUMNS, default_sort="name")
    today = timezone.localdate()
    cats = selectors.current_categories([p.pk for p in page.rows], today)
    for p in page.rows:
        p.age_now = age_on(p.birth_date, today)
        p.categories = cats.get(p.pk, [])
        p.profile = getattr(p, "elder", None) if hasattr(p, "elder") else None
    export_url = reverse("eldercare:elders-export")
    context = {
        "list": page,
        "picker": picker,
        "filters": filters,
        "counts": counts,
        "total": sum(n for _c, _n, n in counts),
        "living_choices": LivingSituation.choices,
        "level_choices": SelfCareLevel.choices,
        "category_choices": Category.choices,
        "export_url": export_url if request.user.has_perm("eldercare.export_elders") else "",
    }
    return render(request, "eldercare/elders.html", context)


@login_required
@require_GET
def elders_export(request):
    _need(request, "eldercare.export_elders")
    filters, _picker = _elder_filters(request)
    with _handled(request) as ok:
        content = exports.elders_export(actor=request.user, filters=filters)
    if not ok:
        return redirect("eldercare:elders")
    response = HttpResponse(content, content_type=XLSX)
    name = f"elderly-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def elder(request, person_id: int):
    """One elderly person: living situation, phone, contacts, self-care assessments, card,
    credit, orders; each block's form posts its action here."""
    _need(request, "eldercare.view_elders")
    try:
        person = selectors.elder_get(actor=request.user, person_id=person_id)
    except NotFoundError:
        raise Http404 from None
    if request.method == "POST":
        _elder_action(request, person)
        return redirect("eldercare:elder", person_id=person.pk)
    found = selectors.person_summary(person)
    context = {
        "person": person,
        "found": found,
        "assessments": person.selfcare_assessments.select_related("assessed_by")[:20],
        "cards": ServiceCard.objects.filter(person=person).order_by("-issued_on", "-id"),
        "orders": person.elder_orders.select_related("provider").order_by("-created_at")[:50],
        "grants": person.elder_credit_grants.order_by("-month")[:12],
        "living_choices": LivingSituation.choices,
        "relation_choices": ContactRelation.choices,
        "item_choices": ServiceItem.choices,
        "selfcare_items": SELFCARE_ITEMS,
        "today": timezone.localdate(),
    }
    return render(request, "eldercare/elder.html", context)


def _elder_action(request, person) -> None:
    action = request.POST.get("action")
    user, p = request.user, request.POST
    with _handled(request) as ok:
        if action == "profile":
            services.profile_update(
                actor=user,
                person_id=person.pk,
                living_situation=p.get("living_situation", ""),
                phone=p.get("phone", ""),
                note=p.get("note", ""),
            )
        elif action == "contact":
            services.contact_add(
                actor=user,
                person_id=person.pk,
                name=p.get("name", ""),
                phone=p.get("phone", ""),
                relation=p.get("relation", ""),
                is_primary=p.get("is_primary") == "on",
            )
        elif action == "contact_remove":
            services.contact_remove(actor=user, contact_id=_int(p.get("contact"), 0))
        elif action == "assess":
            on = _date(p.get("assessed_on"))
            if on is None:
                messages.error(request, _("Give the assessment's date."))
                return
            services.assessment_record(
                actor=user,
                person_id=person.pk,
                assessed_on=on,
                items={k: p.get(k) == "yes" for k in SELFCARE_ITEMS},
                note=p.get("note", ""),
            )
        elif action == "card_issue":
            services.card_issue(actor=user, person_id=person.pk)
        elif action == "card_lost":
            services.card_report_lost(
                actor=user, card_id=_int(p.get("card"), 0), replace=p.get("replace") == "on"
            )
        elif action == "order":
            order = services.order_create(
                actor=user,
                person_id=person.pk,
                item=p.get("item", ""),
                note=p.get("note", ""),
                wanted_on=_date(p.get("wanted_on")),
            )
            messages.success(request, _("Order %(n)s created.") % {"n": order.number})
        else:
            raise Http404
    if ok and action != "order":
        messages.success(request, _("Saved."))


# --------------------------------------------------------------------------- the console


@login_required
@require_http_methods(["GET", "POST"])
def console(request):
    """12349 接线台: one search box (phone, ID number or name) → the person, then record the call
    and create the order in one step; the open orders below; the emergency panel's slot."""
    _need(request, "eldercare.take_calls")
    query = (request.GET.get("q") or "").strip()[:64]
    if request.method == "POST":
        caller = request.POST.get("caller_number", "")
        with _handled(request) as ok, transaction.atomic():  # the call and its order, or nothing
            person_id = _int(request.POST.get("person"))
            item = request.POST.get("item", "") if person_id else ""
            call = services.call_record(
                actor=request.user,
                caller_number=caller,
                person_id=person_id,
                contact_id=_int(request.POST.get("contact")),
                topic=request.POST.get("topic", ""),
                outcome="order" if item else request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
            )
            if item:
                order = services.order_create(
                    actor=request.user,
                    person_id=person_id,
                    item=item,
                    note=request.POST.get("note", ""),
                    wanted_on=_date(request.POST.get("wanted_on")),
                    call_id=call.pk,
                )
                messages.success(
                    request,
                    _("Call recorded; order %(n)s created (%(s)s).")
                    % {"n": order.number, "s": order.get_status_display()},
                )
            else:
                messages.success(request, _("Call recorded."))
        if ok:
            return redirect(reverse("eldercare:console"))
        return redirect(f"{reverse('eldercare:console')}?{urlencode({'q': caller})}")
    found = selectors.person_lookup(actor=request.user, query=query) if query else []
    open_orders = (
        selectors.orders_visible_to(request.user)
        .filter(status__in=["created", "dispatched", "accepted", "done"])
        .select_related("person", "provider")
        .order_by("created_at")[:100]
    )
    calls = selectors.calls_visible_to(request.user).order_by("-received_at")[:10]
    context = {
        "query": query,
        "kind": selectors.query_kind(query) if query else "",
        "found": found,
        "open_orders": open_orders,
        "calls": calls,
        "item_choices": ServiceItem.choices,
        "topic_choices": CallTopic.choices,
        "outcome_choices": [c for c in CallOutcome.choices if c[0] != "order"],
    }
    return render(request, "eldercare/console.html", context)


# --------------------------------------------------------------------------- orders

ORDER_COLUMNS = [
    lists.Column(gettext_lazy("Order number"), ("number",)),
    lists.Column(gettext_lazy("Elderly person")),
    lists.Column(gettext_lazy("Service item"), ("item",)),
    lists.Column(gettext_lazy("Provider")),
    lists.Column(gettext_lazy("Status"), ("status",)),
    lists.Column(gettext_lazy("Created at"), ("created_at",), key="created"),
    lists.Column(gettext_lazy("Rating"), ("rating",), num=True),
]


@login_required
@require_GET
def orders(request):
    _need(request, "eldercare.view_orders")
    rows = selectors.orders_visible_to(request.user).select_related("person", "provider")
    wanted = request.GET.get("status") or ""
    if wanted in OrderStatus.values:
        rows = rows.filter(status=wanted)
    item = request.GET.get("item") or ""
    if item in ServiceItem.values:
        rows = rows.filter(item=item)
    page = lists.list_page(request.GET, rows, columns=ORDER_COLUMNS, default_sort="-created")
    context = {
        "list": page,
        "status": wanted,
        "item": item,
        "status_choices": OrderStatus.choices,
        "item_choices": ServiceItem.choices,
    }
    return render(request, "eldercare/orders.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def order(request, order_id: int):
    _need(request, "eldercare.view_orders")
    try:
        o = selectors.order_get(actor=request.user, order_id=order_id)
    except NotFoundError:
        raise Http404 from None
    if request.method == "POST":
        action, p, user = request.POST.get("action"), request.POST, request.user
        with _handled(request) as ok:
            if action == "dispatch":
                services.order_dispatch(
                    actor=user, order_id=o.pk, provider_id=_int(p.get("provider"))
                )
            elif action == "cancel":
                services.order_cancel(actor=user, order_id=o.pk, reason=p.get("reason", ""))
            elif action == "visit":
                services.order_visit(
                    actor=user,
                    order_id=o.pk,
                    rating=_int(p.get("rating"), 0),
                    note=p.get("note", ""),
                )
            elif action == "complaint" and o.provider_id:
                services.complaint_record(
                    actor=user, provider_id=o.provider_id, order_id=o.pk, note=p.get("note", "")
                )
            else:
                raise Http404
        if ok:
            messages.success(request, _("Saved."))
        return redirect("eldercare:order", order_id=o.pk)
    serving = selectors.serving_providers(item=o.item, division_code=o.division_id)
    context = {
        "order": o,
        "events": o.events.select_related("actor", "institution"),
        "serving": serving,
        "ratings": range(5, 0, -1),
    }
    return render(request, "eldercare/order.html", context)


# --------------------------------------------------------------------------- providers


@login_required
@require_http_methods(["GET", "POST"])
def providers(request):
    _need(request, "eldercare.view_providers")
    if request.method == "POST":
        p = request.POST
        with _handled(request) as ok:
            provider = services.provider_apply(
                actor=request.user,
                name=p.get("name", ""),
                credit_code=p.get("credit_code", "").strip().upper(),
                legal_representative=p.get("legal_representative", ""),
                phone=p.get("phone", ""),
                address=p.get("address", ""),
                division_code=p.get("division_code", "").strip(),
                qualifications=p.get("qualifications", ""),
                bank_code=p.get("bank_code", ""),
                bank_name=p.get("bank_name", ""),
                account_number=p.get("account_number", ""),
                account_holder=p.get("account_holder", ""),
            )
        if ok:
            messages.success(request, _("Application recorded."))
            return redirect("eldercare:provider", provider_id=provider.pk)
    rows = selectors.providers_visible_to(request.user).prefetch_related("items", "areas")
    return render(
        request,
        "eldercare/providers.html",
        {"providers": rows, "form_data": request.POST if request.method == "POST" else {}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def provider(request, provider_id: int):
    _need(request, "eldercare.view_providers")
    try:
        pr = selectors.provider_get(actor=request.user, provider_id=provider_id)
    except NotFoundError:
        raise Http404 from None
    if request.method == "POST":
        _provider_action(request, pr)
        return redirect("eldercare:provider", provider_id=pr.pk)
    context = {
        "provider": pr,
        "items": pr.items.all(),
        "areas": pr.areas.select_related("division"),
        "staff": pr.staff.select_related("user"),
        "events": pr.events.select_related("actor")[:50],
        "complaints": pr.complaints.select_related("order")[:20],
        "statements": pr.statements.all()[:12],
        "item_choices": ServiceItem.choices,
        "status": ProviderStatus,
    }
    return render(request, "eldercare/provider.html", context)


def _provider_action(request, pr) -> None:
    action, p, user = request.POST.get("action"), request.POST, request.user
    with _handled(request) as ok:
        if action in ("approve", "reject"):
            services.provider_review(
                actor=user, provider_id=pr.pk, approve=action == "approve", note=p.get("note", "")
            )
        elif action == "contract":
            services.provider_contract(
                actor=user,
                provider_id=pr.pk,
                number=p.get("number", ""),
                date_from=_date(p.get("date_from")),
                date_to=_date(p.get("date_to")),
            )
        elif action == "item":
            price = _fen(p.get("price"))
            if price is None:
                messages.error(request, _("Give the price in yuan (at most two decimals)."))
                return
            services.provider_item_set(
                actor=user,
                provider_id=pr.pk,
                item=p.get("item", ""),
                price_fen=price,
                unit=p.get("unit", "") or "次",
            )
        elif action == "area":
            services.provider_area_add(
                actor=user, provider_id=pr.pk, division_code=p.get("division_code", "").strip()
            )
        elif action == "staff":
            services.provider_staff_add(
                actor=user,
                provider_id=pr.pk,
                username=p.get("username", ""),
                password=p.get("password", ""),
                last_name=p.get("last_name", ""),
                first_name=p.get("first_name", ""),
            )
        elif action == "suspend":
            services.provider_suspend(actor=user, provider_id=pr.pk, reason=p.get("reason", ""))
        elif action == "reinstate":
            services.provider_reinstate(actor=user, provider_id=pr.pk, reason=p.get("reason", ""))
        elif action == "exit":
            services.provider_exit(actor=user, provider_id=pr.pk, reason=p.get("reason", ""))
        elif action == "complaint":
            services.complaint_record(actor=user, provider_id=pr.pk, note=p.get("note", ""))
        else:
            raise Http404
    if ok:
        messages.success(request, _("Saved."))


# --------------------------------------------------------------------------- provider portal


@login_required
@require_http_methods(["GET", "POST"])
def portal(request):
    """服务商工作台: the provider's own orders (its staff only); accept, decline, done, settle."""
    _need(request, "eldercare.work_orders")
    with _handled(request):
        mine = services.provider_for_staff(request.user)
    if request.method == "POST":
        action, p, user = request.POST.get("action"), request.POST, request.user
        number = p.get("number", "")
        with _handled(request) as ok:
            if action == "accept":
                services.order_accept(provider=mine, number=number, user=user)
            elif action == "decline":
                services.order_decline(
                    provider=mine, number=number, reason=p.get("reason", ""), user=user
                )
            elif action == "done":
                services.order_complete(
                    provider=mine,
                    number=number,
                    staff=p.get("staff", ""),
                    note=p.get("note", ""),
                    user=user,
                )
            elif action == "settle":
                services.order_settle(
                    provider=mine, number=number, card_number=p.get("card_number", ""), user=user
                )
            else:
                raise Http404
        if ok:
            messages.success(request, _("Order %(n)s updated.") % {"n": number})
        return redirect("eldercare:portal")
    rows = selectors.orders_of_provider(mine).order_by("-created_at", "-id")
    wanted = request.GET.get("status") or ""
    if wanted in OrderStatus.values:
        rows = rows.filter(status=wanted)
    return render(
        request,
        "eldercare/portal.html",
        {
            "provider": mine,
            "orders": rows[:200],
            "status": wanted,
            "status_choices": OrderStatus.choices,
        },
    )


# --------------------------------------------------------------------------- statistics, statements


@login_required
@require_GET
def stats(request):
    _need(request, "eldercare.view_statistics")
    s = selectors.statistics(actor=request.user)
    chart = {
        "items": [str(dict(ServiceItem.choices)[v]) for v, _n in s.by_item],
        "item_counts": [n for _v, n in s.by_item],
        "streets": [name for _c, name, _n in s.by_street],
        "street_counts": [n for _c, _name, n in s.by_street],
        "ratings": [_("%(n)s stars") % {"n": r} for r, _n in s.ratings],
        "rating_counts": [n for _r, n in s.ratings],
        "orders_name": _("Orders"),
    }
    return render(request, "eldercare/stats.html", {"s": s, "chart": chart})


@login_required
@require_http_methods(["GET", "POST"])
def statements(request):
    """服务商月度结算: make the statements of a month that is over (booked as a payable); make
    the payable files per bank, download them, read the bank's result (ADR 1210)."""
    if not (
        request.user.has_perm("eldercare.make_statements")
        or request.user.has_perm("eldercare.view_providers")
    ):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action") or "make"
        month = (request.POST.get("month") or "").strip()
        with _handled(request) as ok:
            if action == "pay":
                files = settlement.reimbursement_files_make(actor=request.user, month=month)
                text = _("%(n)d bank files made.") % {"n": len(files)}
            elif action == "results":
                upload = BankResultForm(request.POST, request.FILES)
                if not upload.is_valid():
                    messages.error(request, _("Choose the bank's result file."))
                    return redirect("eldercare:statements")
                out = settlement.reimbursement_results_import(
                    actor=request.user, content=upload.cleaned_data["file"].read()
                )
                text = _("Bank result read: %(p)d paid, %(f)d failed.") % {
                    "p": out.paid,
                    "f": out.failed,
                }
            else:
                made = settlement.provider_statements_make(actor=request.user, month=month)
                text = _("%(n)s statements made.") % {"n": len(made)}
        if ok:
            messages.success(request, text)
        return redirect("eldercare:statements")
    rows = ProviderStatement.objects.select_related("provider", "bank_file").order_by(
        "-month", "provider__name"
    )
    may_pay = request.user.has_perm("eldercare.send_reimbursements")
    return render(
        request,
        "eldercare/statements.html",
        {
            "statements": rows[:200],
            "may_pay": may_pay,
            "files": selectors.reimbursement_files()[:50] if may_pay else [],
            "upload": BankResultForm(),
            "month": "",
        },
    )


@login_required
@require_GET
def reimbursement_file(request, file_id: int):
    """A providers' payable file, as sent to the bank."""
    _need(request, "eldercare.send_reimbursements")
    rf = selectors.reimbursement_files().filter(pk=file_id).first()
    if rf is None:
        raise Http404
    return payable_file_response(rf)
