"""Grievances about a case (POLICY §8), beside the objections of the public notice (core):

- complaint (投诉): any time, about any case; answered within `casework.complaint_answer_workdays`
  working days;
- administrative reconsideration (行政复议): about a decision notified, lodged within
  `casework.reconsideration_days` calendar days of the decision notice; decided within
  `casework.reconsideration_decision_days` days;
- administrative lawsuit (行政诉讼): lodged within `casework.lawsuit_months` months of the notice;
  the office's defence due within `casework.lawsuit_defence_days` days.

Each is recorded with its deadlines and answered once; both are events on the case timeline.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require

from . import clock, deadlines
from . import errors as E
from .dynamic_models import Grievance, GrievanceKind
from .events import event_record
from .models import EventKind, Notice, NoticeKind
from .services import _case_for_update, _iso, _refuse, _text


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has no such day)."""
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def lodge_deadline(kind: str, notified_on: dt.date) -> dt.date | None:
    if kind == GrievanceKind.RECONSIDERATION:
        days = deadlines.limit("reconsideration_days", notified_on)
        return notified_on + dt.timedelta(days=days)
    if kind == GrievanceKind.LAWSUIT:
        return add_months(notified_on, deadlines.limit("lawsuit_months", notified_on))
    return None


def answer_due(kind: str, lodged_on: dt.date) -> dt.date | None:
    """None for a complaint whose working days run into a year the calendar does not know yet
    (pending, ADR 0814); the daily job fills it."""
    if kind == GrievanceKind.COMPLAINT:
        limit = deadlines.limit("complaint_answer_workdays", lodged_on)
        return deadlines.due_after(lodged_on, limit)
    name = (
        "reconsideration_decision_days"
        if kind == GrievanceKind.RECONSIDERATION
        else "lawsuit_defence_days"
    )
    return lodged_on + dt.timedelta(days=deadlines.limit(name, lodged_on))


@transaction.atomic
def grievance_record(
    *,
    actor: User,
    case_id: int,
    kind: str,
    content: str,
    lodged_by: str = "",
    lodged_on: dt.date | None = None,
) -> Grievance:
    """Record a complaint, a reconsideration request or a lawsuit about a case. A
    reconsideration or lawsuit needs the decision notice and is refused once its limit has
    passed (counted from the notice's date)."""
    require(actor, "cases.record_grievance")
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    lodged_on = lodged_on or today
    if kind not in GrievanceKind.values:
        _refuse(E.GRIEVANCE_KIND_INVALID, f"kind {kind!r}", "kind")
    if lodged_on > today:
        _refuse(E.GRIEVANCE_TOO_LATE, f"{lodged_on} is in the future", "lodged_on")
    content = _text(content, field="content")
    last_day = None
    if kind != GrievanceKind.COMPLAINT:
        notice = Notice.objects.filter(case=case, kind=NoticeKind.DECISION).first()
        if notice is None:
            _refuse(E.GRIEVANCE_NO_DECISION, f"case {case.number}: no decision notice", "kind")
        if lodged_on < notice.issued_on:
            _refuse(E.GRIEVANCE_NO_DECISION, f"{lodged_on} is before the notice", "lodged_on")
        last_day = lodge_deadline(kind, notice.issued_on)
        if lodged_on > last_day:
            _refuse(E.GRIEVANCE_TOO_LATE, f"the limit ended on {last_day}", "lodged_on")
    g = Grievance.objects.create(
        case=case,
        kind=kind,
        lodged_on=lodged_on,
        lodged_by=str(lodged_by or "").strip()[:100],
        content=content,
        recorded_by=actor,
        lodge_deadline=last_day,
        answer_due=answer_due(kind, lodged_on),
    )
    event_record(
        case=case,
        kind=EventKind.GRIEVANCE,
        actor=actor,
        on=today,
        grievance=g.pk,
        grievance_kind=kind,
        lodge_deadline=last_day.isoformat() if last_day else None,
        answer_due=_iso(g.answer_due),
    )
    return g


@transaction.atomic
def grievance_answer(*, actor: User, grievance_id: int, answer: str, upheld: bool) -> Grievance:
    """Answer a grievance once (the complaint's reply, the reconsideration's outcome, or the
    defence submitted); `upheld` records whether the family was found right."""
    require(actor, "cases.answer_grievance")
    try:
        case_id = Grievance.objects.values_list("case_id", flat=True).get(pk=grievance_id)
    except Grievance.DoesNotExist:
        raise E.NotFoundError("grievance") from None
    case = _case_for_update(actor=actor, case_id=case_id)
    today = clock.today()
    g = Grievance.objects.select_for_update().get(pk=grievance_id)
    if g.answered_on is not None:
        raise E.ServiceError(E.GRIEVANCE_ANSWERED, f"grievance {g.pk}")
    g.answer = _text(answer, field="answer")
    g.answered_on = today
    g.answered_by = actor
    g.upheld = bool(upheld)
    g.save()
    event_record(
        case=case,
        kind=EventKind.GRIEVANCE_ANSWERED,
        actor=actor,
        on=today,
        grievance=g.pk,
        upheld=g.upheld,
        late=g.answer_due is not None and today > g.answer_due,
    )
    return g
