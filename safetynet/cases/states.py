"""The case state machine as one plain table (ADR 0810).

A transition is a name, the states it leaves from and the state it goes to. Every service that
changes a case's status asks `target(action, status)`, which raises `TransitionNotAllowed` for an
impossible move; the service then writes the new status, in one transaction with the case row
locked (select_for_update), and an event. Pure Python: no Django, so the table can be tested and
drawn on its own.

    accepted ─start_investigation→ investigating ─propose→ proposed
    proposed ─publish_notice→ in_notice ─close_notice→ awaiting_decision   (eligible proposal)
    proposed ─refer_for_decision→ awaiting_decision                        (ineligible: no notice)
    awaiting_decision ─approve→ approved ─enrol→ enrolled
    awaiting_decision ─refuse→ refused
    accepted | investigating | proposed | in_notice | awaiting_decision ─withdraw→ withdrawn
    proposed | in_notice | awaiting_decision ─reinvestigate→ investigating
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    ACCEPTED = "accepted"  # 已受理
    INVESTIGATING = "investigating"  # 调查核实中
    PROPOSED = "proposed"  # 已提出审核意见
    IN_NOTICE = "in_notice"  # 公示中
    AWAITING_DECISION = "awaiting_decision"  # 待审批
    APPROVED = "approved"  # 已批准
    REFUSED = "refused"  # 不予批准
    ENROLLED = "enrolled"  # 已纳入
    WITHDRAWN = "withdrawn"  # 已撤回


class Action(StrEnum):
    START_INVESTIGATION = "start_investigation"
    PROPOSE = "propose"
    PUBLISH_NOTICE = "publish_notice"
    CLOSE_NOTICE = "close_notice"
    REFER_FOR_DECISION = "refer_for_decision"
    APPROVE = "approve"
    REFUSE = "refuse"
    ENROL = "enrol"
    WITHDRAW = "withdraw"
    REINVESTIGATE = "reinvestigate"


OPEN_STATES = frozenset(
    {
        Status.ACCEPTED,
        Status.INVESTIGATING,
        Status.PROPOSED,
        Status.IN_NOTICE,
        Status.AWAITING_DECISION,
    }
)
# No transition leaves these (an approved one-off grant stays approved: payments read it).
FINAL_STATES = frozenset({Status.REFUSED, Status.ENROLLED, Status.WITHDRAWN})
DECIDED_STATES = frozenset({Status.APPROVED, Status.REFUSED, Status.ENROLLED})

TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.START_INVESTIGATION: (frozenset({Status.ACCEPTED}), Status.INVESTIGATING),
    Action.PROPOSE: (frozenset({Status.INVESTIGATING}), Status.PROPOSED),
    Action.PUBLISH_NOTICE: (frozenset({Status.PROPOSED}), Status.IN_NOTICE),
    Action.CLOSE_NOTICE: (frozenset({Status.IN_NOTICE}), Status.AWAITING_DECISION),
    Action.REFER_FOR_DECISION: (frozenset({Status.PROPOSED}), Status.AWAITING_DECISION),
    Action.APPROVE: (frozenset({Status.AWAITING_DECISION}), Status.APPROVED),
    Action.REFUSE: (frozenset({Status.AWAITING_DECISION}), Status.REFUSED),
    Action.ENROL: (frozenset({Status.APPROVED}), Status.ENROLLED),
    Action.WITHDRAW: (OPEN_STATES, Status.WITHDRAWN),
    # an objection upheld, or new facts: back to the investigation (the proposal is dropped)
    Action.REINVESTIGATE: (
        frozenset({Status.PROPOSED, Status.IN_NOTICE, Status.AWAITING_DECISION}),
        Status.INVESTIGATING,
    ),
}


class TransitionNotAllowed(Exception):
    def __init__(self, action: str, status: str):
        super().__init__(f"{action} is not possible from {status}")
        self.action = action
        self.status = status


def target(action: str, status: str) -> Status:
    """The state `action` leads to from `status`, or TransitionNotAllowed."""
    try:
        sources, to = TRANSITIONS[Action(action)]
    except (KeyError, ValueError):
        raise TransitionNotAllowed(action, status) from None
    if Status(status) not in sources:
        raise TransitionNotAllowed(action, status)
    return to


def actions_from(status: str) -> list[Action]:
    """The actions the table allows from `status` (before role and data checks)."""
    return [a for a, (sources, _to) in TRANSITIONS.items() if Status(status) in sources]
