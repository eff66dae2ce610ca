"""Writes of parameter changes: propose, approve, reject (maker-checker, ADR 1400).

Each service checks the ability (ADR 0720) first, validates against the effective tree through
the rules (``safetynet.rules.overlay``), writes in one transaction and records an event on the
audit trail (ParameterChangeEvent) the auditor reads.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safetynet.accounts.permissions import require
from safetynet.core.errors import FieldProblem, NotFoundError, ServiceError
from safetynet.rules.overlay import (
    CHANGE_KINDS,
    Change,
    OverlayError,
    canonical_text,
    check_change,
    effective_parameters,
)

from . import selectors
from .models import ChangeStatus, EventKind, ParameterChange, ParameterChangeEvent

PROPOSE = "policy.propose_parameter_change"
APPROVE = "policy.approve_parameter_change"


def _invalid(field: str, message: str, code: str = "invalid") -> ServiceError:
    return ServiceError(code, f"{field}: {message}", [FieldProblem(field, message, code)])


def _overlay_refusal(e: OverlayError) -> ServiceError:
    return _invalid(e.field, e.message, e.code)


def _approved_tree():
    return effective_parameters(selectors.approved_changes())


@transaction.atomic
def propose_change(
    actor,
    *,
    name: str,
    kind: str,
    effective: str | dt.date,
    value: int | str | None,
    reference_number: str,
    reference_date: str | dt.date,
    note: str = "",
) -> ParameterChange:
    """Record a proposed change; it is validated now (and again at approval) against the
    effective tree, and takes no effect until another city officer approves it."""
    require(actor, PROPOSE)
    if kind not in CHANGE_KINDS:
        raise _invalid("kind", f"{kind!r} must be one of {list(CHANGE_KINDS)}")
    number = (reference_number or "").strip()
    if not number:
        raise _invalid(
            "reference", _("give the document number of the legal reference"), "required"
        )
    try:
        ref_date = (
            reference_date
            if isinstance(reference_date, dt.date)
            else dt.date.fromisoformat(str(reference_date).strip())
        )
    except ValueError:
        raise _invalid("reference_date", f"{reference_date!r} is not a date YYYY-MM-DD") from None
    if ref_date > timezone.localdate():
        raise _invalid("reference_date", f"{ref_date} is in the future", "future_document")
    eff = effective.isoformat() if isinstance(effective, dt.date) else str(effective).strip()
    change = Change(name, eff, value, kind, f"{number} ({ref_date.isoformat()})")
    params = _approved_tree()
    try:
        pv = check_change(params, change)
    except OverlayError as e:
        raise _overlay_refusal(e) from None
    text = "" if kind == "confirmation" else canonical_text(params.get(name), pv.value)
    row = ParameterChange.objects.create(
        name=name,
        kind=kind,
        effective=pv.effective,
        value=text,
        reference_number=number,
        reference_date=ref_date,
        note=(note or "").strip(),
        author=actor,
    )
    ParameterChangeEvent.objects.create(
        change=row,
        kind=EventKind.PROPOSED,
        actor=actor,
        data={"name": name, "kind": kind, "effective": pv.effective, "value": text},
    )
    return row


def _decide(actor, change_id: int, ability: str) -> ParameterChange:
    require(actor, ability)
    try:
        row = ParameterChange.objects.select_for_update().get(pk=int(change_id))
    except (ParameterChange.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("parameter change") from None
    if row.status != ChangeStatus.PROPOSED:
        raise ServiceError(
            "already_decided",
            _("Change #%(id)s is already %(status)s.")
            % {"id": row.pk, "status": row.get_status_display()},
        )
    if row.author_id == actor.pk:
        raise ServiceError(
            "maker_checker",
            _("You proposed change #%(id)s: another city officer must decide it.") % {"id": row.pk},
        )
    return row


@transaction.atomic
def approve_change(actor, change_id: int, note: str = "") -> ParameterChange:
    """Approve a proposed change (never its author): from now on the effective tree has it."""
    row = _decide(actor, change_id, APPROVE)
    # Approvals of one parameter are serialised, and the change is checked again against the
    # tree as approved now (another change may have been approved since it was proposed).
    list(
        ParameterChange.objects.select_for_update()
        .filter(name=row.name, status=ChangeStatus.APPROVED)
        .values_list("id", flat=True)
    )
    try:
        check_change(_approved_tree(), selectors.as_change(row))
    except OverlayError as e:
        raise _overlay_refusal(e) from None
    before = selectors.approved_changes()  # for the retroactive assessment (ADR 1431)
    row.status = ChangeStatus.APPROVED
    row.approver = actor
    row.decided_at = timezone.now()
    row.decision_note = (note or "").strip()
    row.save(update_fields=["status", "approver", "decided_at", "decision_note"])
    ParameterChangeEvent.objects.create(
        change=row, kind=EventKind.APPROVED, actor=actor, data={"note": row.decision_note}
    )
    selectors.invalidate()
    transaction.on_commit(selectors.invalidate)
    # a past effective date reaching paid months: arrears/overpayments per household (ADR 1431)
    from .retroactive import assess

    assess(row, before, selectors.approved_changes())
    return row


@transaction.atomic
def reject_change(actor, change_id: int, reason: str) -> ParameterChange:
    """Reject a proposed change (never its author), with the reason."""
    if not (reason or "").strip():
        require(actor, APPROVE)
        raise _invalid("reason", _("give the reason for the rejection"), "required")
    row = _decide(actor, change_id, APPROVE)
    row.status = ChangeStatus.REJECTED
    row.approver = actor
    row.decided_at = timezone.now()
    row.decision_note = reason.strip()
    row.save(update_fields=["status", "approver", "decided_at", "decision_note"])
    ParameterChangeEvent.objects.create(
        change=row, kind=EventKind.REJECTED, actor=actor, data={"reason": row.decision_note}
    )
    return row
