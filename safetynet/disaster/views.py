"""Disaster-relief screens (docs/disaster.md): the events, one event's dashboard with its
affected households and shelters, the registration of an affected household, its photos.
Parse, call a selector or service, render; no rules here."""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.core.files import attachment_response
from safetynet.core.uploads import SCAN_TYPES
from safetynet.registry.selectors import households_visible_to
from safetynet.web import lists

from . import selectors, services
from .errors import CODES, NotFoundError, ServiceError
from .forms import AffectedForm, AidForm, EventForm, StageForm
from .models import Damage, Stage


@contextmanager
def http_errors():
    try:
        yield
    except NotFoundError:
        raise Http404 from None
    except ServiceError as exc:
        if exc.code == NOT_PERMITTED:
            raise PermissionDenied(exc.message) from None
        raise


def _refused(form, exc: ServiceError) -> None:
    message = CODES.get(exc.code, exc.message)
    field = exc.problems[0].field if exc.problems else None
    form.add_error(field if field in form.fields else None, f"{message}（{exc.message}）")


EVENT_COLUMNS = [
    lists.Column(gettext_lazy("Number"), ("number",)),
    lists.Column(gettext_lazy("Name"), ("name",)),
    lists.Column(gettext_lazy("Kind"), ("kind",)),
    lists.Column(gettext_lazy("Date"), ("occurred_on",), key="occurred_on"),
    lists.Column(gettext_lazy("Affected divisions")),
]


@login_required
@require_http_methods(["GET", "POST"])
def events(request):
    """灾害事件: the events the user's jurisdiction was struck by; the district declares one."""
    if not request.user.has_perm("disaster.view_disaster"):
        raise PermissionDenied
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_declare(
                actor=request.user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                division_codes=form.cleaned_data["divisions"],
            )
        except ServiceError as exc:
            if exc.code == NOT_PERMITTED:
                raise PermissionDenied(exc.message) from None
            _refused(form, exc)
        else:
            messages.success(request, _("Event %(n)s declared.") % {"n": event.number})
            return redirect("disaster:event", event_id=event.pk)
    picker = lists.division_picker(actor=request.user, params=request.GET)
    q = (request.GET.get("q") or "").strip()[:64]
    rows = selectors.event_list(actor=request.user, q=q, division=picker.code)
    listing = lists.list_page(
        request.GET,
        rows.prefetch_related("divisions"),
        columns=EVENT_COLUMNS,
        default_sort="-occurred_on",
    )
    context = {"events": listing.rows, "list": listing, "picker": picker, "q": q, "form": form}
    return render(request, "disaster/events.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def event(request, event_id: int):
    """One event: its dashboard, affected households (registered here by the community),
    shelters and the housing grants' progress."""
    with http_errors():
        ev = selectors.event_get(actor=request.user, event_id=event_id)
        board = selectors.event_dashboard(actor=request.user, event_id=event_id)
    form = AffectedForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        household = (
            households_visible_to(request.user)
            .filter(number=form.cleaned_data["household_number"].strip())
            .first()
        )
        if household is None:
            form.add_error("household_number", _("No such household in your jurisdiction."))
        else:
            try:
                services.affected_register(
                    actor=request.user,
                    event_id=ev.pk,
                    household_id=household.pk,
                    damage=form.cleaned_data["damage"],
                    loss_fen=form.cleaned_data["loss"],
                    note=form.cleaned_data["note"],
                    photos=form.cleaned_data["photos"],
                )
            except ServiceError as exc:
                if exc.code == NOT_PERMITTED:
                    raise PermissionDenied(exc.message) from None
                _refused(form, exc)
            else:
                messages.success(
                    request, _("Household %(n)s registered.") % {"n": household.number}
                )
                return redirect("disaster:event", event_id=ev.pk)
    households = (
        selectors.affected_visible_to(request.user)
        .filter(event=ev)
        .select_related("household", "housing_case")
        .prefetch_related("photos", "housing_case__housing_stages")
    )
    shelters = ev.shelters.filter(division__code__startswith=request.user.scope_prefix or "\x00")
    chart = {
        "damage_labels": [str(label) for _v, label in Damage.choices],
        "damage": [board.by_damage.get(v, 0) for v, _label in Damage.choices],
        "stage_labels": [str(label) for _v, label in Stage.choices],
        "stages": [board.stages.get(v, 0) for v, _label in Stage.choices],
        "households_name": _("Households"),
        "grants_name": _("Grants"),
    }
    return render(
        request,
        "disaster/event.html",
        {
            "event": ev,
            "board": board,
            "households": households,
            "shelters": shelters,
            "form": form,
            "chart": chart,
            "damage_choices": Damage.choices,
            "stage_choices": Stage.choices,
        },
    )


@login_required
@require_GET
def photo(request, photo_id: int):
    """A photo of the damage or the construction, as an attachment; the access is logged."""
    with http_errors():
        obj = selectors.photo_get(actor=request.user, photo_id=photo_id)
    kind = next((k for k in SCAN_TYPES if k.ext == obj.kind), None)
    return attachment_response(
        obj.file,
        filename=f"ZH-photo-{obj.pk}.{obj.kind}",
        content_type=kind.content_type if kind else "application/octet-stream",
    )


def _affected_post(request, affected_id: int, form, call) -> object:
    with http_errors():
        affected = selectors.affected_get(actor=request.user, affected_id=affected_id)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}：{errors[0]}"
            )
    else:
        try:
            call(affected)
        except ServiceError as exc:
            if exc.code == NOT_PERMITTED:
                raise PermissionDenied(exc.message) from None
            messages.error(request, f"{CODES.get(exc.code, exc.message)}（{exc.message}）")
        else:
            messages.success(request, _("Saved."))
    return redirect("disaster:event", event_id=affected.event_id)


@login_required
@require_http_methods(["POST"])
def stage(request, affected_id: int):
    """A construction stage of an approved housing grant (开工 / 竣工 / 验收)."""
    form = StageForm(request.POST, request.FILES)
    return _affected_post(
        request,
        affected_id,
        form,
        lambda a: services.housing_stage_record(
            actor=request.user,
            affected_id=a.pk,
            stage=form.cleaned_data["stage"],
            on=form.cleaned_data["on"],
            photo=form.cleaned_data.get("photo"),
        ),
    )


@login_required
@require_http_methods(["POST"])
def aid(request, affected_id: int):
    """A month of transitional living aid (过渡期生活救助)."""
    form = AidForm(request.POST)
    return _affected_post(
        request,
        affected_id,
        form,
        lambda a: services.living_aid_grant(
            actor=request.user,
            affected_id=a.pk,
            month=form.cleaned_data["month"],
            persons=form.cleaned_data["persons"],
            days=form.cleaned_data["days"],
        ),
    )
