"""Reads for the case screens and the API (workbench, approver's queue, case page, stored files),
built on the scoped selectors: a case outside the actor's jurisdiction is not found."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Q, QuerySet

from safetynet.accounts.models import User
from safetynet.core import labels
from safetynet.registry.models import Household, Person
from safetynet.registry.selectors import name_prefix_filter, person_match
from safetynet.verification.models import AccessAction, AccessLog, Report

from . import clock
from . import errors as E
from .models import Case, CaseDocument, CaseProgram, Decision, HomeVisit, HomeVisitPhoto, Notice
from .scopes import OPEN, overdue_q, overdue_steps
from .selectors import (
    case_deadlines_pending_count,
    case_due_dates,
    case_get,
    case_timeline,
    cases_visible_to,
)
from .states import Status

STEPS = [
    Status.ACCEPTED,
    Status.INVESTIGATING,
    Status.PROPOSED,
    Status.IN_NOTICE,
    Status.AWAITING_DECISION,
]
STEP_LABELS = labels.CASE_STEPS  # the one label map (ADR 1010)
LIST_FIELDS = (
    "id",
    "number",
    "program",
    "status",
    "household_id",
    "household__number",
    "applicant__name",
    "handling_division_id",
    "handling_division__name",
    "accepted_on",
    "investigation_due",
    "notice_ends_on",
    "decision_due",
    "total_due",
    "escalated_on",
    "extended_on",
    "deadlines_pending_year",
)


def step_due(case: Case) -> dt.date | None:
    """The due date of the step the case is at (the investigation until the proposal, the
    notice's end, the decision), else the whole case's."""
    if case.status in (Status.ACCEPTED, Status.INVESTIGATING):
        return case.investigation_due
    if case.status == Status.IN_NOTICE:
        return case.notice_ends_on
    if case.status == Status.AWAITING_DECISION:
        return case.decision_due
    return case.total_due


def _rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("household", "applicant", "handling_division").only(*LIST_FIELDS)


def workbench(
    *,
    actor: User,
    program: str | None = None,
    step: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    q: str = "",
    division: str = "",
    today: dt.date | None = None,
) -> QuerySet[Case]:
    """The actor's cases (their jurisdiction), open unless a closed step is asked for, oldest
    due first; filtered by program, step, overdue, the actor's own, a text (`text_q`) and the
    household's division (the division picker's code, already within the jurisdiction)."""
    today = today or clock.today()
    qs = cases_visible_to(actor)
    qs = qs.filter(status=step) if step else qs.filter(status__in=OPEN)
    if program:
        qs = qs.filter(program=program)
    if overdue:
        qs = qs.filter(overdue_q(today))
    if mine:
        qs = qs.filter(Q(accepted_by=actor) | Q(proposed_by=actor))
    qs = _narrow(qs, q=q, division=division)
    # a pending whole-case date (ADR 0814) runs past every known one: last, on every database
    return _rows(qs).order_by(F("total_due").asc(nulls_last=True), "id")


# A text filter matching up to this many cases (of any jurisdiction) is resolved to their ids
# first: the list then reads those rows by key and sorts them. A broader text (a common surname)
# stays a condition tested along the due-date index, where matches are dense (ADR 1030).
TEXT_IDS_CAP = 5_000


def text_q(text: str) -> Q:
    """The lists' text filter (ADR 1030): the start of a case number or a household number, the
    start of an applicant's name, or an applicant's whole ID number. Each is an indexed lookup
    answered once, not a join tested on every open case in due-date order."""
    text = text.strip()
    numbers = Case.objects.filter(number__startswith=text.upper()).order_by()
    households = Household.objects.filter(name_prefix_filter("number", text)).order_by()
    applicants = Person.objects.filter(person_match(text)).order_by()
    found = (
        Q(id__in=numbers.values("id"))
        | Q(household_id__in=households.values("id"))
        | Q(applicant_id__in=applicants.values("id"))
    )
    ids: set[int] = set()
    for part in (
        numbers,
        Case.objects.filter(household_id__in=households.values("id")).order_by(),
        Case.objects.filter(applicant_id__in=applicants.values("id")).order_by(),
    ):
        ids.update(part.values_list("id", flat=True)[: TEXT_IDS_CAP + 1])
        if len(ids) > TEXT_IDS_CAP:
            return found
    return Q(id__in=sorted(ids))


def _narrow(qs: QuerySet[Case], *, q: str = "", division: str = "") -> QuerySet[Case]:
    if q and q.strip():
        qs = qs.filter(text_q(q))
    if division:
        qs = qs.filter(household__division__code__startswith=division)
    return qs


# The workbench's counts (per step, overdue) cost a pass over every open case of the
# jurisdiction (a join to the households: ~50–180 ms at 100,000 cases); the list itself is an
# index scan that stops after one page. The counts are therefore kept for COUNTS_TTL seconds
# per jurisdiction (they are the same for everyone there), and dropped when the user acts
# (ADR 0820): the list is always live, a count may lag up to a minute behind others' work.
COUNTS_TTL = 60


def _counts_key(prefix: str, program: str | None, today: dt.date) -> str:
    return f"cases:counts:{prefix}:{program or '-'}:{today.isoformat()}"


def counts_forget(*, actor: User) -> None:
    """Drop the cached counts of the actor's jurisdiction (after one of their actions)."""
    prefix = actor.scope_prefix
    if prefix is None:
        return
    today = clock.today()
    cache.delete_many([_counts_key(prefix, p, today) for p in [None, *CaseProgram.values]])
    # the filtered lists' counts (list_count) of every jurisdiction above and at the actor's
    for n in sorted({0, 6, 9, 12, len(prefix)}):
        if n > len(prefix):
            continue
        key = f"cases:generation:{prefix[:n]}"
        cache.set(key, (cache.get(key) or 0) + 1, None)


