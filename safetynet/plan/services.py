"""Writes of the plan (docs/plan.md). Each service checks the actor's ability (the one map,
ADR 0720) and the jurisdiction (a division code prefix) before it writes, in one transaction.

- tasks: `task_create` (the city), `progress_report`, `step_done`, `task_done`, `attachment_add`
  (the district for its own tasks and plans, or the city);
- `snapshot_take`: the month's figure of every target for the city, each district and street;
- facilities: happiness homes (`home_register`, `home_advance`, `home_activity_add`), service
  stations (`station_register`), purchases (`purchase_register`, `purchase_evaluate`), base
  villages (`base_village_register`, `village_project_add`, `village_project_progress`), care
  institutions and placements (`institution_register`, `placement_start`, `placement_end`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.cases import clock
from safetynet.core.files import removes_stored_files_on_failure, store_file
from safetynet.core.uploads import XLSX, FileRefused, check_xlsx, scan_type
from safetynet.registry.models import Division, DivisionLevel

from . import errors as E
from . import indicators as I
from .models import (
    HOME_BUILT,
    AttachmentKind,
    BaseVillage,
    CareInstitution,
    CarePlacement,
    HappinessHome,
    HomeActivity,
    HomeKind,
    HomeStatus,
    PlanAttachment,
    PlanTask,
    ProgressReport,
    ProjectKind,
    ProjectStatus,
    PurchaseKind,
    ServicePurchase,
    ServiceStation,
    Snapshot,
    StationMode,
    TaskStatus,
    TaskStep,
    Unit,
    VillageProject,
)

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _today() -> dt.date:
    return clock.today()


def _prefix(actor: User) -> str:
    return actor.scope_prefix or "\x00"


def _text(value: Any, field: str, max_len: int, *, code: str, required: bool = True) -> str:
    text = str(value or "").strip()
    if (required and not text) or len(text) > max_len:
        E.refuse(code, f"{field}: required, at most {max_len} characters", field)
    return text


def _int(value: Any, field: str, *, code: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        E.refuse(code, f"{field}: a whole number of at least {low}", field)
    if high is not None and value > high:
        E.refuse(code, f"{field}: at most {high}", field)
    return value


def _date(value: Any, field: str, *, code: str, not_future: bool = False) -> dt.date:
    if not isinstance(value, dt.date):
        E.refuse(code, f"{field}: a date", field)
    if not_future and value > _today():
        E.refuse(code, f"{field}: not in the future", field)
    return value


def _division(actor: User, code: Any, field: str, *, levels: Iterable[str]) -> Division:
    code = str(code or "").strip()
    division = Division.objects.filter(
        code=code, code__startswith=_prefix(actor), level__in=list(levels)
    ).first()
    if division is None:
        E.refuse(E.OUTSIDE, f"{field}: {code or '—'} is not in your jurisdiction", field)
    return division


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    m = MONTH.match(str(month or ""))
    if not m:
        E.refuse(E.MONTH_INVALID, f"month: {month!r} is not YYYY-MM", "month")
    y, mo = int(m.group(1)), int(m.group(2))
    return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])


# ------------------------------------------------------------------------------ snapshots
@transaction.atomic
def snapshot_take(*, actor: User | None, month: str) -> int:
    """Compute every target for the city, each district and each street as of the month's last
    day (today for the current month) and store it, replacing the month's earlier snapshot.
    Returns the rows written. A month in the future is refused. `actor` None: the operator's
    monthly job (cron, `safetynet plan snapshot`), for the city of the division table."""
    from .selectors import indicator_result, indicator_row

    if actor is not None:
        require(actor, "plan.take_snapshots")
    first, last = month_bounds(month)
    today = _today()
    if first > today:
        E.refuse(E.MONTH_INVALID, f"month: {month} is in the future", "month")
    as_of = min(last, today)
    city = (
        actor.jurisdiction
        if actor is not None
        else Division.objects.filter(level=DivisionLevel.CITY, valid_to__isnull=True)
        .order_by("code")
        .first()
    )
    if city is None or city.level != DivisionLevel.CITY:
        E.refuse(E.OUTSIDE, "snapshots are taken for the whole city", "month")
    divisions = [
        city,
        *Division.objects.filter(parent=city, valid_to__isnull=True).order_by("code"),
    ]
    rows: list[Snapshot] = []
    for ind in I.INDICATORS:
        result = indicator_result(ind, division=city, as_of=as_of)  # once: every street
        for division in divisions:
            row = indicator_row(ind, division=division, as_of=as_of, result=result)
            # the city's own figure, its districts, then each district's streets
            figures = ([row.own] if division is city else []) + row.children
            rows += [
                Snapshot(
                    indicator=ind.key,
                    month=month,
                    division_code=f.code,
                    numerator=f.numerator,
                    denominator=f.denominator,
                    available=f.available,
                    reason=f.reason,
                )
                for f in figures
            ]
    Snapshot.objects.filter(month=month).delete()  # the month is replaced, never doubled
    Snapshot.objects.bulk_create(rows)
    written = len(rows)
    return written


# ------------------------------------------------------------------------------ tasks
@transaction.atomic
def task_create(
    *,
    actor: User,
    code: str,
    section: str,
    title: str,
    unit: str,
    start_on: dt.date,
    due_on: dt.date,
    division_code: str = "",
    parent_code: str = "",
    description: str = "",
    indicator: str = "",
    steps: Iterable[tuple[str, dt.date]] = (),
) -> PlanTask:
    """A task of the plan for a bureau division, or a district's share of a task (`unit`
    "district", `division_code` the district, `parent_code` the bureau's task)."""
    require(actor, "plan.manage_tasks")
    code = _text(code, "code", 40, code=E.TASK_INVALID)
    if unit not in Unit.values:
        E.refuse(E.TASK_INVALID, f"unit: one of {Unit.values}", "unit")
    division = None
    if unit == Unit.DISTRICT:
        division = _division(actor, division_code, "division", levels=[DivisionLevel.DISTRICT])
    elif division_code:
        E.refuse(E.TASK_INVALID, "division: only for a district's task", "division")
    parent = None
    if parent_code:
        parent = PlanTask.objects.filter(code=parent_code).first()
        if parent is None:
            E.refuse(E.TASK_INVALID, f"parent: no task {parent_code}", "parent")
    start_on = _date(start_on, "start_on", code=E.TASK_INVALID)
    due_on = _date(due_on, "due_on", code=E.TASK_INVALID)
    if due_on < start_on:
        E.refuse(E.TASK_INVALID, "due_on: before start_on", "due_on")
    if indicator and indicator not in I.BY_KEY:
        E.refuse(E.TASK_INVALID, f"indicator: unknown {indicator}", "indicator")
    if PlanTask.objects.filter(code=code).exists():
        E.refuse(E.TASK_INVALID, f"code: {code} exists", "code")
    task = PlanTask.objects.create(
        code=code,
        section=_text(section, "section", 16, code=E.TASK_INVALID),
        title=_text(title, "title", 200, code=E.TASK_INVALID),
        description=str(description or ""),
        unit=unit,
        division=division,
        parent=parent,
        indicator=indicator,
        start_on=start_on,
        due_on=due_on,
    )
    for n, (step_title, step_due) in enumerate(steps, start=1):
        TaskStep.objects.create(
            task=task,
            order=n,
            title=_text(step_title, f"steps[{n}].title", 200, code=E.TASK_INVALID),
            due_on=_date(step_due, f"steps[{n}].due_on", code=E.TASK_INVALID),
        )
    return task


