"""Writes of the casework (POLICY §8): apply → investigate → propose → notice → decide → enrol.

Each service is `case_<verb>(*, actor, ...)`: the ability is checked first (`not_permitted`), the
case is looked up in the actor's jurisdiction and locked (`select_for_update`, so two approvers
acting at once produce one decision), the state machine says whether the step is possible
(`case_transition_not_allowed`), and the change, its due dates and an event row are written in one
transaction; stored files (PDFs, photos, documents) are removed again if it fails. A refusal is a
ServiceError with a stable code (errors.py) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core.files import removes_stored_files_on_failure, store_file
from safetynet.core.uploads import FileRefused, scan_type
from safetynet.registry import services as registry
from safetynet.registry.models import (
    Division,
    DivisionLevel,
    Enrolment,
    Household,
    Membership,
    Person,
)
from safetynet.registry.selectors import household_get
from safetynet.rules.catalog import CATALOG, VERIFIED_PROGRAMS
from safetynet.verification.models import Purpose, Report
from safetynet.verification.services import number_next, verification_request_open

from . import clock, deadlines
from . import errors as E
from .events import event_record
from .models import (
    APPLICATION_PROGRAMS,
    ENROLMENT_CATEGORY,
    OPEN_STATUSES,
    PERSONAL_ENROLMENT,
    Case,
    CaseDocument,
    CaseEvent,
    Decision,
    EventKind,
    HomeVisit,
    HomeVisitPhoto,
    Notice,
    NoticeKind,
    Objection,
    Outcome,
)
from .proposal import build_proposal
from .scopes import jurisdiction_q, overdue_q, overdue_steps
from .states import DECIDED_STATES, Action, Status, TransitionNotAllowed, target

CASE_SERIES = "SQ"  # 申请: SQ-2025-000001
PUBLIC_NOTICE_SERIES = "GS"  # 公示
DECISION_NOTICE_SERIES = "JD"  # 决定
LEGAL_BASIS = "民发〔2021〕57号"

# Events whose actor accepted or investigated the case: none of them may decide it (POLICY §8).
ACCEPT_OR_INVESTIGATE = (
    EventKind.ACCEPTED,
    EventKind.INVESTIGATION_STARTED,
    EventKind.HOME_VISIT,
    EventKind.VERIFICATION_LINKED,
    EventKind.PROPOSED,
)


# --------------------------------------------------------------------------- helpers
def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _pending_note(case: Case, *, actor, on: dt.date, start: dt.date, steps: list[str]) -> None:
    """Due dates of `steps`, counted from `start`, are pending (the calendar does not know the
    year yet, ADR 0814): the case records the year it waits for, and the timeline says so once."""
    if not steps:
        return
    year = deadlines.awaited_year(start)
    first = case.deadlines_pending_year is None
    if first or year < case.deadlines_pending_year:
        case.deadlines_pending_year = year
        case.save(update_fields=["deadlines_pending_year", "updated_at"])
    if first:
        event_record(
            case=case, kind=EventKind.DEADLINES_PENDING, actor=actor, on=on, year=year, steps=steps
        )


def _prefix(actor: User) -> str | None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    return actor.scope_prefix


def _case_for_update(*, actor: User, case_id: int) -> Case:
    prefix = _prefix(actor)
    if prefix is None:
        raise E.NotFoundError("case")
    visible = Case.objects.filter(jurisdiction_q(prefix)).values("pk")
    try:
        # Lock the case row only (not the joined household/division rows).
        return Case.objects.select_for_update(of=("self",)).get(pk=case_id, pk__in=visible)
    except Case.DoesNotExist:
        raise E.NotFoundError("case") from None


def _move(case: Case, action: Action) -> tuple[str, str]:
    """Check the state machine and set the new status; (from, to)."""
    try:
        to = target(action, case.status)
    except TransitionNotAllowed:
        raise E.ServiceError(
            E.TRANSITION_NOT_ALLOWED,
            f"case {case.number}: {action.value} is not possible from {case.status}",
        ) from None
    before = case.status
    case.status = to.value
    return before, to.value


def _refuse(code: str, message: str, field: str | None = None):
    problems = [E.FieldProblem(field=field, message=message, code=code)] if field else []
    raise E.ServiceError(code, message, problems)


def _text(value: Any, *, field: str, code: str = E.REASON_REQUIRED, max_len: int = 5000) -> str:
    text = str(value or "").strip()
    if not text:
        _refuse(code, f"{field} is required", field)
    if len(text) > max_len:
        _refuse(code, f"{field} is longer than {max_len} characters", field)
    return text


def _street_of(division: Division) -> Division:
    """The street/town handling a community's cases (一门受理、协同办理)."""
    d = division
    while d is not None and d.level != DivisionLevel.STREET:
        d = d.parent
    if d is None:
        raise E.ServiceError(E.HOUSEHOLD_INVALID, f"no street above {division.code}")
    return d


