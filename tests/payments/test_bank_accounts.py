"""Bank accounts (一卡通): one current account per person (a database rule), a change closes the
current one and keeps the history; the payroll snapshots the current account on each line."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from safetynet.core.errors import ServiceError
from safetynet.payments.models import BankAccount, PaymentLine
from safetynet.payments.services import bank_account_set, payroll_run
from tests.helpers.payments import build_pay_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(divisions):
    return build_pay_city()


def test_a_new_account_closes_the_current_one_and_keeps_history(city, users):
    cw = users["community_worker"]
    p = city.no_account
    first = bank_account_set(
        actor=cw, person=p, bank_code="CCB", bank_name="中国建设银行",
        account_number="6217 0000 0000 0000 123", holder_name=p.name, on=dt.date(2019, 8, 1),
    )  # fmt: skip
    assert first.account_number == "6217000000000000123"
    same = bank_account_set(
        actor=cw, person=p.pk, bank_code="CCB", bank_name="中国建设银行",
        account_number="6217000000000000123", holder_name=p.name, on=dt.date(2019, 8, 5),
    )  # fmt: skip
    assert same.pk == first.pk
    second = bank_account_set(
        actor=cw, person=p, bank_code="XMB", bank_name="厦门银行",
        account_number="6236000000000000009", holder_name=p.name, on=dt.date(2019, 9, 1),
    )  # fmt: skip
    first.refresh_from_db()
    assert first.valid_to == dt.date(2019, 9, 1)
    assert BankAccount.objects.get(person=p, valid_to__isnull=True) == second
    assert first.history.count() == 2  # opened, closed


def test_the_database_keeps_one_current_account_per_person(city):
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccount.objects.create(
            person=city.elder, bank_code="BOC", bank_name="中国银行",
            account_number="6013000000000000", holder_name="x", valid_from=dt.date(2019, 1, 1),
        )  # fmt: skip


@pytest.mark.parametrize(
    "field, value",
    [("account_number", "12ab"), ("account_number", "123"), ("bank_code", ""),
     ("holder_name", " ")],
)  # fmt: skip
def test_bad_account_data_is_refused_naming_the_field(city, users, field, value):
    args = dict(
        bank_code="CCB", bank_name="中国建设银行", account_number="62170000000000000123",
        holder_name="赵无卡", on=dt.date(2019, 8, 1),
    )  # fmt: skip
    args[field] = value
    with pytest.raises(ServiceError) as exc:
        bank_account_set(actor=users["community_worker"], person=city.no_account, **args)
    assert exc.value.problems[0].field == field
    assert not BankAccount.objects.filter(person=city.no_account).exists()


def test_outside_the_jurisdiction_or_without_the_ability_is_refused(city, users):
    args = dict(
        bank_code="CCB", bank_name="中国建设银行", account_number="62170000000000000123",
        holder_name="陈高龄", on=dt.date(2019, 8, 1),
    )  # fmt: skip
    with pytest.raises(ServiceError) as exc:  # 湖里 is outside 中华街道
        bank_account_set(actor=users["street_officer"], person=city.elder, **args)
    assert exc.value.code == "not_found"
    with pytest.raises(ServiceError) as exc:
        bank_account_set(actor=users["district_approver"], person=city.no_account, **args)
    assert exc.value.code == "not_permitted"


def test_a_held_line_is_paid_to_the_new_account_when_the_draft_is_rerun(city, users):
    payroll_run(actor=users["city_admin"], month="2019-08")
    held = PaymentLine.objects.get(person=city.no_account)
    assert (held.status, held.bank_account_id, held.account_number) == ("held_no_account", None, "")
    account = bank_account_set(
        actor=users["community_worker"], person=city.no_account, bank_code="CCB",
        bank_name="中国建设银行", account_number="62170000000000000123", holder_name="赵无卡",
        on=dt.date(2019, 8, 20),
    )  # fmt: skip
    payroll_run(actor=users["city_admin"], month="2019-08")
    line = PaymentLine.objects.get(person=city.no_account)
    assert (line.status, line.bank_account_id, line.bank_code, line.account_number) == (
        "pending",
        account.pk,
        "CCB",
        "62170000000000000123",
    )