def _task_for_unit(actor: User, task_id: int) -> PlanTask:
    """A task the actor reports on: the city any task, a district its own district's tasks."""
    from .selectors import task_get

    require(actor, "plan.report_progress")
    task = task_get(actor=actor, task_id=task_id)
    prefix = _prefix(actor)
    if len(prefix) > 4 and (task.division_id is None or not task.division_id.startswith(prefix)):
        E.refuse(E.OUTSIDE, f"task {task.code} is not your unit's", "task")
    return task


@transaction.atomic
def progress_report(
    *, actor: User, task_id: int, period: str, percent: int, text: str, problems: str = ""
) -> ProgressReport:
    """The unit's progress report on a task for a month (a second report for the same month
    replaces the first); the task is then in progress unless done."""
    task = _task_for_unit(actor, task_id)
    first, _last = month_bounds(period)
    if first > _today():
        E.refuse(E.MONTH_INVALID, f"period: {period} is in the future", "period")
    percent = _int(percent, "percent", code=E.REPORT_INVALID, high=100)
    text = _text(text, "text", 4000, code=E.REPORT_INVALID)
    report, _created = ProgressReport.objects.update_or_create(
        task=task,
        period=period,
        defaults={
            "percent": percent,
            "text": text,
            "problems": str(problems or "")[:4000],
            "submitted_by": actor,
        },
    )
    if task.status == TaskStatus.OPEN:
        task.status = TaskStatus.IN_PROGRESS
        task.save(update_fields=["status"])
    return report


