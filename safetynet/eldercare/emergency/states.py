"""The emergency state machine as one plain table (ADR 1220, after the cases' ADR 0810).

    opened ─assign→ assigned ─arrive→ on_scene ─close→ closed
    assigned ─assign→ assigned                    (another responder: reassigned)
    opened | assigned ─close→ closed              (a false alarm, or handled on the phone)

Pure Python, no Django: the services ask `target(action, status)` inside their transaction, with
the emergency row locked, and record an event with both states.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPENED = "opened"  # 待派单
    ASSIGNED = "assigned"  # 已派单
    ON_SCENE = "on_scene"  # 已到场
    CLOSED = "closed"  # 已结案


class Action(StrEnum):
    ASSIGN = "assign"
    ARRIVE = "arrive"
    CLOSE = "close"


TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ASSIGN: (frozenset({Status.OPENED, Status.ASSIGNED}), Status.ASSIGNED),
    Action.ARRIVE: (frozenset({Status.ASSIGNED}), Status.ON_SCENE),
    Action.CLOSE: (frozenset({Status.OPENED, Status.ASSIGNED, Status.ON_SCENE}), Status.CLOSED),
}

OPEN_STATES = frozenset({Status.OPENED, Status.ASSIGNED, Status.ON_SCENE})
FINAL_STATES = frozenset({Status.CLOSED})


class TransitionNotAllowed(Exception):
    def __init__(self, action: str, status: str):
        super().__init__(f"{action} is not allowed from {status}")
        self.action = action
        self.status = status


def target(action: str, status: str) -> Status:
    """The state `action` leads to from `status`, or TransitionNotAllowed."""
    try:
        sources, to = TRANSITIONS[Action(action)]
    except ValueError:
        raise TransitionNotAllowed(action, status) from None
    if Status(status) not in sources:
        raise TransitionNotAllowed(action, status)
    return to


def actions_from(status: str) -> list[Action]:
    return [a for a, (sources, _to) in TRANSITIONS.items() if Status(status) in sources]
