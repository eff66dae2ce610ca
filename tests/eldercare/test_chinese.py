"""Every 12349 page and the Excel export read as Chinese (ADR 1010), for the operator, the
offices, the city and a provider's staff, with data in every state."""

import pytest
from django.utils import translation

from safetynet.eldercare import services
from tests.helpers.chinese import html_text, problems, xlsx_text

pytestmark = pytest.mark.django_db

ALL_CAN = dict(eat=True, dress=True, bed=True, toilet=True, walk=False, bathe=False)


def test_eldercare_pages_are_chinese(client, users, registry, op, provider, staff):
    zw, cw = registry.zhang_wei, users["community_worker"]
    services.profile_update(
        actor=cw, person_id=zw.pk, living_situation="alone", phone="13800000001"
    )
    services.contact_add(actor=cw, person_id=zw.pk, name="张丽", phone="13900000002",
                         relation="child")  # fmt: skip
    services.assessment_record(
        actor=cw, person_id=zw.pk, assessed_on=zw.birth_date.replace(year=2026), items=ALL_CAN
    )
    services.credit_grant_month(actor=users["city_admin"], month="2026-12")
    card = services.card_issue(actor=op, person_id=zw.pk)
    call = services.call_record(
        actor=op, caller_number="13900000002", person_id=zw.pk, topic="service", outcome="order"
    )
    done = services.order_create(actor=op, person_id=zw.pk, item="bathing", call_id=call.pk)
    services.order_accept(provider=provider, number=done.number)
    services.order_complete(provider=provider, number=done.number, staff="周敏")
    services.order_settle(provider=provider, number=done.number, card_number=card.number)
    services.order_visit(actor=op, order_id=done.pk, rating=2, note="水温偏低")
    services.complaint_record(actor=op, provider_id=provider.pk, note="迟到半小时")
    waiting = services.order_create(actor=op, person_id=registry.chen_jie.pk, item="meals")
    pages = [
        ("/eldercare/", "html"),
        ("/eldercare/?q=13900000002", "html"),
        ("/eldercare/?q=张", "html"),
        ("/eldercare/?q=nobody", "html"),
        ("/eldercare/elders/", "html"),
        ("/eldercare/elders/export/", "xlsx"),
        (f"/eldercare/elders/{zw.pk}/", "html"),
        ("/eldercare/orders/", "html"),
        (f"/eldercare/orders/{done.pk}/", "html"),
        (f"/eldercare/orders/{waiting.pk}/", "html"),
        ("/eldercare/providers/", "html"),
        (f"/eldercare/providers/{provider.pk}/", "html"),
        ("/eldercare/stats/", "html"),
        ("/eldercare/statements/", "html"),
        ("/eldercare/portal/", "html"),
    ]
    data = {"nobody", card.number, done.number, waiting.number, "ludao-1", "op"}
    report, seen = {}, 0
    for who in (op, users["community_worker"], users["city_admin"], users["auditor"], staff):
        client.force_login(who)
        for url, kind in pages:
            with translation.override("zh-hans"):
                response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            if response.status_code != 200:
                continue
            seen += 1
            lines = (
                xlsx_text(response.content)
                if kind == "xlsx"
                else html_text(response.content.decode())
            )
            found = problems(lines, data=data)
            if found:
                report.setdefault(url, sorted(set(found)))
    assert seen > 40
    assert not report, "\n".join(f"{u}:\n  " + "\n  ".join(f) for u, f in report.items())
