"""Temporary assistance fast path (急难 先行救助, POLICY §8).

The street grants emergency aid at once, up to the cap of the rules engine
(`safetynet.rules.programs.emergency_advance_cap`: members × the monthly dibao standard × the
dated multiple `temporary_assistance.advance_cap_multiple`). The aid opens a temporary-assistance
case (accepted, with its normal due dates) whose formalities — the checklist `FORMALITIES` —
are completed within `casework.emergency_formalities_workdays` working days of the grant; the
case shows what is still missing, and is overdue once that date has passed with items missing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, QuerySet

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.registry.models import Membership
from safetynet.registry.selectors import household_get
from safetynet.rules.programs import emergency_advance_cap
from safetynet.verification.services import number_next

from . import clock, deadlines
from . import errors as E
from .events import event_record
from .models import Case, EmergencyAid, EventKind
from .services import CASE_SERIES, _case_for_update, _iso, _pending_note, _refuse, _street_of, _text
from .states import Status

# The formalities of an emergency case, in the order an office completes them.
FORMALITIES = (
    "application",  # 申请书 signed by the family
    "authorization",  # 家庭经济状况核对授权书 (verification, POLICY §2)
    "identity",  # 身份证明、户口簿
    "hardship_proof",  # 急难情形证明（医院、公安、火灾等）
    "home_visit",  # 入户调查记录
)


def formalities_due(granted_on: dt.date) -> dt.date | None:
    """None while the count runs into a year the calendar does not know (pending, ADR 0814)."""
    limit = deadlines.limit("emergency_formalities_workdays", granted_on)
    return deadlines.due_after(granted_on, limit)


@transaction.atomic
def emergency_aid_grant(
    *, actor: User, household_id: int, amount_fen: int, hardship: str
) -> EmergencyAid:
    """Grant emergency aid at once (先行救助): a temporary-assistance case is opened for the
    household (accepted today, handled by its street) with the aid, its cap and the checklist
    of formalities, all missing, due within the emergency limit."""
    require(actor, "cases.grant_emergency")
    household = household_get(actor=actor, household_id=household_id)
    today = clock.today()
    hardship = _text(hardship, field="hardship")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        _refuse(E.EMERGENCY_AMOUNT_INVALID, f"amount_fen {amount_fen!r}", "amount_fen")
    members = list(
        Membership.objects.filter(
            household=household, end_date__isnull=True, person__death_date__isnull=True
        ).select_related("person")
    )
    if not members:
        _refuse(E.HOUSEHOLD_INVALID, "the household has no living member", "household_id")
    cap = emergency_advance_cap(today, len(members))
    if amount_fen > cap:
        _refuse(
            E.EMERGENCY_OVER_CAP, f"{amount_fen} fen is over the cap of {cap} fen", "amount_fen"
        )
    head = next((m.person for m in members if m.relation == "head"), members[0].person)
    case = Case.objects.create(
        number=number_next(series=CASE_SERIES, year=today.year),
        program="temporary_assistance",
        household=household,
        applicant=head,
        accepting_division=actor.jurisdiction,
        handling_division=_street_of(household.division),
        accepted_by=actor,
        accepted_on=today,
        declared={"emergency": {"hardship": hardship, "requested_fen": amount_fen}},
        investigation_due=deadlines.investigation_due(today),
        total_due=deadlines.total_due(today),
    )
    pending = [
        step
        for step, due in (("investigation", case.investigation_due), ("total", case.total_due))
        if due is None
    ]
    _pending_note(case, actor=actor, on=today, start=today, steps=pending)
    aid = EmergencyAid.objects.create(
        case=case,
        members=len(members),
        requested_fen=amount_fen,
        cap_fen=cap,
        amount_fen=amount_fen,
        hardship=hardship,
        granted_on=today,
        granted_by=actor,
        formalities_due=formalities_due(today),
        checklist={item: None for item in FORMALITIES},
    )
    event_record(
        case=case,
        kind=EventKind.ACCEPTED,
        actor=actor,
        on=today,
        to_status=case.status,
        program=case.program,
        household=household.number,
        emergency=True,
        investigation_due=_iso(case.investigation_due),
        total_due=_iso(case.total_due),
    )
    event_record(
        case=case,
        kind=EventKind.EMERGENCY_GRANTED,
        actor=actor,
        on=today,
        amount_fen=amount_fen,
        cap_fen=cap,
        members=len(members),
        formalities_due=_iso(aid.formalities_due),
    )
    return aid


@transaction.atomic
def emergency_formality_done(*, actor: User, case_id: int, item: str) -> EmergencyAid:
    """Tick one formality off; once none is missing the formalities are completed (event)."""
    require(actor, "cases.grant_emergency")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    try:
        aid = EmergencyAid.objects.select_for_update().get(case=case)
    except EmergencyAid.DoesNotExist:
        raise E.NotFoundError("emergency aid") from None
    if item not in aid.checklist:
        _refuse(E.FORMALITY_UNKNOWN, f"{item!r} is not a formality", "item")
    if aid.checklist[item] is not None:
        _refuse(E.FORMALITY_DONE, f"{item} was completed on {aid.checklist[item]}", "item")
    aid.checklist[item] = today.isoformat()
    event_record(case=case, kind=EventKind.FORMALITY_DONE, actor=actor, on=today, item=item)
    if all(v is not None for v in aid.checklist.values()):
        aid.completed_on = today
        event_record(
            case=case,
            kind=EventKind.FORMALITIES_COMPLETED,
            actor=actor,
            on=today,
            late=aid.formalities_due is not None and today > aid.formalities_due,
            formalities_due=_iso(aid.formalities_due),
        )
    aid.save()
    return aid


def emergency_missing(aid: EmergencyAid) -> list[str]:
    """The formalities still missing, in order."""
    return [item for item in FORMALITIES if aid.checklist.get(item) is None]


def emergency_overdue(*, actor: User, today: dt.date | None = None) -> QuerySet[EmergencyAid]:
    """Emergency aids the actor sees whose formalities are not complete past their due date."""
    from .selectors import cases_visible_to

    today = today or clock.today()
    return (
        EmergencyAid.objects.filter(
            case__in=cases_visible_to(actor).exclude(status=Status.WITHDRAWN),
            completed_on__isnull=True,
            formalities_due__lt=today,
        )
        .select_related("case", "case__household")
        .order_by(F("formalities_due").asc(nulls_last=True), "id")
    )
