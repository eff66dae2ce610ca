"""The service order's state machine as one plain table (ADR 1203, as the cases' ADR 0810).

    created ─dispatch→ dispatched ─accept→ accepted ─complete→ done ─visit→ visited
    dispatched ─decline→ created                       (the provider cannot serve: dispatch again)
    created | dispatched | accepted ─cancel→ cancelled

Settlement against the card is no state: a done (or visited) order is settled once, its fields
say so. Pure Python: no Django.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    CREATED = "created"  # 待派单
    DISPATCHED = "dispatched"  # 已派单
    ACCEPTED = "accepted"  # 已接单
    DONE = "done"  # 已完成
    VISITED = "visited"  # 已回访
    CANCELLED = "cancelled"  # 已取消


class Action(StrEnum):
    DISPATCH = "dispatch"
    DECLINE = "decline"
    ACCEPT = "accept"
    COMPLETE = "complete"
    VISIT = "visit"
    CANCEL = "cancel"


OPEN_STATES = frozenset({Status.CREATED, Status.DISPATCHED, Status.ACCEPTED})
FINAL_STATES = frozenset({Status.VISITED, Status.CANCELLED})
SETTLEABLE_STATES = frozenset({Status.DONE, Status.VISITED})

TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.DISPATCH: (frozenset({Status.CREATED}), Status.DISPATCHED),
    Action.DECLINE: (frozenset({Status.DISPATCHED}), Status.CREATED),
    Action.ACCEPT: (frozenset({Status.DISPATCHED}), Status.ACCEPTED),
    Action.COMPLETE: (frozenset({Status.ACCEPTED}), Status.DONE),
    Action.VISIT: (frozenset({Status.DONE}), Status.VISITED),
    Action.CANCEL: (OPEN_STATES, Status.CANCELLED),
}


class TransitionNotAllowed(Exception):
    def __init__(self, action: str, status: str):
        super().__init__(f"{action} is not possible from {status}")
        self.action = action
        self.status = status


def target(action: str, status: str) -> Status:
    try:
        sources, to = TRANSITIONS[Action(action)]
    except (KeyError, ValueError):
        raise TransitionNotAllowed(action, status) from None
    if Status(status) not in sources:
        raise TransitionNotAllowed(action, status)
    return to


def actions_from(status: str) -> list[Action]:
    return [a for a, (sources, _to) in TRANSITIONS.items() if Status(status) in sources]
