"""Disaster-relief screens (docs/disaster.md): the events, one event's dashboard with its
affected households and shelters, the registration of an affected household, its photos.
Parse, call a selector or service, render; no rules here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.core.files import attachment_response
from safetynet.core.uploads import SCAN_TYPES
from safetynet.registry.selectors import households_visible_to, persons_visible_to
from safetynet.web import lists
from safetynet.web.errors import http_errors

from . import selectors, services
from .errors import CODES, GRANT_EXISTS, ServiceError
from .forms import (
    AffectedForm,
    AidForm,
    CheckInForm,
    CheckOutForm,
    EventForm,
    HousingGrantForm,
    ShelterForm,
    StageForm,
)
from .models import Damage, Stage


def _form_call(form, call):
    """A service called for a form: its result, or None with the refusal shown on the form
    (a missing ability is a 403)."""
    try:
        return call() or True
    except ServiceError as exc:
        if exc.code == NOT_PERMITTED:
            raise PermissionDenied(exc.message) from None
        _refused(form, exc)
        return None


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
        event = _form_call(
            form,
            lambda: services.event_declare(
                actor=request.user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                occurred_on=form.cleaned_data["occurred_on"],
                division_codes=form.cleaned_data["divisions"],
            ),
        )
        if event is not None:
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
            done = _form_call(
                form,
                lambda: services.affected_register(
                    actor=request.user,
                    event_id=ev.pk,
                    household_id=household.pk,
                    damage=form.cleaned_data["damage"],
                    loss_fen=form.cleaned_data["loss"],
                    note=form.cleaned_data["note"],
                    photos=form.cleaned_data["photos"],
                ),
            )
            if done is not None:
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
    shelters = selectors.shelters_of(actor=request.user, event=ev)
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
            "shelter_form": ShelterForm(),
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
        _form_errors(request, form)
    else:
        try:
            call(affected)
        except ServiceError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("Saved."))
    return redirect("disaster:household", affected_id=affected.pk)


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


def _refusal(request, exc: ServiceError) -> None:
    if exc.code == NOT_PERMITTED:
        raise PermissionDenied(exc.message) from None
    messages.error(request, f"{CODES.get(exc.code, exc.message)}（{exc.message}）")


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}：{errors[0]}")


@login_required
@require_POST
def shelter_open(request, event_id: int):
    """Open a shelter (避灾点) for the event, in a division of the jurisdiction."""
    with http_errors():
        ev = selectors.event_get(actor=request.user, event_id=event_id)
    form = ShelterForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("disaster:event", event_id=ev.pk)
    try:
        shelter = services.shelter_open(
            actor=request.user,
            event_id=ev.pk,
            name=form.cleaned_data["name"],
            division_code=form.cleaned_data["division"].strip(),
            capacity=form.cleaned_data["capacity"],
        )
    except ServiceError as exc:
        _refusal(request, exc)
        return redirect("disaster:event", event_id=ev.pk)
    messages.success(request, _("Shelter %(n)s opened.") % {"n": shelter.name})
    return redirect("disaster:shelter", shelter_id=shelter.pk)


@login_required
@require_http_methods(["GET", "POST"])
def shelter(request, shelter_id: int):
    """避灾点: who stayed at a shelter and when; check a person in by ID number."""
    with http_errors():
        sh, stays = selectors.shelter_stays(actor=request.user, shelter_id=shelter_id)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = (
            persons_visible_to(request.user)
            .filter(id_number=form.cleaned_data["id_number"].strip().upper())
            .first()
        )
        if person is None:
            form.add_error("id_number", _("No such person in your jurisdiction."))
        else:
            done = _form_call(
                form,
                lambda: services.shelter_check_in(
                    actor=request.user,
                    shelter_id=sh.pk,
                    person_id=person.pk,
                    on=form.cleaned_data["on"],
                ),
            )
            if done is not None:
                messages.success(request, _("%(n)s checked in.") % {"n": person.name})
                return redirect("disaster:shelter", shelter_id=sh.pk)
    return render(
        request,
        "disaster/shelter.html",
        {"shelter": sh, "stays": stays, "form": form, "present": sum(1 for s in stays if s.open)},
    )


@login_required
@require_POST
def shelter_check_out(request, shelter_id: int):
    with http_errors():
        sh = selectors.shelter_get(actor=request.user, shelter_id=shelter_id)
    form = CheckOutForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            services.shelter_check_out(
                actor=request.user,
                shelter_id=sh.pk,
                person_id=form.cleaned_data["person"],
                on=form.cleaned_data["on"],
            )
        except ServiceError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, _("Saved."))
    return redirect("disaster:shelter", shelter_id=sh.pk)


@login_required
@require_http_methods(["GET", "POST"])
def household(request, affected_id: int):
    """受灾户: the damage and photos, the members' shelter stays, the transitional living aid
    month by month, and the housing grant — applied for here (rebuild or repair, the caps of
    POLICY §3, full cost where due, through the casework) and its construction stages."""
    with http_errors():
        file = selectors.household_file(actor=request.user, affected_id=affected_id)
    affected = file.affected
    may_apply = affected.housing_case_id is None and request.user.has_perm(
        "disaster.register_damage"
    )
    form = HousingGrantForm(
        request.POST or None, request.FILES or None, members=file.members
    ) if may_apply else None  # fmt: skip
    if request.method == "POST":
        if form is None:
            if affected.housing_case_id is None or not request.user.has_perm(
                "disaster.register_damage"
            ):
                raise PermissionDenied
            # a second submission: the grant's case exists already; nothing changes
            messages.error(request, str(CODES[GRANT_EXISTS]))
            return redirect("disaster:household", affected_id=affected.pk)
        if form.is_valid():
            case = _form_call(
                form,
                lambda: services.housing_grant_apply(
                    actor=request.user,
                    affected_id=affected.pk,
                    solution=form.cleaned_data["solution"],
                    cost_fen=form.cleaned_data["cost"],
                    authorization_scan=form.cleaned_data["authorization_scan"],
                    signed_by=form.signed_by(),
                    signed_on=form.cleaned_data["signed_on"],
                    declared_income=form.declared_income(),
                    declared_assets=form.declared_assets(),
                ),
            )
            if case is not None:
                messages.success(
                    request, _("Housing grant case %(n)s opened.") % {"n": case.number}
                )
                return redirect("disaster:household", affected_id=affected.pk)
    return render(
        request,
        "disaster/household.html",
        {
            "file": file,
            "affected": affected,
            "form": form,
            "stage_choices": Stage.choices,
            "aid_form": AidForm(),
        },
    )
