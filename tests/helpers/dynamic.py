"""Helpers of the tests of the no-application lists, reviews, emergency aid and grievances
screens and API: elders about to be proposed, enrolled households, a refused case."""

import datetime as dt

from safetynet.cases.services import case_decide
from safetynet.registry.services import enrolment_add, household_create, person_create
from tests.conftest import ZHONGHUA_C1
from tests.helpers.cases import apply, make_family, make_id, to_decision


def enrol(actor, person, category, start, household=None):
    return enrolment_add(
        actor=actor,
        person=person,
        category=category,
        start_date=start,
        legal_basis="测试",
        household=household,
    )


def make_elders(cw):
    """One person turning 80 in October 1945+80 (new in 2025-11, 100 yuan) and one turning 90,
    already enrolled (moves to the 200-yuan tier)."""
    fam = make_family(cw, 5)
    turning = person_create(
        actor=cw,
        id_number=make_id(dt.date(1945, 10, 15), 7, "M"),
        name="郑八十",
        hukou_division=ZHONGHUA_C1,
        household=fam.household,
        relation="parent",
        start_date=dt.date(2020, 1, 1),
    )
    ninety = person_create(
        actor=cw,
        id_number=make_id(dt.date(1935, 10, 3), 8, "F"),
        name="黄九十",
        hukou_division=ZHONGHUA_C1,
        household=fam.household,
        relation="other",
        start_date=dt.date(2020, 1, 1),
    )
    enrol(cw, ninety, "elderly_80", dt.date(2016, 1, 1))
    return fam, turning, ninety


def make_enrolled(cw):
    """A dibao household of two (working-age, able head) enrolled since 2024-09."""
    young = make_family(cw, 2)
    for p in (young.head, young.spouse):
        enrol(cw, p, "dibao", dt.date(2024, 9, 1), young.household)
    return young


def make_elder_household(cw):
    head = person_create(
        actor=cw,
        id_number=make_id(dt.date(1950, 1, 2), 9, "M"),
        name="老王",
        hukou_division=ZHONGHUA_C1,
    )
    old = household_create(
        actor=cw, division=ZHONGHUA_C1, head=head, start_date=dt.date(2020, 1, 1)
    )
    enrol(cw, head, "dibao", dt.date(2025, 1, 1), old)
    return old, head


def refused_case(staff, family, clock):
    """A dibao case of a rich family, refused (its decision notice issued today)."""
    case = to_decision(staff, apply(staff["community_worker"], family, wage=2_000_000), clock)
    case_decide(actor=staff["district_approver"], case_id=case.pk, outcome="refused")
    case.refresh_from_db()
    assert case.status == "refused"
    return case