def _store_upload(field_file, name: str, upload, *, code: str, field: str) -> str:
    try:
        kind = scan_type(upload, field=field)
    except FileRefused as exc:
        raise E.ServiceError(code, exc.message, exc.problems) from None
    store_file(field_file, f"{name}.{kind.ext}", upload)
    return kind.ext


# --------------------------------------------------------------------------- apply
def _new_household(*, actor: User, data: Mapping, on: dt.date) -> Household:
    """Create the household of an application through the registry services: `data` =
    {division, address?, is_rural?, members: [{relation, person_id} | {relation, id_number,
    name, hukou_division?, …person fields}]} with exactly one member whose relation is head."""
    members = list(data.get("members") or [])
    heads = [m for m in members if m.get("relation") == "head"]
    if len(heads) != 1:
        _refuse(E.HOUSEHOLD_INVALID, "a new household needs exactly one head", "household.members")
    division = str(data.get("division") or "")

    def person_of(m: Mapping, household: Household | None) -> Person:
        if m.get("person_id"):
            if household is not None:
                registry.household_add_member(
                    actor=actor,
                    household=household,
                    person=m["person_id"],
                    relation=m["relation"],
                    start_date=on,
                )
            return Person.objects.get(pk=m["person_id"])
        fields = {
            k: v
            for k, v in m.items()
            if k
            in (
                "id_number",
                "name",
                "residence_address",
                "birth_date",
                "sex",
                "disability_grade",
                "disability_kind",
                "selfcare_failed_items",
                "has_capable_supporter",
            )
        }
        return registry.person_create(
            actor=actor,
            hukou_division=m.get("hukou_division") or division,
            household=household,
            relation=None if household is None else m["relation"],
            start_date=on if household is not None else None,
            **fields,
        )

    head = person_of(heads[0], None)
    household = registry.household_create(
        actor=actor,
        division=division,
        head=head,
        address=str(data.get("address") or ""),
        is_rural=bool(data.get("is_rural", False)),
        start_date=on,
    )
    for m in members:
        if m is not heads[0]:
            person_of(m, household)
    return household


def _by_person_id(household: Household, mapping: Mapping | None) -> dict[int, Any]:
    """Declared income keyed by person id or ID number → keyed by person id."""
    if not mapping:
        return {}
    members = {
        m.person.id_number: m.person_id
        for m in Membership.objects.filter(
            household=household, end_date__isnull=True
        ).select_related("person")
    }
    out: dict[int, Any] = {}
    for key, value in mapping.items():
        if isinstance(key, int) or (str(key).isdigit() and len(str(key)) < 18):
            out[int(key)] = value
        elif str(key).upper() in members:
            out[members[str(key).upper()]] = value
        else:
            _refuse(E.APPLICANT_NOT_MEMBER, f"{key} is not a member", f"declared_income.{key}")
    return out


# The one-off request of a grant (docs/rules-situation-schema.md "requests").
REQUEST_SHAPES = {
    "temporary_assistance": ("kind", ("emergency", "expenditure"), "requested_fen"),
    "disaster_housing": ("kind", ("new_build", "repair"), "cost_fen"),
}


def _check_requests(program: str, requests: Mapping | None) -> dict:
    """The grant request of a temporary-assistance or disaster-housing application (required
    there, refused elsewhere): its kind and its amount in fen."""
    requests = dict(requests or {})
    shape = REQUEST_SHAPES.get(program)
    if shape is None:
        if requests:
            _refuse(E.REQUEST_INVALID, f"{program} takes no grant request", "requests")
        return {}
    kind_key, kinds, amount_key = shape
    extra = set(requests) - {program}
    req = requests.get(program)
    if extra or not isinstance(req, Mapping) or set(req) != {kind_key, amount_key}:
        _refuse(
            E.REQUEST_INVALID, f"requests.{program} needs {kind_key} and {amount_key}", "requests"
        )
    if req[kind_key] not in kinds:
        _refuse(E.REQUEST_INVALID, f"{kind_key} must be one of {kinds}", f"requests.{kind_key}")
    amount = req[amount_key]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        _refuse(E.REQUEST_INVALID, f"{amount_key} must be a positive integer (fen)", amount_key)
    return {program: {kind_key: req[kind_key], amount_key: amount}}


