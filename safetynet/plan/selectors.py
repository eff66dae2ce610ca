"""Reads of the plan, scoped to the actor's jurisdiction (a division code prefix).

- `dashboard`: every target's figure for a division and its children (city → districts →
  streets), each with its traffic light against the deadline.
- `trend`: an indicator's monthly snapshots for one division.
- the tasks (overdue flagged) and the facilities and projects, each list in the jurisdiction.
Targets are aggregates (counts and shares), never a person's data; placements name persons and
are read only by the roles that see the registry's persons (`plan.view_placements`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Count, Q, QuerySet, Sum

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core.errors import NotFoundError
from safetynet.registry.models import Division, DivisionLevel

from . import indicators as I
from .models import (
    BaseVillage,
    CarePlacement,
    HappinessHome,
    PlanAttachment,
    PlanTask,
    ProgressReport,
    ServicePurchase,
    ServiceStation,
    Snapshot,
    TaskStatus,
    VillageProject,
)

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"


def _prefix(actor: User) -> str:
    return actor.scope_prefix or "\x00"


def division_in_scope(*, actor: User, code: str) -> Division:
    """The actor's own division (code "") or a division inside the jurisdiction."""
    if not code:
        if actor.jurisdiction_id is None:
            raise NotFoundError("division")
        return actor.jurisdiction
    division = Division.objects.filter(code=code, code__startswith=_prefix(actor)).first()
    if division is None:
        raise NotFoundError("division")
    return division


# ------------------------------------------------------------------------------ figures
@dataclass(frozen=True)
class Figure:
    code: str
    name: str
    numerator: int | None
    denominator: int | None
    reason: str = ""  # a key of indicators.REASONS when there is no number
    light: str = NONE

    @property
    def available(self) -> bool:
        return not self.reason

    @property
    def value(self) -> Fraction | None:
        if self.reason or self.numerator is None:
            return None
        if self.denominator is None:
            return Fraction(self.numerator)
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def reason_text(self) -> str:
        return str(I.REASONS.get(self.reason, "")) if self.reason else ""


def light_of(ind: I.Indicator, value: Fraction | None, as_of: dt.date, *, top: bool) -> str:
    """Green: the target is met. Otherwise red once the deadline has passed; before it, a
    count is amber while on the straight path from its start to the target by the deadline
    (red behind it), a rate amber. Counts have a target for the whole city only (`top`)."""
    if value is None:
        return NONE
    if ind.kind == "count" and not top:
        return NONE
    if value >= ind.target:
        return GREEN
    deadline = ind.deadline_for(as_of)
    if as_of > deadline:
        return RED
    if ind.kind == "count":
        start = ind.path_start(as_of)
        span = (deadline - start).days or 1
        expected = Fraction(ind.target) * max((as_of - start).days, 0) / span
        return AMBER if value >= expected else RED
    return AMBER


@dataclass
class Row:
    indicator: I.Indicator
    own: Figure
    children: list[Figure] = field(default_factory=list)

    @property
    def behind(self) -> list[Figure]:
        """The children below the target, the furthest behind first (who is behind)."""
        rated = [f for f in self.children if f.value is not None]
        target = Fraction(self.indicator.target)
        if self.indicator.kind == "count":
            return sorted(rated, key=lambda f: f.value)
        return sorted((f for f in rated if f.value < target), key=lambda f: f.value)


def _child_level(division: Division) -> tuple[int, str] | None:
    if division.level == DivisionLevel.CITY:
        return 6, DivisionLevel.DISTRICT
    if division.level == DivisionLevel.DISTRICT:
        return 9, DivisionLevel.STREET
    return None


def _sum(parts) -> tuple[int | None, int | None]:
    parts = list(parts)
    if not parts:
        return None, None
    n = sum(p[0] for p in parts)
    dens = [p[1] for p in parts]
    return n, (None if any(d is None for d in dens) else sum(dens))


def _figure(ind, code, name, parts, as_of, *, top: bool, empty_reason: str) -> Figure:
    n, d = _sum(parts)
    if n is None:
        if ind.kind == "count":
            return Figure(code, name, 0, None, "", light_of(ind, Fraction(0), as_of, top=top))
        return Figure(code, name, None, None, empty_reason)
    if ind.kind == "rate" and not d:
        return Figure(code, name, n, d, empty_reason)
    f = Figure(code, name, n, d)
    return Figure(code, name, n, d, "", light_of(ind, f.value, as_of, top=top))


def indicator_result(ind: I.Indicator, *, division: Division, as_of: dt.date):
    """The indicator's computation for the division's subtree: a Breakdown, or Unavailable."""
    try:
        return ind.compute(as_of, division.scope_prefix)
    except I.Unavailable as exc:
        return exc


