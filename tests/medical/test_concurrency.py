"""Concurrent settlements of one person never exceed the annual cap (PostgreSQL: real parallel
requests on separate connections; the per-person-year room row is locked FOR UPDATE)."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from safetynet.medical import services
from safetynet.medical.models import AnnualRoom, Settlement
from tests.helpers.medical import settle_body

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]
CAP = 10_000_000


@pytest.fixture
def slow_split(monkeypatch):
    """The split takes a while inside the transaction: the race window is wide."""
    real = services.settle

    def settle(*args, **kwargs):
        time.sleep(0.05)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "settle", settle)


def parallel(bodies, headers):
    barrier = threading.Barrier(len(bodies))
    results = [None] * len(bodies)

    def run(i, body):
        try:
            barrier.wait(timeout=20)
            response = Client().post(
                "/api/medical/settlements/",
                data=json.dumps(body),
                content_type="application/json",
                **headers,
            )
            results[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_parallel_settlements_of_one_person_stop_at_the_cap(hospital_key, registry, slow_split):
    chen = registry.chen_jie  # tekun, 100 %: each bill asks 750 yuan of assistance
    AnnualRoom.objects.create(person=chen, year=2019, assistance_used_fen=CAP - 300_000)
    bodies = [settle_body(chen, f"P{i:02d}") for i in range(8)]
    results = parallel(bodies, hospital_key)
    assert all(status == 201 for status, _ in results), results
    granted = sorted(body["assistance_fen"] for _, body in results)
    # 3,000 yuan of room: four bills of 750 yuan, then nothing
    assert granted == [0, 0, 0, 0, 75000, 75000, 75000, 75000]
    assert AnnualRoom.objects.get(person=chen).assistance_used_fen == CAP
    rooms_after = sorted(s.room_after_fen for s in Settlement.objects.all())
    assert rooms_after == [0, 0, 0, 0, 0, 75000, 150000, 225000]


def test_parallel_replays_settle_once(hospital_key, registry, slow_split):
    results = parallel([settle_body(registry.zhang_wei)] * 6, hospital_key)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 200, 200, 200, 200, 201], results
    assert Settlement.objects.count() == 1
    assert AnnualRoom.objects.get().assistance_used_fen == 60000


def test_parallel_reversal_and_settlement_keep_the_room_exact(hospital_key, registry, slow_split):
    chen = registry.chen_jie
    AnnualRoom.objects.create(person=chen, year=2019, assistance_used_fen=CAP - 75_000)
    first = parallel([settle_body(chen, "R1")], hospital_key)
    assert first[0][1]["assistance_fen"] == 75000
    barrier = threading.Barrier(2)
    from safetynet.medical.models import Settlement as S

    hospital = S.objects.get(number="R1").hospital

    def reverse():
        try:
            barrier.wait(timeout=20)
            services.settlement_reverse(hospital=hospital, number="R1", reason="refund")
        finally:
            connection.close()

    results = []

    def settle_again():
        try:
            barrier.wait(timeout=20)
            results.append(services.settlement_create(hospital=hospital,
                                                       data=settle_body(chen, "R2")))  # fmt: skip
        finally:
            connection.close()

    threads = [threading.Thread(target=reverse), threading.Thread(target=settle_again)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    granted = results[0].settlement.assistance_fen
    # R2 ran before or after the reversal: 0 or 750 yuan; the room is exact either way
    assert granted in (0, 75000)
    assert AnnualRoom.objects.get(person=chen).assistance_used_fen == CAP - 75_000 + granted
