"""The payroll state machine as one plain table (like the cases' table, ADR 0810).

    draft ─check→ checked ─approve→ approved ─send_files→ files_sent ─import_results→ results_in
    results_in ─reconcile→ reconciled ─close→ closed
    checked ─reopen→ draft          (the checker sends it back; a re-run recomputes the draft)
    results_in ─import_results→ results_in   (late result files)

Pure Python: no Django. Services ask `payroll_target(action, status)`; `payroll_transition`
(services) writes the status and a PayrollEvent in one transaction.
"""

from __future__ import annotations

from enum import StrEnum


class PayrollStatus(StrEnum):
    DRAFT = "draft"  # 草稿
    CHECKED = "checked"  # 已复核
    APPROVED = "approved"  # 已审批
    FILES_SENT = "files_sent"  # 已送银行
    RESULTS_IN = "results_in"  # 已回盘
    RECONCILED = "reconciled"  # 已对账
    CLOSED = "closed"  # 已结账


# Which statuses may follow which (to-status -> allowed from-statuses).
TRANSITIONS: dict[PayrollStatus, frozenset[PayrollStatus]] = {
    PayrollStatus.DRAFT: frozenset({PayrollStatus.DRAFT, PayrollStatus.CHECKED}),
    PayrollStatus.CHECKED: frozenset({PayrollStatus.DRAFT}),
    PayrollStatus.APPROVED: frozenset({PayrollStatus.CHECKED}),
    PayrollStatus.FILES_SENT: frozenset({PayrollStatus.APPROVED, PayrollStatus.FILES_SENT}),
    PayrollStatus.RESULTS_IN: frozenset({PayrollStatus.FILES_SENT, PayrollStatus.RESULTS_IN}),
    PayrollStatus.RECONCILED: frozenset({PayrollStatus.RESULTS_IN}),
    PayrollStatus.CLOSED: frozenset({PayrollStatus.RECONCILED}),
}

# A run may (re)compute the lines only while the payroll is a draft (or new).
RECOMPUTABLE = frozenset({PayrollStatus.DRAFT})


class PayrollTransitionNotAllowed(Exception):
    def __init__(self, from_status: str, to_status: str):
        self.from_status, self.to_status = from_status, to_status
        super().__init__(f"payroll cannot go from {from_status} to {to_status}")


def payroll_target(from_status: str, to_status: str) -> PayrollStatus:
    """The new status, or PayrollTransitionNotAllowed."""
    try:
        to = PayrollStatus(to_status)
        frm = PayrollStatus(from_status)
    except ValueError:
        raise PayrollTransitionNotAllowed(from_status, to_status) from None
    if frm not in TRANSITIONS[to]:
        raise PayrollTransitionNotAllowed(from_status, to_status)
    return to
