"""Two district approvers deciding the same case at the same moment produce exactly one decision
(PostgreSQL: real concurrent transactions on two connections; SQLite serialises writers)."""

import threading
import time

import pytest
from django.db import connection

from safetynet.cases import services
from safetynet.cases.errors import ServiceError
from safetynet.cases.models import Case, CaseEvent, Decision, EventKind, Notice
from safetynet.registry.models import Enrolment
from tests.helpers.cases import apply, to_decision

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def race(staff, case, outcomes):
    barrier = threading.Barrier(len(outcomes))
    results = {}

    def decide(name, outcome):
        try:
            barrier.wait(timeout=10)
            services.case_decide(
                actor=staff[name], case_id=case.pk, outcome=outcome, reasons=["不符合。"]
            )
            results[name] = "ok"
        except ServiceError as exc:
            results[name] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=item) for item in outcomes.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def slow_pdf(monkeypatch):
    """The notice takes a while to render, inside the transaction: the race window is wide."""

    def render(template, context):
        time.sleep(0.5)
        return b"%PDF-1.4 test"

    monkeypatch.setattr("safetynet.cases.pdf._render", render)


@pytest.fixture
def awaiting_pg(settings, staff, family, clock):
    settings.TASKS = DATABASE_QUEUE  # the verification dispatch waits in the queue (no HTTP)
    case = apply(staff["community_worker"], family)
    return to_decision(staff, case, clock)


def test_two_approvers_at_once_make_one_decision(staff, awaiting_pg, slow_pdf):
    results = race(
        staff, awaiting_pg, {"district_approver": "approved", "district_approver_2": "refused"}
    )
    assert sorted(results.values()) == ["case_already_decided", "ok"], results
    assert Decision.objects.filter(case=awaiting_pg).count() == 1
    decision = Decision.objects.get(case=awaiting_pg)
    winner = next(name for name, r in results.items() if r == "ok")
    assert decision.decided_by == staff[winner]
    case = Case.objects.get(pk=awaiting_pg.pk)
    assert case.status == ("enrolled" if decision.outcome == "approved" else "refused")
    assert Notice.objects.filter(case=case, kind="decision").count() == 1
    decided = CaseEvent.objects.filter(case=case, kind__in=[EventKind.APPROVED, EventKind.REFUSED])
    assert decided.count() == 1
    enrolments = Enrolment.objects.filter(legal_basis__contains=case.number).count()
    assert enrolments == (2 if decision.outcome == "approved" else 0)


def test_without_the_row_lock_the_unique_decision_still_holds(
    staff, awaiting_pg, slow_pdf, monkeypatch
):
    """The database constraint is the backstop: even if the lock were lost, one decision."""
    from safetynet.cases.models import Case as CaseModel

    def unlocked(*, actor, case_id):
        return CaseModel.objects.get(pk=case_id)

    monkeypatch.setattr(services, "_case_for_update", unlocked)
    results = race(
        staff, awaiting_pg, {"district_approver": "approved", "district_approver_2": "approved"}
    )
    assert sorted(results.values()) == ["case_already_decided", "ok"], results
    assert Decision.objects.filter(case=awaiting_pg).count() == 1
