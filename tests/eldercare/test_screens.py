"""The 12349 screens: each role sees what its abilities allow, the console finds a caller and
makes the order in one step, the list counts per community and exports masked numbers, the
provider portal shows only its orders."""

import io

import openpyxl
import pytest

from safetynet.eldercare import services
from safetynet.eldercare.models import Call, ServiceOrder
from tests.eldercare.helpers import admitted_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(users, registry, op):
    cw = users["community_worker"]
    zw = registry.zhang_wei
    services.profile_update(
        actor=cw, person_id=zw.pk, living_situation="alone", phone="13800000001"
    )
    services.contact_add(actor=cw, person_id=zw.pk, name="张丽", phone="13900000002",
                         relation="child")  # fmt: skip
    return zw


def test_console_finds_the_caller_by_a_relatives_phone_and_creates_the_order(
    client, users, registry, op, provider, known
):
    client.force_login(op)
    page = client.get("/eldercare/?q=13900000002").content.decode()
    assert "张伟" in page and "张丽" in page and 'data-testid="emergency-slot"' in page
    r = client.post(
        "/eldercare/",
        {"person": known.pk, "contact": known.elder_contacts.get().pk,
         "caller_number": "13900000002", "topic": "service",
         "item": "meals", "note": "午餐送餐", "outcome": "answered"},
    )  # fmt: skip
    assert r.status_code == 302
    call = Call.objects.get()
    order = ServiceOrder.objects.get()
    assert (call.person, call.contact.name, call.outcome) == (known, "张丽", "order")
    assert (order.call, order.provider, order.status) == (call, provider, "dispatched")
    page = client.get("/eldercare/").content.decode()
    assert order.number in page


def test_list_filters_counts_per_community_and_masked_export(client, users, registry, known):
    client.force_login(users["street_officer"])
    page = client.get("/eldercare/elders/").content.decode()
    assert 'data-testid="elders-total">3<' in page  # 张伟, 李娜, 王芳
    page = client.get("/eldercare/elders/?living=alone").content.decode()
    assert 'data-testid="elders-total">1<' in page
    r = client.get("/eldercare/elders/export/?community=350203002001")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and {r[0] for r in rows[1:]} == {"张伟", "李娜"}
    zw = next(r for r in rows if r[0] == "张伟")
    assert zw[1].count("*") == 8 and zw[10] == "138****0001" and "张丽" in zw[11]
    client.force_login(users["verification_operator"])  # may not see the elderly database
    assert client.get("/eldercare/elders/").status_code == 403


def test_every_page_renders_for_the_roles_that_may_see_it(
    client, users, registry, op, provider, staff, known
):
    order = services.order_create(actor=op, person_id=known.pk, item="meals")
    pages = [
        "/eldercare/elders/",
        f"/eldercare/elders/{known.pk}/",
        "/eldercare/orders/",
        f"/eldercare/orders/{order.pk}/",
        "/eldercare/providers/",
        f"/eldercare/providers/{provider.pk}/",
        "/eldercare/stats/",
        "/eldercare/statements/",
    ]
    for who in ("community_worker", "street_officer", "city_admin", "auditor"):
        client.force_login(users[who])
        for url in pages:
            assert client.get(url).status_code == 200, (who, url)
    client.force_login(op)
    for url in ["/eldercare/", *pages]:
        assert client.get(url).status_code == 200, url
    # a provider's staff: the portal only
    client.force_login(staff)
    page = client.get("/eldercare/portal/").content.decode()
    assert order.number in page
    for url in [*pages, "/eldercare/"]:
        assert client.get(url).status_code in (403, 404), url
    assert "张伟" not in client.get("/persons/").content.decode()  # no jurisdiction: nothing
    # 湖里's officer does not see 张伟
    client.force_login(users["huli_officer"])
    assert client.get(f"/eldercare/elders/{known.pk}/").status_code == 404
    assert client.get(f"/eldercare/orders/{order.pk}/").status_code == 404


