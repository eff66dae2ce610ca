"""Recoveries of overpayments (追回, POLICY §10; ADR 0941).

An overpayment is a *paid* monthly or arrears line for a benefit month its beneficiary was not
entitled to:

- **death**: the line's person died in an earlier month (benefits stop the month after death:
  the month of death is due, every later month is not);
- **stopped**: the line's program is a recipient category of the registry, the person (or the
  line's household) was enrolled in it once, and no enrolment covers the first day of the benefit
  month (a stop or exit decided after the payment).

One-off grants are never overpayments here (a funeral grant is paid after a death by design).

`recoveries_detect` turns each such line into one `Recovery` (once: the database holds one per
line). It runs after every payroll run (`recoveries_after_run`) and when a death is recorded
(`recoveries_on_death`, called by the registry's `person_record_death`).

`recoveries_apply(payroll)` withholds from the draft payroll's lines of the same beneficiary (the
same `beneficiary_key`), for each line at most `payments.recovery_max_share` (a dated parameter,
30 % from 2016) of its amount, rounded down to the fen, the oldest recovery first. It recomputes
the payroll's deductions from scratch, so re-running a draft never deducts twice. A line's net
payment (what the bank is asked to pay) is `amount_fen − its deductions` (`net_amounts`).

`recovery_write_off`: the district writes off what is still outstanding, with a reason.
A beneficiary's repayment (`refunds.refund_repayment`, ADR 0943) reduces what is outstanding.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.funds.payments_hooks import book_recovery, book_write_off
from safetynet.registry.models import Category, Enrolment, Person
from safetynet.rules.parameters import load_parameters

from . import flow_errors as E
from .flow_models import (
    Recovery,
    RecoveryDeduction,
    RecoveryEvent,
    RecoveryReason,
    RecoveryStatus,
)
from .models import LineKind, LineStatus, PaymentLine, Payroll
from .states import PayrollStatus

SHARE_PARAMETER = "payments.recovery_max_share"
# The lines a draft payroll may withhold from (the others are already on their way to the bank).
DEDUCTIBLE_STATUSES = (LineStatus.PENDING.value, LineStatus.HELD_NO_ACCOUNT.value)
PERIODIC_KINDS = (LineKind.REGULAR.value, LineKind.ARREARS.value)
CATEGORIES = frozenset(Category.values)


def _month_start(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def _month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def max_share(month: str) -> Fraction:
    """The share of a line that may be withheld, in force on the first day of `month`."""
    return Fraction(load_parameters().at(SHARE_PARAMETER, _month_start(month)).value)


def deduction_cap(amount_fen: int, share: Fraction) -> int:
    """At most `share` of `amount_fen`, rounded down to the fen (exact: integers only)."""
    return (amount_fen * share.numerator) // share.denominator


# --------------------------------------------------------------------------- detection
def _overpaid_reason(line: PaymentLine, person: Person) -> tuple[str, str] | None:
    month = line.benefit_month
    if person.death_date is not None and _month_of(person.death_date) < month:
        return RecoveryReason.DEATH.value, f"died {person.death_date.isoformat()}"
    if line.program in CATEGORIES:
        first = _month_start(month)
        mine = Q(person_id=line.person_id)
        if line.household_id is not None:
            mine |= Q(household_id=line.household_id)
        enrolments = Enrolment.objects.filter(mine, category=line.program)
        covering = enrolments.filter(start_date__lte=first).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first)
        )
        if not covering.exists():
            ended = enrolments.filter(end_date__lt=first).order_by("-end_date").first()
            if ended is not None:
                return RecoveryReason.STOPPED.value, f"enrolment ended {ended.end_date.isoformat()}"
    return None


def _new_recovery(line: PaymentLine, *, amount_fen: int, code: str, why: str, actor) -> Recovery:
    recovery = Recovery.objects.create(
        line=line,
        beneficiary_key=line.beneficiary_key,
        person_id=line.person_id,
        household_id=line.household_id,
        division_id=line.division_id,
        program=line.program,
        benefit_month=line.benefit_month,
        amount_fen=amount_fen,
        reason_code=code,
        reason=why[:200],
    )
    RecoveryEvent.objects.create(
        recovery=recovery,
        kind="detected",
        actor=actor,
        data={"line": line.pk, "amount_fen": amount_fen, "reason": why},
    )
    book_recovery(actor=actor, recovery=recovery)  # the ledger (funds)
    return recovery


def _unrecovered_paid() -> QuerySet[PaymentLine]:
    return PaymentLine.objects.filter(status=LineStatus.PAID, kind__in=PERIODIC_KINDS).exclude(
        Exists(Recovery.objects.filter(line=OuterRef("pk")))
    )


def recoveries_detect(
    *, actor: User | None = None, person_ids: Iterable[int] | None = None
) -> list[Recovery]:
    """Open one Recovery per paid periodic line that turns out overpaid (see the module's
    docstring), for every person or only `person_ids`. A line already recovered is skipped.
    Called by the payroll run and the death record (their own abilities were checked), not a
    user's action on its own: no ability of its own.

    Only candidates are read line by line: lines of persons with a recorded death, and lines of
    a registry category whose person or household has an ended enrolment in it."""
    base = _unrecovered_paid()
    if person_ids is not None:
        base = base.filter(person_id__in=list(person_ids))
    ended = Enrolment.objects.filter(category=OuterRef("program"), end_date__isnull=False).filter(
        Q(person_id=OuterRef("person_id")) | Q(household_id=OuterRef("household_id"))
    )
    candidates = base.filter(
        Q(person__death_date__isnull=False) | (Q(program__in=CATEGORIES) & Exists(ended))
    )
    created = []
    with transaction.atomic():
        for line in (
            candidates.select_related("person").order_by("benefit_month", "id").iterator(2000)
        ):
            found = _overpaid_reason(line, line.person)
            if found is None:
                continue
            code, why = found
            created.append(
                _new_recovery(line, amount_fen=line.amount_fen, code=code, why=why, actor=actor)
            )
    return created


def recoveries_from_overpayments(
    overpayments: Iterable[dict], *, actor: User | None = None
) -> list[Recovery]:
    """The payroll run's overpayments after a retroactive change (payroll-core's
    `oneoff.arrears_lines`: {beneficiary_key, program, benefit_month, overpaid_fen}): each
    becomes a Recovery on the latest paid line of that beneficiary, program and month, once (a
    line that already has a recovery is left alone; an overpayment of lines not paid yet waits
    for a later run)."""
    created = []
    with transaction.atomic():
        for o in overpayments:
            amount = int(o.get("overpaid_fen") or 0)
            if amount <= 0:
                continue
            line = (
                PaymentLine.objects.filter(
                    status=LineStatus.PAID,
                    kind__in=PERIODIC_KINDS,
                    beneficiary_key=o["beneficiary_key"],
                    program=o["program"],
                    benefit_month=o["benefit_month"],
                )
                .order_by("-id")
                .first()
            )
            if line is None or Recovery.objects.filter(line=line).exists():
                continue
            why = f"retroactive change of {o['benefit_month']}"
            created.append(
                _new_recovery(
                    line,
                    amount_fen=amount,
                    code=RecoveryReason.RETROACTIVE.value,
                    why=why,
                    actor=actor,
                )
            )
    return created


def recoveries_on_death(*, actor: User | None, person: Person) -> list[Recovery]:
    """A death was recorded (registry.person_record_death, same transaction): its overpaid lines
    become recoveries at once."""
    return recoveries_detect(actor=actor, person_ids=[person.pk])


# --------------------------------------------------------------------------- deduction
def recovered_fen(recovery_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        RecoveryDeduction.objects.filter(recovery_id__in=list(recovery_ids))
        .values_list("recovery_id")
        .annotate(s=Sum("amount_fen"))
        .order_by()
    )
    return {rid: int(s or 0) for rid, s in rows}


def outstanding_fen(recovery: Recovery) -> int:
    done = recovered_fen([recovery.pk]).get(recovery.pk, 0)
    return recovery.amount_fen - done - recovery.refunded_fen - recovery.written_off_fen


def _refresh_status(recoveries: Iterable[Recovery]) -> None:
    recoveries = list(recoveries)
    done = recovered_fen(r.pk for r in recoveries)
    for r in recoveries:
        if r.status == RecoveryStatus.WRITTEN_OFF:
            continue
        left = r.amount_fen - done.get(r.pk, 0) - r.refunded_fen - r.written_off_fen
        status = RecoveryStatus.OPEN if left > 0 else RecoveryStatus.RECOVERED
        if r.status != status:
            r.status = status
            r.save(update_fields=["status"])


@transaction.atomic
def recoveries_apply(*, payroll: Payroll, actor: User | None = None) -> dict[str, int]:
    """Withhold the open recoveries from the draft payroll's lines (see the module's docstring).
    Recomputed from scratch at every call while the payroll is a draft; a payroll past its draft
    keeps its deductions. Returns {"deductions": n, "amount_fen": total withheld}."""
    payroll = Payroll.objects.select_for_update().get(pk=payroll.pk)
    if payroll.status != PayrollStatus.DRAFT:
        return {"deductions": 0, "amount_fen": 0}
    RecoveryDeduction.objects.filter(line__payroll=payroll).delete()
    # Every recovery not written off is looked at again: the draft's earlier deductions are gone
    # (deleted above, or with the lines a re-run replaced), so one "recovered" by them is open.
    live = list(
        Recovery.objects.filter(status__in=[RecoveryStatus.OPEN, RecoveryStatus.RECOVERED])
        .exclude(line__payroll=payroll)
        .order_by("benefit_month", "id")
    )
    _refresh_status(live)
    open_ = [r for r in live if r.status == RecoveryStatus.OPEN]
    if not open_:
        return {"deductions": 0, "amount_fen": 0}
    done = recovered_fen(r.pk for r in open_)
    left = {
        r.pk: r.amount_fen - done.get(r.pk, 0) - r.refunded_fen - r.written_off_fen for r in open_
    }
    by_key: dict[str, list[Recovery]] = defaultdict(list)
    for r in open_:
        if left[r.pk] > 0:
            by_key[r.beneficiary_key].append(r)
    lines = (
        payroll.lines.filter(beneficiary_key__in=list(by_key), status__in=DEDUCTIBLE_STATUSES)
        .exclude(amount_fen=0)
        .order_by("benefit_month", "id")
    )
    shares: dict[str, Fraction] = {}
    made = []
    for line in lines:
        share = shares.get(line.benefit_month)
        if share is None:
            share = shares[line.benefit_month] = max_share(line.benefit_month)
        cap = deduction_cap(line.amount_fen, share)
        for r in by_key[line.beneficiary_key]:
            if cap <= 0:
                break
            take = min(cap, left[r.pk])
            if take <= 0:
                continue
            made.append(RecoveryDeduction(recovery=r, line=line, amount_fen=take))
            left[r.pk] -= take
            cap -= take
    RecoveryDeduction.objects.bulk_create(made)
    _refresh_status(Recovery.objects.filter(pk__in={d.recovery_id for d in made}))
    return {"deductions": len(made), "amount_fen": sum(d.amount_fen for d in made)}


def recoveries_after_run(
    *, payroll: Payroll, actor: User | None = None, overpayments: Iterable[dict] = ()
) -> dict[str, int]:
    """After a payroll run (inside its transaction): detect new overpayments — deaths, stops,
    and the run's own retroactive overpayments — then withhold from the draft."""
    found = recoveries_detect(actor=actor)
    found += recoveries_from_overpayments(overpayments, actor=actor)
    applied = recoveries_apply(payroll=payroll, actor=actor)
    return {"detected": len(found), **applied}


