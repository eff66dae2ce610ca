"""Dynamic management (动态管理, POLICY §8): reviews of enrolled households.

- The schedule (`reviews_schedule`, run by the monthly job) opens a review of every dibao or tekun
  household whose last review (or, never reviewed, its enrolment) is `casework.review_interval_*`
  months old: 6 months when the household has an able member of working age (the registry holds
  no income history, so an able working-age member is taken as "unstable income"; working age
  and "able" are the tekun parameters `tekun.child_age`, `tekun.min_age` and
  `tekun.no_capacity_disabilities`), else 12. Set-based: one grouped query per input, numpy for
  the due test, one bulk insert; at most one open review per household and program (a partial
  unique index), so running it twice opens nothing new.
- A batch re-verification task (verification ReviewTask) or a change the family reports opens a
  review at once (`review_open`).
- The district decides (`review_decide`): continue; adjust (the rules engine's new amount on the
  declared/verified figures, the enrolments re-issued with the new amount basis from next month);
  stop (停保: the enrolments end with this month, a reason and a written notice PDF); or the
  gradual-exit period (渐退期: the engine finds the household above the line; the enrolments end
  with the month `casework.gradual_exit_months` later, with a notice).
- A recorded death (`death_follow_up`, called by `registry.services.person_record_death`) ends the
  person's enrolments with the month of death and proposes the funeral grants it triggers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping

import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Min, Q

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.core.files import removes_stored_files_on_failure, store_file
from safetynet.registry import services as registry
from safetynet.registry.models import Enrolment, Household, Membership
from safetynet.registry.selectors import household_get
from safetynet.rules import SituationError, calculate, load_parameters
from safetynet.rules.money import yuan
from safetynet.verification.services import declared_snapshot, number_next

from . import clock, deadlines
from . import errors as E
from .dynamic_models import DynamicEvent, Review, ReviewOutcome, ReviewTrigger
from .models import ENROLMENT_CATEGORY, program_label
from .proposal import _jsonable, _situation
from .services import LEGAL_BASIS, _refuse, _text

SCHEDULED_PROGRAMS = ("dibao", "tekun")
REVIEW_NOTICE_SERIES = "FH"  # 复核决定


def dynamic_event(*, kind: str, actor, on: dt.date, review=None, plist=None, **data):
    return DynamicEvent.objects.create(
        review=review, plist=plist, kind=kind, actor=actor, on=on, data=_jsonable(data)
    )


def month_end(first: dt.date, months_after: int = 0) -> dt.date:
    y, m = divmod(first.year * 12 + first.month - 1 + months_after, 12)
    return dt.date(y, m + 1, calendar.monthrange(y, m + 1)[1])


def _ym(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


# --------------------------------------------------------------------------- schedule
def reviews_schedule(*, month: str, prefix: str, on: dt.date | None = None) -> int:
    """Open the scheduled reviews due in `month` for households under `prefix` (a system step of
    the monthly job; the actor is checked by `monthly_run`). Returns how many were opened."""
    from .proactive import check_month

    month, first = check_month(month)
    on = on or clock.today()
    params = load_parameters()
    stable = deadlines.limit("review_interval_stable_months", first)
    unstable = deadlines.limit("review_interval_unstable_months", first)
    child_age = int(params.at("tekun.child_age", first).value)
    old_age = int(params.at("tekun.min_age", first).value)
    no_capacity = Q()
    for item in params.at("tekun.no_capacity_disabilities", first).value:
        kind, grade = str(item).split(":")
        no_capacity |= Q(person__disability_kind=kind, person__disability_grade__lte=int(grade))

    open_in = Q(end_date__isnull=True) | Q(end_date__gte=first)
    enrolled = (
        Enrolment.objects.filter(open_in, category__in=SCHEDULED_PROGRAMS, start_date__lt=first)
        .filter(household__division__code__startswith=prefix)
        .values("household_id", "category")
        .annotate(start=Min("start_date"))
        .values_list("household_id", "category", "start", "household__division__parent_id")
    )
    rows = list(enrolled)
    if not rows:
        return 0
    code = {p: i for i, p in enumerate(SCHEDULED_PROGRAMS)}
    n = len(rows)
    hh = np.fromiter((r[0] for r in rows), np.int64, n)
    key = hh * 4 + np.fromiter((code[r[1]] for r in rows), np.int64, n)
    anchor = np.fromiter((_ym(r[2]) for r in rows), np.int32, n)
    # the last closed review replaces the enrolment start as the anchor
    closed = list(
        Review.objects.filter(
            closed_on__isnull=False,
            program__in=SCHEDULED_PROGRAMS,
            household__division__code__startswith=prefix,
        )
        .values("household_id", "program")
        .annotate(last=Max("closed_on"))
        .values_list("household_id", "program", "last")
    )
    if closed:
        c_key = np.array([h * 4 + code[p] for h, p, _ in closed], dtype=np.int64)
        c_ym = np.array([_ym(d) for _, _, d in closed], dtype=np.int32)
        order = np.argsort(c_key)
        c_key, c_ym = c_key[order], c_ym[order]
        pos = np.clip(np.searchsorted(c_key, key), 0, len(c_key) - 1)
        anchor = np.where(c_key[pos] == key, np.maximum(anchor, c_ym[pos]), anchor)
    open_keys = np.array(
        [
            h * 4 + code[p]
            for h, p in Review.objects.filter(
                closed_on__isnull=True,
                program__in=SCHEDULED_PROGRAMS,
                household__division__code__startswith=prefix,
            ).values_list("household_id", "program")
        ],
        dtype=np.int64,
    )
    # households with an able member of working age (alive, open membership)
    youngest = dt.date(first.year - old_age, first.month, 1)
    oldest = dt.date(first.year - child_age, first.month, 1)
    able = np.fromiter(
        Membership.objects.filter(
            end_date__isnull=True,
            household__division__code__startswith=prefix,
            household__enrolments__category__in=SCHEDULED_PROGRAMS,
            person__death_date__isnull=True,
            person__birth_date__gt=youngest,
            person__birth_date__lte=oldest,
        )
        .exclude(no_capacity)
        .values_list("household_id", flat=True)
        .distinct(),
        np.int64,
    )
    interval = np.where(np.isin(hh, able), unstable, stable).astype(np.int32)
    due = (anchor + interval) <= _ym(first)
    pick = np.flatnonzero(due & ~np.isin(key, open_keys))
    due_on = deadlines.investigation_due(on)
    reviews = [
        Review(
            household_id=rows[i][0],
            program=rows[i][1],
            street_id=rows[i][3],
            trigger=ReviewTrigger.SCHEDULED,
            opened_on=on,
            due_on=due_on,
        )
        for i in pick.tolist()
    ]
    with transaction.atomic():
        Review.objects.bulk_create(reviews, batch_size=5000, ignore_conflicts=True)
        # the `review_opened` event of each review opened here (bulk, like the reviews)
        opened = Review.objects.filter(
            trigger=ReviewTrigger.SCHEDULED,
            opened_on=on,
            closed_on__isnull=True,
            household__division__code__startswith=prefix,
            events__isnull=True,
        ).values_list("pk", flat=True)
        DynamicEvent.objects.bulk_create(
            [
                DynamicEvent(
                    review_id=pk, kind="review_opened", on=on, data={"trigger": "scheduled"}
                )
                for pk in opened.iterator(chunk_size=10_000)
            ],
            batch_size=5000,
        )
    return len(reviews)


# --------------------------------------------------------------------------- open
def _enrolled(household: Household, program: str, on: dt.date):
    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on),
        household=household,
        category=ENROLMENT_CATEGORY.get(program, program),
    )


@transaction.atomic
def review_open(
    *,
    actor: User,
    household_id: int,
    program: str,
    trigger: str,
    reported_change: str = "",
    review_task_id: int | None = None,
) -> Review:
    """Open a review at once: a change the family reported (its description) or a batch
    re-verification task (the ReviewTask, of the same household)."""
    require(actor, "cases.open_review")
    household = household_get(actor=actor, household_id=household_id)
    today = clock.today()
    if trigger not in (ReviewTrigger.FINDING, ReviewTrigger.REPORTED_CHANGE):
        _refuse(E.REVIEW_OUTCOME_INVALID, f"trigger {trigger!r}", "trigger")
    if program not in ENROLMENT_CATEGORY or not _enrolled(household, program, today).exists():
        _refuse(E.REVIEW_NOT_ENROLLED, f"household {household.number} not in {program}", "program")
    task = None
    if trigger == ReviewTrigger.FINDING:
        from safetynet.verification.models import ReviewTask

        task = ReviewTask.objects.filter(pk=review_task_id, household=household).first()
        if task is None:
            raise E.NotFoundError("review task")
    else:
        reported_change = _text(reported_change, field="reported_change")
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if Review.objects.filter(household=household, program=program, closed_on__isnull=True).exists():
        raise E.ServiceError(E.REVIEW_OPEN, f"household {household.number}: {program} review open")
    review = Review.objects.create(
        household=household,
        program=program,
        street=household.division.parent,
        trigger=trigger,
        opened_on=today,
        due_on=deadlines.investigation_due(today),
        review_task=task,
        reported_change=reported_change,
    )
    dynamic_event(
        kind="review_opened",
        actor=actor,
        on=today,
        review=review,
        trigger=trigger,
        review_task=task.pk if task else None,
    )
    return review


# --------------------------------------------------------------------------- decide
def review_proposal(
    *, household: Household, program: str, declared_income, declared_assets, on: dt.date
) -> dict:
    """The rules engine's result for the household and program for the month after `on`, on
    the figures given (declared, or verified by the reviewer)."""
    month = deadlines.start_month_after(on)
    first = dt.date.fromisoformat(f"{month}-01")
    declared = declared_snapshot(
        household=household,
        declared_income=declared_income,
        declared_assets=declared_assets,
        on=on,
    )
    programs = sorted({program, "dibao"})
    situation = _situation(declared, programs, {}, first)
    try:
        result = calculate(situation, month, figures=True)
    except SituationError as exc:
        raise E.ServiceError(E.RULES_REFUSED, f"{exc.path}: {exc.message}") from None
    entry = result["programs"][program]
    return {
        "month": month,
        "eligible": bool(entry["eligible"]),
        "reason": entry["reason"],
        "amount_fen": int(entry["amount_fen"]),
        "figures": _jsonable(entry.get("figures", {})),
        "situation": situation,  # the payroll's amount basis of an adjustment (ADR 0903)
    }


@removes_stored_files_on_failure
@transaction.atomic
def review_decide(
    *,
    actor: User,
    review_id: int,
    outcome: str,
    reason: str = "",
    declared_income: Mapping | None = None,
    declared_assets: Mapping | None = None,
) -> Review:
    """Decide a review (district). `adjust` and `gradual_exit` run the rules engine on the
    figures given; `stop` and `gradual_exit` need a reason and issue the written notice."""
    require(actor, "cases.decide_review")
    prefix = actor.scope_prefix or "\x00"
    try:
        review = Review.objects.select_for_update(of=("self",)).get(
            pk=review_id, household__division__code__startswith=prefix
        )
    except Review.DoesNotExist:
        raise E.NotFoundError("review") from None
    if review.closed_on is not None:
        raise E.ServiceError(E.REVIEW_CLOSED, f"review {review.pk} was decided")
    if outcome not in ReviewOutcome.values:
        _refuse(E.REVIEW_OUTCOME_INVALID, f"outcome {outcome!r}", "outcome")
    today = clock.today()
    household = review.household
    first = today.replace(day=1)
    # the enrolments in force without an end: an outcome other than `continue` changes them
    # (one already ending — a gradual exit running — is not shortened here)
    enrolments = list(
        _enrolled(household, review.program, first)
        .filter(end_date__isnull=True)
        .select_related("person")
        .select_for_update(of=("self",))
    )
    if outcome != ReviewOutcome.CONTINUE and not enrolments:
        _refuse(
            E.REVIEW_NOT_ENROLLED, f"household {household.number}: no open enrolment", "outcome"
        )
    if outcome in (ReviewOutcome.STOP, ReviewOutcome.GRADUAL_EXIT):
        review.reason = _text(reason, field="reason")
    else:
        review.reason = str(reason or "").strip()
    ended, added, withdrawn = [], [], []
    if outcome in (ReviewOutcome.ADJUST, ReviewOutcome.GRADUAL_EXIT):
        proposal = review_proposal(
            household=household,
            program=review.program,
            declared_income=declared_income,
            declared_assets=declared_assets,
            on=today,
        )
        review.proposal = proposal
        if outcome == ReviewOutcome.ADJUST and not proposal["eligible"]:
            _refuse(E.REVIEW_OUTCOME_INVALID, "not eligible any more: stop or exit", "outcome")
        if outcome == ReviewOutcome.GRADUAL_EXIT and proposal["eligible"]:
            _refuse(E.REVIEW_OUTCOME_INVALID, "still eligible: continue or adjust", "outcome")
    if outcome == ReviewOutcome.ADJUST:
        review.amount_fen = review.proposal["amount_fen"]
        end = month_end(first)
        start = end + dt.timedelta(days=1)
        basis = (
            f"{LEGAL_BASIS}；复核调整 {program_label(review.program)} "
            f"{yuan(review.amount_fen)} 元/月，自{start:%Y-%m}起"
        )[:200]
        for e in enrolments:
            if e.start_date > end:
                _refuse(E.REVIEW_OUTCOME_INVALID, "already adjusted from next month", "outcome")
            registry.enrolment_end(actor=actor, enrolment=e, end_date=end)
            ended.append(e.pk)
            if e.person.death_date is None:
                new = registry.enrolment_add(
                    actor=actor,
                    person=e.person_id,
                    category=e.category,
                    start_date=start,
                    legal_basis=basis,
                    household=household,
                )
                added.append(new.pk)
        # the payroll pays the adjusted amount from the new enrolment's month (ADR 0903): the
        # basis it computes from is the review's, as a case approval records the case's
        from safetynet.payments.services import amount_basis_record

        amount_basis_record(
            household_id=household.pk,
            valid_from=f"{start:%Y-%m}",
            situation=review.proposal.get("situation") or {},
            source="review",
            source_ref=f"review {review.pk}",
        )
    elif outcome in (ReviewOutcome.STOP, ReviewOutcome.GRADUAL_EXIT):
        months = (
            0 if outcome == ReviewOutcome.STOP else deadlines.limit("gradual_exit_months", today)
        )
        end = month_end(first, months)
        review.exit_last_month = f"{end:%Y-%m}"
        for e in enrolments:
            if e.start_date > end:
                # not started yet (an adjustment decided this month starts next month): it is
                # withdrawn, so no month of it is paid (ADR 0944; ending it on its first day
                # would make that month payable under ADR 0903)
                registry.enrolment_withdraw(
                    actor=actor,
                    enrolment=e,
                    reason=f"review {review.pk} {outcome}",
                    on=today,
                )
                withdrawn.append(e.pk)
                continue
            registry.enrolment_end(actor=actor, enrolment=e, end_date=end)
            ended.append(e.pk)
    review.outcome = outcome
    review.closed_on = today
    review.decided_by = actor
    if outcome in (ReviewOutcome.STOP, ReviewOutcome.GRADUAL_EXIT):
        _review_notice(review, today)
    review.save()
    dynamic_event(
        kind="review_decided",
        actor=actor,
        on=today,
        review=review,
        outcome=outcome,
        reason=review.reason,
        amount_fen=review.amount_fen,
        exit_last_month=review.exit_last_month,
        enrolments_ended=ended,
        enrolments_added=added,
        enrolments_withdrawn=withdrawn,
        notice=review.notice_number,
    )
    if review.review_task_id:
        _close_task(review, actor)
    return review


def _close_task(review: Review, actor: User) -> None:
    """The batch review task behind the review is closed by its decision (with the history row
    naming the decider): no change for `continue`, a confirmed change otherwise."""
    from django.utils import timezone

    from safetynet.verification.models import ReviewTask, TaskOutcome, TaskStatus

    task = ReviewTask.objects.select_for_update().get(pk=review.review_task_id)
    if task.status == TaskStatus.CLOSED:
        return
    task.status = TaskStatus.CLOSED
    task.outcome = (
        TaskOutcome.NO_CHANGE
        if review.outcome == ReviewOutcome.CONTINUE
        else TaskOutcome.CONFIRMED_CHANGE
    )
    task.note = f"复核 {review.pk}：{ReviewOutcome(review.outcome).label} {review.reason}".strip()
    task.closed_at = timezone.now()
    task.closed_by = actor
    task._history_user = actor
    task._change_reason = "review_decide"
    task.save()


def _review_notice(review: Review, on: dt.date) -> None:
    from .pdf import _render

    review.notice_number = number_next(series=REVIEW_NOTICE_SERIES, year=on.year)
    head = (
        Membership.objects.filter(household=review.household, relation="head")
        .select_related("person")
        .order_by("-start_date")
        .first()
    )
    district = review.street.parent
    gradual = review.outcome == ReviewOutcome.GRADUAL_EXIT
    context = {
        "title": "社会救助复核决定书",
        "notice": {"number": review.notice_number},
        "head_name": head.person.name if head else review.household.number,
        "program_zh": program_label(review.program),
        "trigger_zh": ReviewTrigger(review.trigger).label,
        "outcome_zh": "给予渐退期，期满停发" if gradual else "停止发放（停保）",
        "gradual": gradual,
        "amount_yuan": "",
        "last_month": review.exit_last_month,
        "reason": review.reason,
        "reconsideration_days": deadlines.limit("reconsideration_days", on),
        "lawsuit_months": deadlines.limit("lawsuit_months", on),
        "decided_on": on.isoformat(),
        "decider_office": f"{district.name if district else ''}民政局",
    }
    pdf = _render("cases/review_notice_pdf.html", context)
    store_file(review.notice_pdf, f"{review.notice_number}.pdf", ContentFile(pdf))


# --------------------------------------------------------------------------- death
def death_follow_up(*, actor: User, person, death_date: dt.date) -> dict:
    """After a death is recorded (same transaction): the person's personal benefits stop the
    month after — every enrolment still open after the month of death ends on its last day
    (registry `enrolment_end`) — and the funeral grants it triggers are proposed on the street's
    funeral list for the officer to confirm (`proactive.propose_funerals`)."""
    from .dynamic_models import ProactiveKind
    from .proactive import _store, propose_funerals

    end = month_end(death_date.replace(day=1))
    ended = []
    for e in Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=end), person=person
    ).exclude(category="deceased"):
        registry.enrolment_end(actor=actor, enrolment=e, end_date=max(end, e.start_date))
        ended.append(e.pk)
    today = clock.today()
    entries = propose_funerals(
        month=f"{max(today, death_date):%Y-%m}", prefix="", person_ids=[person.pk]
    )
    _store(ProactiveKind.FUNERAL.value, f"{today:%Y-%m}", entries, today)
    return {"enrolments_ended": ended, "grants_proposed": [e["program"] for e in entries]}
