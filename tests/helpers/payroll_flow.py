"""Payrolls and lines written directly (not through `payroll_run`), for the tests of the steps
after the draft and of the recoveries: exact amounts chosen by the test."""

from __future__ import annotations

from django.utils import timezone

from safetynet.payments.events import payroll_event_record
from safetynet.payments.models import PaymentLine, Payroll

CITY_PAID = {"five_elders"}


def make_payroll(month: str, *, prepared_by, status: str = "draft") -> Payroll:
    payroll = Payroll.objects.create(month=month, status=status, prepared_by=prepared_by)
    payroll_event_record(payroll=payroll, kind="run", actor=prepared_by, to_status="draft")
    return payroll


def add_line(
    payroll: Payroll,
    *,
    person,
    amount_fen: int,
    program: str = "dibao",
    household=None,
    division: str | None = None,
    benefit_month: str | None = None,
    kind: str = "regular",
    status: str = "pending",
    key: str | None = None,
    reason: str = "",
) -> PaymentLine:
    """One line; the funding split: all city for CITY_PAID programs, else half city (rounded
    down), the rest district."""
    if program in CITY_PAID:
        city, district = amount_fen, 0
    else:
        city = amount_fen // 2
        district = amount_fen - city
    now = timezone.now()
    return PaymentLine.objects.create(
        payroll=payroll,
        payroll_month=payroll.month,
        beneficiary_key=key or (f"H{household.pk}" if household else f"P{person.pk}"),
        person=person,
        household=household,
        program=program,
        benefit_month=benefit_month or payroll.month,
        kind=kind,
        amount_fen=amount_fen,
        city_fen=city,
        district_fen=district,
        street_fen=0,
        division_id=division or (household.division_id if household else person.hukou_division_id),
        reason=reason,
        status=status,
        created_at=now,
        updated_at=now,
    )
