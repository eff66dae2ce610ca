"""Test data for the payroll (tests/payments): a small city of enrolled households with hand-
checked facts, bank accounts, and one-off grants (cases.Grant through a confirmed list entry)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from safetynet.payments.models import AmountBasis, AmountBasisPerson, BankAccount
from safetynet.registry.models import Enrolment, Household, Membership, Person
from safetynet.registry.services import persons_follow_household
from tests.helpers.city import HULI_C1, ZHONGHUA_C1, ZHONGHUA_C2, make_id

# sequences 100-499 (the order code seq*2+sex has three digits); a test makes far fewer persons
_seq = itertools.cycle(range(100, 500))


def person(name, birth, division=ZHONGHUA_C1, sex="M", **extra) -> Person:
    region = division[:6]
    return Person.objects.create(
        id_number=make_id(region, birth, next(_seq), sex),
        name=name,
        sex=sex,
        birth_date=birth,
        hukou_division_id=division,
        **extra,
    )


def household(number, division, members, start=dt.date(2015, 1, 1)) -> Household:
    h = Household.objects.create(number=number, division_id=division, address=f"{number} 号")
    for p, relation in members:
        Membership.objects.create(
            person=p,
            household=h,
            relation=relation,
            start_date=start,
            end_date=p.death_date,
        )
    persons_follow_household(p.pk for p, _ in members)
    return h


def enrol(p, h, category, start=dt.date(2018, 1, 1), end=None) -> Enrolment:
    return Enrolment.objects.create(
        person=p,
        household=h,
        category=category,
        start_date=start,
        end_date=end,
        legal_basis="测试",
    )


def basis(h, valid_from="2018-01", incomes=None, **assets) -> AmountBasis:
    b = AmountBasis.objects.create(household=h, valid_from=valid_from, source="manual", **assets)
    for p, values in (incomes or {}).items():
        AmountBasisPerson.objects.create(basis=b, person=p, **values)
    return b


def account(p, number="6222020000000000001", bank="ICBC") -> BankAccount:
    return BankAccount.objects.create(
        person=p,
        bank_code=bank,
        bank_name="中国工商银行",
        account_number=number,
        holder_name=p.name,
        valid_from=dt.date(2018, 1, 1),
    )


@dataclass
class PayCity:
    dibao_h: Household  # 2 members, head wage 300 yuan: (800 × 2 − 300) = 1,300 yuan
    dibao_head: Person
    tekun: Person  # 70, alone, no supporter, capable: 1.5 × 800 + 5% × 1,800 = 1,290 yuan
    tekun_h: Household
    elder: Person  # 84: age allowance 100 yuan
    elder_h: Household
    dying: Person  # 85, age allowance, died 2019-08-15: paid August, not September
    dying_h: Household
    no_account: Person  # 81, age allowance, no bank account: held


def build_pay_city() -> PayCity:
    """Needs the `divisions` fixture. Benefit months around 2019-08 (standard 800 yuan)."""
    head = person("张低保", dt.date(1975, 3, 1), has_capable_supporter=True)
    spouse = person("李低保", dt.date(1977, 4, 2), sex="F", has_capable_supporter=True)
    dibao_h = household("PAY-1", ZHONGHUA_C1, [(head, "head"), (spouse, "spouse")])
    enrol(head, dibao_h, "dibao")
    enrol(spouse, dibao_h, "dibao")
    basis(dibao_h, incomes={head: {"income_wage_fen": 30000}, spouse: {}})
    account(head, "6222020000000000101")

    tekun = person(
        "王特困", dt.date(1949, 1, 15), has_capable_supporter=False, selfcare_failed_items=0
    )
    tekun_h = household("PAY-2", ZHONGHUA_C2, [(tekun, "head")])
    enrol(tekun, tekun_h, "tekun")
    basis(tekun_h, incomes={tekun: {}})
    account(tekun, "6222020000000000102")

    elder = person("陈高龄", dt.date(1935, 5, 10), division=HULI_C1, has_capable_supporter=True)
    elder_h = household("PAY-3", HULI_C1, [(elder, "head")])
    enrol(elder, elder_h, "elderly_80")
    account(elder, "6222020000000000103")

    son = person("林儿子", dt.date(1960, 6, 6), has_capable_supporter=True)
    dying = person(
        "林故", dt.date(1934, 2, 2), sex="F", death_date=dt.date(2019, 8, 15),
        has_capable_supporter=True,
    )  # fmt: skip
    dying_h = household("PAY-4", ZHONGHUA_C1, [(son, "head"), (dying, "parent")])
    enrol(dying, dying_h, "elderly_80")
    account(dying, "6222020000000000104")

    no_account = person("赵无卡", dt.date(1938, 9, 9), has_capable_supporter=True)
    na_h = household("PAY-5", ZHONGHUA_C2, [(no_account, "head")])
    enrol(no_account, na_h, "elderly_80")
    return PayCity(dibao_h, head, tekun, tekun_h, elder, elder_h, dying, dying_h, no_account)


def funeral_grant(p, h, month: str, amount_fen: int, street: str):
    """A confirmed funeral-exemption grant (cases.Grant) for `p` in `month`."""
    from safetynet.cases.dynamic_models import Grant, ProposalEntry, ProposalList

    plist = ProposalList.objects.create(
        kind="funeral", month=month, street_id=street, status="confirmed",
        proposed_on=dt.date(2019, 8, 20),
    )  # fmt: skip
    entry = ProposalEntry.objects.create(
        plist=plist, person=p, household=h, program="funeral_exemption", change="death",
        amount_fen=amount_fen, outcome="confirmed",
    )  # fmt: skip
    return Grant.objects.create(
        person=p,
        household=h,
        program="funeral_exemption",
        month=month,
        amount_fen=amount_fen,
        entry=entry,
        legal_basis="厦府办〔2016〕103号",
        granted_on=dt.date(2019, 8, 25),
    )
