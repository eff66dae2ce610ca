"""Helpers of the review-task tests (fixtures `run`, `tasks` in tests/verification/conftest.py)."""

import datetime as dt

from stdnum.cn import ric

from safetynet.registry.models import Household, Membership, Person
from safetynet.registry.services import persons_follow_household
from safetynet.verification.models import BatchRun, Finding, ReviewTask


def make_household(number: str, community: str, head: str, seq: int) -> Household:
    """A household whose head (born 1970-01-01) has the sequence number `seq` in his ID number."""
    household = Household.objects.create(number=number, division_id=community, address="测试路1号")
    birth = dt.date(1970, 1, 1)
    body = f"350203{birth:%Y%m%d}{seq:03d}"
    person = Person.objects.create(
        id_number=body + ric.calc_check_digit(body),
        name=head,
        sex="M",
        birth_date=birth,
        hukou_division_id=community,
    )
    Membership.objects.create(
        person=person, household=household, relation="head", start_date=dt.date(2010, 1, 1)
    )
    persons_follow_household([person.pk])  # the services' copy of the division (ADR 0751)
    return household


def make_task(household: Household, run: BatchRun, findings: list[dict]) -> ReviewTask:
    for f in findings:
        Finding.objects.create(batch_run=run, household=household, **f)
    return ReviewTask.objects.create(
        household=household, street_id=household.division_id[:9], batch_run=run
    )