def net_amounts(payroll: Payroll) -> dict[int, int]:
    """{line id: amount to pay} for the payroll's lines that carry deductions; a line absent
    from the dict is paid its whole `amount_fen`. The bank files use this."""
    rows = (
        RecoveryDeduction.objects.filter(line__payroll=payroll)
        .values_list("line_id", "line__amount_fen")
        .annotate(s=Sum("amount_fen"))
        .order_by()
    )
    return {line_id: int(amount) - int(s) for line_id, amount, s in rows}


# --------------------------------------------------------------------------- settling
def open_recovery_for_update(*, actor: User, recovery_id: int) -> Recovery:
    """An open recovery in the actor's jurisdiction, locked, with the deductions planned on
    draft payrolls dropped (a write-off or a repayment settles what is left; the next run of
    the draft recomputes its deductions). Not found outside; `recovery_closed` unless open."""
    prefix = actor.scope_prefix if actor.is_active else None
    if prefix is None:
        raise E.NotFoundError("recovery")
    try:
        recovery = Recovery.objects.select_for_update().get(
            pk=recovery_id, division__code__startswith=prefix
        )
    except (Recovery.DoesNotExist, ValueError, TypeError):
        raise E.NotFoundError("recovery") from None
    if recovery.status != RecoveryStatus.OPEN:
        raise E.ServiceError(E.RECOVERY_CLOSED, f"recovery {recovery.pk} is {recovery.status}")
    RecoveryDeduction.objects.filter(
        recovery=recovery, line__payroll__status=PayrollStatus.DRAFT
    ).delete()
    return recovery


