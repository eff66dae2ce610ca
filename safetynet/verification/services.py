"""Writes of the verification workflow (POLICY §2: accept → query → compare → report → recheck).

Each service is `<noun>_<verb>(*, actor, ...)`: one transaction, an Event row, side effects (the
dispatch task) only after commit. A refusal raises ServiceError with a stable code (errors.py) and
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core.files import (
    removes_stored_files_on_failure,
    store_file,
    stored_files_removed_on_failure,
)
from safetynet.core.uploads import FileRefused, scan_type
from safetynet.registry.models import Enrolment, Household
from safetynet.registry.selectors import household_get

from . import errors as E
from .events import event_record, review_task_event_record
from .models import (
    Conclusion,
    EventKind,
    NumberCounter,
    Program,
    Purpose,
    QueryStatus,
    Report,
    RequestStatus,
    ReviewTask,
    SourceQuery,
    TaskOutcome,
    TaskStatus,
    VerificationRequest,
)
from .report import INCOME_ITEMS, QueryData, build_figures
from .sources.catalog import SOURCES, Mode

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REQUEST_SERIES = "HD"  # 核对 request: HD-2020-000001
REPORT_SERIES = "HDBG"  # 核对报告: HDBG-2020-000001
DECLARED_ASSET_KEYS = (
    "financial_assets_fen",
    "vehicles",
    "homes",
    "businesses",
    "medical_oop_12m_fen",
)


# --------------------------------------------------------------------------- helpers
def number_next(*, series: str, year: int) -> str:
    """The next number of a yearly series, e.g. HD-2020-000001. Must run inside the transaction
    that stores the numbered row: the counter row stays locked until it commits (PostgreSQL:
    SELECT … FOR UPDATE; SQLite: the write transaction is exclusive), and a rollback returns the
    number, so numbers are unique and gapless."""
    key = f"{series}-{year}"
    NumberCounter.objects.bulk_create([NumberCounter(series=key, last=0)], ignore_conflicts=True)
    # UPDATE takes the row lock (held to commit); a concurrent caller waits, then re-reads.
    NumberCounter.objects.filter(series=key).update(last=F("last") + 1)
    last = NumberCounter.objects.get(series=key).last
    return f"{key}-{last:06d}"


def _require(actor: User, perm: str, obj=None) -> None:
    """The shared permission map (accounts/permissions.py): code ``not_permitted``."""
    require(actor, perm, obj)


def _request_for_update(*, actor: User, request_id: int) -> VerificationRequest:
    """The request, locked, if the actor's jurisdiction holds its household (else not found)."""
    prefix = actor.scope_prefix if actor.is_authenticated and actor.is_active else None
    if prefix is None:
        raise E.NotFoundError("verification request")
    try:
        return (
            VerificationRequest.objects.select_for_update()
            .select_related("household")
            .get(pk=request_id, household__division__code__startswith=prefix)
        )
    except VerificationRequest.DoesNotExist:
        raise E.NotFoundError("verification request") from None


def _query_for_update(*, actor: User, query_id: int) -> SourceQuery:
    prefix = actor.scope_prefix if actor.is_authenticated and actor.is_active else None
    if prefix is None:
        raise E.NotFoundError("source query")
    try:
        return (
            SourceQuery.objects.select_for_update()
            .select_related("request", "request__household")
            .get(pk=query_id, request__household__division__code__startswith=prefix)
        )
    except SourceQuery.DoesNotExist:
        raise E.NotFoundError("source query") from None