def indicator_row(
    ind: I.Indicator,
    *,
    division: Division,
    as_of: dt.date,
    children: bool = True,
    result=None,
) -> Row:
    """One indicator for `division` (its own figure) and, when asked, each of its children.
    `result`: a computation of a subtree containing the division's (computed here if None)."""
    top = division.level == DivisionLevel.CITY
    prefix = division.scope_prefix
    if result is None:
        result = indicator_result(ind, division=division, as_of=as_of)
    if isinstance(result, I.Unavailable):
        own = Figure(division.code, division.name, None, None, result.code)
        kids = _children(division)
        return Row(ind, own, [Figure(c, n, None, None, result.code) for c, n in kids])
    if result.city_only:
        part = result.by_street.get("")
        own = (
            _figure(ind, division.code, division.name, [part], as_of, top=True, empty_reason="")
            if top
            else Figure(division.code, division.name, None, None, "city_only")
        )
        kids = [Figure(c, n, None, None, "city_only") for c, n in _children(division)]
        return Row(ind, own, kids if children else [])
    by_street = result.by_street
    own = _figure(
        ind,
        division.code,
        division.name,
        # a community's computation is grouped by its street: every row is the community's
        [v for k, v in by_street.items() if k.startswith(prefix[:9])],
        as_of,
        top=top,
        empty_reason="no_rows",
    )
    kids: list[Figure] = []
    if children:
        level = _child_level(division)
        for code, name in _children(division):
            parts = [v for k, v in by_street.items() if level and k[: level[0]] == code]
            kids.append(_figure(ind, code, name, parts, as_of, top=False, empty_reason="no_rows"))
    return Row(ind, own, kids)


def _children(division: Division) -> list[tuple[str, str]]:
    level = _child_level(division)
    if level is None:
        return []
    return list(
        Division.objects.filter(parent_id=division.code, valid_to__isnull=True)
        .order_by("code")
        .values_list("code", "name")
    )


@dataclass
class Dashboard:
    division: Division
    path: list[Division]
    as_of: dt.date
    rows: list[Row]
    drill: bool  # the children link further down


def dashboard(*, actor: User, as_of: dt.date, division_code: str = "") -> Dashboard:
    """Every target for the division asked (the actor's own by default) and its children."""
    require(actor, "plan.view_plan")
    division = division_in_scope(actor=actor, code=division_code)
    rows = [indicator_row(ind, division=division, as_of=as_of) for ind in I.INDICATORS]
    own_len = len(_prefix(actor))
    path = []
    d = division
    while d is not None and len(d.scope_prefix) >= own_len:
        path.insert(0, d)
        d = d.parent
    return Dashboard(
        division=division,
        path=path,
        as_of=as_of,
        rows=rows,
        drill=division.level == DivisionLevel.CITY,
    )


def indicator_page(*, actor: User, key: str, as_of: dt.date, division_code: str = "") -> Row:
    require(actor, "plan.view_plan")
    ind = I.BY_KEY.get(key)
    if ind is None:
        raise NotFoundError("indicator")
    division = division_in_scope(actor=actor, code=division_code)
    return indicator_row(ind, division=division, as_of=as_of)


@dataclass(frozen=True)
class Point:
    month: str
    value: Fraction | None
    reason: str


def trend(*, actor: User, key: str, division_code: str = "") -> list[Point]:
    """The indicator's monthly snapshots for the division, oldest first."""
    require(actor, "plan.view_plan")
    division = division_in_scope(actor=actor, code=division_code)
    rows = Snapshot.objects.filter(indicator=key, division_code=division.code).order_by("month")
    out = []
    for s in rows:
        value = None
        if s.available and s.numerator is not None:
            if s.denominator is None:
                value = Fraction(s.numerator)
            elif s.denominator:
                value = Fraction(s.numerator, s.denominator)
        out.append(Point(s.month, value, "" if s.available else s.reason))
    return out


# ------------------------------------------------------------------------------ tasks
def tasks_visible_to(actor: User) -> QuerySet[PlanTask]:
    """The bureau divisions' tasks (to everyone who reads the plan) and the districts' tasks of
    the actor's jurisdiction (or above it: the city sees every district's)."""
    require(actor, "plan.view_plan")
    prefix = _prefix(actor)
    return PlanTask.objects.filter(
        Q(division__isnull=True)
        | Q(division__code__startswith=prefix)
        | Q(division_id=prefix[:6])  # a street's officer sees its district's tasks
    ).select_related("division", "parent")


def overdue_q(today: dt.date) -> Q:
    return Q(due_on__lt=today) & ~Q(status=TaskStatus.DONE)


def task_get(*, actor: User, task_id: int) -> PlanTask:
    task = tasks_visible_to(actor).filter(pk=task_id).first()
    if task is None:
        raise NotFoundError("task")
    return task


