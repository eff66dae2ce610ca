"""The one-key emergency services: devices, signals (idempotent, attached to the open emergency),
calls entered by the operator, the steps to closure, permissions and jurisdiction."""

import datetime as dt

import pytest

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import NotFoundError
from safetynet.eldercare.emergency import errors as E
from safetynet.eldercare.emergency import selectors, services
from safetynet.eldercare.emergency.models import (
    AlarmDevice,
    Emergency,
    EmergencyEvent,
    EmergencySignal,
)
from safetynet.eldercare.emergency.states import TransitionNotAllowed, actions_from, target

pytestmark = pytest.mark.django_db


def signal(device, signal_id="S1", **kw):
    return services.signal_receive(device=device, data={"signal_id": signal_id, **kw})


# ------------------------------------------------------------------------------------ table


def test_the_state_table():
    assert target("assign", "opened") == "assigned"
    assert target("assign", "assigned") == "assigned"  # reassigned
    assert target("arrive", "assigned") == "on_scene"
    assert target("close", "opened") == "closed"  # a false alarm
    assert target("close", "on_scene") == "closed"
    for action in ("assign", "arrive", "close"):
        with pytest.raises(TransitionNotAllowed):
            target(action, "closed")
    with pytest.raises(TransitionNotAllowed):
        target("arrive", "opened")
    assert actions_from("closed") == []


# ---------------------------------------------------------------------------------- devices


def test_a_device_is_registered_with_a_key_shown_once(device, registry):
    d = AlarmDevice.objects.get(device_id="YJT-0001")
    assert d.person == registry.zhang_wei and d.is_active
    assert device.key.startswith("sndev_YJT-0001_")
    secret = device.key.rsplit("_", 1)[-1] if device.key.count("_") == 2 else None
    assert secret is None or secret not in d.secret_hash  # only the hash is stored
    assert len(d.secret_hash) == 64


def test_device_registration_refusals(device, registry, users):
    cw = users["community_worker"]
    with pytest.raises(E.EmergencyError) as exc:
        services.device_register(actor=cw, person_id=registry.zhang_wei.pk, device_id="YJT-0001")
    assert exc.value.code == "device_exists"
    with pytest.raises(E.EmergencyError) as exc:
        services.device_register(actor=cw, person_id=registry.zhang_wei.pk, device_id="a b")
    assert exc.value.code == "device_id_invalid"
    # 张小明 (born 1975) is not elderly
    with pytest.raises(E.EmergencyError) as exc:
        services.device_register(
            actor=cw, person_id=registry.zhang_xiaoming.pk, device_id="YJT-0002"
        )
    assert exc.value.code == "person_not_elderly"
    # 陈杰 lives in 湖里: outside the community worker's jurisdiction
    with pytest.raises(NotFoundError):
        services.device_register(actor=cw, person_id=registry.chen_jie.pk, device_id="YJT-0003")
    with pytest.raises(NotPermittedError):
        services.device_register(
            actor=users["auditor"], person_id=registry.zhang_wei.pk, device_id="YJT-0004"
        )
    assert AlarmDevice.objects.count() == 1


def test_a_deactivated_device_is_refused_a_second_time(device, users):
    services.device_deactivate(actor=users["street_officer"], device_id="YJT-0001")
    assert not AlarmDevice.objects.get().is_active
    with pytest.raises(E.EmergencyError) as exc:
        services.device_deactivate(actor=users["street_officer"], device_id="YJT-0001")
    assert exc.value.code == "device_inactive"


# ---------------------------------------------------------------------------------- signals