def step_counts(*, actor: User, program: str | None = None) -> dict[str, int]:
    """Open cases per step, and `overdue`, in the actor's jurisdiction (one grouped count and
    one count, kept COUNTS_TTL seconds)."""
    today = clock.today()
    qs = cases_visible_to(actor)  # checks the ability first, every time
    prefix = actor.scope_prefix
    key = _counts_key(prefix or "", program, today)
    cached = cache.get(key) if prefix is not None else None
    if cached is not None:
        return cached
    qs = qs.filter(status__in=OPEN)
    if program:
        qs = qs.filter(program=program)
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    out = {s.value: counts.get(s.value, 0) for s in STEPS}
    out["overdue"] = qs.filter(overdue_q(today)).order_by().count()
    if prefix is not None:
        cache.set(key, out, COUNTS_TTL)
    return out


def _generation(prefix: str) -> int:
    return cache.get(f"cases:generation:{prefix}") or 0


def list_count(qs: QuerySet[Case], *, actor: User, filters: dict, known: int | None = None) -> int:
    """The true count of a workbench or queue list (ADR 1030). `known` is the count the cached
    counts per step already give (the whole jurisdiction, a step, overdue, a program): no query.
    Any other filter is counted once and kept COUNTS_TTL seconds per jurisdiction and filter;
    the user's own action drops it with the counts (`counts_forget`), so a count may lag a
    colleague's work by up to a minute, as the counts per step do (ADR 0820). The rows
    themselves are always read live."""
    if known is not None:
        return known
    prefix = actor.scope_prefix
    if prefix is None:
        return qs.order_by().count()
    wanted = "&".join(f"{k}={v}" for k, v in sorted(filters.items()) if v)
    key = f"cases:count:{prefix}:{_generation(prefix)}:{clock.today().isoformat()}:{wanted}"
    if len(key) > 200:  # memcached's limit is 250
        key = key[:120] + hashlib.sha1(key.encode()).hexdigest()
    n = cache.get(key)
    if n is None:
        n = qs.order_by().count()
        cache.set(key, n, COUNTS_TTL)
    return n


def deadlines_pending(*, actor: User) -> list[tuple[str, int]]:
    """[(year, number of the actor's cases)] whose due dates wait for that year's calendar
    (ADR 0814): the workbench's notice to add the year's calendar file."""
    counts = case_deadlines_pending_count(actor=actor)
    return [(str(year), n) for year, n in sorted(counts.items())]


def approver_queue(
    *, actor: User, program: str | None = None, q: str = "", division: str = ""
) -> QuerySet[Case]:
    """Cases awaiting the decision in the actor's jurisdiction (the district), oldest due first;
    filtered by program, a text and the household's division as the workbench."""
    qs = cases_visible_to(actor).filter(status=Status.AWAITING_DECISION)
    if program:
        qs = qs.filter(program=program)
    qs = _narrow(qs, q=q, division=division)
    return _rows(qs).order_by(F("decision_due").asc(nulls_last=True), "id")


