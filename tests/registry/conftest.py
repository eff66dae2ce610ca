"""Factories of the registry tests: valid ID numbers (a fresh sequence per test, no module-level
counter), persons and households made through the services, and roster rows."""

import datetime as dt
import itertools

import pytest
from stdnum.cn import ric

from safetynet.registry import services as svc
from safetynet.registry.models import Household, Person
from tests.helpers.city import ZHONGHUA_C1


@pytest.fixture
def make_id():
    """make_id(birth="YYYYMMDD", region="350203", sex="M"): a valid ID number, different at each
    call within the test (sex by the parity of the 17th digit)."""
    seq = itertools.count(100)

    def make(birth: str = "19900101", region: str = "350203", sex: str = "M") -> str:
        while True:
            body = f"{region}{birth}{next(seq) % 1000:03d}"
            if (int(body[16]) % 2 == 1) == (sex == "M"):
                return body + ric.calc_check_digit(body + "0")

    return make


@pytest.fixture
def new_person(make_id):
    """new_person(actor, *, division=ZHONGHUA_C1, name="张三", **kw): person_create."""

    def make(actor, *, division=ZHONGHUA_C1, name="张三", **kw) -> Person:
        kw.setdefault("id_number", make_id())
        return svc.person_create(actor=actor, name=name, hukou_division=division, **kw)

    return make


@pytest.fixture
def new_household(new_person):
    """new_household(actor, *, division=ZHONGHUA_C1, members=(relation, …), **kw): a head and
    one member per relation, through the services."""

    def make(actor, *, division=ZHONGHUA_C1, members=(), **kw) -> Household:
        head = new_person(actor, division=division, name="户主")
        hh = svc.household_create(
            actor=actor, division=division, head=head, start_date=dt.date(2020, 1, 1), **kw
        )
        for relation in members:
            p = new_person(actor, division=division, name=f"成员{relation}")
            svc.household_add_member(
                actor=actor,
                household=hh,
                person=p,
                relation=relation,
                start_date=dt.date(2020, 1, 1),
            )
        return hh

    return make


@pytest.fixture
def cw(users):
    return users["community_worker"]


@pytest.fixture
def member(make_id):
    """member(number="H001", relation="户主", **cells): one roster row (header -> value)."""

    def make(number="H001", relation="户主", **kw) -> dict:
        row = {
            "户编号": number,
            "所属社区代码": ZHONGHUA_C1,
            "身份证号": make_id(),
            "姓名": "张三",
            "与户主关系": relation,
        }
        row.update(kw)
        return row

    return make


@pytest.fixture
def family(member, make_id):
    """family(number="H001", **head_cells): the rows of a household of three."""

    def make(number="H001", **head_kw) -> list[dict]:
        return [
            member(number, "户主", 地址="中华路1号", 是否农村="否", **head_kw),
            member(number, "配偶", 所属社区代码=None, 姓名="李四", 残疾等级=2, 残疾类别="肢体"),
            member(number, "子女", 所属社区代码=None, 姓名="张小", 身份证号=make_id("20100505")),
        ]

    return make
