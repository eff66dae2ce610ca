"""Eldercare services (issue 12): the elderly database, providers, calls, orders, credit, cards
and the providers' monthly statements in the books. Amounts hand-computed in fen."""

import datetime as dt

import pytest

from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.eldercare import selectors, services, settlement
from safetynet.eldercare.models import (
    CreditAccount,
    CreditGrant,
    ProviderStatus,
    ServiceCard,
    ServiceOrder,
)
from safetynet.funds.models import JournalEntry
from tests.eldercare.helpers import admitted_provider, apply

pytestmark = pytest.mark.django_db

ALL_CAN = dict(eat=True, dress=True, bed=True, toilet=True, walk=True, bathe=True)


def test_elderly_database_is_the_registrys_60_plus_in_the_jurisdiction(users, registry, op):
    cw = users["community_worker"]  # 测试一社区: 张伟 (88), 李娜 (85), 张小明 (51)
    names = {p.name for p in selectors.elders_visible_to(cw)}
    assert names == {"张伟", "李娜"}
    street = {p.name for p in selectors.elders_visible_to(users["street_officer"])}
    assert street == {"张伟", "李娜", "王芳"}  # 王芳 born 1960-02-14: 66
    city = {p.name for p in selectors.elders_visible_to(op)}
    assert city == {"张伟", "李娜", "王芳", "陈杰"}  # 陈静 deceased
    counts = selectors.counts_per_community(selectors.elder_list(actor=op, filters={}))
    assert [(c, n) for c, _name, n in counts] == [
        ("350203002001", 2),
        ("350203002002", 1),
        ("350206001001", 1),
    ]
    dibao = selectors.elder_list(actor=op, filters={"category": "dibao"})
    assert [p.name for p in dibao] == ["张伟"]
    with pytest.raises(NotFoundError):  # 陈杰 lives in 湖里: not the 中华 street officer's
        services.profile_update(
            actor=users["street_officer"],
            person_id=registry.chen_jie.pk,
            living_situation="alone",
        )
    with pytest.raises(ServiceError) as err:
        services.profile_update(
            actor=cw, person_id=registry.zhang_xiaoming.pk, living_situation="alone"
        )
    assert err.value.code == "eldercare_not_elderly"


def test_living_situation_contacts_and_dated_assessments(users, registry):
    cw = users["community_worker"]
    zw = registry.zhang_wei
    services.profile_update(
        actor=cw, person_id=zw.pk, living_situation="spouse", phone="13800000001"
    )
    services.contact_add(
        actor=cw, person_id=zw.pk, name="张丽", phone="139-0000-0002", relation="child",
        is_primary=True,
    )  # fmt: skip
    a1 = services.assessment_record(
        actor=cw,
        person_id=zw.pk,
        assessed_on=dt.date(2025, 6, 1),
        items={**ALL_CAN, "bathe": False, "walk": False},
    )
    assert (a1.failed_items, a1.level, a1.assessed_by) == (2, "partly", cw)
    a2 = services.assessment_record(
        actor=cw,
        person_id=zw.pk,
        assessed_on=dt.date(2026, 6, 1),
        items={**ALL_CAN, "bathe": False, "walk": False, "toilet": False, "dress": False},
    )
    assert a2.level == "fully"
    # an older assessment recorded later does not replace the latest result
    services.assessment_record(
        actor=cw, person_id=zw.pk, assessed_on=dt.date(2024, 1, 1), items=ALL_CAN
    )
    zw.elder.refresh_from_db()
    assert (zw.elder.selfcare_level, zw.elder.assessed_on) == ("fully", dt.date(2026, 6, 1))
    with pytest.raises(ServiceError) as err:
        services.assessment_record(
            actor=cw, person_id=zw.pk, assessed_on=dt.date(2026, 1, 1), items={"eat": True}
        )
    assert err.value.code == "eldercare_input_invalid"
    with pytest.raises(ServiceError) as err:  # the operator may not assess
        services.assessment_record(
            actor=users["auditor"], person_id=zw.pk, assessed_on=dt.date(2026, 1, 1), items=ALL_CAN
        )
    assert err.value.code == "not_permitted"
    rows = selectors.elder_list(actor=cw, filters={"level": "fully", "living": "spouse"})
    assert [p.name for p in rows] == ["张伟"]


