"""The Excel importer under hypothesis: rosters built with openpyxl from the real template
(household_template_workbook), valid or with broken cells (wrong types, unknown codes, bad dates
and ID numbers, formulas, huge text, empty required cells, duplicates). Whatever the roster:

- the importer answers with an ImportResult or an ImportRejected, never another exception;
- rejected, nothing is written (every registry table and its history keep their row counts);
- accepted, every row is written (the counts grow by exactly what the result reports);
- a roster with no broken cell is accepted.

Each example runs in a savepoint rolled back afterwards, so every one starts from the same city.
"""

import datetime as dt
import io

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from safetynet.registry.importers import (
    COLUMNS,
    DATA_SHEET,
    ImportRejected,
    ImportResult,
    household_roster_import,
    household_template_workbook,
)
from safetynet.registry.models import Enrolment, Household, Membership, Person
from tests.helpers.city import HULI_C1, ZHONGHUA_C1

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HEADERS = [c.header for c in COLUMNS]
TABLES = {
    "households": Household.objects,
    "persons": Person.objects,
    "memberships": Membership.objects,
    "enrolments": Enrolment.objects,
    "household history": Household.history,
    "person history": Person.history,
    "membership history": Membership.history,
    "enrolment history": Enrolment.history,
}
RELATIONS = ["配偶", "子女", "父母", "孙子女", "兄弟姐妹", "其他"]
NAMES = st.text(
    alphabet="张王李赵陈林黄伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞", min_size=2, max_size=3
)


def counts() -> dict[str, int]:
    return {name: manager.count() for name, manager in TABLES.items()}


def id_number(birth: dt.date, seq: int) -> str:
    body = f"350203{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


@st.composite
def valid_rosters(draw) -> list[dict]:
    """1-3 households of 1-4 members, every cell valid, ID numbers all different."""
    rows, seq = [], iter(range(1, 1000))
    for h in range(draw(st.integers(1, 3))):
        number = f"FZ-{h:03d}"
        size = draw(st.integers(1, 4))
        for m in range(size):
            birth = draw(st.dates(dt.date(1930, 1, 1), dt.date(2015, 12, 31)))
            row = {
                "户号": number,
                "身份证号": id_number(birth, next(seq)),
                "姓名": draw(NAMES),
                "与户主关系": "户主" if m == 0 else draw(st.sampled_from(RELATIONS)),
            }
            if m == 0:
                row |= {"所属社区代码": ZHONGHUA_C1, "地址": f"中华路{h + 1}号", "是否农村": "否"}
                if draw(st.booleans()):
                    row |= {
                        "救助类别": draw(st.sampled_from(["低保", "特困", "低保、残疾人"])),
                        "类别起始日期": "2020-01-01",
                        "认定依据": "厦民〔2016〕1号",
                    }
            if draw(st.booleans()):
                row["出生日期"] = birth.isoformat()
            if draw(st.booleans()):
                row |= {"残疾等级": draw(st.sampled_from([1, 2, 3, 4])), "残疾类别": "肢体"}
            rows.append(row)
    return rows


BROKEN_VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.just("   "),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(dt.datetime(1800, 1, 1), dt.datetime(2200, 1, 1)),
    st.dates(dt.date(1800, 1, 1), dt.date(2200, 1, 1)),
    st.sampled_from(
        [
            "=1+1",
            '=HYPERLINK("http://127.0.0.1/","x")',
            "2020-02-30",
            "2020/13/01",
            "9999-99-99",
            "35020319900101123X",
            "350203199001011234",
            "11010519491231002X",
            HULI_C1,
            "350203",
            "户主",
            "是",
            "一级",
            "低保、低保",
            "未知类别",
            "x" * 300,
            "张" * 70,
        ]
    ),
    # Printable text only: openpyxl refuses control characters in cells.
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
)


@st.composite
def broken_rosters(draw) -> list[dict]:
    """A valid roster with 1-4 cells replaced, a row duplicated or a required cell emptied."""
    rows = [dict(r) for r in draw(valid_rosters())]
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from(HEADERS))] = draw(BROKEN_VALUES)
    if draw(st.booleans()):
        rows.append(dict(draw(st.sampled_from(rows))))
    return rows


def workbook(template: bytes, rows: list[dict]) -> bytes:
    """The template (its sheets, lists and formats) with the rows filled in below its header."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb[DATA_SHEET]
    for r, row in enumerate(rows, start=2):
        for c, header in enumerate(HEADERS, start=1):
            ws.cell(row=r, column=c, value=row.get(header))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def attempt(actor, data: bytes) -> tuple[ImportResult | ImportRejected, dict, dict]:
    """Import in a savepoint that is rolled back; return the outcome and the counts around it."""
    with transaction.atomic():
        before = counts()
        try:
            outcome = household_roster_import(actor=actor, file=data, filename="roster.xlsx")
        except ImportRejected as rejected:
            outcome = rejected
        after = counts()
        transaction.set_rollback(True)
    return outcome, before, after


def check_all_or_nothing(outcome, before: dict, after: dict, rows: list[dict]) -> None:
    event(type(outcome).__name__)
    if isinstance(outcome, ImportRejected):
        assert after == before, "a rejected roster wrote something"
        assert outcome.problems and all(p.message for p in outcome.problems)
        return
    assert isinstance(outcome, ImportResult)
    grew = {name: after[name] - before[name] for name in after}
    numbers = {r.get("户号") for r in rows}
    assert grew["households"] == outcome.households == len(numbers)
    assert grew["persons"] == outcome.persons_created
    assert grew["memberships"] == outcome.memberships == len(rows)
    assert grew["enrolments"] == outcome.enrolments
    assert grew["household history"] == outcome.households
    assert grew["person history"] == outcome.persons_created
    assert grew["membership history"] == outcome.memberships


FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def template(users) -> bytes:
    return household_template_workbook(actor=users["community_worker"])


@FUZZ
@given(rows=valid_rosters())
def test_a_valid_roster_is_written_whole(users, template, rows):
    outcome, before, after = attempt(users["community_worker"], workbook(template, rows))
    assert isinstance(outcome, ImportResult), [p.as_dict() for p in outcome.problems]
    check_all_or_nothing(outcome, before, after, rows)


@FUZZ
@given(rows=broken_rosters())
def test_a_broken_roster_is_refused_whole_or_written_whole(users, template, rows):
    outcome, before, after = attempt(users["community_worker"], workbook(template, rows))
    check_all_or_nothing(outcome, before, after, rows)
