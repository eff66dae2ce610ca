"""Reads of verification data, scoped to the actor's jurisdiction and role.

Every read that shows a family's verification data (a request with its sources, a report, its PDF,
an exchange file) writes an AccessLog row: who, when, what, and the purpose — the request's number,
purpose and program. Lists (numbers and statuses only) and the live status poll are not logged.
A request outside the jurisdiction is reported as not found; a role without a need is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core import labels
from safetynet.registry.models import Division, Enrolment, Household, Membership, Relation
from safetynet.registry.selectors import households_visible_to, person_match
from safetynet.rules.money import yuan

from . import errors as E
from .models import (
    AccessAction,
    AccessLog,
    Conclusion,
    Event,
    Finding,
    FindingKind,
    Program,
    QueryStatus,
    Report,
    RequestStatus,
    ReviewTask,
    SourceQuery,
    TaskStatus,
    VerificationRequest,
)

COVERED_PROGRAMS = (Program.DIBAO, Program.TEKUN, Program.LOW_INCOME, Program.ILLNESS_POVERTY)


def _prefix(actor: User) -> str | None:
    if not actor.is_authenticated or not actor.is_active:
        return None
    return actor.scope_prefix


def requests_visible_to(actor: User) -> QuerySet[VerificationRequest]:
    """Requests of households in the jurisdiction, for the roles that may see verification data."""
    prefix = _prefix(actor)
    if prefix is None or not actor.has_perm("verification.view_verification"):
        return VerificationRequest.objects.none()
    return VerificationRequest.objects.filter(household__division__code__startswith=prefix)


def _check_view(actor: User) -> None:
    if _prefix(actor) is None:
        raise E.NotFoundError("verification request")
    require(actor, "verification.view_verification")  # the one map: not_permitted


def access_purpose(request: VerificationRequest) -> str:
    return f"{request.number} {request.get_purpose_display()} · {request.get_program_display()}"


def access_log_write(
    *, actor: User, action: AccessAction, request: VerificationRequest, detail: str = ""
) -> AccessLog:
    purpose = access_purpose(request)
    if detail:
        purpose = f"{purpose} · {detail}"
    return AccessLog.objects.create(
        user=actor,
        action=action,
        request=request,
        household_id=request.household_id,
        purpose=purpose[:200],
    )


# --------------------------------------------------------------------------- requests
def request_list(
    *,
    actor: User,
    status: str | None = None,
    q: str | None = None,
    household_id: int | None = None,
    division: str | None = None,
) -> QuerySet[VerificationRequest]:
    """The requests the actor may see, newest first; filtered by status, by a request or household
    number, by household, or by the household's division (a code: its subtree). Not logged: a row
    shows numbers and statuses, no economic data."""
    qs = requests_visible_to(actor).select_related("household", "household__division")
    if division:
        qs = qs.filter(household__division__code__startswith=division)
    if status:
        qs = qs.filter(status=status)
    if household_id:
        qs = qs.filter(household_id=household_id)
    query = (q or "").strip()
    if query:
        qs = qs.filter(Q(number=query) | Q(household__number=query))
    pending = Count(
        "queries", filter=Q(queries__status=QueryStatus.PENDING, queries__superseded=False)
    )
    return qs.annotate(pending_count=pending).order_by("-created_at", "-id")


def _undecided_ids() -> QuerySet:
    """Requests reported whose application's case is still open (not yet decided)."""
    from safetynet.cases.models import OPEN_STATUSES, Case

    return Case.objects.filter(
        status__in=OPEN_STATUSES,
        verification_request__status=RequestStatus.REPORTED,
    ).values("verification_request_id")


def undecided_only(requests: QuerySet[VerificationRequest]) -> QuerySet[VerificationRequest]:
    """Of these requests, those reported whose case is still open: a report awaiting a decision
    (the home page's count, and the request list's `undecided=1`)."""
    return requests.filter(id__in=_undecided_ids())


def reports_awaiting_decision(*, actor: User) -> QuerySet[VerificationRequest]:
    """The actor's reported requests whose case awaits its decision (the home page's count)."""
    return undecided_only(requests_visible_to(actor))


