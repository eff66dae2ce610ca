"""Concurrent signals (PostgreSQL: parallel requests on separate connections). Eight presses of
one device at once open one emergency with eight signals; the same signal sent eight times at
once is one signal (the constraints decide, the losers retry and attach or replay)."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from safetynet.eldercare.emergency.models import Emergency, EmergencySignal

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel transactions"),
    pytest.mark.django_db(transaction=True),
]
URL = "/api/eldercare/emergency/signals/"


def parallel(bodies, key):
    barrier = threading.Barrier(len(bodies))
    results = [None] * len(bodies)

    def run(i, body):
        try:
            barrier.wait(timeout=20)
            r = Client().post(
                URL,
                data=json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"DeviceKey {key}",
            )
            results[i] = (r.status_code, r.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_eight_presses_at_once_open_one_emergency(device):
    results = parallel([{"signal_id": f"S-{i}"} for i in range(8)], device.key)
    assert sorted(s for s, _ in results) == [201] * 8
    assert len({a["emergency"] for _, a in results}) == 1
    assert sum(not a["attached"] for _, a in results) == 1
    assert Emergency.objects.count() == 1 and Emergency.objects.get().signals_count == 8
    assert EmergencySignal.objects.count() == 8


def test_the_same_signal_eight_times_at_once_is_one(device):
    results = parallel([{"signal_id": "S-1"}] * 8, device.key)
    assert sorted(s for s, _ in results) == [200] * 7 + [201]
    assert len({a["emergency"] for _, a in results}) == 1
    assert EmergencySignal.objects.count() == 1 and Emergency.objects.count() == 1


def test_four_operators_entering_calls_for_one_person_at_once_open_one(registry, users, clock):
    """Phone entries race like signals: one opens, the others attach (no server error)."""
    from safetynet.eldercare.emergency import services

    barrier = threading.Barrier(4)
    results = [None] * 4

    def run(i):
        try:
            barrier.wait(timeout=20)
            emergency, attached = services.emergency_open_by_phone(
                actor=users["community_worker"], person_id=registry.zhang_wei.pk, note=f"电话{i}"
            )
            results[i] = (emergency.pk, attached)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(r, tuple) for r in results), results
    assert len({pk for pk, _ in results}) == 1
    assert sorted(attached for _, attached in results) == [False, True, True, True]
    assert Emergency.objects.count() == 1 and Emergency.objects.get().signals_count == 4