def test_a_signal_opens_an_emergency_with_the_limit_in_force(device, registry, clock):
    out = signal(device.device, "S1", kind="fall", sent_at="2026-03-02T08:59:58+08:00")
    e = out.emergency
    assert (out.replayed, out.attached) == (False, False)
    assert e.person == registry.zhang_wei
    assert e.division_id == "350203002001"  # ZH1's community
    assert e.status == "opened" and e.source == "device" and e.device == device.device
    assert e.limit_minutes == 15  # eldercare.emergency_response_minutes, POLICY §5
    assert e.due_at == clock.at + dt.timedelta(minutes=15)
    assert e.signals_count == 1
    s = EmergencySignal.objects.get()
    assert (s.kind, s.opened) == ("fall", True)
    assert list(e.events.values_list("kind", "to_status")) == [("opened", "opened")]


def test_the_same_signal_again_is_the_same_emergency(device):
    first = signal(device.device, "S1")
    again = signal(device.device, "S1")
    assert again.replayed and again.emergency.pk == first.emergency.pk
    assert Emergency.objects.count() == 1 and EmergencySignal.objects.count() == 1
    assert Emergency.objects.get().signals_count == 1


def test_the_same_signal_id_with_other_content_is_a_conflict(device):
    signal(device.device, "S1", kind="button")
    with pytest.raises(E.EmergencyError) as exc:
        signal(device.device, "S1", kind="fall")
    assert (exc.value.code, exc.value.http_status) == ("signal_id_conflict", 409)


def test_a_new_signal_joins_the_open_emergency_and_a_closed_one_is_not_reopened(
    device, users, clock
):
    first = signal(device.device, "S1")
    clock.move(minutes=2)
    second = signal(device.device, "S2")
    assert second.attached and not second.replayed
    assert second.emergency.pk == first.emergency.pk
    e = Emergency.objects.get()
    assert e.signals_count == 2
    assert list(e.events.values_list("kind", flat=True)) == ["opened", "signal"]
    services.emergency_close(
        actor=users["community_worker"], emergency_id=e.pk, outcome="false_alarm"
    )
    third = signal(device.device, "S3")
    assert not third.attached and third.emergency.pk != e.pk
    assert Emergency.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ([1, 2], "request_malformed", ""),
        ({}, "signal_id_invalid", "signal_id"),
        ({"signal_id": "a b"}, "signal_id_invalid", "signal_id"),
        ({"signal_id": 7}, "signal_id_invalid", "signal_id"),
        ({"signal_id": "S1", "kind": "smoke"}, "kind_invalid", "kind"),
        ({"signal_id": "S1", "sent_at": "yesterday"}, "sent_at_invalid", "sent_at"),
        ({"signal_id": "S1", "sent_at": "2026-03-02T08:00:00"}, "sent_at_invalid", "sent_at"),
        ({"signal_id": "S1", "volume": 3}, "request_malformed", "volume"),
    ],
)
def test_a_malformed_signal_writes_nothing(device, data, code, field):
    with pytest.raises(E.EmergencyError) as exc:
        services.signal_receive(device=device.device, data=data)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert Emergency.objects.count() == 0 and EmergencySignal.objects.count() == 0


# ------------------------------------------------------------------------- calls and steps


def test_a_call_joins_the_open_emergency_opened_by_the_device(device, users, registry):
    out = signal(device.device, "S1")
    e, attached = services.emergency_open_by_phone(
        actor=users["city_admin"], person_id=registry.zhang_wei.pk, caller_phone="13800000000"
    )
    assert attached and e.pk == out.emergency.pk
    assert Emergency.objects.get().signals_count == 2