def test_one_box_finds_by_phone_contact_id_number_and_name(users, registry, op):
    cw = users["community_worker"]
    zw = registry.zhang_wei
    services.profile_update(
        actor=cw, person_id=zw.pk, living_situation="alone", phone="13800000001"
    )
    services.contact_add(
        actor=cw, person_id=zw.pk, name="张丽", phone="13900000002", relation="child"
    )
    [own] = selectors.person_lookup(actor=op, query="138 0000 0001")
    assert (own.person, own.matched_by) == (zw, "phone")
    [by_relative] = selectors.person_lookup(actor=op, query="13900000002")
    assert (by_relative.person, by_relative.matched_by, by_relative.contact.name) == (
        zw,
        "contact",
        "张丽",
    )
    [by_id] = selectors.person_lookup(actor=op, query=zw.id_number)
    assert by_id.matched_by == "id_number" and by_id.age == 88
    assert [f.person.name for f in selectors.person_lookup(actor=op, query="张伟")] == ["张伟"]
    assert [f.person.name for f in selectors.person_lookup(actor=op, query="张")] == ["张伟"]
    # outside the jurisdiction: not found (湖里's street officer)
    assert selectors.person_lookup(actor=users["huli_officer"], query="13800000001") == []


def test_provider_admission_contract_items_areas_and_exit(users, registry):
    admin = users["city_admin"]
    p = apply(admin)
    assert p.status == ProviderStatus.APPLIED
    with pytest.raises(ServiceError):
        services.provider_review(actor=admin, provider_id=p.pk, approve=False, note="")
    services.provider_review(actor=admin, provider_id=p.pk, approve=True)
    p.refresh_from_db()
    assert p.status == "approved" and p.institution.kind == "provider"
    with pytest.raises(ServiceError) as err:
        services.provider_contract(
            actor=admin, provider_id=p.pk, number="JM-1", date_from=dt.date(2026, 2, 1),
            date_to=dt.date(2026, 1, 1),
        )  # fmt: skip
    assert err.value.problems[0].field == "date_to"
    with pytest.raises(ServiceError) as err:
        services.provider_apply(**{**_application(admin), "credit_code": "123"})
    assert err.value.problems[0].field == "credit_code"
    with pytest.raises(ServiceError) as err:
        services.provider_suspend(actor=users["street_officer"], provider_id=p.pk, reason="x")
    assert err.value.code == "not_permitted"
    services.provider_exit(actor=admin, provider_id=p.pk, reason="合同到期不续约")
    p.refresh_from_db()
    assert p.status == "exited" and not p.institution.is_active
    assert [e.kind for e in p.events.order_by("at", "id")] == ["applied", "approved", "exited"]


def _application(admin):
    return dict(
        actor=admin, name="x", credit_code="", legal_representative="x", phone="05925550001",
        address="x", division_code="350203", qualifications="x", bank_code="1", bank_name="x",
        account_number="1", account_holder="x",
    )  # fmt: skip


