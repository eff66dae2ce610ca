"""Test data helpers (not fixtures: those are in tests/conftest.py): the test divisions, and the
tiny registry across two districts that the `registry` fixture builds for the scoping tests.

中华街道 (思明区): household ZH1 in community 1 (3 members), ZH2 in community 2.
湖里街道 (湖里区): household HL1 in community 3 (2 members, one deceased).
"""

import datetime as dt
from dataclasses import dataclass

from safetynet.accounts.models import Role, User
from safetynet.registry.ids import build_id_number as make_id  # the tests import it from here
from safetynet.registry.models import Enrolment, Household, Membership, Person
from safetynet.registry.services import persons_follow_household

# Two test communities in 思明区中华街道 and one in 湖里区湖里街道 (synthetic, like the demo's).
ZHONGHUA = "350203002"
HULI_STREET = "350206001"
ZHONGHUA_C1 = "350203002001"
ZHONGHUA_C2 = "350203002002"
HULI_C1 = "350206001001"


def make_person(name, region, birth, seq, sex, division, **extra) -> Person:
    return Person.objects.create(
        id_number=make_id(region, birth, seq, sex),
        name=name,
        sex=sex,
        birth_date=birth,
        hukou_division_id=division,
        **extra,
    )


@dataclass
class Registry:
    zh1: Household
    zh2: Household
    hl1: Household
    zhang_wei: Person  # head of ZH1
    zhang_xiaoming: Person  # disabled child in ZH1
    wang_fang: Person  # head of ZH2
    chen_jie: Person  # head of HL1
    chen_jing: Person  # deceased, in HL1

    def households(self) -> dict[str, Household]:
        return {"zh1": self.zh1, "zh2": self.zh2, "hl1": self.hl1}


def make_household(number, division, members) -> Household:
    household = Household.objects.create(
        number=number, division_id=division, address=f"{number} 号测试路"
    )
    for person, relation in members:
        Membership.objects.create(
            person=person, household=household, relation=relation, start_date=dt.date(2015, 1, 1)
        )
    # Written without the services: keep their copy of the household's division (ADR 0751).
    persons_follow_household(person.pk for person, _ in members)
    return household


def build_registry() -> Registry:
    """The three households (needs the `divisions` fixture's table)."""
    zhang_wei = make_person("张伟", "350203", dt.date(1938, 3, 5), 1, "M", ZHONGHUA_C1)
    li_na = make_person("李娜", "350203", dt.date(1941, 7, 9), 2, "F", ZHONGHUA_C1)
    zhang_xiaoming = make_person(
        "张小明",
        "350203",
        dt.date(1975, 11, 20),
        3,
        "M",
        ZHONGHUA_C1,
        disability_grade=2,
        disability_kind="physical",
    )
    wang_fang = make_person("王芳", "350203", dt.date(1960, 2, 14), 4, "F", ZHONGHUA_C2)
    chen_jie = make_person("陈杰", "350206", dt.date(1955, 5, 1), 5, "M", HULI_C1)
    chen_jing = make_person(
        "陈静", "350206", dt.date(1930, 1, 8), 6, "F", HULI_C1, death_date=dt.date(2019, 12, 1)
    )
    zh1 = make_household(
        "ZH-0001",
        ZHONGHUA_C1,
        [(zhang_wei, "head"), (li_na, "spouse"), (zhang_xiaoming, "child")],
    )
    zh2 = make_household("ZH-0002", ZHONGHUA_C2, [(wang_fang, "head")])
    hl1 = make_household("HL-0001", HULI_C1, [(chen_jie, "head"), (chen_jing, "parent")])
    for person, household, category, end in [
        (zhang_wei, zh1, "dibao", None),
        (zhang_wei, zh1, "elderly_80", None),
        (zhang_xiaoming, zh1, "disabled", None),
        (wang_fang, zh2, "low_income", dt.date(2019, 12, 31)),
        (chen_jie, hl1, "tekun", None),
    ]:
        Enrolment.objects.create(
            person=person,
            household=household,
            category=category,
            start_date=dt.date(2018, 1, 1),
            end_date=end,
            legal_basis="《社会救助暂行办法》",
        )
    return Registry(zh1, zh2, hl1, zhang_wei, zhang_xiaoming, wang_fang, chen_jie, chen_jing)


# Which of the three households each test user sees.
VISIBLE = {
    "community_worker": {"zh1"},
    "street_officer": {"zh1", "zh2"},
    "district_approver": {"zh1", "zh2"},
    "city_admin": {"zh1", "zh2", "hl1"},
    "verification_operator": {"zh1", "zh2", "hl1"},
    "auditor": {"zh1", "zh2", "hl1"},
    "huli_officer": {"hl1"},
}
FULL_ID = {
    "community_worker": True,
    "street_officer": True,
    "district_approver": True,
    "city_admin": False,
    "verification_operator": True,
    "auditor": False,
    "huli_officer": True,
}
MAY_IMPORT = {"community_worker", "street_officer", "city_admin", "huli_officer"}
MAY_EXPORT = {
    "community_worker",
    "street_officer",
    "district_approver",
    "city_admin",
    "auditor",
    "huli_officer",
}
ROLES = list(VISIBLE)


def make_user(username: str, role: Role, jurisdiction: str) -> User:
    user = User.objects.create_user(
        username=username, password="pass-for-tests-1", role=role, jurisdiction_id=jurisdiction
    )
    return user