def test_from_call_to_closure_with_times_and_events(registry, users, clock):
    cw = users["community_worker"]
    e, attached = services.emergency_open_by_phone(
        actor=cw, person_id=registry.zhang_wei.pk, caller_phone="0592-5550100", note="摔倒"
    )
    assert not attached and e.source == "phone" and e.caller_phone == "0592-5550100"
    clock.move(minutes=6)
    services.emergency_assign(
        actor=cw,
        emergency_id=e.pk,
        responder_kind="community_worker",
        responder_user_id=cw.pk,
        responder_phone="13900000000",
    )
    clock.move(minutes=9)
    services.emergency_arrive(actor=cw, emergency_id=e.pk, note="已到")
    clock.move(minutes=30)
    services.emergency_close(actor=cw, emergency_id=e.pk, outcome="hospital", note="送医")
    e.refresh_from_db()
    assert e.status == "closed" and e.outcome == "hospital"
    assert (e.assigned_at - e.opened_at) == dt.timedelta(minutes=6)
    assert (e.on_scene_at - e.opened_at) == dt.timedelta(minutes=15)
    assert (e.closed_at - e.opened_at) == dt.timedelta(minutes=45)
    assert e.responder_name == "cw"  # the user's name (no full name set): its username
    steps = list(e.events.values_list("kind", "from_status", "to_status"))
    assert steps == [
        ("opened", "", "opened"),
        ("assigned", "opened", "assigned"),
        ("arrived", "assigned", "on_scene"),
        ("closed", "on_scene", "closed"),
    ]
    with pytest.raises(E.EmergencyError) as exc:
        services.emergency_close(actor=cw, emergency_id=e.pk, outcome="helped")
    assert exc.value.code == "emergency_transition_not_allowed"


def test_the_first_assignment_counts_for_the_response_time(registry, users, clock):
    so = users["street_officer"]
    e, _ = services.emergency_open_by_phone(actor=so, person_id=registry.zhang_wei.pk)
    clock.move(minutes=3)
    services.emergency_assign(
        actor=so, emergency_id=e.pk, responder_kind="ambulance_120", responder_name="120急救"
    )
    clock.move(minutes=10)
    services.emergency_assign(
        actor=so, emergency_id=e.pk, responder_kind="provider_staff", responder_name="李护工"
    )
    e.refresh_from_db()
    assert e.assigned_at - e.opened_at == dt.timedelta(minutes=3)
    assert e.responder_name == "李护工"


def test_step_refusals(registry, users):
    cw = users["community_worker"]
    e, _ = services.emergency_open_by_phone(actor=cw, person_id=registry.zhang_wei.pk)
    with pytest.raises(E.EmergencyError) as exc:
        services.emergency_arrive(actor=cw, emergency_id=e.pk)
    assert exc.value.code == "emergency_transition_not_allowed"
    with pytest.raises(E.EmergencyError) as exc:
        services.emergency_assign(actor=cw, emergency_id=e.pk, responder_kind="community_worker")
    assert exc.value.code == "responder_required"
    with pytest.raises(E.EmergencyError) as exc:
        services.emergency_assign(
            actor=cw, emergency_id=e.pk, responder_kind="x", responder_name="a"
        )
    assert exc.value.code == "responder_kind_invalid"
    with pytest.raises(E.EmergencyError) as exc:
        services.emergency_close(actor=cw, emergency_id=e.pk, outcome="")
    assert exc.value.code == "outcome_invalid"
    with pytest.raises(NotPermittedError):  # the district reads, never handles
        services.emergency_close(
            actor=users["district_approver"], emergency_id=e.pk, outcome="helped"
        )
    with pytest.raises(NotFoundError):  # 湖里's officer does not see 中华's emergencies
        services.emergency_close(actor=users["huli_officer"], emergency_id=e.pk, outcome="helped")
    with pytest.raises(E.EmergencyError) as exc:
        services.emergency_open_by_phone(
            actor=cw, person_id=registry.zhang_wei.pk, caller_phone="call me"
        )
    assert exc.value.code == "phone_invalid"
    assert Emergency.objects.get().status == "opened"
    assert EmergencyEvent.objects.count() == 1


# --------------------------------------------------------------------------- reads