def escalated(*, actor: User, limit: int = 20) -> list[Case]:
    """Open cases escalated to the district for running late (the queue page's second list),
    the earliest escalated first."""
    qs = cases_visible_to(actor).filter(escalated_on__isnull=False, status__in=OPEN)
    return decorate(_rows(qs).order_by("escalated_on", "id")[:limit])


def decorate(cases, today: dt.date | None = None) -> list[Case]:
    """Each row with `step_due` and `late` (the overdue steps), computed without queries."""
    today = today or clock.today()
    out = list(cases)
    for c in out:
        c.step_due = step_due(c)
        c.late = overdue_steps(c, today)
    return out


def decorate_in_place(page) -> None:
    """`decorate` the rows of a page of the list component (ADR 1030)."""
    page.object_list = decorate(page.object_list)


@dataclass
class CasePage:
    case: Case
    due_dates: list
    timeline: list
    visits: list
    documents: list
    objections: list
    notices: list
    decision: object
    report: Report | None
    today: dt.date


def case_page(*, actor: User, case_id: int) -> CasePage:
    case = case_get(actor=actor, case_id=case_id)
    today = clock.today()
    photos = Prefetch("photos", queryset=HomeVisitPhoto.objects.order_by("id"))
    visits = list(
        HomeVisit.objects.filter(case=case)
        .select_related("staff_1", "staff_2", "recorded_by")
        .prefetch_related(photos)
    )
    report = None
    if case.verification_request_id:
        report = (
            Report.objects.filter(request_id=case.verification_request_id).order_by("-pk").first()
        )
    decision = Decision.objects.filter(case=case).select_related("decided_by").first()
    return CasePage(
        case=case,
        due_dates=case_due_dates(case=case, today=today),
        timeline=case_timeline(case=case),
        visits=visits,
        documents=list(case.documents.select_related("uploaded_by").order_by("id")),
        objections=list(case.objections.order_by("raised_on", "id")),
        notices=list(case.notices.order_by("issued_on", "id")),
        decision=decision,
        report=report,
        today=today,
    )


# --------------------------------------------------------------------------- stored files
def _log(actor: User, case: Case, detail: str) -> None:
    """Every download of a case's stored file is in the access log (who, when, which case)."""
    AccessLog.objects.create(
        user=actor,
        action=AccessAction.DOWNLOAD_FILE,
        request_id=case.verification_request_id,
        household_id=case.household_id,
        purpose=f"{case.number} · {detail}"[:200],
    )


def visit_photo_get(*, actor: User, photo_id: int) -> HomeVisitPhoto:
    try:
        photo = HomeVisitPhoto.objects.select_related("visit").get(pk=photo_id)
    except HomeVisitPhoto.DoesNotExist:
        raise E.NotFoundError("photo") from None
    case = case_get(actor=actor, case_id=photo.visit.case_id)
    _log(actor, case, f"入户调查照片 {photo.pk}")  # the access log is kept in Chinese
    return photo


def document_get(*, actor: User, document_id: int) -> CaseDocument:
    try:
        doc = CaseDocument.objects.get(pk=document_id)
    except CaseDocument.DoesNotExist:
        raise E.NotFoundError("document") from None
    case = case_get(actor=actor, case_id=doc.case_id)
    _log(actor, case, f"申请材料 {doc.pk}")
    return doc


def notice_get(*, actor: User, notice_id: int) -> Notice:
    try:
        notice = Notice.objects.get(pk=notice_id)
    except Notice.DoesNotExist:
        raise E.NotFoundError("notice") from None
    case = case_get(actor=actor, case_id=notice.case_id)
    _log(actor, case, f"告知书 {notice.number}")
    return notice


# --------------------------------------------------------------------------- paging
@dataclass
class SlicePage:
    """A page of a list without counting the whole list: one more row than shown is fetched to
    know whether a next page exists (the workbench's counts per step come from one grouped
    count; a COUNT(*) per page over 100,000 open cases would cost as much again)."""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def slice_page(qs, page: str | None, size: int) -> SlicePage:
    try:
        number = max(1, int(page or 1))
    except ValueError:
        number = 1
    number = min(number, 10_000)
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return SlicePage(decorate(rows[:size]), number, len(rows) > size)


def household_cases(*, actor: User, household_id: int) -> list[Case]:
    """A household's cases the actor sees (the household page's list), newest first."""
    if not actor.has_perm("cases.view_cases"):
        return []
    return list(
        _rows(cases_visible_to(actor).filter(household_id=household_id)).order_by(
            "-accepted_on", "-id"
        )[:50]
    )