@transaction.atomic
def step_done(*, actor: User, step_id: int, on: dt.date) -> TaskStep:
    step = TaskStep.objects.filter(pk=step_id).first()
    if step is None:
        raise E.NotFoundError("step")
    _task_for_unit(actor, step.task_id)
    step.done_on = _date(on, "on", code=E.TASK_INVALID, not_future=True)
    step.save(update_fields=["done_on"])
    return step


@transaction.atomic
def task_done(*, actor: User, task_id: int, on: dt.date) -> PlanTask:
    task = _task_for_unit(actor, task_id)
    task.done_on = _date(on, "on", code=E.TASK_INVALID, not_future=True)
    task.status = TaskStatus.DONE
    task.save(update_fields=["done_on", "status"])
    return task


@removes_stored_files_on_failure
@transaction.atomic
def attachment_add(
    *,
    actor: User,
    division_code: str,
    kind: str,
    title: str,
    upload,
    task_id: int | None = None,
) -> PlanAttachment:
    """A district's own plan, key-task list or another document (PDF, JPEG, PNG or Excel,
    recognised by content), stored privately and served by a view (ADR 0730)."""
    require(actor, "plan.report_progress")
    division = _division(
        actor, division_code, "division", levels=[DivisionLevel.CITY, DivisionLevel.DISTRICT]
    )
    if kind not in AttachmentKind.values:
        E.refuse(E.INVALID, f"kind: one of {AttachmentKind.values}", "kind")
    title = _text(title, "title", 120, code=E.INVALID)
    task = _task_for_unit(actor, task_id) if task_id else None
    try:
        ftype = scan_type(upload, field="file")
    except FileRefused as exc:
        data = upload if isinstance(upload, bytes | bytearray) else None
        if data is None and hasattr(upload, "read"):
            upload.seek(0)
            data = upload.read()
            upload.seek(0)
        if not data or not bytes(data[:2]) == b"PK":
            raise E.ServiceError(E.FILE_REFUSED, exc.message, exc.problems) from None
        check_xlsx(bytes(data), field="file")
        ftype = XLSX
    obj = PlanAttachment(
        task=task, division=division, kind=kind, title=title, ext=ftype.ext, uploaded_by=actor
    )
    n = PlanAttachment.objects.filter(division=division).count() + 1
    if isinstance(upload, bytes | bytearray):
        from django.core.files.base import ContentFile

        upload = ContentFile(bytes(upload))
    store_file(obj.file, f"JH-{division.code}-{n}.{ftype.ext}", upload)
    obj.save()
    return obj


# ------------------------------------------------------------------------------ happiness homes
@transaction.atomic
def home_register(
    *,
    actor: User,
    name: str,
    village_code: str,
    kind: str,
    approved_on: dt.date,
    subsidy_fen: int = 0,
    places: int = 0,
) -> HappinessHome:
    """A happiness home's construction project, approved for a village."""
    require(actor, "plan.manage_facilities")
    village = _division(actor, village_code, "village", levels=[DivisionLevel.COMMUNITY])
    if kind not in HomeKind.values:
        E.refuse(E.INVALID, f"kind: one of {HomeKind.values}", "kind")
    name = _text(name, "name", 80, code=E.INVALID)
    if HappinessHome.objects.filter(village=village, name=name).exists():
        E.refuse(E.INVALID, f"name: {name} exists in this village", "name")
    return HappinessHome.objects.create(
        name=name,
        village=village,
        kind=kind,
        status=HomeStatus.APPROVED,
        approved_on=_date(approved_on, "approved_on", code=E.INVALID, not_future=True),
        subsidy_fen=_int(subsidy_fen, "subsidy_fen", code=E.INVALID),
        places=_int(places, "places", code=E.INVALID),
    )