def latest_reports(task_ids) -> dict[int, ProgressReport]:
    out: dict[int, ProgressReport] = {}
    for r in ProgressReport.objects.filter(task_id__in=list(task_ids)).order_by(
        "task_id", "-period"
    ):
        out.setdefault(r.task_id, r)
    return out


def attachments_visible_to(actor: User) -> QuerySet[PlanAttachment]:
    require(actor, "plan.view_plan")
    prefix = _prefix(actor)
    return PlanAttachment.objects.filter(
        Q(division__code__startswith=prefix) | Q(division_id=prefix[:6])
    ).select_related("division", "task")


def attachment_get(*, actor: User, attachment_id: int) -> PlanAttachment:
    obj = attachments_visible_to(actor).filter(pk=attachment_id).first()
    if obj is None:
        raise NotFoundError("attachment")
    return obj


# ------------------------------------------------------------------------------ facilities
def homes_visible_to(actor: User) -> QuerySet[HappinessHome]:
    require(actor, "plan.view_plan")
    return HappinessHome.objects.filter(village__code__startswith=_prefix(actor)).select_related(
        "village", "village__parent"
    )


def home_get(*, actor: User, home_id: int) -> HappinessHome:
    obj = homes_visible_to(actor).filter(pk=home_id).first()
    if obj is None:
        raise NotFoundError("happiness home")
    return obj


def stations_visible_to(actor: User) -> QuerySet[ServiceStation]:
    require(actor, "plan.view_plan")
    return (
        ServiceStation.objects.filter(street__code__startswith=_prefix(actor))
        .select_related("street")
        .prefetch_related("communities")
    )


@dataclass(frozen=True)
class CommunityCoverage:
    code: str
    name: str
    stations: int


def station_coverage(*, actor: User, street_prefix: str = "") -> list[CommunityCoverage]:
    """Every current community in the jurisdiction (under `street_prefix` when given) with the
    number of stations serving it (0: not covered)."""
    require(actor, "plan.view_plan")
    prefix = _prefix(actor)
    if street_prefix and street_prefix.startswith(prefix):
        prefix = street_prefix
    served: dict[str, int] = {}
    for code in ServiceStation.communities.through.objects.filter(
        division__code__startswith=prefix
    ).values_list("division_id", flat=True):
        served[code] = served.get(code, 0) + 1
    return [
        CommunityCoverage(code, name, served.get(code, 0))
        for code, name in Division.objects.filter(
            level=DivisionLevel.COMMUNITY, valid_to__isnull=True, code__startswith=prefix
        )
        .order_by("code")
        .values_list("code", "name")
    ]


def purchases_visible_to(actor: User) -> QuerySet[ServicePurchase]:
    require(actor, "plan.view_plan")
    return ServicePurchase.objects.filter(division__code__startswith=_prefix(actor)).select_related(
        "division"
    )


def purchase_totals(qs: QuerySet[ServicePurchase]) -> dict:
    return qs.aggregate(
        amount=Sum("amount_fen"),
        served=Sum("beneficiaries"),
        hours=Sum("volunteer_hours"),
        n=Count("id"),
    )


def villages_visible_to(actor: User) -> QuerySet[BaseVillage]:
    require(actor, "plan.view_plan")
    return (
        BaseVillage.objects.filter(village__code__startswith=_prefix(actor))
        .select_related("village", "village__parent")
        .annotate(
            budget=Sum("projects__budget_fen"),
            spent=Sum("projects__spent_fen"),
            n_projects=Count("projects"),
        )
    )


def village_get(*, actor: User, village_id: int) -> BaseVillage:
    obj = villages_visible_to(actor).filter(pk=village_id).first()
    if obj is None:
        raise NotFoundError("base village")
    return obj


def projects_visible_to(actor: User) -> QuerySet[VillageProject]:
    require(actor, "plan.view_plan")
    return VillageProject.objects.filter(
        village__village__code__startswith=_prefix(actor)
    ).select_related("village", "village__village")


def weak_village_share(qs: QuerySet[VillageProject]) -> tuple[int, int]:
    """(budget of weak villages' projects, all projects' budget), fen: the priority shown."""
    total = int(qs.aggregate(s=Sum("budget_fen"))["s"] or 0)
    weak = int(qs.filter(village__weak=True).aggregate(s=Sum("budget_fen"))["s"] or 0)
    return weak, total


def placements_visible_to(actor: User) -> QuerySet[CarePlacement]:
    """Who lives where: placements of persons in the jurisdiction (by the person's household or
    registered residence), for the roles that may see them."""
    require(actor, "plan.view_placements")
    from safetynet.registry.selectors import persons_visible_to

    return CarePlacement.objects.filter(person__in=persons_visible_to(actor)).select_related(
        "person", "institution", "institution__division"
    )