@removes_stored_files_on_failure
@transaction.atomic
def case_apply(
    *,
    actor: User,
    program: str,
    household_id: int | None = None,
    new_household: Mapping | None = None,
    applicant: int | str | None = None,
    declared_income: Mapping | None = None,
    declared_assets: Mapping[str, int] | None = None,
    authorization_scan,
    signed_by: Any,
    signed_on: dt.date,
    documents: Iterable[tuple[str, Any]] = (),
    requests: Mapping | None = None,
) -> Case:
    """Accept an application (受理): the household (an existing one, or `new_household` created in
    the same transaction by the registry services), the members' declared income and assets, the
    family's signed authorization — which opens the verification request (no second upload) —
    and the documents. The case is routed to the household's street office, with its due dates."""
    require(actor, "cases.accept_application")
    if program not in APPLICATION_PROGRAMS:
        _refuse(E.PROGRAM_INVALID, f"{program!r} takes no application", "program")
    today = clock.today()
    # due dates running into a year the calendar does not know yet are pending (None, ADR 0814)
    investigation_due = deadlines.investigation_due(today)
    total_due = deadlines.total_due(today)
    requests = _check_requests(program, requests)
    if (household_id is None) == (new_household is None):
        _refuse(E.HOUSEHOLD_INVALID, "give household_id or new_household", "household")
    if new_household is not None:
        household = _new_household(actor=actor, data=new_household, on=today)
    else:
        household = household_get(actor=actor, household_id=household_id)
    members = {
        m.person_id: m.person
        for m in Membership.objects.filter(
            household=household, end_date__isnull=True
        ).select_related("person")
    }
    if applicant is None:
        head = Membership.objects.filter(
            household=household, end_date__isnull=True, relation="head"
        ).first()
        applicant_obj = head.person if head else None
    else:
        applicant_obj = next(
            (
                p
                for p in members.values()
                if p.pk == applicant or str(applicant).strip().upper() == p.id_number
            ),
            None,
        )
    if applicant_obj is None or applicant_obj.death_date is not None:
        _refuse(E.APPLICANT_NOT_MEMBER, f"{applicant!r} is not a living member", "applicant")
    if Case.objects.filter(household=household, program=program, status__in=OPEN_STATUSES).exists():
        _refuse(
            E.DUPLICATE_APPLICATION, f"{household.number} has an open {program} case", "program"
        )
    category = ENROLMENT_CATEGORY.get(program)
    if category and (
        Enrolment.objects.filter(person_id__in=members, category=category)  # now or later
        .exclude(end_date__lt=today)
        .exists()
    ):
        _refuse(E.ALREADY_ENROLLED, f"{household.number} is enrolled in {category}", "program")
    income = _by_person_id(household, declared_income)
    # The authorization opens the verification (the existing app) — one upload, one request.
    vprogram = program if program in VERIFIED_PROGRAMS else "dibao"
    vrequest = verification_request_open(
        actor=actor,
        household_id=household.pk,
        purpose=Purpose.APPLICATION,
        program=vprogram,
        month=f"{today.year:04d}-{today.month:02d}",
        authorization_scan=authorization_scan,
        signed_by=signed_by,
        signed_on=signed_on,
        declared_income=income,
        declared_assets=declared_assets,
    )
    community = household.division
    case = Case(
        number=number_next(series=CASE_SERIES, year=today.year),
        program=program,
        household=household,
        applicant=applicant_obj,
        accepting_division=actor.jurisdiction,
        handling_division=_street_of(community),
        accepted_by=actor,
        accepted_on=today,
        declared={**vrequest.declared, "requests": requests},
        verification_request=vrequest,
        investigation_due=investigation_due,
        total_due=total_due,
    )
    try:
        with transaction.atomic():
            case.save()  # the partial unique key: one open case per household and program
    except IntegrityError:
        _refuse(
            E.DUPLICATE_APPLICATION, f"{household.number} has an open {program} case", "program"
        )
    for i, (title, upload) in enumerate(documents or (), start=1):
        doc = CaseDocument(case=case, title=_text(title, field=f"documents[{i}].title"))
        doc.uploaded_by = actor
        doc.kind = _store_upload(
            doc.file,
            f"{case.number}-doc{i}",
            upload,
            code=E.DOCUMENT_REFUSED,
            field=f"documents[{i}]",
        )
        doc.save()
    event_record(
        case=case,
        kind=EventKind.ACCEPTED,
        actor=actor,
        on=today,
        to_status=case.status,
        program=program,
        household=household.number,
        handling_division=case.handling_division_id,
        verification_request=vrequest.number,
        investigation_due=_iso(case.investigation_due),
        total_due=_iso(case.total_due),
        documents=len(list(case.documents.all())),
    )
    _pending_note(
        case,
        actor=actor,
        on=today,
        start=today,
        steps=[
            s for s, d in (("investigation", investigation_due), ("total", total_due)) if d is None
        ],
    )
    return case


# --------------------------------------------------------------------------- investigation
@transaction.atomic
def case_investigation_start(*, actor: User, case_id: int) -> Case:
    """The handling street takes up the investigation (home visit and verification)."""
    require(actor, "cases.investigate")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    before, after = _move(case, Action.START_INVESTIGATION)
    case.investigation_started_on = today
    case.save(update_fields=["status", "investigation_started_on", "updated_at"])
    event_record(
        case=case,
        kind=EventKind.INVESTIGATION_STARTED,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
    )
    return case


def _staff(case: Case, user_id: int, field: str) -> User:
    """An active community worker or street officer of the handling street."""
    try:
        user = User.objects.select_related("jurisdiction").get(pk=user_id, is_active=True)
    except User.DoesNotExist:
        _refuse(E.VISIT_STAFF_INVALID, f"no active user {user_id}", field)
    prefix = user.scope_prefix or ""
    if user.role not in ("community_worker", "street_officer") or not prefix.startswith(
        case.handling_division_id
    ):
        _refuse(E.VISIT_STAFF_INVALID, f"{user.username} is not staff of the office", field)
    return user