def test_portal_of_another_provider_does_not_show_the_order(
    client, users, registry, op, provider, known
):
    other = admitted_provider(users["city_admin"], name="筼筜助老服务社", seq=2)
    their_staff = services.provider_staff_add(
        actor=users["city_admin"], provider_id=other.pk, username="yundang-1",
        password="pass-for-tests-1", last_name="陈", first_name="红",
    )  # fmt: skip
    order = services.order_create(actor=op, person_id=known.pk, item="meals",
                                  provider_id=provider.pk)  # fmt: skip
    client.force_login(their_staff)
    assert order.number not in client.get("/eldercare/portal/").content.decode()
    r = client.post("/eldercare/portal/", {"action": "accept", "number": order.number})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "dispatched"


def test_admission_assessment_and_card_on_the_screens(client, users, registry, op):
    from safetynet.eldercare.models import Provider
    from tests.eldercare.helpers import credit_code

    client.force_login(users["city_admin"])
    form = {
        "name": "鹭岛居家养老服务中心", "credit_code": "123", "legal_representative": "林海",
        "phone": "05925550001", "address": "思明区中华路1号", "division_code": "350203",
        "qualifications": "民办非企业单位登记证书", "bank_code": "102",
        "bank_name": "中国工商银行厦门分行", "account_number": "410000000001",
        "account_holder": "鹭岛居家养老服务中心",
    }  # fmt: skip
    page = client.post("/eldercare/providers/", form, follow=True).content.decode()
    assert "统一社会信用代码无效" in page and not Provider.objects.exists()
    r = client.post("/eldercare/providers/", {**form, "credit_code": credit_code(1)})
    p = Provider.objects.get()
    url = f"/eldercare/providers/{p.pk}/"
    assert r.url == url
    for data in (
        {"action": "approve", "note": "资质齐全"},
        {"action": "contract", "number": "JM-1", "date_from": "2026-01-01",
         "date_to": "2030-12-31"},
        {"action": "item", "item": "meals", "price": "15.5", "unit": "餐"},
        {"action": "area", "division_code": "350203002"},
        {"action": "staff", "username": "ludao-9", "password": "pass-for-tests-1",
         "last_name": "周", "first_name": "敏"},
    ):  # fmt: skip
        client.post(url, data)
    p.refresh_from_db()
    assert (p.status, p.contract_number, p.items.get().price_fen) == ("approved", "JM-1", 1550)
    assert p.areas.get().division_id == "350203002" and p.staff.get().user.username == "ludao-9"
    page = client.post(url, {"action": "item", "item": "meals", "price": "1.234"}, follow=True)
    assert "最多两位小数" in page.content.decode()
    client.post(url, {"action": "suspend", "reason": "整改"})
    p.refresh_from_db()
    assert p.status == "suspended"
    # the community worker assesses 张伟 and the operator issues and replaces his card
    zw = registry.zhang_wei
    client.force_login(users["community_worker"])
    items = {"eat": "yes", "dress": "yes", "bed": "yes", "toilet": "yes"}  # walk, bathe: no
    client.post(
        f"/eldercare/elders/{zw.pk}/",
        {"action": "assess", "assessed_on": "2026-11-01", **items},
    )
    zw.elder.refresh_from_db()
    assert (zw.elder.selfcare_level, zw.elder.selfcare_failed_items) == ("partly", 2)
    client.force_login(op)
    client.post(f"/eldercare/elders/{zw.pk}/", {"action": "card_issue"})
    card = zw.elder_cards.get()
    client.post(f"/eldercare/elders/{zw.pk}/", {"action": "card_lost", "card": card.pk,
                                                "replace": "on"})  # fmt: skip
    assert list(zw.elder_cards.order_by("id").values_list("status", flat=True)) == [
        "replaced",
        "active",
    ]


def test_a_refused_order_leaves_no_call_behind(client, users, registry, op, known):
    # no provider at all: the order would stay undispatched, so refuse an unknown item instead
    client.force_login(op)
    r = client.post(
        "/eldercare/",
        {"person": known.pk, "caller_number": "13900000002", "topic": "service",
         "item": "massage", "outcome": "answered"},
        follow=True,
    )  # fmt: skip
    assert "请选择服务项目" in r.content.decode()
    assert not Call.objects.exists() and not ServiceOrder.objects.exists()