def _request(actor: User, request_id: int) -> VerificationRequest:
    _check_view(actor)
    try:
        return (
            requests_visible_to(actor)
            .select_related("household", "household__division", "created_by", "recheck_of")
            .prefetch_related(
                Prefetch("queries", queryset=SourceQuery.objects.filter(superseded=False)),
                Prefetch("reports", queryset=Report.objects.order_by("created_at")),
                Prefetch("events", queryset=Event.objects.select_related("actor")),
                "rechecks",
            )
            .get(pk=request_id)
        )
    except VerificationRequest.DoesNotExist:
        raise E.NotFoundError("verification request") from None


def request_get(*, actor: User, request_id: int) -> VerificationRequest:
    """A request with its sources, reports and timeline, for display: logged."""
    request = _request(actor, request_id)
    access_log_write(actor=actor, action=AccessAction.VIEW_REQUEST, request=request)
    return request


def request_status(*, actor: User, request_id: int) -> VerificationRequest:
    """The same request for the live status poll (statuses only): not logged."""
    return _request(actor, request_id)


def query_get(*, actor: User, query_id: int) -> SourceQuery:
    """One source query (its status, not its records), for the forms acting on it: not logged."""
    _check_view(actor)
    try:
        return (
            SourceQuery.objects.select_related("request")
            .filter(request__in=requests_visible_to(actor))
            .get(pk=query_id)
        )
    except SourceQuery.DoesNotExist:
        raise E.NotFoundError("source query") from None


def query_exchange_file_get(*, actor: User, query_id: int, which: str = "exchange") -> SourceQuery:
    """A manual source's request file (names and ID numbers) or response file: logged."""
    _check_view(actor)
    if which not in ("exchange", "response"):
        raise E.NotFoundError("exchange file")
    try:
        query = (
            SourceQuery.objects.select_related("request", "request__household")
            .filter(request__in=requests_visible_to(actor))
            .get(pk=query_id)
        )
    except SourceQuery.DoesNotExist:
        raise E.NotFoundError("source query") from None
    f = query.exchange_file if which == "exchange" else query.response_file
    if not f:
        raise E.NotFoundError("exchange file")
    access_log_write(
        actor=actor,
        action=AccessAction.DOWNLOAD_FILE,
        request=query.request,
        detail=f"{which} file {query.source}",
    )
    return query


def authorization_scan_get(*, actor: User, request_id: int) -> VerificationRequest:
    """The request whose signed authorization scan the actor downloads: logged. Outside the
    jurisdiction (or for a role without a need): not found / refused, like the request."""
    _check_view(actor)
    try:
        request = requests_visible_to(actor).select_related("household").get(pk=request_id)
    except VerificationRequest.DoesNotExist:
        raise E.NotFoundError("verification request") from None
    if not request.authorization_scan:
        raise E.NotFoundError("authorization scan")
    access_log_write(
        actor=actor, action=AccessAction.DOWNLOAD_FILE, request=request, detail="authorization"
    )
    return request


# --------------------------------------------------------------------------- reports
def _report(actor: User, report_id: int) -> Report:
    _check_view(actor)
    try:
        return (
            Report.objects.select_related(
                "request", "request__household", "request__household__division", "created_by"
            )
            .filter(request__in=requests_visible_to(actor))
            .get(pk=report_id)
        )
    except Report.DoesNotExist:
        raise E.NotFoundError("report") from None


def report_get(*, actor: User, report_id: int) -> Report:
    report = _report(actor, report_id)
    access_log_write(actor=actor, action=AccessAction.VIEW_REPORT, request=report.request)
    return report


def report_pdf_get(*, actor: User, report_id: int) -> Report:
    report = _report(actor, report_id)
    access_log_write(
        actor=actor, action=AccessAction.DOWNLOAD_PDF, request=report.request, detail=report.number
    )
    return report


def household_requests(*, actor: User, household: Household) -> list[VerificationRequest]:
    """The household's requests (for its page). `household` comes from household_get."""
    return list(request_list(actor=actor, household_id=household.pk))


def household_reports(*, actor: User, household: Household) -> list[Report]:
    """The household's reports, newest first (number, program, conclusion, date: not logged,
    like the request list; opening one is). Empty for a role that does not see verification."""
    return list(
        Report.objects.filter(request__in=requests_visible_to(actor).filter(household=household))
        .select_related("request")
        .order_by("-created_at", "-id")
    )