@removes_stored_files_on_failure
@transaction.atomic
def case_home_visit_record(
    *,
    actor: User,
    case_id: int,
    visited_on: dt.date,
    staff: Sequence[int],
    findings: str,
    photos: Iterable[Any] = (),
) -> HomeVisit:
    """Record the home visit (入户调查) of two distinct staff: date, findings, photos (checked by
    content, stored under server-chosen names)."""
    require(actor, "cases.investigate")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    if case.status != Status.INVESTIGATING:
        raise E.ServiceError(
            E.TRANSITION_NOT_ALLOWED, f"case {case.number}: no home visit while {case.status}"
        )
    staff = list(staff or [])
    if len(staff) != 2:
        _refuse(E.VISIT_STAFF_INVALID, "a home visit is made by two staff", "staff")
    if staff[0] == staff[1]:
        _refuse(E.VISIT_STAFF_SAME, "the two staff must be different people", "staff")
    s1 = _staff(case, staff[0], "staff[0]")
    s2 = _staff(case, staff[1], "staff[1]")
    if not isinstance(visited_on, dt.date) or not (case.accepted_on <= visited_on <= today):
        _refuse(E.VISIT_DATE_INVALID, f"visit date {visited_on} out of range", "visited_on")
    findings = _text(findings, field="findings", code=E.VISIT_FINDINGS_MISSING)
    visit = HomeVisit.objects.create(
        case=case,
        visited_on=visited_on,
        staff_1=s1,
        staff_2=s2,
        findings=findings,
        recorded_by=actor,
    )
    n = 0
    for n, upload in enumerate(photos or (), start=1):
        photo = HomeVisitPhoto(visit=visit)
        photo.kind = _store_upload(
            photo.file,
            f"{case.number}-visit{visit.pk}-{n}",
            upload,
            code=E.VISIT_PHOTO_REFUSED,
            field=f"photos[{n - 1}]",
        )
        photo.save()
    event_record(
        case=case,
        kind=EventKind.HOME_VISIT,
        actor=actor,
        on=today,
        visit=visit.pk,
        visited_on=visited_on.isoformat(),
        staff=[s1.pk, s2.pk],
        photos=n,
    )
    return visit


# --------------------------------------------------------------------------- proposal
def _latest_report(case: Case) -> Report | None:
    if case.verification_request_id is None:
        return None
    return Report.objects.filter(request_id=case.verification_request_id).order_by("-pk").first()


@transaction.atomic
def case_propose(*, actor: User, case_id: int, note: str = "") -> Case:
    """The proposal (审核意见): the rules engine's result for the household on the verified
    figures, frozen on the case — amount in fen, reason, named figures, trace and the parameter
    versions. Needs a home visit and a complete verification report."""
    require(actor, "cases.propose")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    before, after = _move(case, Action.PROPOSE)
    if not case.home_visits.exists():
        raise E.ServiceError(E.NEEDS_HOME_VISIT, f"case {case.number}: no home visit")
    report = _latest_report(case)
    if report is None:
        raise E.ServiceError(E.NEEDS_VERIFICATION_REPORT, f"case {case.number}: no report")
    if report.conclusion == "incomplete":
        raise E.ServiceError(E.VERIFICATION_INCOMPLETE, f"report {report.number} is incomplete")
    proposal = build_proposal(case=case, report=report, on=today)
    proposal["note"] = str(note or "").strip()
    case.proposal = proposal
    case.proposed_eligible = bool(proposal["eligible"])
    case.proposed_amount_fen = int(proposal["amount_fen"])
    case.proposed_on = today
    case.proposed_by = actor
    case.save()
    event_record(
        case=case,
        kind=EventKind.PROPOSED,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
        eligible=case.proposed_eligible,
        amount_fen=case.proposed_amount_fen,
        reason=proposal["reason"],
        report=report.number,
    )
    return case


# --------------------------------------------------------------------------- public notice
@removes_stored_files_on_failure
@transaction.atomic
def case_notice_publish(*, actor: User, case_id: int) -> Case:
    """Post the public notice (公示) for 7 calendar days: the printable PDF for the community
    board carries names and amounts only. Only an eligible proposal is noticed; an ineligible
    one goes to the decision directly (`case_refer_for_decision`)."""
    require(actor, "cases.publish_notice")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    before, after = _move(case, Action.PUBLISH_NOTICE)
    if not case.proposed_eligible:
        raise E.ServiceError(E.PROPOSAL_NOT_ELIGIBLE, f"case {case.number}: not eligible")
    case.notice_posted_on = today
    case.notice_ends_on = deadlines.notice_ends(today)
    case.decision_due = deadlines.decision_due(case.notice_ends_on)
    case.save()
    notice = _notice_issue(case=case, kind=NoticeKind.PUBLIC, actor=actor, on=today)
    event_record(
        case=case,
        kind=EventKind.NOTICE_PUBLISHED,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
        notice=notice.number,
        ends_on=case.notice_ends_on.isoformat(),
        decision_due=_iso(case.decision_due),
    )
    if case.decision_due is None:
        _pending_note(case, actor=actor, on=today, start=case.notice_ends_on, steps=["decision"])
    return case


