"""Money that came back after a payment (退回款, ADR 0943): two services, each one transaction
with its event and its journal entry.

- `refund_bank_return(*, actor, reference, on, reason, note="")`: a bank returns a payment its
  result file had reported paid (credited to an account closed after all). The bank file entry
  becomes `returned` (it no longer counts as paid, so the database lets the line be paid once
  more — once), the payment line `failed`: it waits for corrected account data and goes into a
  later payroll's files (or at once, for a reason not about the account, ADR 0942). Books: each
  level's treasury receives the money back, the line is payable again.
- `refund_repayment(*, actor, recovery_id, amount_fen, on, receipt, note="")`: a beneficiary
  pays back (part of) an overpayment. The recovery's outstanding amount falls by it (planned
  deductions of draft payrolls are dropped first and recomputed at the next run); it is
  recovered when nothing is left. Books: the city treasury receives it, the receivable falls.

Both: ability `payments.record_refund` (the city's finance office), the line or recovery in the
actor's jurisdiction, a date not in the future. Bad input names its field.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.funds.payments_hooks import book_bank_return, book_repayment

from . import flow_errors as E
from .bank_format import REASONS
from .bank_models import BankFileEntry, EntryResult
from .events import payroll_event_record
from .flow_models import (
    RecoveryEvent,
    RecoveryStatus,
    Refund,
    RefundKind,
)
from .models import LineStatus
from .recoveries import open_recovery_for_update, outstanding_fen

REFUND_INVALID = E.REFUND_INVALID
REFUND_NOT_PAID = E.REFUND_NOT_PAID
REFUND_EXCEEDS = E.REFUND_EXCEEDS
REFUND_DUPLICATE = E.REFUND_DUPLICATE


def _bad(code: str, field: str, message: str) -> E.ServiceError:
    return E.ServiceError(code, message, [E.FieldProblem(field=field, message=message, code=code)])


def _prefix(actor: User) -> str:
    prefix = actor.scope_prefix if actor.is_active else None
    if prefix is None:
        raise E.NotFoundError("payment")
    return prefix


def _check_date(on, *, after: dt.date | None = None) -> dt.date:
    if not isinstance(on, dt.date):
        raise _bad(REFUND_INVALID, "on", "on: a date YYYY-MM-DD is required")
    if on > timezone.localdate():
        raise _bad(REFUND_INVALID, "on", f"on: {on.isoformat()} is in the future")
    if after is not None and on < after:
        raise _bad(
            REFUND_INVALID,
            "on",
            f"on: {on.isoformat()} is before the payment ({after.isoformat()})",
        )
    return on


@transaction.atomic
def refund_bank_return(
    *, actor: User, reference: str, on: dt.date, reason: str, note: str = ""
) -> Refund:
    """The bank returned the payment sent as line reference `reference` (`L<line>-<n>`)."""
    require(actor, "payments.record_refund")
    prefix = _prefix(actor)
    ref = str(reference or "").strip()
    if reason not in REASONS:
        raise _bad(
            REFUND_INVALID, "reason", f"reason: {reason!r} is not one of {', '.join(REASONS)}"
        )
    try:
        entry = (
            BankFileEntry.objects.select_for_update()
            .select_related("line", "file")
            .get(reference=ref, line__division__code__startswith=prefix)
        )
    except BankFileEntry.DoesNotExist:
        raise _bad(
            REFUND_INVALID, "reference", f"reference: {ref!r} is no line sent to a bank"
        ) from None
    if entry.result != EntryResult.PAID:
        raise _bad(
            REFUND_NOT_PAID,
            "reference",
            f"reference: {ref} is {entry.result}, not paid: only a paid line can be returned",
        )
    _check_date(on, after=entry.result_date)
    return record_bank_return(actor=actor, entry=entry, on=on, reason=reason, note=note)


def record_bank_return(
    *, actor: User, entry: BankFileEntry, on: dt.date, reason: str, note: str = ""
) -> Refund:
    """Record the return of a paid entry (locked by the caller, checked: paid, date, reason):
    entry returned, line failed, the refund, the payroll's event and the journal entry. Shared by
    `refund_bank_return` (keyed) and `bank_results_import` (a result file's `returned` row,
    ADR 0951)."""
    ref = entry.reference
    line = entry.line
    entry.result = EntryResult.RETURNED
    entry.reason = reason
    entry.save(update_fields=["result", "reason"])
    line.status = LineStatus.FAILED
    line.updated_at = timezone.now()
    line.save(update_fields=["status", "updated_at"])
    refund = Refund.objects.create(
        kind=RefundKind.BANK_RETURN,
        line=line,
        entry=entry,
        amount_fen=entry.amount_fen,
        received_on=on,
        reference=ref,
        reason=reason,
        note=str(note or "")[:500],
        recorded_by=actor,
    )
    payroll_event_record(
        payroll=entry.file.payroll,
        kind="bank_return",
        actor=actor,
        reference=ref,
        line=line.pk,
        amount_fen=entry.amount_fen,
        reason=reason,
        on=on.isoformat(),
    )
    book_bank_return(actor=actor, refund=refund)  # the ledger (funds)
    return refund


@transaction.atomic
def refund_repayment(
    *,
    actor: User,
    recovery_id: int,
    amount_fen: int,
    on: dt.date,
    receipt: str,
    note: str = "",
) -> Refund:
    """A beneficiary paid back `amount_fen` of a recovery, with the receipt's number."""
    require(actor, "payments.record_refund")
    receipt = str(receipt or "").strip()
    if not receipt or len(receipt) > 60:
        raise _bad(REFUND_INVALID, "receipt", "receipt: required (at most 60 characters)")
    if type(amount_fen) is not int or amount_fen <= 0:
        raise _bad(REFUND_INVALID, "amount_fen", "amount_fen: must be a positive whole fen")
    _check_date(on)
    if Refund.objects.filter(kind=RefundKind.REPAYMENT, reference=receipt).exists():
        raise _bad(REFUND_DUPLICATE, "receipt", f"receipt: {receipt} is already recorded")
    # the deductions planned on drafts are dropped: the next run recomputes them from what is
    # left after this repayment (never withheld on top of it)
    recovery = open_recovery_for_update(actor=actor, recovery_id=recovery_id)
    left = outstanding_fen(recovery)
    if amount_fen > left:
        raise _bad(
            REFUND_EXCEEDS,
            "amount_fen",
            f"amount_fen: {amount_fen} fen is more than the {left} fen outstanding",
        )
    recovery.refunded_fen += amount_fen
    if amount_fen == left:
        recovery.status = RecoveryStatus.RECOVERED
    recovery.save(update_fields=["refunded_fen", "status"])
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                kind=RefundKind.REPAYMENT,
                line_id=recovery.line_id,
                recovery=recovery,
                amount_fen=amount_fen,
                received_on=on,
                reference=receipt,
                note=str(note or "")[:500],
                recorded_by=actor,
            )
    except IntegrityError:
        raise _bad(REFUND_DUPLICATE, "receipt", f"receipt: {receipt} is already recorded") from None
    RecoveryEvent.objects.create(
        recovery=recovery,
        kind="refunded",
        actor=actor,
        data={"amount_fen": amount_fen, "receipt": receipt, "on": on.isoformat()},
    )
    book_repayment(actor=actor, refund=refund)  # the ledger (funds)
    return refund