# --------------------------------------------------------------------------- access log
def access_log_list(
    *,
    actor: User,
    user_id: int | None = None,
    request_number: str | None = None,
    q: str = "",
    division: str = "",
) -> QuerySet[AccessLog]:
    """Who looked at verification data, newest first — for the auditor only, within the
    auditor's jurisdiction. The rows name the request, never its data."""
    prefix = _prefix(actor)
    if prefix is None:
        raise E.NotFoundError("access log")
    require(actor, "verification.view_access_log")
    qs = AccessLog.objects.filter(
        Q(household__division__code__startswith=prefix) | Q(household__isnull=True)
    ).select_related("user", "request", "household")
    if user_id:
        qs = qs.filter(user_id=user_id)
    if request_number:
        qs = qs.filter(request__number=request_number.strip())
    text = (q or "").strip()
    if text:  # ADR 1033: a login, a request or household number, or a part of the purpose
        qs = qs.filter(
            Q(user__username=text)
            | Q(request__number=text)
            | Q(household__number=text)
            | Q(purpose__contains=text)
        )
    if division:
        qs = qs.filter(household__division__code__startswith=division)
    return qs.order_by("-at", "-id")


# --------------------------------------------------------------------------- coverage
@dataclass
class CoverageRow:
    code: str
    name: str
    households: int
    verified: int

    @property
    def share(self) -> float:
        return self.verified / self.households if self.households else 0.0

    @property
    def percent(self) -> str:
        return f"{100 * self.share:.1f}"


@dataclass
class Coverage:
    as_of: dt.date
    since: dt.date
    total: CoverageRow
    districts: list[CoverageRow] = field(default_factory=list)


