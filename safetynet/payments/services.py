"""Payments writes (POLICY §10). Every service: keyword-only arguments, the actor's ability
checked first (`require`), one transaction, a PayrollEvent row (docs/payments.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction

from safetynet.accounts.permissions import require
from safetynet.registry.models import Person
from safetynet.registry.selectors import person_get

from . import errors as E
from .events import payroll_event_record
from .models import BankAccount, Payroll
from .states import PayrollTransitionNotAllowed, payroll_target

ACCOUNT_NUMBER = re.compile(r"[0-9]{8,32}")


# ============================================================================ the payroll steps
def payroll_transition(
    payroll: Payroll, to: str, actor, event_kind: str, data: dict[str, Any] | None = None
) -> Payroll:
    """Move `payroll` to status `to` and write the event, in one transaction with the payroll
    row locked. The caller (a step's service) has checked the actor's ability and its own rules
    (maker-checker, files written …) before, inside its own transaction if it writes more.
    Refuses a move the table does not allow (`payroll_transition_not_allowed`, field `status`).
    Returns the locked, updated payroll; `payroll` itself gets the new status too."""
    with transaction.atomic():
        locked = Payroll.objects.select_for_update().get(pk=payroll.pk)
        try:
            target = payroll_target(locked.status, to)
        except PayrollTransitionNotAllowed as exc:
            E.refuse(
                E.PAYROLL_TRANSITION_NOT_ALLOWED,
                f"payroll {locked.month} is {exc.from_status}: it cannot go to {exc.to_status}",
                "status",
            )
        from_status = locked.status
        locked.status = target.value
        locked.save(update_fields=["status", "updated_at"])
        payroll_event_record(
            payroll=locked,
            kind=event_kind,
            actor=actor,
            from_status=from_status,
            to_status=target.value,
            **(data or {}),
        )
    payroll.status = locked.status
    payroll.updated_at = locked.updated_at
    return locked


# ============================================================================ bank accounts
def _clean(value: Any, field: str, max_len: int) -> str:
    text = str(value or "").strip()
    if not text:
        E.refuse(E.BANK_ACCOUNT_INVALID, f"{field} is required", field)
    if len(text) > max_len:
        E.refuse(E.BANK_ACCOUNT_INVALID, f"{field} is longer than {max_len} characters", field)
    return text


def bank_account_set(
    *,
    actor,
    person: Person | int,
    bank_code: str,
    bank_name: str,
    account_number: str,
    holder_name: str,
    on: dt.date,
) -> BankAccount:
    """Record a recipient's bank account (一卡通) from date `on`: the current one is closed
    (valid_to = `on`) and the new one opened (valid_from = `on`); history kept. The same
    account again changes nothing. The person must be in the actor's jurisdiction."""
    require(actor, "payments.manage_bank_accounts")
    person_id = person.pk if isinstance(person, Person) else int(person)
    target = person_get(actor=actor, person_id=person_id)
    bank_code = _clean(bank_code, "bank_code", 16)
    bank_name = _clean(bank_name, "bank_name", 64)
    holder_name = _clean(holder_name, "holder_name", 64)
    account_number = re.sub(r"\s", "", str(account_number or ""))
    if not ACCOUNT_NUMBER.fullmatch(account_number):
        E.refuse(
            E.BANK_ACCOUNT_INVALID,
            f"account_number {account_number!r} must be 8 to 32 digits",
            "account_number",
        )
    if not isinstance(on, dt.date):
        E.refuse(E.BANK_ACCOUNT_INVALID, "on must be a date", "on")
    with transaction.atomic():
        # lock the person's row: two changes at once queue here
        Person.objects.select_for_update().filter(pk=target.pk).first()
        current = BankAccount.objects.filter(person=target, valid_to__isnull=True).first()
        if current is not None:
            same = (
                current.bank_code == bank_code
                and current.account_number == account_number
                and current.holder_name == holder_name
                and current.bank_name == bank_name
            )
            if same:
                return current
            if on < current.valid_from:
                E.refuse(
                    E.BANK_ACCOUNT_INVALID,
                    f"on {on} is before the current account's start {current.valid_from}",
                    "on",
                )
            current.valid_to = on
            current._change_reason = "replaced"
            current.save(update_fields=["valid_to"])
        account = BankAccount(
            person=target,
            bank_code=bank_code,
            bank_name=bank_name,
            account_number=account_number,
            holder_name=holder_name,
            valid_from=on,
        )
        account._change_reason = f"set by {getattr(actor, 'username', '')}"[:100]
        account.save()
    return account