HOME_ORDER = [HomeStatus.APPROVED, HomeStatus.BUILDING, HomeStatus.COMPLETED, HomeStatus.OPERATING]
HOME_DATE = {
    HomeStatus.BUILDING: "started_on",
    HomeStatus.COMPLETED: "completed_on",
    HomeStatus.OPERATING: "opened_on",
}


@transaction.atomic
def home_advance(*, actor: User, home_id: int, status: str, on: dt.date) -> HappinessHome:
    """The next stage of a home's project (building, completed, operating), with its date."""
    from .selectors import home_get

    require(actor, "plan.manage_facilities")
    home = home_get(actor=actor, home_id=home_id)
    if status not in HOME_ORDER[1:]:
        E.refuse(E.HOME_ORDER, f"status: one of {HOME_ORDER[1:]}", "status")
    if HOME_ORDER.index(status) != HOME_ORDER.index(home.status) + 1:
        E.refuse(E.HOME_ORDER, f"status: {home.status} cannot become {status}", "status")
    on = _date(on, "on", code=E.HOME_ORDER, not_future=True)
    earlier = [getattr(home, f) for f in ("approved_on", "started_on", "completed_on") if f]
    if any(d and on < d for d in earlier):
        E.refuse(E.HOME_ORDER, "on: before an earlier stage", "on")
    home.status = status
    setattr(home, HOME_DATE[status], on)
    home.save()
    return home


@transaction.atomic
def home_activity_add(
    *, actor: User, home_id: int, on: dt.date, title: str, attendance: int
) -> HomeActivity:
    from .selectors import home_get

    require(actor, "plan.manage_facilities")
    home = home_get(actor=actor, home_id=home_id)
    if home.status not in HOME_BUILT:
        E.refuse(E.HOME_ORDER, "activities are held in a completed home", "home")
    return HomeActivity.objects.create(
        home=home,
        on=_date(on, "on", code=E.INVALID, not_future=True),
        title=_text(title, "title", 120, code=E.INVALID),
        attendance=_int(attendance, "attendance", code=E.INVALID),
    )


# ------------------------------------------------------------------------------ stations
@transaction.atomic
def station_register(
    *,
    actor: User,
    name: str,
    street_code: str,
    community_codes: Iterable[str],
    mode: str,
    services: Iterable[str],
    opening_hours: str,
    opened_on: dt.date,
    address: str = "",
    grid_code: str = "",
) -> ServiceStation:
    """A community service station: one per community, one for several communities of the
    street, or one of several in a community."""
    require(actor, "plan.manage_facilities")
    street = _division(actor, street_code, "street", levels=[DivisionLevel.STREET])
    if mode not in StationMode.values:
        E.refuse(E.STATION_INVALID, f"mode: one of {StationMode.values}", "mode")
    codes = sorted({str(c).strip() for c in community_codes or () if str(c).strip()})
    found = list(
        Division.objects.filter(
            code__in=codes, parent_id=street.code, level=DivisionLevel.COMMUNITY
        )
    )
    missing = sorted(set(codes) - {d.code for d in found})
    if missing:
        E.refuse(
            E.STATION_INVALID, f"communities: {missing[0]} is not in {street.code}", "communities"
        )
    if mode == StationMode.ONE_FOR_SEVERAL and len(found) < 2:
        E.refuse(
            E.STATION_INVALID,
            "communities: one station for several needs two or more",
            "communities",
        )
    if mode != StationMode.ONE_FOR_SEVERAL and len(found) != 1:
        E.refuse(E.STATION_INVALID, "communities: exactly one for this mode", "communities")
    name = _text(name, "name", 80, code=E.STATION_INVALID)
    if ServiceStation.objects.filter(street=street, name=name).exists():
        E.refuse(E.STATION_INVALID, f"name: {name} exists", "name")
    station = ServiceStation.objects.create(
        name=name,
        street=street,
        mode=mode,
        services=[_text(s, "services", 40, code=E.STATION_INVALID) for s in services or ()],
        opening_hours=_text(opening_hours, "opening_hours", 120, code=E.STATION_INVALID),
        address=_text(address, "address", 200, code=E.STATION_INVALID, required=False),
        grid_code=_text(grid_code, "grid_code", 40, code=E.STATION_INVALID, required=False),
        opened_on=_date(opened_on, "opened_on", code=E.STATION_INVALID, not_future=True),
    )
    station.communities.set(found)
    return station