@transaction.atomic
def case_objection_record(
    *,
    actor: User,
    case_id: int,
    content: str,
    raised_by: str = "",
    raised_on: dt.date | None = None,
) -> Objection:
    """Record an objection raised during the public notice (the objector may stay anonymous)."""
    require(actor, "cases.record_objection")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    raised_on = raised_on or today
    if case.status != Status.IN_NOTICE:
        raise E.ServiceError(
            E.OBJECTION_OUTSIDE_NOTICE, f"case {case.number}: objections only during the notice"
        )
    if not (case.notice_posted_on <= raised_on <= min(today, case.notice_ends_on)):
        _refuse(E.OBJECTION_OUTSIDE_NOTICE, f"{raised_on} is outside the notice", "raised_on")
    objection = Objection.objects.create(
        case=case,
        raised_on=raised_on,
        raised_by=str(raised_by or "").strip()[:100],
        content=_text(content, field="content", code=E.OBJECTION_CONTENT_MISSING),
        recorded_by=actor,
    )
    event_record(case=case, kind=EventKind.OBJECTION, actor=actor, on=today, objection=objection.pk)
    return objection


@transaction.atomic
def case_objection_answer(
    *, actor: User, objection_id: int, answer: str, upheld: bool
) -> Objection:
    """Answer an objection (found or not found, with the answer given to the objector)."""
    require(actor, "cases.answer_objection")
    try:
        case_id = Objection.objects.values_list("case_id", flat=True).get(pk=objection_id)
    except Objection.DoesNotExist:
        raise E.NotFoundError("objection") from None
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    objection = Objection.objects.select_for_update().get(pk=objection_id)
    if objection.answered_on is not None:
        raise E.ServiceError(E.OBJECTION_ALREADY_ANSWERED, f"objection {objection.pk}")
    if case.status not in (Status.IN_NOTICE, Status.AWAITING_DECISION):
        raise E.ServiceError(E.TRANSITION_NOT_ALLOWED, f"case {case.number} is {case.status}")
    objection.answer = _text(answer, field="answer", code=E.OBJECTION_CONTENT_MISSING)
    objection.answered_on = today
    objection.answered_by = actor
    objection.upheld = bool(upheld)
    objection.save()
    event_record(
        case=case,
        kind=EventKind.OBJECTION_ANSWERED,
        actor=actor,
        on=today,
        objection=objection.pk,
        upheld=objection.upheld,
    )
    return objection


@transaction.atomic
def case_notice_close(*, actor: User, case_id: int) -> Case:
    """End the notice once its 7 days are over and every objection is answered; the case goes to
    the district for its decision (due 10 working days after the notice's end)."""
    require(actor, "cases.publish_notice")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    before, after = _move(case, Action.CLOSE_NOTICE)
    if today <= case.notice_ends_on:
        raise E.ServiceError(
            E.NOTICE_RUNNING, f"case {case.number}: notice runs until {case.notice_ends_on}"
        )
    unanswered = case.objections.filter(answered_on__isnull=True).count()
    if unanswered:
        raise E.ServiceError(E.OBJECTION_UNANSWERED, f"{unanswered} objection(s) unanswered")
    case.save(update_fields=["status", "updated_at"])
    event_record(
        case=case,
        kind=EventKind.NOTICE_CLOSED,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
        objections=case.objections.count(),
        upheld=case.objections.filter(upheld=True).count(),
    )
    return case


@transaction.atomic
def case_refer_for_decision(*, actor: User, case_id: int) -> Case:
    """An ineligible proposal goes to the district without a public notice (nothing to post)."""
    require(actor, "cases.publish_notice")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    before, after = _move(case, Action.REFER_FOR_DECISION)
    if case.proposed_eligible:
        raise E.ServiceError(E.PROPOSAL_ELIGIBLE, f"case {case.number}: post the notice first")
    case.decision_due = deadlines.decision_due(today)
    case.save(update_fields=["status", "decision_due", "updated_at"])
    event_record(
        case=case,
        kind=EventKind.REFERRED,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
        decision_due=_iso(case.decision_due),
    )
    if case.decision_due is None:
        _pending_note(case, actor=actor, on=today, start=today, steps=["decision"])
    return case