def _money(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise E.ServiceError(
            E.INVALID_DECLARATION,
            f"{path} must be a non-negative integer",
            [E.FieldProblem(field=path, message="must be a non-negative integer", code="invalid")],
        )
    return value


def declared_snapshot(
    *,
    household: Household,
    declared_income: Mapping[int, Mapping[str, int]] | None,
    declared_assets: Mapping[str, int] | None,
    on: dt.date,
) -> dict:
    """What the family declared, frozen with the registry's facts of the day: members (ID number,
    birth, relation, 户籍, disability, death, and the 特困 self-care and supporter facts where
    known), each member's monthly income by kind (fen), and the
    household's assets. This is the rules engine's situation shape (docs/rules-situation-schema)."""
    members = list(
        household.memberships.filter(end_date__isnull=True)
        .select_related("person", "person__hukou_division")
        .order_by("id")
    )
    if not members:
        raise E.ServiceError(E.HOUSEHOLD_HAS_NO_MEMBERS, "the household has no current members")
    declared_income = declared_income or {}
    declared_assets = declared_assets or {}
    unknown = set(declared_income) - {m.person_id for m in members}
    if unknown:
        raise E.ServiceError(E.INVALID_DECLARATION, f"not members: {sorted(unknown)}")
    persons = []
    for m in members:
        p = m.person
        income = {}
        for k, v in (declared_income.get(p.pk) or {}).items():
            if k not in INCOME_ITEMS:
                raise E.ServiceError(E.INVALID_DECLARATION, f"unknown income kind {k}")
            if v:
                income[k] = _money(v, f"income.{p.pk}.{k}")
        entry = {
            "id": p.pk,
            "id_number": p.id_number,
            "name": p.name,
            "sex": p.sex,
            "birth_date": p.birth_date.isoformat(),
            "relation": m.relation,
            "hukou_division": p.hukou_division_id,
            "death_date": p.death_date.isoformat() if p.death_date else None,
            "disability": (
                {"grade": p.disability_grade, "kind": p.disability_kind}
                if p.disability_grade and p.disability_kind
                else None
            ),
            "income": income,
        }
        # 特困 facts, only when the registry knows them: unknown leaves the engine's default
        # (no failed self-care items, a capable supporter).
        if p.selfcare_failed_items is not None:
            entry["selfcare_failed_items"] = p.selfcare_failed_items
        if p.has_capable_supporter is not None:
            entry["has_capable_supporter"] = p.has_capable_supporter
        persons.append(entry)
    assets = {}
    for k in DECLARED_ASSET_KEYS:
        assets[k] = _money(int(declared_assets.get(k, 0) or 0), f"assets.{k}")
    enrolled = sorted(
        set(
            Enrolment.objects.filter(household=household, start_date__lte=on)
            .exclude(end_date__lt=on)
            .values_list("category", flat=True)
        )
    )
    return {
        "as_of": on.isoformat(),
        "household": {
            "id": household.pk,
            "number": household.number,
            "division_code": household.division_id,
            "is_rural": household.is_rural,
            **assets,
        },
        "persons": persons,
        "enrolments": enrolled,
    }


def _signer_is_member(signed_by: Any, snapshot: Mapping) -> str | None:
    """The signer's name when `signed_by` (a person id, an ID number or a name) is a living
    current member, else None."""
    for p in snapshot["persons"]:
        if p.get("death_date"):
            continue
        if (
            (isinstance(signed_by, int) and signed_by == p["id"])
            or str(signed_by).strip().upper() == p["id_number"]
            or str(signed_by).strip() == p["name"]
            or str(signed_by).strip() == str(p["id"])
        ):
            return p["name"]
    return None


def _create_queries(request: VerificationRequest, codes: Iterable[str]) -> list[SourceQuery]:
    return SourceQuery.objects.bulk_create(
        [SourceQuery(request=request, source=code) for code in codes]
    )


def _enqueue_dispatch(request_id: int, sources: list[str] | None = None) -> None:
    from .tasks import verification_dispatch_task

    transaction.on_commit(
        lambda: verification_dispatch_task.enqueue(request_id=request_id, sources=sources)
    )


# --------------------------------------------------------------------------- open
@removes_stored_files_on_failure
@transaction.atomic
def verification_request_open(
    *,
    actor: User,
    household_id: int,
    purpose: str,
    program: str,
    month: str,
    authorization_scan,
    signed_by: Any,
    signed_on: dt.date,
    declared_income: Mapping[int, Mapping[str, int]] | None = None,
    declared_assets: Mapping[str, int] | None = None,
) -> VerificationRequest:
    """Open a request for a household: the family's signed authorization (scan, signer, date) is
    required; the declaration is frozen; the request gets its number and one query per source;
    the automatic sources are queried after commit."""
    household = household_get(actor=actor, household_id=household_id)  # NotFoundError outside
    _require(actor, "verification.operate_verification", household)
    if purpose not in Purpose.values:
        raise E.ServiceError(E.INVALID_PURPOSE, f"unknown purpose {purpose!r}")
    if program not in Program.values:
        raise E.ServiceError(E.INVALID_PROGRAM, f"unknown program {program!r}")
    if not isinstance(month, str) or not MONTH_RE.match(month):
        raise E.ServiceError(E.INVALID_MONTH, f"bad month {month!r}")
    if not authorization_scan or not getattr(authorization_scan, "size", 1):
        raise E.ServiceError(E.AUTHORIZATION_MISSING, "no authorization scan")
    try:  # PDF, JPEG or PNG by content; the upload's name and declared type are ignored
        scan_kind = scan_type(authorization_scan)
    except FileRefused as exc:
        raise E.ServiceError(E.AUTHORIZATION_FILE_REFUSED, exc.message, exc.problems) from None
    today = timezone.localdate()
    if not signed_on or signed_on > today:
        raise E.ServiceError(E.AUTHORIZATION_SIGNED_IN_FUTURE, f"signed on {signed_on}")
    snapshot = declared_snapshot(
        household=household,
        declared_income=declared_income,
        declared_assets=declared_assets,
        on=today,
    )
    signer = _signer_is_member(signed_by, snapshot)
    if signer is None:
        raise E.ServiceError(E.AUTHORIZATION_SIGNER_NOT_MEMBER, f"{signed_by!r} is not a member")
    request = VerificationRequest(
        number=number_next(series=REQUEST_SERIES, year=today.year),
        household=household,
        purpose=purpose,
        program=program,
        month=month,
        authorization_signed_by=signer,
        authorization_signed_on=signed_on,
        declared=snapshot,
        created_by=actor,
    )
    # A server-chosen name: the request number and the extension of the detected type.
    store_file(
        request.authorization_scan,
        f"{request.number}-authorization.{scan_kind.ext}",
        authorization_scan,
    )
    request.save()
    _create_queries(request, SOURCES)
    event_record(
        request=request,
        kind=EventKind.OPENED,
        actor=actor,
        purpose=purpose,
        program=program,
        month=month,
        signed_by=signer,
        signed_on=signed_on.isoformat(),
    )
    _enqueue_dispatch(request.pk)
    return request


# --------------------------------------------------------------------------- dispatch
def _settle_status(request: VerificationRequest) -> None:
    """The request's status from its current queries (not for a reported request)."""
    if request.status == RequestStatus.REPORTED:
        return
    current = SourceQuery.objects.filter(request=request, superseded=False)
    pending = current.filter(status=QueryStatus.PENDING)
    if not pending.exists():
        request.status = RequestStatus.READY
    elif all(SOURCES[q].mode is Mode.MANUAL for q in pending.values_list("source", flat=True)):
        request.status = RequestStatus.AWAITING_MANUAL
    else:
        request.status = RequestStatus.QUERYING
    request.save(update_fields=["status"])


def _store_answer(query_id: int, answer) -> None:
    with transaction.atomic():
        q = SourceQuery.objects.select_for_update().select_related("request").get(pk=query_id)
        if q.status != QueryStatus.PENDING:
            return
        q.status = str(answer.status)
        q.attempts = q.attempts + int(answer.attempts)
        q.records = list(answer.records) if q.status == QueryStatus.ANSWERED else []
        q.error_code = answer.error_code
        q.error_message = answer.error_message[:2000]
        q.answered_at = timezone.now()
        q.save()
        event_record(
            request=q.request,
            kind=EventKind.SOURCE_ANSWERED if answer.ok else EventKind.SOURCE_FAILED,
            source=q.source,
            status=q.status,
            records=len(q.records),
            attempts=int(answer.attempts),
            elapsed_ms=int(answer.elapsed_ms),
            error_code=answer.error_code,
        )


def _export_request_file(query: SourceQuery, request: VerificationRequest) -> None:
    from .sources.manual import export_request_file

    persons = request.declared["persons"]
    filename, content = export_request_file(
        source=query.source,
        request_id=request.number,
        id_numbers=[p["id_number"] for p in persons],
        names=[p["name"] for p in persons],
    )
    store_file(query.exchange_file, filename, ContentFile(content))
    query.requested_at = timezone.now()
    query.attempts = query.attempts + 1
    query.save()
    event_record(
        request=request,
        kind=EventKind.REQUEST_FILE_EXPORTED,
        source=query.source,
        filename=filename,
    )


def verification_dispatch(*, request_id: int, sources: list[str] | None = None) -> None:
    """Query the request's pending automatic sources concurrently (each answer stored as it
    arrives: answered, failed or unavailable — never failing the request) and export the
    request file of each pending manual source. Run by the task worker."""
    with stored_files_removed_on_failure(), transaction.atomic():
        request = VerificationRequest.objects.select_for_update().get(pk=request_id)
        pending = list(
            SourceQuery.objects.filter(
                request=request, superseded=False, status=QueryStatus.PENDING
            ).order_by("source")
        )
        if sources is not None:
            pending = [q for q in pending if q.source in set(sources)]
        automatic = [q for q in pending if SOURCES[q.source].mode is Mode.AUTOMATIC]
        manual = [q for q in pending if SOURCES[q.source].mode is Mode.MANUAL]
        now = timezone.now()
        SourceQuery.objects.filter(pk__in=[q.pk for q in automatic]).update(requested_at=now)
        for q in manual:
            if not q.exchange_file:
                _export_request_file(q, request)
        if request.status == RequestStatus.OPEN:
            request.status = RequestStatus.QUERYING
            request.save(update_fields=["status"])
        event_record(
            request=request,
            kind=EventKind.DISPATCHED,
            automatic=[q.source for q in automatic],
            manual=[q.source for q in manual],
        )
        id_numbers = [p["id_number"] for p in request.declared["persons"]]
        purpose = f"{request.get_purpose_display()} {request.get_program_display()}"
        authorization_ref = f"{request.number}/{request.authorization_scan.name}"
    by_code = {q.source: q.pk for q in automatic}
    if by_code:
        from .sources.connectors import query_automatic_sources

        query_automatic_sources(
            base_url=getattr(settings, "AGENCIES_URL", None),
            request_id=request.number,
            purpose=str(purpose),
            authorization_ref=authorization_ref,
            id_numbers=id_numbers,
            sources=list(by_code),
            on_answer=lambda answer: _store_answer(by_code[answer.source], answer),
        )
    with transaction.atomic():
        request = VerificationRequest.objects.select_for_update().get(pk=request_id)
        _settle_status(request)


# --------------------------------------------------------------------------- manual sources
@removes_stored_files_on_failure
@transaction.atomic
def verification_manual_response_import(
    *, actor: User, query_id: int, filename: str, content: bytes
) -> SourceQuery:
    """Import a manual source's response file. The whole file is checked first (every problem
    by row and field); a bad file raises RESPONSE_FILE_INVALID with the problems and writes
    nothing."""
    from .sources.manual import ResponseFileError, parse_response_file

    query = _query_for_update(actor=actor, query_id=query_id)
    request = query.request
    _require(actor, "verification.operate_verification", request)
    if SOURCES[query.source].mode is not Mode.MANUAL:
        raise E.ServiceError(E.NOT_A_MANUAL_SOURCE, f"{query.source} is automatic")
    if query.status != QueryStatus.PENDING or query.superseded:
        raise E.ServiceError(E.QUERY_NOT_PENDING, f"{query.source} is {query.status}")
    try:
        records = parse_response_file(
            source=query.source,
            request_id=request.number,
            filename=filename,
            content=content,
            id_numbers=[p["id_number"] for p in request.declared["persons"]],
        )
    except ResponseFileError as exc:
        problems = list(getattr(exc, "problems", []) or [])
        raise E.ServiceError(E.RESPONSE_FILE_INVALID, str(exc), problems) from exc
    asked = {p["id_number"].upper() for p in request.declared["persons"]}
    problems = [
        E.FieldProblem(
            field="id_number",
            code="not_asked",
            message=f"{rec.get('id_number')} is not a person of request {request.number}",
            row=i,
        )
        for i, rec in enumerate(records, start=2)  # row 1 is the header
        if str(rec.get("id_number", "")).upper() not in asked
    ]
    if problems:
        raise E.ServiceError(E.RESPONSE_FILE_INVALID, "records about persons not asked", problems)
    from .sources.manual import response_filename

    # Stored under a server-chosen name; the uploaded name is kept in the event only.
    store_file(
        query.response_file,
        response_filename(SOURCES[query.source], request.number),
        ContentFile(content),
    )
    query.records = records
    query.status = QueryStatus.ANSWERED
    query.answered_at = timezone.now()
    query.error_code = ""
    query.error_message = ""
    query.save()
    event_record(
        request=request,
        kind=EventKind.RESPONSE_IMPORTED,
        actor=actor,
        source=query.source,
        filename=filename,
        records=len(records),
    )
    locked = VerificationRequest.objects.select_for_update().get(pk=request.pk)
    _settle_status(locked)
    return query


@transaction.atomic
def verification_source_retry(*, actor: User, query_id: int) -> SourceQuery:
    """Ask a failed or unavailable source again (automatic: re-queried after commit; manual: a new
    request file is exported)."""
    query = _query_for_update(actor=actor, query_id=query_id)
    request = query.request
    _require(actor, "verification.operate_verification", request)
    if request.status == RequestStatus.REPORTED:
        raise E.ServiceError(E.REQUEST_ALREADY_REPORTED, request.number)
    if query.superseded or query.status not in (QueryStatus.FAILED, QueryStatus.UNAVAILABLE):
        raise E.ServiceError(E.QUERY_NOT_RETRYABLE, f"{query.source} is {query.status}")
    query.status = QueryStatus.PENDING
    query.error_code = ""
    query.error_message = ""
    query.records = []
    query.answered_at = None
    if SOURCES[query.source].mode is Mode.MANUAL:
        query.exchange_file = ""
    query.save()
    event_record(request=request, kind=EventKind.SOURCE_RETRIED, actor=actor, source=query.source)
    locked = VerificationRequest.objects.select_for_update().get(pk=request.pk)
    _settle_status(locked)
    _enqueue_dispatch(request.pk, [query.source])
    return query


# --------------------------------------------------------------------------- report
@removes_stored_files_on_failure
@transaction.atomic
def verification_report_build(
    *, actor: User, request_id: int, allow_missing: bool = False
) -> Report:
    """Issue the numbered report: what each source found per person, counted income and assets
    under the rules engine, the discrepancies with the declaration, and the conclusion for the
    request's program. Refused while sources are pending unless `allow_missing` (then the
    conclusion is "incomplete"). The PDF is rendered and stored with it."""
    request = _request_for_update(actor=actor, request_id=request_id)
    _require(actor, "verification.operate_verification", request)
    if request.reports.exists():
        raise E.ServiceError(E.REQUEST_ALREADY_REPORTED, request.number)
    current = list(SourceQuery.objects.filter(request=request, superseded=False))
    pending = [q.source for q in current if q.status == QueryStatus.PENDING]
    if pending and not allow_missing:
        raise E.ServiceError(E.SOURCES_PENDING, f"pending: {', '.join(sorted(pending))}")
    result = build_figures(
        declared=request.declared,
        queries=[QueryData(q.source, q.status, q.records) for q in current],
        program=request.program,
        month=request.month,
    )
    today = timezone.localdate()
    report = Report.objects.create(
        number=number_next(series=REPORT_SERIES, year=today.year),
        request=request,
        figures=result.figures,
        counted_income_fen=result.counted_income_fen,
        financial_assets_fen=result.financial_assets_fen,
        conclusion=result.conclusion,
        reasons=result.reasons,
        discrepancies=result.discrepancies,
        created_by=actor,
    )
    from .pdf import report_pdf

    store_file(
        report.pdf, f"{report.number}.pdf", ContentFile(report_pdf(report=report)), save=True
    )
    request.status = RequestStatus.REPORTED
    request.save(update_fields=["status"])
    event_record(
        request=request,
        kind=EventKind.REPORT_BUILT,
        actor=actor,
        report=report.number,
        conclusion=report.conclusion,
        discrepancies=len(report.discrepancies),
    )
    return report


# --------------------------------------------------------------------------- recheck
@transaction.atomic
def verification_recheck_open(
    *, actor: User, request_id: int, objection: str, sources: Iterable[str]
) -> VerificationRequest:
    """The family objects to a report (复核): a new request linked to the first, with the same
    authorization and declaration; the disputed sources are queried afresh, the others' answers
    are carried over. The first request and its report stay as they are."""
    original = _request_for_update(actor=actor, request_id=request_id)
    _require(actor, "verification.operate_verification", original)
    if not original.reports.exists():
        raise E.ServiceError(E.RECHECK_NEEDS_REPORT, original.number)
    objection = (objection or "").strip()
    if not objection:
        raise E.ServiceError(E.RECHECK_NEEDS_OBJECTION, "no objection")
    disputed = sorted(set(sources or []))
    existing = {q.source: q for q in SourceQuery.objects.filter(request=original, superseded=False)}
    if not disputed or any(s not in existing for s in disputed):
        raise E.ServiceError(E.RECHECK_UNKNOWN_SOURCE, f"sources {disputed}")
    today = timezone.localdate()
    recheck = VerificationRequest(
        number=number_next(series=REQUEST_SERIES, year=today.year),
        household=original.household,
        purpose=original.purpose,
        program=original.program,
        month=original.month,
        authorization_scan=original.authorization_scan.name,
        authorization_signed_by=original.authorization_signed_by,
        authorization_signed_on=original.authorization_signed_on,
        declared=original.declared,
        recheck_of=original,
        objection=objection,
        created_by=actor,
    )
    recheck.save()
    carried = []
    # The disputed sources, and any that had not answered, are asked again.
    requery = set(disputed) | {c for c, q in existing.items() if q.status != QueryStatus.ANSWERED}
    for code, q in existing.items():
        if code in requery:
            carried.append(SourceQuery(request=recheck, source=code))
        else:
            carried.append(
                SourceQuery(
                    request=recheck,
                    source=code,
                    status=q.status,
                    attempts=q.attempts,
                    requested_at=q.requested_at,
                    answered_at=q.answered_at,
                    error_code=q.error_code,
                    error_message=q.error_message,
                    records=q.records,
                    exchange_file=q.exchange_file.name,
                    response_file=q.response_file.name,
                )
            )
    SourceQuery.objects.bulk_create(carried)
    event_record(
        request=recheck,
        kind=EventKind.RECHECK_OPENED,
        actor=actor,
        recheck_of=original.number,
        sources=disputed,
    )
    event_record(
        request=original,
        kind=EventKind.RECHECK_OPENED,
        actor=actor,
        recheck=recheck.number,
        sources=disputed,
    )
    _enqueue_dispatch(recheck.pk)
    return recheck


# --------------------------------------------------------------------------- review tasks
def _task_for_update(*, actor: User, task_id: int) -> ReviewTask:
    """The review task, locked, if the actor's jurisdiction holds its household (else not
    found); refused unless the actor's role operates verification there."""
    prefix = actor.scope_prefix if actor.is_authenticated and actor.is_active else None
    if prefix is None:
        raise E.NotFoundError("review task")
    try:
        task = (
            ReviewTask.objects.select_for_update()
            .select_related("household")
            .get(pk=task_id, household__division__code__startswith=prefix)
        )
    except ReviewTask.DoesNotExist:
        raise E.NotFoundError("review task") from None
    _require(actor, "verification.operate_verification", task)
    return task


def _task_save(task: ReviewTask, *, actor: User, reason: str, fields: list[str]) -> None:
    task._history_user = actor  # simple_history: who, and which service (the reason)
    task._change_reason = reason
    task.save(update_fields=fields)


@transaction.atomic
def review_task_start(*, actor: User, task_id: int) -> ReviewTask:
    """The street office takes up a review task: open → in progress."""
    task = _task_for_update(actor=actor, task_id=task_id)
    if task.status == TaskStatus.CLOSED:
        raise E.ServiceError(E.TASK_ALREADY_CLOSED, f"review task {task.pk} is closed")
    if task.status != TaskStatus.OPEN:
        raise E.ServiceError(E.TASK_NOT_OPEN, f"review task {task.pk} is {task.status}")
    task.status = TaskStatus.IN_PROGRESS
    task.started_at = timezone.now()
    task.started_by = actor
    _task_save(
        task, actor=actor, reason="review_task_start", fields=["status", "started_at", "started_by"]
    )
    review_task_event_record(task=task, kind="started", actor=actor)
    return task


@transaction.atomic
def review_task_close(*, actor: User, task_id: int, outcome_code: str, note: str) -> ReviewTask:
    """Close a review task in progress with its outcome (TaskOutcome) and a note saying what the
    review found — required. A referral to verification leaves the request to be opened from the
    task's page (the family's signed authorization is needed for it)."""
    task = _task_for_update(actor=actor, task_id=task_id)
    if task.status == TaskStatus.CLOSED:
        raise E.ServiceError(E.TASK_ALREADY_CLOSED, f"review task {task.pk} is closed")
    if task.status != TaskStatus.IN_PROGRESS:
        raise E.ServiceError(E.TASK_NOT_IN_PROGRESS, f"review task {task.pk} is {task.status}")
    if outcome_code not in TaskOutcome.values:
        raise E.ServiceError(
            E.TASK_OUTCOME_UNKNOWN,
            f"unknown outcome {outcome_code!r}",
            [E.FieldProblem(field="outcome_code", message="unknown", code=E.TASK_OUTCOME_UNKNOWN)],
        )
    note = (note or "").strip()
    if not note:
        raise E.ServiceError(
            E.TASK_NOTE_MISSING,
            "a note is required",
            [E.FieldProblem(field="note", message="required", code=E.TASK_NOTE_MISSING)],
        )
    task.status = TaskStatus.CLOSED
    task.outcome = outcome_code
    task.note = note
    task.closed_at = timezone.now()
    task.closed_by = actor
    _task_save(
        task,
        actor=actor,
        reason="review_task_close",
        fields=["status", "outcome", "note", "closed_at", "closed_by"],
    )
    review_task_event_record(task=task, kind="closed", actor=actor)
    return task


__all__ = [
    "Conclusion",
    "declared_snapshot",
    "number_next",
    "review_task_close",
    "review_task_start",
    "verification_dispatch",
    "verification_manual_response_import",
    "verification_recheck_open",
    "verification_report_build",
    "verification_request_open",
    "verification_source_retry",
]
