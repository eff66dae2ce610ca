"""Reads of verification data, scoped to the actor's jurisdiction and role.

Every read that shows a family's verification data (a request with its sources, a report, its PDF,
an exchange file) writes an AccessLog row: who, when, what, and the purpose — the request's number,
purpose and program. Lists (numbers and statuses only) and the live status poll are not logged.
A request outside the jurisdiction is reported as not found; a role without a need is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from safetynet.accounts.models import User
from safetynet.registry.models import Division, Enrolment, Household, Membership
from safetynet.registry.selectors import households_visible_to

from . import errors as E
from .models import (
    AccessAction,
    AccessLog,
    Conclusion,
    Event,
    Program,
    QueryStatus,
    Report,
    SourceQuery,
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
    if not actor.has_perm("verification.view_verification"):
        raise E.ServiceError(E.NOT_PERMITTED, "this role does not see verification data")


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
    *, actor: User, status: str | None = None, q: str | None = None, household_id: int | None = None
) -> QuerySet[VerificationRequest]:
    """The requests the actor may see, newest first; filtered by status, by a request or household
    number, or by household. Not logged: a row shows numbers and statuses, no economic data."""
    qs = requests_visible_to(actor).select_related("household", "household__division")
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
        action=AccessAction.VIEW_REQUEST,
        request=query.request,
        detail=f"{which} file {query.source}",
    )
    return query


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


# --------------------------------------------------------------------------- access log
def access_log_list(
    *, actor: User, user_id: int | None = None, request_number: str | None = None
) -> QuerySet[AccessLog]:
    """Who looked at verification data, newest first — for the auditor only, within the
    auditor's jurisdiction. The rows name the request, never its data."""
    prefix = _prefix(actor)
    if prefix is None:
        raise E.NotFoundError("access log")
    if not actor.has_perm("verification.view_access_log"):
        raise E.ServiceError(E.NOT_PERMITTED, "only the auditor lists the access log")
    qs = AccessLog.objects.filter(
        Q(household__division__code__startswith=prefix) | Q(household__isnull=True)
    ).select_related("user", "request", "household")
    if user_id:
        qs = qs.filter(user_id=user_id)
    if request_number:
        qs = qs.filter(request__number=request_number.strip())
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


def coverage(*, actor: User, as_of: dt.date) -> Coverage:
    """The share of dibao, tekun, low-income and illness-expenditure households (enrolments open
    on `as_of`) verified in the 12 months up to `as_of` — a report that concluded (meets or does
    not meet; an incomplete report does not count) or a batch re-verification's check of the
    household — overall and by district, within the actor's jurisdiction (POLICY §1: 100%)."""
    if _prefix(actor) is None or not actor.has_perm("verification.view_coverage"):
        raise E.ServiceError(E.NOT_PERMITTED, "no jurisdiction")
    since = _months_back(as_of, 12)
    open_enrolments = Enrolment.objects.filter(
        category__in=COVERED_PROGRAMS, start_date__lte=as_of
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
    by_person = Membership.objects.filter(
        end_date__isnull=True, person_id__in=open_enrolments.values("person_id")
    ).values("household_id")
    households = households_visible_to(actor).filter(
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