@transaction.atomic
def case_reinvestigate(*, actor: User, case_id: int, reason: str) -> Case:
    """Send the case back to the investigation (an objection upheld, new facts): the proposal,
    the notice dates and the decision due date are dropped (the timeline keeps them); the
    investigation and whole-case due dates still run from the acceptance."""
    require(actor, "cases.reinvestigate")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    before, after = _move(case, Action.REINVESTIGATE)
    reason = _text(reason, field="reason")
    dropped = {
        "eligible": case.proposed_eligible,
        "amount_fen": case.proposed_amount_fen,
        "proposed_on": case.proposed_on.isoformat() if case.proposed_on else None,
        "notice_posted_on": case.notice_posted_on.isoformat() if case.notice_posted_on else None,
    }
    case.proposal = None
    case.proposed_eligible = None
    case.proposed_amount_fen = None
    case.proposed_on = None
    case.proposed_by = None
    case.notice_posted_on = None
    case.notice_ends_on = None
    case.decision_due = None
    if case.investigation_due is not None and case.total_due is not None:
        case.deadlines_pending_year = None  # only the dropped decision date was pending
    case.save()
    event_record(
        case=case,
        kind=EventKind.REINVESTIGATED,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
        reason=reason,
        dropped=dropped,
    )
    return case


# --------------------------------------------------------------------------- decision
def accepted_or_investigated_by(case: Case) -> set[int]:
    """Everyone who accepted or investigated the case (POLICY §8: none of them decides it)."""
    ids = {case.accepted_by_id}
    ids |= set(
        CaseEvent.objects.filter(case=case, kind__in=ACCEPT_OR_INVESTIGATE)
        .exclude(actor__isnull=True)
        .values_list("actor_id", flat=True)
    )
    for s1, s2, rec in case.home_visits.values_list("staff_1_id", "staff_2_id", "recorded_by_id"):
        ids |= {s1, s2, rec}
    if case.proposed_by_id:
        ids.add(case.proposed_by_id)
    return ids


@removes_stored_files_on_failure
@transaction.atomic
def case_decide(
    *,
    actor: User,
    case_id: int,
    outcome: str,
    reasons: Sequence[str] = (),
    note: str = "",
) -> Decision:
    """The district's decision (确认). Approval: the proposal's amount, benefits from the month
    after approval, the decision notice, and the enrolment of the members in the program's
    recipient database (registry `enrolment_add`). Refusal: the reasons (given, or the
    proposal's), and the notice with the rights of reconsideration (60 days) and lawsuit (6
    months). Never by a person who accepted or investigated the case; one decision per case."""
    require(actor, "cases.decide")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    if case.status in DECIDED_STATES or Decision.objects.filter(case=case).exists():
        raise E.ServiceError(E.ALREADY_DECIDED, f"case {case.number} is already decided")
    if outcome not in Outcome.values:
        _refuse(E.TRANSITION_NOT_ALLOWED, f"unknown outcome {outcome!r}", "outcome")
    action = Action.APPROVE if outcome == Outcome.APPROVED else Action.REFUSE
    before, after = _move(case, action)
    if actor.pk in accepted_or_investigated_by(case):
        raise E.ServiceError(
            E.DECIDER_CONFLICT, f"{actor.username} accepted or investigated case {case.number}"
        )
    reasons = [str(r).strip() for r in (reasons or ()) if str(r).strip()]
    decision = Decision(case=case, outcome=outcome, decided_by=actor, decided_on=today, note=note)
    if outcome == Outcome.APPROVED:
        if not case.proposed_eligible:
            raise E.ServiceError(E.PROPOSAL_NOT_ELIGIBLE, f"case {case.number}: not eligible")
        decision.amount_fen = int(case.proposed_amount_fen or 0)
        decision.start_month = deadlines.start_month_after(today)
        decision.reasons = reasons or list(case.proposal.get("reasons", []))
    else:
        if not reasons and case.proposed_eligible is False:
            reasons = list(case.proposal.get("reasons", []))
        if not reasons:
            _refuse(E.REASON_REQUIRED, "a refusal states its reasons", "reasons")
        decision.reasons = reasons
        decision.refusal_notice_due = deadlines.refusal_notice_due(today)
    try:
        with transaction.atomic():
            decision.save()  # one decision per case: the database's unique key is the backstop
    except IntegrityError:
        raise E.ServiceError(E.ALREADY_DECIDED, f"case {case.number} is already decided") from None
    case.closed_on = today
    case.save(update_fields=["status", "closed_on", "updated_at"])
    notice = _notice_issue(case=case, kind=NoticeKind.DECISION, actor=actor, on=today)
    event_record(
        case=case,
        kind=EventKind.APPROVED if outcome == Outcome.APPROVED else EventKind.REFUSED,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
        amount_fen=decision.amount_fen,
        start_month=decision.start_month,
        reasons=decision.reasons,
        notice=notice.number,
    )
    if outcome == Outcome.REFUSED and decision.refusal_notice_due is None:
        _pending_note(case, actor=actor, on=today, start=today, steps=["refusal_notice"])
    if outcome == Outcome.APPROVED and case.program in ENROLMENT_CATEGORY:
        _enrol(actor=actor, case=case, decision=decision, on=today)
    return decision