def test_order_from_a_call_to_a_rating_then_credit_settles_and_is_booked(
    users, registry, op, provider, staff
):
    admin, zw = users["city_admin"], registry.zhang_wei
    # the month's credit: 张伟 88, dibao, capable → 200.00; nobody else is covered
    assert services.credit_grant_month(actor=admin, month="2026-12") == (1, 20000)
    assert services.credit_grant_month(actor=admin, month="2026-12") == (0, 0)  # once
    card = services.card_issue(actor=op, person_id=zw.pk)
    call = services.call_record(
        actor=op, caller_number="13800000001", person_id=zw.pk, topic="service", outcome="order"
    )
    orders = []
    for item in ("bathing", "housekeeping", "bathing"):  # 80.00 + 50.00 + 80.00
        order = services.order_create(actor=op, person_id=zw.pk, item=item, call_id=call.pk)
        assert (order.status, order.provider, order.division_id) == (
            "dispatched",
            provider,
            "350203002001",
        )
        orders.append(order)
    mine = services.provider_for_staff(staff)
    for order in orders:
        services.order_accept(provider=mine, number=order.number, user=staff)
        services.order_complete(provider=mine, number=order.number, staff="周敏", user=staff)
        services.order_settle(
            provider=mine, number=order.number, card_number=card.number, user=staff
        )
    got = [
        (o.credit_fen, o.self_pay_fen, o.city_fen, o.district_fen)
        for o in ServiceOrder.objects.order_by("id")
    ]
    # 200.00 of credit: 80.00 + 50.00 from the credit, then 70.00 of the last 80.00, 10.00 own
    assert got == [(8000, 0, 4000, 4000), (5000, 0, 2500, 2500), (7000, 1000, 3500, 3500)]
    assert CreditAccount.objects.get(person=zw).balance_fen == 0
    with pytest.raises(ServiceError) as err:
        services.order_settle(provider=mine, number=orders[0].number, card_number=card.number)
    assert err.value.code == "order_already_settled"
    services.order_visit(actor=op, order_id=orders[0].pk, rating=5, note="满意")
    orders[0].refresh_from_db()
    assert (orders[0].status, orders[0].rating) == ("visited", 5)
    assert [e.action for e in orders[0].events.all()] == [
        "create", "dispatch", "accept", "complete", "settle", "visit"
    ]  # fmt: skip
    # the month's statement: 200.00 payable, city 100.00 and 思明区 100.00 expenses
    made = settlement.provider_statements_make(
        actor=users["city_admin"], month="2026-12", today=dt.date(2027, 1, 5)
    )
    [st] = made
    assert (st.orders_count, st.amount_fen, st.self_pay_fen, st.city_fen, st.district_fen) == (
        3, 20000, 1000, 10000, 10000
    )  # fmt: skip
    entry = JournalEntry.objects.get(source=f"approval:eldercare-statement:{st.pk}")
    legs = {(p.account.code, p.amount_fen) for p in entry.postings.all()}
    assert legs == {
        ("Expenses:Benefits:City:EldercareCredit", 10000),
        ("Expenses:Benefits:District:D350203:EldercareCredit", 10000),
        ("Liabilities:Payable:EldercareCredit", -20000),
    }
    assert (
        settlement.provider_statements_make(
            actor=users["city_admin"], month="2026-12", today=dt.date(2027, 1, 5)
        )
        == []
    )


def test_card_lost_and_replaced_keeps_the_balance_and_refuses_the_old_number(
    users, registry, op, provider, staff
):
    zw = registry.zhang_wei
    services.credit_grant_month(actor=users["city_admin"], month="2026-12")
    old = services.card_issue(actor=op, person_id=zw.pk)
    with pytest.raises(ServiceError) as err:
        services.card_issue(actor=op, person_id=zw.pk)
    assert err.value.code == "card_exists"
    new = services.card_report_lost(actor=op, card_id=old.pk)
    old.refresh_from_db()
    assert (old.status, new.replaces, new.status) == ("replaced", old, "active")
    order = services.order_create(actor=op, person_id=zw.pk, item="meals")
    mine = services.provider_for_staff(staff)
    services.order_accept(provider=mine, number=order.number)
    services.order_complete(provider=mine, number=order.number, staff="周敏")
    with pytest.raises(ServiceError) as err:
        services.order_settle(provider=mine, number=order.number, card_number=old.number)
    assert err.value.code == "card_invalid"
    services.order_settle(provider=mine, number=order.number, card_number=new.number)
    assert CreditAccount.objects.get(person=zw).balance_fen == 20000 - 1500
    assert ServiceCard.objects.filter(person=zw).count() == 2