def test_the_feed_flags_an_emergency_overdue_after_the_limit(device, registry, users, clock):
    signal(device.device, "S1")
    so = users["street_officer"]
    feed = selectors.feed(actor=so)
    assert (feed["open"], feed["overdue"]) == (1, 0)
    clock.move(minutes=15)
    assert selectors.feed(actor=so)["overdue"] == 0  # at the limit: not yet
    clock.move(seconds=1)
    feed = selectors.feed(actor=so)
    assert feed["overdue"] == 1 and feed["items"][0]["overdue"]
    assert feed["items"][0]["minutes"] == 15 and feed["items"][0]["person"] == "张伟"
    assert selectors.feed(actor=users["huli_officer"])["open"] == 0
    services.emergency_assign(
        actor=so,
        emergency_id=feed["items"][0]["id"],
        responder_kind="family",
        responder_name="李娜",
    )
    assert selectors.feed(actor=so)["overdue"] == 0  # a responder reached: late, not overdue


def test_the_card_reads_the_registry(device, registry):
    e = signal(device.device, "S1").emergency
    card = selectors.card(emergency=e)
    assert card["name"] == "张伟" and card["address"] == "ZH-0001 号测试路"
    assert {m["name"] for m in card["members"]} == {"李娜", "张小明"}
    assert card["living"] == "" and card["devices"] == ["YJT-0001"]  # with others (registry)
    assert card["contacts"] == [] and card["selfcare"] == "unknown"


def test_the_card_reads_eldercare_profile_contacts_and_assessment(device, registry, users):
    from safetynet.eldercare.models import ElderContact, ElderProfile, SelfCareAssessment

    p = registry.zhang_wei
    ElderProfile.objects.create(person=p, living_situation="spouse", phone="13500000001")
    ElderContact.objects.create(
        person=p, name="张女儿", phone="13600000002", relation="child", is_primary=True
    )
    SelfCareAssessment.objects.create(
        person=p, assessed_on=dt.date(2026, 1, 5), assessed_by=users["community_worker"],
        eat=True, dress=False, bed=True, toilet=False, walk=True, bathe=False,
        failed_items=3, level="partly",
    )  # fmt: skip
    card = selectors.card(emergency=signal(device.device, "S1").emergency)
    assert card["own_phone"] == "13500000001"
    assert (
        card["contacts"]
        == [{"name": "张女儿", "relation": "儿女", "phone": "13600000002", "primary": True}]
        or card["contacts"][0]["phone"] == "13600000002"
    )
    assert (card["selfcare"], card["selfcare_failed"]) == ("partly", 3)
    assert card["assessed_on"] == dt.date(2026, 1, 5) and card["assessed_by"] == "cw"
    assert card["living"]  # the profile's living situation, its label


def test_statistics_by_street_and_month(registry, users, clock):
    so = users["street_officer"]
    # 张伟 (中华街道): responded in 6 minutes (March) then in 20 (April); 王芳 not at all (April)
    e, _ = services.emergency_open_by_phone(actor=so, person_id=registry.zhang_wei.pk)
    clock.move(minutes=6)
    services.emergency_assign(
        actor=so, emergency_id=e.pk, responder_kind="family", responder_name="A"
    )
    services.emergency_close(actor=so, emergency_id=e.pk, outcome="helped")
    clock.move(days=31)
    e, _ = services.emergency_open_by_phone(actor=so, person_id=registry.zhang_wei.pk)
    clock.move(minutes=20)
    services.emergency_assign(
        actor=so, emergency_id=e.pk, responder_kind="family", responder_name="A"
    )
    services.emergency_open_by_phone(actor=so, person_id=registry.wang_fang.pk)
    stats = selectors.statistics(actor=so, year=2026)
    assert stats["total"] == {
        "count": 3,
        "responded": 2,
        "mean_minutes": 13.0,
        "max_minutes": 20.0,
        "within_limit": 1,
        "within_share": 33.3,
    }
    assert [(s["code"], s["count"]) for s in stats["streets"]] == [("350203002", 3)]
    months = {m["month"]: m for m in stats["months"]}
    assert months["2026-03"]["count"] == 1 and months["2026-03"]["mean_minutes"] == 6.0
    assert months["2026-04"]["count"] == 2 and months["2026-04"]["responded"] == 1
    assert selectors.statistics(actor=users["huli_officer"], year=2026)["total"]["count"] == 0
