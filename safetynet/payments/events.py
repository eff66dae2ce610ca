"""The payroll timeline: every service writes PayrollEvent rows in its own transaction and
announces them (signal `payroll_event`) only once that transaction has committed."""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

from .models import Payroll, PayrollEvent

log = logging.getLogger("safetynet.payments")

# Sent after commit with sender=PayrollEvent, event=<PayrollEvent>.
payroll_event = Signal()


def payroll_event_record(
    *, payroll: Payroll, kind: str, actor, from_status: str = "", to_status: str = "", **data
) -> PayrollEvent:
    event = PayrollEvent.objects.create(
        payroll=payroll,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )

    def _announce() -> None:
        log.info("payroll %s: %s %s→%s", payroll.month, kind, from_status, to_status)
        payroll_event.send(sender=PayrollEvent, event=event)

    transaction.on_commit(_announce)
    return event