def test_provider_staff_see_only_their_orders_and_others_are_not_found(
    users, registry, op, provider, staff
):
    other = admitted_provider(users["city_admin"], name="筼筜助老服务社", seq=2)
    o1 = services.order_create(actor=op, person_id=registry.zhang_wei.pk, item="meals",
                               provider_id=provider.pk)  # fmt: skip
    o2 = services.order_create(actor=op, person_id=registry.zhang_wei.pk, item="meals",
                               provider_id=other.pk)  # fmt: skip
    mine = services.provider_for_staff(staff)
    assert list(selectors.orders_of_provider(mine)) == [o1]
    with pytest.raises(ServiceError) as err:
        services.order_accept(provider=mine, number=o2.number)
    assert err.value.code == "order_not_found"
    with pytest.raises(ServiceError) as err:  # a staff login is no operator
        services.order_create(actor=staff, person_id=registry.zhang_wei.pk, item="meals")
    assert err.value.code == "not_permitted"
    assert selectors.elders_visible_to(staff).count() == 0


def test_no_provider_serving_leaves_the_order_to_dispatch_and_declines_return_it(
    users, registry, op, provider, staff
):
    # 陈杰 lives in 湖里: nobody serves there
    services.assessment_record(
        actor=users["huli_officer"], person_id=registry.chen_jie.pk,
        assessed_on=dt.date(2026, 1, 1), items={**ALL_CAN, "bathe": False},
    )  # fmt: skip
    order = services.order_create(actor=op, person_id=registry.chen_jie.pk, item="meals")
    assert order.status == "created" and order.provider is None
    with pytest.raises(ServiceError) as err:
        services.order_dispatch(actor=op, order_id=order.pk)
    assert err.value.code == "eldercare_no_provider"
    order = services.order_create(actor=op, person_id=registry.zhang_wei.pk, item="meals")
    services.order_decline(provider=provider, number=order.number, reason="人手不足")
    order.refresh_from_db()
    assert (order.status, order.provider) == ("created", None)
    with pytest.raises(ServiceError) as err:
        services.order_visit(actor=op, order_id=order.pk, rating=5)
    assert err.value.code == "eldercare_transition_not_allowed"


def test_three_complaints_suspend_and_six_exit_a_provider(users, registry, op, provider):
    for i in range(3):
        services.complaint_record(actor=op, provider_id=provider.pk, note=f"送餐迟到{i}")
    provider.refresh_from_db()
    assert provider.status == "suspended"
    order = services.order_create(actor=op, person_id=registry.zhang_wei.pk, item="meals")
    assert order.status == "created"  # a suspended provider gets no order
    for i in range(3):
        services.complaint_record(actor=op, provider_id=provider.pk, note=f"服务态度差{i}")
    provider.refresh_from_db()
    assert provider.status == "exited"
    assert "投诉次数达到退出标准" in provider.status_reason


def test_five_bad_ratings_suspend(users, registry, op, provider):
    for _ in range(5):
        order = services.order_create(actor=op, person_id=registry.zhang_wei.pk, item="meals")
        services.order_accept(provider=provider, number=order.number)
        services.order_complete(provider=provider, number=order.number, staff="周敏")
        services.order_visit(actor=op, order_id=order.pk, rating=2)
    provider.refresh_from_db()
    assert provider.status == "suspended"


def test_credit_tiers_in_the_monthly_grant(users, registry):
    admin = users["city_admin"]
    # 陈杰 (tekun, 71): fully disabled → 400.00; 张伟 (dibao, 88): 200.00
    services.assessment_record(
        actor=users["huli_officer"], person_id=registry.chen_jie.pk,
        assessed_on=dt.date(2026, 11, 1), items={k: False for k in ALL_CAN},
    )  # fmt: skip
    assert services.credit_grant_month(actor=admin, month="2026-12") == (2, 60000)
    grants = dict(CreditGrant.objects.values_list("person__name", "amount_fen"))
    assert grants == {"张伟": 20000, "陈杰": 40000}
    with pytest.raises(ServiceError) as err:
        services.credit_grant_month(actor=users["street_officer"], month="2026-12")
    assert err.value.code == "not_permitted"
