"""The case timeline: every service writes CaseEvent rows in its own transaction and announces
them (signal `case_event`) only once that transaction has committed."""

import logging

from django.db import transaction
from django.dispatch import Signal

from .models import Case, CaseEvent

log = logging.getLogger("safetynet.cases")

# Sent after commit with sender=CaseEvent, event=<CaseEvent>.
case_event = Signal()


def event_record(
    *, case: Case, kind: str, actor, on, from_status: str = "", to_status: str = "", **data
) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        on=on,
        from_status=from_status,
        to_status=to_status,
        data=data,
    )

    def _announce() -> None:
        log.info("case %s: %s %s→%s", case.number, kind, from_status, to_status)
        case_event.send(sender=CaseEvent, event=event)

    transaction.on_commit(_announce)
    return event
