"""The actions a user takes on a case, as one table shared by the case page and the API
(`POST /api/cases/{id}/transitions/`): each names its ability (accounts/permissions.py), the
form that parses its input, whether the state table allows it now, and the service it calls.
No rule is decided here: `available` only hides what the services would refuse anyway; the
services check everything again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import (
    ApproveForm,
    EmptyForm,
    HomeVisitForm,
    ObjectionAnswerForm,
    ObjectionForm,
    ProposeForm,
    ReasonForm,
    RefuseForm,
)
from .models import Case, Outcome
from .states import DECIDED_STATES, OPEN_STATES, Action, Status, actions_from


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: Any
    ability: str
    form: type[forms.Form]
    # whether the action is possible for the case now (state table and the case's data)
    possible: Callable[[Case], bool]
    # the service call: (actor, case, cleaned data) → the service's result
    run: Callable[[Any, Case, dict], Any]
    transition: bool = True  # False: a record on the case (visit, objection, extension)
    danger: bool = False


def _table(action: Action) -> Callable[[Case], bool]:
    return lambda case: action in actions_from(case.status)


def _home_visit(actor, case, d):
    return services.case_home_visit_record(
        actor=actor,
        case_id=case.pk,
        visited_on=d["visited_on"],
        staff=[d["staff_1"], d["staff_2"]],
        findings=d["findings"],
        photos=d.get("photos") or [],
    )


ACTIONS: dict[str, CaseAction] = {
    a.name: a
    for a in [
        CaseAction(
            "start_investigation",
            _("Start the investigation"),
            "cases.investigate",
            EmptyForm,
            _table(Action.START_INVESTIGATION),
            lambda actor, case, d: services.case_investigation_start(actor=actor, case_id=case.pk),
        ),
        CaseAction(
            "record_home_visit",
            _("Record the home visit"),
            "cases.investigate",
            HomeVisitForm,
            lambda case: case.status == Status.INVESTIGATING,
            _home_visit,
            transition=False,
        ),
        CaseAction(
            "propose",
            _("Make the proposal"),
            "cases.propose",
            ProposeForm,
            _table(Action.PROPOSE),
            lambda actor, case, d: services.case_propose(
                actor=actor, case_id=case.pk, note=d.get("note", "")
            ),
        ),
        CaseAction(
            "publish_notice",
            _("Post the public notice"),
            "cases.publish_notice",
            EmptyForm,
            lambda case: _table(Action.PUBLISH_NOTICE)(case) and bool(case.proposed_eligible),
            lambda actor, case, d: services.case_notice_publish(actor=actor, case_id=case.pk),
        ),
        CaseAction(
            "record_objection",
            _("Record an objection"),
            "cases.record_objection",
            ObjectionForm,
            lambda case: case.status == Status.IN_NOTICE,
            lambda actor, case, d: services.case_objection_record(
                actor=actor,
                case_id=case.pk,
                content=d["content"],
                raised_by=d.get("raised_by", ""),
                raised_on=d.get("raised_on"),
            ),
            transition=False,
        ),
        CaseAction(
            "answer_objection",
            _("Answer the objection"),
            "cases.answer_objection",
            ObjectionAnswerForm,
            lambda case: case.status in (Status.IN_NOTICE, Status.AWAITING_DECISION),
            lambda actor, case, d: services.case_objection_answer(
                actor=actor,
                objection_id=_objection_of(case, d["objection"]),
                answer=d["answer"],
                upheld=d.get("upheld", False),
            ),
            transition=False,
        ),
        CaseAction(
            "close_notice",
            _("End the public notice"),
            "cases.publish_notice",
            EmptyForm,
            _table(Action.CLOSE_NOTICE),
            lambda actor, case, d: services.case_notice_close(actor=actor, case_id=case.pk),
        ),
        CaseAction(
            "refer_for_decision",
            _("Refer for decision (no notice: not eligible)"),
            "cases.publish_notice",
            EmptyForm,
            lambda case: _table(Action.REFER_FOR_DECISION)(case) and not case.proposed_eligible,
            lambda actor, case, d: services.case_refer_for_decision(actor=actor, case_id=case.pk),
        ),
        CaseAction(
            "approve",
            _("Approve"),
            "cases.decide",
            ApproveForm,
            lambda case: _table(Action.APPROVE)(case) and bool(case.proposed_eligible),
            lambda actor, case, d: services.case_decide(
                actor=actor, case_id=case.pk, outcome=Outcome.APPROVED, note=d.get("note", "")
            ),
        ),
        CaseAction(
            "refuse",
            _("Refuse"),
            "cases.decide",
            RefuseForm,
            _table(Action.REFUSE),
            lambda actor, case, d: services.case_decide(
                actor=actor,
                case_id=case.pk,
                outcome=Outcome.REFUSED,
                reasons=d.get("reasons") or [],
                note=d.get("note", ""),
            ),
            danger=True,
        ),
        CaseAction(
            "extend",
            _("Extend the time limit to 45 working days"),
            "cases.extend_deadline",
            ReasonForm,
            lambda case: case.status in OPEN_STATES and case.extended_on is None,
            lambda actor, case, d: services.case_extend(
                actor=actor, case_id=case.pk, reason=d["reason"]
            ),
            transition=False,
        ),
        CaseAction(
            "withdraw",
            _("Withdraw the application"),
            "cases.withdraw",
            ReasonForm,
            _table(Action.WITHDRAW),
            lambda actor, case, d: services.case_withdraw(
                actor=actor, case_id=case.pk, reason=d["reason"]
            ),
            danger=True,
        ),
    ]
}

DECIDING = ("approve", "refuse")


def _objection_of(case: Case, objection_id: int) -> int:
    """The objection must belong to this case (else: not found, like any other case's)."""
    from . import errors as E

    if not case.objections.filter(pk=objection_id).exists():
        raise E.NotFoundError("objection")
    return objection_id


def available(user, case: Case, *, excluded: set[int] | None = None) -> list[CaseAction]:
    """The actions the page offers this user on this case now: the role's ability and the
    state table (and, for the decision, not a person who accepted or investigated the case,
    `excluded`: services.accepted_or_investigated_by)."""
    out = []
    for a in ACTIONS.values():
        if not user.has_perm(a.ability) or not a.possible(case):
            continue
        if a.name in DECIDING and excluded is not None and user.pk in excluded:
            continue
        out.append(a)
    return out


def is_decided(case: Case) -> bool:
    return case.status in DECIDED_STATES
