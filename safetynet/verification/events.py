"""The request timeline: every service writes one Event row in its own transaction, and signals
listeners (notifications, the case workflow) only once that transaction has committed."""

import logging

from django.db import transaction
from django.dispatch import Signal

from .models import Event, EventKind, VerificationRequest

log = logging.getLogger("safetynet.verification")

# Sent after commit with sender=Event, event=<Event>.
verification_event = Signal()
# Sent after commit with sender=ReviewTask, task=<ReviewTask>, kind ("started", "closed"), actor.
# A review task's own timeline is its simple_history (history user and reason = the service).
review_task_event = Signal()


def event_record(*, request: VerificationRequest, kind: EventKind, actor=None, **data) -> Event:
    event = Event.objects.create(request=request, kind=kind, actor=actor, data=data)

    def _announce() -> None:
        log.info("verification %s: %s %s", request.number, kind, data or "")
        verification_event.send(sender=Event, event=event)

    transaction.on_commit(_announce)
    return event


def review_task_event_record(*, task, kind: str, actor) -> None:
    """Announce a review task's change once its transaction has committed."""

    def _announce() -> None:
        log.info("review task %s: %s by %s", task.pk, kind, actor)
        review_task_event.send(sender=type(task), task=task, kind=kind, actor=actor)

    transaction.on_commit(_announce)