# ------------------------------------------------------------------------------ purchases
@transaction.atomic
def purchase_register(
    *,
    actor: User,
    title: str,
    kind: str,
    division_code: str,
    provider: str,
    contract_number: str,
    starts_on: dt.date,
    ends_on: dt.date,
    amount_fen: int,
) -> ServicePurchase:
    require(actor, "plan.manage_projects")
    division = _division(
        actor,
        division_code,
        "division",
        levels=[DivisionLevel.CITY, DivisionLevel.DISTRICT, DivisionLevel.STREET],
    )
    if kind not in PurchaseKind.values:
        E.refuse(E.PURCHASE_INVALID, f"kind: one of {PurchaseKind.values}", "kind")
    starts_on = _date(starts_on, "starts_on", code=E.PURCHASE_INVALID)
    ends_on = _date(ends_on, "ends_on", code=E.PURCHASE_INVALID)
    if ends_on < starts_on:
        E.refuse(E.PURCHASE_INVALID, "ends_on: before starts_on", "ends_on")
    number = _text(contract_number, "contract_number", 40, code=E.PURCHASE_INVALID)
    if ServicePurchase.objects.filter(contract_number=number).exists():
        E.refuse(E.PURCHASE_INVALID, f"contract_number: {number} exists", "contract_number")
    return ServicePurchase.objects.create(
        title=_text(title, "title", 120, code=E.PURCHASE_INVALID),
        kind=kind,
        division=division,
        provider=_text(provider, "provider", 120, code=E.PURCHASE_INVALID),
        contract_number=number,
        starts_on=starts_on,
        ends_on=ends_on,
        amount_fen=_int(amount_fen, "amount_fen", code=E.PURCHASE_INVALID),
    )


@transaction.atomic
def purchase_evaluate(
    *,
    actor: User,
    purchase_id: int,
    beneficiaries: int,
    volunteer_hours: int,
    score: int | None,
    on: dt.date | None = None,
) -> ServicePurchase:
    """The services delivered (beneficiaries, volunteer hours) and the evaluation score."""
    from .selectors import purchases_visible_to

    require(actor, "plan.manage_projects")
    obj = purchases_visible_to(actor).filter(pk=purchase_id).select_for_update(of=("self",)).first()
    if obj is None:
        raise E.NotFoundError("purchase")
    obj.beneficiaries = _int(beneficiaries, "beneficiaries", code=E.PURCHASE_INVALID)
    obj.volunteer_hours = _int(volunteer_hours, "volunteer_hours", code=E.PURCHASE_INVALID)
    if score is not None:
        obj.score = _int(score, "score", code=E.PURCHASE_INVALID, high=100)
        obj.evaluated_on = _date(on or _today(), "on", code=E.PURCHASE_INVALID, not_future=True)
    obj.save()
    return obj


# ------------------------------------------------------------------------------ base villages
@transaction.atomic
def base_village_register(
    *, actor: User, village_code: str, weak: bool = False, note: str = ""
) -> BaseVillage:
    require(actor, "plan.manage_projects")
    village = _division(actor, village_code, "village", levels=[DivisionLevel.COMMUNITY])
    try:
        with transaction.atomic():
            return BaseVillage.objects.create(
                village=village, weak=bool(weak), note=str(note or "")[:200]
            )
    except IntegrityError:
        E.refuse(E.PROJECT_INVALID, f"village: {village.code} is registered", "village")


