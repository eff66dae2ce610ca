"""The 12349 operator's emergency screens (docs/eldercare-emergency.md): the live list of open
emergencies (polled JSON feed, overdue ones flashing), an emergency's card with its steps, the
alarm devices, and the statistics. Parse, call a selector or a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.registry.selectors import person_match, persons_visible_to

from . import errors as E
from . import selectors, services
from .models import Outcome, ResponderKind

VIEW = "eldercare_emergency.view_emergencies"


def _need(request, ability: str = VIEW) -> None:
    if not request.user.has_perm(ability):
        raise PermissionDenied


def _refused(request, exc: E.ServiceError) -> None:
    if exc.code == NOT_PERMITTED:
        raise PermissionDenied(exc.message)
    if isinstance(exc, E.NotFoundError):
        raise Http404
    messages.error(request, str(E.MESSAGES.get(exc.code, exc.message)))


@login_required
@require_GET
def screen(request):
    """一键通: the open emergencies (live), a call entered in one step, the last closed ones."""
    _need(request)
    query = (request.GET.get("q") or "").strip()
    found = []
    if query and request.user.has_perm(services.ABILITY_HANDLE):
        found = list(
            persons_visible_to(request.user)
            .filter(person_match(query), death_date__isnull=True)
            .select_related("hukou_division")
            .order_by("name", "id")[:10]
        )
    return render(
        request,
        "eldercare/emergency/screen.html",
        {
            "query": query,
            "found": found,
            "closed": selectors.recent_closed(actor=request.user),
            "limit": services.response_limit_minutes(timezone.localdate()),
        },
    )


@login_required
@require_GET
def feed(request):
    """The live list as JSON (polled by emergency-screen.js)."""
    _need(request)
    return JsonResponse(selectors.feed(actor=request.user))


@login_required
@require_POST
def open_by_phone(request):
    try:
        emergency, attached = services.emergency_open_by_phone(
            actor=request.user,
            person_id=_int(request.POST.get("person")),
            caller_phone=request.POST.get("caller_phone", ""),
            note=request.POST.get("note", ""),
        )
    except E.ServiceError as exc:
        _refused(request, exc)
        return redirect("eldercare_emergency:screen")
    if attached:
        messages.info(request, _("The person already has an open emergency: the call was added."))
    else:
        messages.success(request, _("Emergency opened."))
    return redirect("eldercare_emergency:detail", emergency.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
@require_GET
def detail(request, emergency_id: int):
    _need(request)
    emergency = selectors.emergency_get(actor=request.user, emergency_id=emergency_id)
    if emergency is None:
        raise Http404
    now = timezone.now()
    return render(
        request,
        "eldercare/emergency/detail.html",
        {
            "e": emergency,
            "card": selectors.card(emergency=emergency),
            "events": selectors.events_of(emergency),
            "overdue": selectors.is_overdue(emergency, now),
            "history": selectors.history_of_person(
                actor=request.user, person=emergency.person, exclude=emergency.pk
            ),
            "responder_kinds": ResponderKind.choices,
            "outcomes": Outcome.choices,
            "workers": selectors.responders_for(emergency),
            "can_handle": request.user.has_perm(services.ABILITY_HANDLE),
        },
    )


@login_required
@require_POST
def step(request, emergency_id: int, action: str):
    p = request.POST
    try:
        if action == "assign":
            services.emergency_assign(
                actor=request.user,
                emergency_id=emergency_id,
                responder_kind=p.get("responder_kind", ""),
                responder_name=p.get("responder_name", ""),
                responder_phone=p.get("responder_phone", ""),
                responder_user_id=int(p["responder_user"]) if p.get("responder_user") else None,
                note=p.get("note", ""),
            )
            messages.success(request, _("Responder assigned."))
        elif action == "arrive":
            services.emergency_arrive(
                actor=request.user, emergency_id=emergency_id, note=p.get("note", "")
            )
            messages.success(request, _("Responder on scene."))
        elif action == "close":
            services.emergency_close(
                actor=request.user,
                emergency_id=emergency_id,
                outcome=p.get("outcome", ""),
                note=p.get("note", ""),
            )
            messages.success(request, _("Emergency closed."))
        else:
            raise Http404
    except (ValueError, TypeError):
        messages.error(request, str(E.MESSAGES[E.RESPONDER_REQUIRED]))
    except E.ServiceError as exc:
        _refused(request, exc)
    return redirect("eldercare_emergency:detail", emergency_id)


@login_required
@require_http_methods(["GET", "POST"])
def devices(request):
    """一键通设备: register a device to an elderly person (the key is shown once), deactivate."""
    _need(request, services.ABILITY_DEVICES)
    issued = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "deactivate":
                services.device_deactivate(
                    actor=request.user, device_id=request.POST.get("device_id", "")
                )
                messages.success(request, _("Device deactivated."))
                return redirect("eldercare_emergency:devices")
            issued = services.device_register(
                actor=request.user,
                person_id=_int(request.POST.get("person")),
                device_id=request.POST.get("device_id", ""),
            )
        except E.ServiceError as exc:
            _refused(request, exc)
    query = (request.GET.get("q") or "").strip()
    found = []
    if query:
        found = list(
            persons_visible_to(request.user)
            .filter(person_match(query), death_date__isnull=True)
            .order_by("name", "id")[:10]
        )
    return render(
        request,
        "eldercare/emergency/devices.html",
        {
            "issued": issued,
            "query": query,
            "found": found,
            "rows": selectors.devices_of(actor=request.user)[:200],
        },
    )


@login_required
@require_GET
def statistics(request):
    """Response times by street and by month, with charts (ECharts, vendored)."""
    _need(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2016), 2100)
    stats = selectors.statistics(actor=request.user, year=year)
    chart = {
        "streets": [s["name"] for s in stats["streets"]],
        "street_mean": [s["mean_minutes"] for s in stats["streets"]],
        "street_count": [s["count"] for s in stats["streets"]],
        "months": [m["month"][5:] for m in stats["months"]],
        "month_mean": [m["mean_minutes"] for m in stats["months"]],
        "month_count": [m["count"] for m in stats["months"]],
        "mean_name": _("Mean response (minutes)"),
        "count_name": _("Emergencies"),
        "limit": services.response_limit_minutes(timezone.localdate()),
        "limit_name": _("Response limit (minutes)"),
    }
    return render(
        request,
        "eldercare/emergency/statistics.html",
        {"stats": stats, "chart": chart, "year": year},
    )