def _months_back(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    m += 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _batch_checked(since: dt.date, as_of: dt.date):
    """Households a batch re-verification checked in the window (the batch engine's
    HouseholdCheck rows), or None while that model does not exist."""
    from django.apps import apps

    try:
        check = apps.get_model("verification", "HouseholdCheck")
    except LookupError:
        return None
    return check.objects.filter(
        batch_run__finished_at__date__gt=since, batch_run__finished_at__date__lte=as_of
    ).values("household_id")


def coverage_basis(*, households: QuerySet[Household], as_of: dt.date) -> tuple[QuerySet, Q]:
    """The coverage's definition, for every reader of it (this page, the plan's targets): the
    caseload households of `households` (dibao, tekun, low-income and illness-expenditure
    enrolments open on `as_of`, by the household or a current member) and the condition "verified
    in the 12 months up to `as_of`" (a report that concluded — meets or does not meet; an
    incomplete report does not count — or a batch re-verification's check)."""
    since = _months_back(as_of, 12)
    open_enrolments = Enrolment.objects.filter(
        category__in=COVERED_PROGRAMS, start_date__lte=as_of
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
    by_person = Membership.objects.filter(
        end_date__isnull=True, person_id__in=open_enrolments.values("person_id")
    ).values("household_id")
    caseload = households.filter(
        Q(id__in=open_enrolments.filter(household__isnull=False).values("household_id"))
        | Q(id__in=by_person)
    )
    verified_ids = Report.objects.filter(
        created_at__date__gt=since,
        created_at__date__lte=as_of,
        conclusion__in=(Conclusion.MEETS, Conclusion.DOES_NOT_MEET),
    ).values("request__household_id")
    checked_ids = _batch_checked(since, as_of)
    verified = (
        Q(id__in=verified_ids) | Q(id__in=checked_ids)
        if checked_ids is not None
        else Q(id__in=verified_ids)
    )
    return caseload, verified


def coverage(*, actor: User, as_of: dt.date) -> Coverage:
    """The share of dibao, tekun, low-income and illness-expenditure households (enrolments open
    on `as_of`) verified in the 12 months up to `as_of` — a report that concluded (meets or does
    not meet; an incomplete report does not count) or a batch re-verification's check of the
    household — overall and by district, within the actor's jurisdiction (POLICY §1: 100%)."""
    require(actor, "verification.view_coverage")
    if _prefix(actor) is None:  # a superuser without a jurisdiction
        raise E.ServiceError(E.NOT_PERMITTED, "no jurisdiction")
    since = _months_back(as_of, 12)
    households, verified = coverage_basis(households=households_visible_to(actor), as_of=as_of)
    rows = (
        households.annotate(district=Substr("division_id", 1, 6))
        .values("district")
        .annotate(n=Count("id", distinct=True), v=Count("id", filter=verified))
        .order_by("district")
    )
    names = dict(Division.objects.filter(level="district").values_list("code", "name"))
    districts = [
        CoverageRow(r["district"], names.get(r["district"], r["district"]), r["n"], r["v"])
        for r in rows
    ]
    total = CoverageRow(
        "", "", sum(r.households for r in districts), sum(r.verified for r in districts)
    )
    return Coverage(as_of=as_of, since=since, total=total, districts=districts)


# --------------------------------------------------------------------------- review tasks
# Finding kinds whose verified/declared/limit figures are counts (vehicles, homes, businesses).
COUNT_KINDS = frozenset(
    {FindingKind.NEW_VEHICLE, FindingKind.NEW_PROPERTY, FindingKind.NEW_BUSINESS}
)


def review_tasks_visible_to(actor: User) -> QuerySet[ReviewTask]:
    """Review tasks of households in the jurisdiction, for the roles that see verification data
    (the street office's tasks, and above it the district's and the city's)."""
    prefix = _prefix(actor)
    if prefix is None or not actor.has_perm("verification.view_verification"):
        return ReviewTask.objects.none()
    return ReviewTask.objects.filter(household__division__code__startswith=prefix)


def _task_findings() -> QuerySet[Finding]:
    """The findings behind a task: the task's batch run, the task's household."""
    return Finding.objects.filter(
        household=OuterRef("household_id"), batch_run=OuterRef("batch_run_id")
    )


def review_task_list(
    *,
    actor: User,
    status: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    division: str = "",
) -> QuerySet[ReviewTask]:
    """The tasks the actor may see, open ones first then oldest first, with the household number
    (`household.number`), the head's name (`head_name`), the batch month (`batch_run.month`).
    Pass a page of it to `review_task_rows` for the finding kinds and the age. Not logged: a row
    shows kinds and statuses, no figures. A role without a need is refused."""
    _check_view(actor)
    head = Membership.objects.filter(
        household=OuterRef("household_id"), relation=Relation.HEAD, end_date__isnull=True
    ).values("person__name")[:1]
    qs = review_tasks_visible_to(actor).select_related("household", "street", "batch_run")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(Exists(_task_findings().filter(kind=kind)))
    text = (q or "").strip()
    if text:  # ADR 1033: the household number, or a current member's name start / ID number
        members = Membership.objects.filter(person_match(text, "person__"), end_date__isnull=True)
        qs = qs.filter(
            Q(household__number=text) | Q(household_id__in=members.values("household_id"))
        )
    if division:
        qs = qs.filter(household__division__code__startswith=division)
    return qs.annotate(head_name=Subquery(head)).order_by("created_at", "id")


def review_task_counts(*, actor: User, kind: str | None = None) -> dict[str, int]:
    """How many visible tasks per status (every status present, 0 when none)."""
    qs = review_tasks_visible_to(actor)
    if kind:
        qs = qs.filter(Exists(_task_findings().filter(kind=kind)))
    counts = dict.fromkeys(TaskStatus.values, 0)
    for row in qs.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def review_task_rows(tasks) -> list[ReviewTask]:
    """A page of `review_task_list` with `finding_kinds` (labels, sorted, distinct) and
    `age_days` (since the task was created) on each task. One query for the page."""
    tasks = list(tasks)
    if not tasks:
        return tasks
    pairs = {(t.household_id, t.batch_run_id) for t in tasks}
    kinds: dict[tuple[int, int], set[str]] = {}
    rows = (
        Finding.objects.filter(
            household_id__in={h for h, _r in pairs}, batch_run_id__in={r for _h, r in pairs}
        )
        .values_list("household_id", "batch_run_id", "kind")
        .distinct()
    )
    for h, r, k in rows:
        kinds.setdefault((h, r), set()).add(k)
    labels = dict(FindingKind.choices)
    now = timezone.now()
    for t in tasks:
        t.finding_kinds = [
            str(labels.get(k, k)) for k in sorted(kinds.get((t.household_id, t.batch_run_id), ()))
        ]
        t.age_days = (now - t.created_at).days
    return tasks


@dataclass
class FindingFigure:
    label: object  # a (lazy) translated label, or the detail's key
    value: str


@dataclass
class FindingView:
    finding: Finding
    figures: list[FindingFigure]
    extra: list[FindingFigure]


_FIGURE_LABELS = {
    "verified_fen": _("Verified"),
    "declared_fen": _("Declared"),
    "limit_fen": _("Line or limit"),
}
_DETAIL_LABELS = {
    "members_declared": _("Members declared"),
    "members_verified": _("Members verified"),
    "income_declared_fen": _("Household income declared (yuan/month)"),
    "income_verified_fen": _("Household income verified (yuan/month)"),
    "own_income_verified_fen": _("Own income verified (yuan/month)"),
    "line_fen": _("Line (yuan/month)"),
    "medical_oop_fen": _("Medical costs (yuan)"),
    "monthly_rise_fen": _("Monthly rise (yuan)"),
    "excess_fen": _("Excess (yuan)"),
    "record_fen": _("This record (yuan)"),
    "value_fen": _("Value (yuan)"),
    "by_source_fen": _("By source (yuan)"),
    "institution": _("Institution"),
    "registered": _("Registered on"),
    "death_date": _("Date of death"),
    "reported_by": _("Reported by"),
    "other_household": _("Other household"),
    "households": _("Households"),
    "districts": _("Districts"),
    "over_limit": _("Above the maximum"),
}


def _figure(value, *, count: bool) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int):
        return labels.value_label(value)
    return str(value) if count else yuan(value)


def finding_view(finding: Finding) -> FindingView:
    """A finding for display: its verified, declared and limit figures and the fen amounts of its
    detail formatted as yuan exactly (integer fen → "1,234.56"); counts stay counts."""
    d = finding.detail or {}
    count = finding.kind in COUNT_KINDS or "count_verified" in d
    figures = [
        FindingFigure(name, _figure(d.get(key), count=count))
        for key, name in _FIGURE_LABELS.items()
        if d.get(key) is not None
    ]
    extra = []
    for key, value in d.items():
        if key in _FIGURE_LABELS or key in ("program", "records"):
            continue
        if isinstance(value, dict):
            money = key.endswith("_fen")
            shown = "，".join(
                f"{labels.value_label(k)} {_figure(v, count=not money)}"
                for k, v in sorted(value.items())
                if v
            )
            extra.append(FindingFigure(_DETAIL_LABELS.get(key, key), shown or "—"))
        elif key.endswith("_fen"):
            extra.append(FindingFigure(_DETAIL_LABELS.get(key, key), _figure(value, count=False)))
        elif isinstance(value, (str, int, float, bool)) or value is None:
            shown = "—" if value is None else labels.value_label(value)
            extra.append(FindingFigure(_DETAIL_LABELS.get(key, key), shown))
    return FindingView(finding=finding, figures=figures, extra=extra)


def review_task_get(*, actor: User, task_id: int, purpose: str = "") -> ReviewTask:
    """A task with its findings (`finding_views`, each a FindingView), for display: logged
    (VIEW_FINDING, purpose "review task N"). Outside the jurisdiction: not found."""
    _check_view(actor)
    try:
        task = (
            review_tasks_visible_to(actor)
            .select_related(
                "household",
                "household__division",
                "street",
                "batch_run",
                "started_by",
                "closed_by",
            )
            .get(pk=task_id)
        )
    except ReviewTask.DoesNotExist:
        raise E.NotFoundError("review task") from None
    findings = (
        Finding.objects.filter(household_id=task.household_id, batch_run_id=task.batch_run_id)
        .select_related("person")
        .order_by("kind", "source", "source_record", "id")
    )
    task.finding_views = [finding_view(f) for f in findings]
    text = f"复核任务 {task.pk}"  # the access log is kept in Chinese
    if purpose:
        text = f"{text} · {purpose}"
    AccessLog.objects.create(
        user=actor,
        action=AccessAction.VIEW_FINDING,
        household_id=task.household_id,
        purpose=text[:200],
    )
    return task


def review_task_status(*, actor: User, task_id: int) -> ReviewTask:
    """The task's status alone (for the forms acting on it): not logged."""
    _check_view(actor)
    try:
        return review_tasks_visible_to(actor).get(pk=task_id)
    except ReviewTask.DoesNotExist:
        raise E.NotFoundError("review task") from None


def household_open_tasks(*, actor: User, household_id: int) -> list[ReviewTask]:
    """The household's open and in-progress review tasks (none for roles without a need), for the
    household page's links. Not logged: ids and statuses only."""
    return list(
        review_tasks_visible_to(actor)
        .filter(household_id=household_id)
        .exclude(status=TaskStatus.CLOSED)
        .order_by("created_at", "id")
    )
