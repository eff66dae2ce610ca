"""Helpers of the case tests: ID numbers, uploads, the casework clock, a family registered
through the registry services, and steps that walk a case along
(fixtures: tests/cases/conftest.py).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import ric

from safetynet.cases import services
from safetynet.registry.services import household_create, person_create
from safetynet.verification.models import QueryStatus, SourceQuery
from safetynet.verification.services import verification_report_build
from tests.conftest import ZHONGHUA_C1

PDF = b"%PDF-1.4 signed authorization"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def make_id(birth: dt.date, seq: int, sex: str, region: str = "350203") -> str:
    order = seq * 2 + (1 if sex == "M" else 0)
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def scan(name="授权书.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class Clock:
    """The casework clock (safetynet.cases.clock.today), moved by the tests."""

    def __init__(self, day: dt.date):
        self.day = day

    def __call__(self) -> dt.date:
        return self.day

    def set(self, day: dt.date) -> None:
        self.day = day

    def advance(self, days: int) -> dt.date:
        self.day = self.day + dt.timedelta(days=days)
        return self.day


@dataclass
class Family:
    household: object
    head: object
    spouse: object


def make_family(actor, seq: int = 1) -> Family:
    head = person_create(
        actor=actor,
        id_number=make_id(dt.date(1985, 3, 4), seq, "M"),
        name=f"陈{'一二三四五六七八九'[seq % 9]}",
        hukou_division=ZHONGHUA_C1,
    )
    household = household_create(
        actor=actor, division=ZHONGHUA_C1, head=head, start_date=dt.date(2020, 1, 1)
    )
    spouse = person_create(
        actor=actor,
        id_number=make_id(dt.date(1987, 6, 5), seq, "F"),
        name=f"林{'一二三四五六七八九'[seq % 9]}",
        hukou_division=ZHONGHUA_C1,
        household=household,
        relation="spouse",
        start_date=dt.date(2020, 1, 1),
    )
    return Family(household=household, head=head, spouse=spouse)


POOR = 50_000  # 500 yuan a month for two: well under the dibao standard
RICH = 2_000_000  # 20,000 yuan a month


def apply(actor, family: Family, *, program="dibao", wage=POOR, **extra):
    return services.case_apply(
        actor=actor,
        program=program,
        household_id=family.household.pk,
        declared_income={family.head.pk: {"wage_fen": wage}},
        declared_assets={"financial_assets_fen": 100_000},
        authorization_scan=scan(),
        signed_by=family.head.name,
        signed_on=dt.date(2025, 9, 25),
        **extra,
    )


def verify(actor, case):
    """Every source answers with nothing found (the declaration stands); the report is issued."""
    SourceQuery.objects.filter(request_id=case.verification_request_id).update(
        status=QueryStatus.ANSWERED, records=[]
    )
    return verification_report_build(actor=actor, request_id=case.verification_request_id)


def investigate(staff, case, clock):
    so = staff["street_officer"]
    services.case_investigation_start(actor=so, case_id=case.pk)
    services.case_home_visit_record(
        actor=so,
        case_id=case.pk,
        visited_on=clock(),
        staff=[staff["community_worker"].pk, staff["street_officer_2"].pk],
        findings="住房简陋，户主打零工，配偶无业。",
        photos=[SimpleUploadedFile("家.png", PNG, content_type="image/png")],
    )
    verify(so, case)
    return services.case_propose(actor=so, case_id=case.pk)


def to_decision(staff, case, clock):
    """From acceptance to awaiting the decision (through the notice if eligible)."""
    so = staff["street_officer"]
    clock.advance(3)
    case = investigate(staff, case, clock)
    if case.proposed_eligible:
        case = services.case_notice_publish(actor=so, case_id=case.pk)
        clock.set(case.notice_ends_on + dt.timedelta(days=1))
        case = services.case_notice_close(actor=so, case_id=case.pk)
    else:
        case = services.case_refer_for_decision(actor=so, case_id=case.pk)
    return case


# A 2027 arrangement for the tests (not the State Council's: written for the tests, in the bureau
# file format of docs/calendar.md): 1–3 Jan and 6–14 Feb off, Sat 20 Feb worked.
CALENDAR_2027 = """\
year: 2027
reference: 测试用 2027 年工作日安排（非国务院通知）
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
  - {name: 春节, from: 2027-02-06, to: 2027-02-14}
workdays:
  - {date: 2027-02-20, name: 春节}
"""


def add_calendar_2027(folder) -> None:
    """The bureau adds 2027 to the calendar folder; the process's calendar is reloaded."""
    from safetynet.workdays import default_calendar

    (folder / "2027.yaml").write_text(CALENDAR_2027, encoding="utf-8")
    default_calendar.cache_clear()
