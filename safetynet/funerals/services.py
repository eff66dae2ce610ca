"""Funerals and deaths: writes (docs/funerals.md).

Deaths (POLICY §3, §8): a death reported by an outside source — the civil-affairs death records
(a `death` finding of the batch verification) or a funeral home — is proposed to the street
officer (`DeathReport`), never written into the registry unseen. Confirming it records the death
through the registry (`person_record_death`), the one path every recorded death takes: personal
benefits stop the month after (enrolments end with the month of death), the funeral grants (five
elders, entitled groups except disabled servicemen) and the exemption go on the street's
no-application funeral list for the officer to confirm, and what was paid for months after the
death becomes a recovery (payments/recoveries.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.cases import clock
from safetynet.registry.models import Membership, Person
from safetynet.registry.services import person_record_death

from . import errors as E
from .models import DeathReport, DeathSource, ReportStatus
from .selectors import death_report_get


def _street_of(person: Person):
    """The street of the person's current (else latest) household, else of the 户籍."""
    ms = Membership.objects.filter(person=person).select_related("household__division")
    m = ms.filter(end_date__isnull=True).first() or ms.order_by("-start_date").first()
    division = m.household.division if m else person.hukou_division
    return division.parent if division.level == "community" and division.parent else division


def death_report_file(
    *, person: Person, death_date: dt.date, source: str, source_ref: str
) -> tuple[DeathReport | None, bool]:
    """Propose a reported death to the officer (idempotent by source and reference): (the
    report, whether it is new). No report when the registry already holds the death or a report
    of the person is open. Called by the batch findings import and the funeral homes' API
    (their own checks were made)."""
    if source not in DeathSource.values:
        raise ValueError(source)
    existing = DeathReport.objects.filter(source=source, source_ref=source_ref).first()
    if existing is not None:
        return existing, False
    if person.death_date is not None:
        return None, False
    if DeathReport.objects.filter(person=person, status=ReportStatus.PROPOSED).exists():
        return None, False
    try:
        with transaction.atomic():
            report = DeathReport.objects.create(
                person=person,
                death_date=death_date,
                source=source,
                source_ref=source_ref[:100],
                street=_street_of(person),
                reported_on=clock.today(),
            )
    except IntegrityError:
        return DeathReport.objects.get(source=source, source_ref=source_ref), False
    return report, True


def death_reports_from_findings(run) -> int:
    """The `death` findings of a batch verification run (civil-affairs death records, ADR 1132)
    as death reports; returns how many were proposed."""
    from safetynet.verification.models import FindingKind

    n = 0
    for f in run.findings.filter(kind=FindingKind.DEATH, person__isnull=False).select_related(
        "person"
    ):
        try:
            day = dt.date.fromisoformat(str(f.detail.get("death_date")))
        except ValueError:
            continue
        ref = f"{f.source}:{f.source_record}:{f.person_id}"
        _, created = death_report_file(
            person=f.person, death_date=day, source=DeathSource.CIVIL_AFFAIRS, source_ref=ref
        )
        n += created
    return n


def _open_report(actor: User, report_id: int) -> DeathReport:
    report = death_report_get(actor=actor, report_id=report_id)
    report = DeathReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.PROPOSED:
        E.refuse(E.REPORT_DECIDED, f"report {report.pk} is {report.status}", "report")
    return report


@transaction.atomic
def death_report_confirm(
    *, actor: User, report_id: int, death_date: dt.date | None = None
) -> DeathReport:
    """Confirm a reported death (the officer may correct the date): the registry records it,
    with everything that follows a recorded death (see the module's docstring). Other open
    reports of the same person are closed with it."""
    require(actor, "funerals.confirm_deaths")
    report = _open_report(actor, report_id)
    day = death_date or report.death_date
    person = Person.objects.get(pk=report.person_id)
    if person.death_date is None:
        person_record_death(actor=actor, person=person, death_date=day)
    today = clock.today()
    report.status, report.death_date = ReportStatus.CONFIRMED, day
    report.decided_by, report.decided_on = actor, today
    report.save()
    DeathReport.objects.filter(person=person, status=ReportStatus.PROPOSED).update(
        status=ReportStatus.CONFIRMED,
        decided_by=actor,
        decided_on=today,
        reason=f"同一死亡已由报告 {report.pk} 确认",
    )
    return report


@transaction.atomic
def death_report_reject(*, actor: User, report_id: int, reason: str) -> DeathReport:
    """Reject a reported death (e.g. the wrong person), with the reason; the registry is not
    touched."""
    require(actor, "funerals.confirm_deaths")
    reason = str(reason or "").strip()
    if not reason:
        E.refuse(E.REASON_REQUIRED, "a rejection states its reason", "reason")
    report = _open_report(actor, report_id)
    report.status, report.reason = ReportStatus.REJECTED, reason[:2000]
    report.decided_by, report.decided_on = actor, clock.today()
    report.save()
    return report