@transaction.atomic
def village_project_add(
    *, actor: User, village_id: int, kind: str, title: str, year: int, budget_fen: int
) -> VillageProject:
    from .selectors import village_get

    require(actor, "plan.manage_projects")
    village = village_get(actor=actor, village_id=village_id)
    if kind not in ProjectKind.values:
        E.refuse(E.PROJECT_INVALID, f"kind: one of {ProjectKind.values}", "kind")
    return VillageProject.objects.create(
        village=village,
        kind=kind,
        title=_text(title, "title", 120, code=E.PROJECT_INVALID),
        year=_int(year, "year", code=E.PROJECT_INVALID, low=2000, high=2100),
        budget_fen=_int(budget_fen, "budget_fen", code=E.PROJECT_INVALID),
        status=ProjectStatus.PLANNED,
    )


@transaction.atomic
def village_project_progress(
    *, actor: User, project_id: int, status: str, percent: int, spent_fen: int
) -> VillageProject:
    from .selectors import projects_visible_to

    require(actor, "plan.manage_projects")
    obj = projects_visible_to(actor).filter(pk=project_id).first()
    if obj is None:
        raise E.NotFoundError("project")
    if status not in ProjectStatus.values:
        E.refuse(E.PROJECT_INVALID, f"status: one of {ProjectStatus.values}", "status")
    obj.status = status
    obj.percent = _int(percent, "percent", code=E.PROJECT_INVALID, high=100)
    obj.spent_fen = _int(spent_fen, "spent_fen", code=E.PROJECT_INVALID)
    obj.save()
    return obj


# ------------------------------------------------------------------------------ placements
@transaction.atomic
def institution_register(
    *, actor: User, name: str, division_code: str, beds: int
) -> CareInstitution:
    require(actor, "plan.manage_placements")
    division = _division(
        actor,
        division_code,
        "division",
        levels=[DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY],
    )
    name = _text(name, "name", 80, code=E.PLACEMENT_INVALID)
    if CareInstitution.objects.filter(name=name).exists():
        E.refuse(E.PLACEMENT_INVALID, f"name: {name} exists", "name")
    return CareInstitution.objects.create(
        name=name, division=division, beds=_int(beds, "beds", code=E.PLACEMENT_INVALID, low=1)
    )


@transaction.atomic
def placement_start(
    *, actor: User, person_id: int, institution_id: int, on: dt.date
) -> CarePlacement:
    """A person (in the actor's jurisdiction) moves into a care institution: concentrated care."""
    from safetynet.registry.selectors import persons_visible_to

    require(actor, "plan.manage_placements")
    person = persons_visible_to(actor).filter(pk=person_id).first()
    if person is None:
        raise E.NotFoundError("person")
    institution = CareInstitution.objects.select_for_update().filter(pk=institution_id).first()
    if institution is None:
        raise E.NotFoundError("institution")
    on = _date(on, "on", code=E.PLACEMENT_INVALID, not_future=True)
    if CarePlacement.objects.filter(person=person, end_on__isnull=True).exists():
        E.refuse(E.ALREADY_PLACED, f"person: {person.pk} already placed", "person")
    if institution.placements.filter(end_on__isnull=True).count() >= institution.beds:
        E.refuse(E.INSTITUTION_FULL, f"institution: {institution.name} full", "institution")
    return CarePlacement.objects.create(person=person, institution=institution, start_on=on)


@transaction.atomic
def placement_end(*, actor: User, placement_id: int, on: dt.date) -> CarePlacement:
    from .selectors import placements_visible_to

    require(actor, "plan.manage_placements")
    obj = placements_visible_to(actor).filter(pk=placement_id, end_on__isnull=True).first()
    if obj is None:
        raise E.NotFoundError("placement")
    on = _date(on, "on", code=E.PLACEMENT_INVALID, not_future=True)
    if on < obj.start_on:
        E.refuse(E.PLACEMENT_INVALID, "on: before the move-in", "on")
    obj.end_on = on
    obj.save(update_fields=["end_on"])
    return obj