def _enrol(*, actor: User, case: Case, decision: Decision, on: dt.date) -> None:
    """APPROVED → ENROLLED: the members (for tekun, the eligible persons) in the recipient
    database from the first day of the start month, the legal basis citing the case and amount."""
    before, after = _move(case, Action.ENROL)
    category = ENROLMENT_CATEGORY[case.program]
    start = dt.date.fromisoformat(f"{decision.start_month}-01")
    persons = case.proposal.get("persons") or []
    if case.program in PERSONAL_ENROLMENT:
        person_ids = [p["person"] for p in persons if p.get("eligible")]
    else:
        person_ids = list(
            Membership.objects.filter(
                household=case.household, end_date__isnull=True, person__death_date__isnull=True
            ).values_list("person_id", flat=True)
        )
    amount = decision.amount_fen or 0
    basis = (
        f"{LEGAL_BASIS}；{case.number} 批准，"
        f"{CATALOG[case.program].name_zh} {amount // 100}.{amount % 100:02d} 元/月，"
        f"自{decision.start_month}起"
    )[:200]
    enrolments = []
    for pid in person_ids:
        enrolment = registry.enrolment_add(
            actor=actor,
            person=int(pid),
            category=category,
            start_date=start,
            legal_basis=basis,
            household=case.household,
        )
        enrolments.append(enrolment.pk)
    case.save(update_fields=["status", "updated_at"])
    # the payroll computes each month's amount from what was assessed here (payments ADR 0900)
    from safetynet.payments.services import amount_basis_record

    amount_basis_record(
        household_id=case.household_id,
        valid_from=decision.start_month,
        situation=case.proposal.get("situation") or {},
        source="case",
        source_ref=case.number,
    )
    event_record(
        case=case,
        kind=EventKind.ENROLLED,
        actor=actor,
        on=on,
        from_status=before,
        to_status=after,
        category=category,
        start_date=start.isoformat(),
        enrolments=enrolments,
        amount_fen=amount,
    )


# --------------------------------------------------------------------------- extension, withdrawal
@transaction.atomic
def case_extend(*, actor: User, case_id: int, reason: str) -> Case:
    """Extend the whole case's limit from 30 to 45 working days, with the reason recorded."""
    require(actor, "cases.extend_deadline")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    if case.status in DECIDED_STATES or case.status == Status.WITHDRAWN:
        raise E.ServiceError(E.TRANSITION_NOT_ALLOWED, f"case {case.number} is {case.status}")
    if case.extended_on is not None:
        raise E.ServiceError(E.ALREADY_EXTENDED, f"case {case.number} was extended")
    case.extension_reason = _text(reason, field="reason")
    case.extended_on = today
    case.extended_by = actor
    before_due = case.total_due
    case.total_due = deadlines.total_due(case.accepted_on, extended=True)
    case.save()
    event_record(
        case=case,
        kind=EventKind.EXTENDED,
        actor=actor,
        on=today,
        reason=case.extension_reason,
        total_due_before=_iso(before_due),
        total_due=_iso(case.total_due),
    )
    if case.total_due is None:
        _pending_note(case, actor=actor, on=today, start=case.accepted_on, steps=["total"])
    return case


@transaction.atomic
def case_withdraw(*, actor: User, case_id: int, reason: str) -> Case:
    """The family withdraws the application (recorded by the office, with the reason)."""
    require(actor, "cases.withdraw")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    before, after = _move(case, Action.WITHDRAW)
    case.withdrawal_reason = _text(reason, field="reason")
    case.closed_on = today
    case.save()
    event_record(
        case=case,
        kind=EventKind.WITHDRAWN,
        actor=actor,
        on=today,
        from_status=before,
        to_status=after,
        reason=case.withdrawal_reason,
    )
    return case


# --------------------------------------------------------------------------- notices
def _notice_issue(*, case: Case, kind: str, actor: User, on: dt.date) -> Notice:
    from .pdf import decision_notice_pdf, public_notice_pdf

    series = PUBLIC_NOTICE_SERIES if kind == NoticeKind.PUBLIC else DECISION_NOTICE_SERIES
    notice = Notice(
        case=case,
        kind=kind,
        number=number_next(series=series, year=on.year),
        issued_on=on,
        issued_by=actor,
    )
    render = public_notice_pdf if kind == NoticeKind.PUBLIC else decision_notice_pdf
    store_file(notice.pdf, f"{notice.number}.pdf", ContentFile(render(case=case, notice=notice)))
    notice.save()
    return notice


# --------------------------------------------------------------------------- pending due dates
def _referred_on(case_ids: list[int]) -> dict[int, dt.date]:
    """The referral day of the cases whose decision limit runs from a referral (the last of
    their referral / re-investigation / notice events is the referral)."""
    last: dict[int, tuple[str, dt.date]] = {}
    kinds = (EventKind.REFERRED, EventKind.REINVESTIGATED, EventKind.NOTICE_PUBLISHED)
    for case_id, kind, on in (
        CaseEvent.objects.filter(case_id__in=case_ids, kind__in=kinds)
        .order_by("at", "id")
        .values_list("case_id", "kind", "on")
    ):
        last[case_id] = (kind, on)
    return {pk: on for pk, (kind, on) in last.items() if kind == EventKind.REFERRED}