# --------------------------------------------------------------------------- write-off
@transaction.atomic
def recovery_write_off(*, actor: User, recovery_id: int, reason: str) -> Recovery:
    """核销: the district writes off what is still outstanding of a recovery in its jurisdiction,
    with a reason (e.g. the beneficiary died and nothing more is paid to recover from)."""
    require(actor, "payments.write_off_recovery")
    text = str(reason or "").strip()
    if not text or len(text) > 500:
        message = "reason is required" if not text else "reason is longer than 500 characters"
        raise E.ServiceError(
            E.RECOVERY_REASON_REQUIRED,
            message,
            [E.FieldProblem(field="reason", message=message, code=E.RECOVERY_REASON_REQUIRED)],
        )
    recovery = open_recovery_for_update(actor=actor, recovery_id=recovery_id)
    left = outstanding_fen(recovery)
    recovery.written_off_fen += left
    recovery.written_off_by = actor
    recovery.written_off_at = timezone.now()
    recovery.write_off_reason = text
    recovery.status = RecoveryStatus.WRITTEN_OFF
    recovery.save()
    RecoveryEvent.objects.create(
        recovery=recovery,
        kind="written_off",
        actor=actor,
        data={"amount_fen": left, "reason": text},
    )
    book_write_off(actor=actor, recovery=recovery, amount_fen=left, reason=text)  # the ledger
    return recovery