@transaction.atomic
def _dynamic_due_dates_fill() -> None:
    """The pending due dates of emergency aid, reviews and complaints (ADR 0814), from their own
    start dates, once the calendar knows the year; those still pending stay NULL."""
    from .dynamic_models import EmergencyAid, Grievance, Review
    from .emergency import formalities_due
    from .grievances import answer_due

    for model, field, compute in (
        (EmergencyAid, "formalities_due", lambda r: formalities_due(r.granted_on)),
        (Review, "due_on", lambda r: deadlines.investigation_due(r.opened_on)),
        (Grievance, "answer_due", lambda r: answer_due(r.kind, r.lodged_on)),
    ):
        rows = list(model.objects.select_for_update().filter(**{f"{field}__isnull": True}))
        for row in rows:
            setattr(row, field, compute(row))
        model.objects.bulk_update([r for r in rows if getattr(r, field) is not None], [field])


def cases_deadlines_fill(*, today: dt.date | None = None) -> int:
    """Set the pending due dates (ADR 0814) of every case waiting for a year the calendar now
    knows, from the original event dates — acceptance, notice end or referral, decision,
    extension — exactly as if the calendar had been known then. Each filled case gets an event
    `deadlines_filled`; a date still running into an unknown year stays pending (the case then
    waits for that year). A system job, run first by the daily escalation; idempotent. Returns
    the number of cases filled."""
    today = today or clock.today()
    _dynamic_due_dates_fill()
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .filter(deadlines_pending_year__in=deadlines.known_years())
            .order_by("id")
        )
        if not cases:
            return 0
        ids = [c.pk for c in cases]
        refusals = {
            d.case_id: d
            for d in Decision.objects.select_for_update().filter(
                case_id__in=ids, outcome=Outcome.REFUSED, refusal_notice_due__isnull=True
            )
        }
        referred = _referred_on(ids)
        filled_cases, filled_decisions, events = [], [], []
        for case in cases:
            filled: dict[str, str] = {}
            waiting: list[int] = []

            def settle(step, start, due, filled=filled, waiting=waiting):
                if due is None:
                    waiting.append(deadlines.awaited_year(start))
                else:
                    filled[step] = due.isoformat()
                return due

            if case.investigation_due is None:
                case.investigation_due = settle(
                    "investigation", case.accepted_on, deadlines.investigation_due(case.accepted_on)
                )
            if case.total_due is None:
                extended = case.extended_on is not None
                case.total_due = settle(
                    "total",
                    case.accepted_on,
                    deadlines.total_due(case.accepted_on, extended=extended),
                )
            start = case.notice_ends_on or referred.get(case.pk)
            if case.decision_due is None and start is not None:
                case.decision_due = settle("decision", start, deadlines.decision_due(start))
            decision = refusals.get(case.pk)
            if decision is not None:
                decision.refusal_notice_due = settle(
                    "refusal_notice",
                    decision.decided_on,
                    deadlines.refusal_notice_due(decision.decided_on),
                )
                if decision.refusal_notice_due is not None:
                    filled_decisions.append(decision)
            case.deadlines_pending_year = min(waiting) if waiting else None
            filled_cases.append(case)
            if filled:
                events.append((case, filled, case.deadlines_pending_year))
        Case.objects.bulk_update(
            filled_cases,
            ["investigation_due", "total_due", "decision_due", "deadlines_pending_year"],
        )
        Decision.objects.bulk_update(filled_decisions, ["refusal_notice_due"])
        for case, filled, still in events:
            event_record(
                case=case,
                kind=EventKind.DEADLINES_FILLED,
                actor=None,
                on=today,
                due=filled,
                still_pending_year=still,
            )
    return len(events)


# --------------------------------------------------------------------------- escalation
def cases_escalate_overdue(*, today: dt.date | None = None) -> list[str]:
    """Escalate to the district every open case that has run past a due date and is not yet
    escalated: `escalated_on` is set and an event names the late steps. A system job (daily, by
    the worker or cron; no actor: it decides nothing). Pending due dates whose year the calendar
    now knows are filled first (`cases_deadlines_fill`); a pending date is never overdue.
    Returns the case numbers escalated."""
    today = today or clock.today()
    cases_deadlines_fill(today=today)
    done = []
    ids = list(
        Case.objects.filter(overdue_q(today), escalated_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).get(pk=pk)
            steps = overdue_steps(case, today)
            if case.escalated_on is not None or not steps:
                continue
            case.escalated_on = today
            case.save(update_fields=["escalated_on", "updated_at"])
            event_record(
                case=case,
                kind=EventKind.ESCALATED,
                actor=None,
                on=today,
                steps=[{"step": s, "due": d.isoformat()} for s, d in steps],
                district=case.handling_division.parent_id,
            )
            done.append(case.number)
    return done
