"""Fixtures of the one-key emergency tests: 张伟 (born 1938, household ZH1 in 中华街道's first
community) with an alarm device, and a clock the tests move."""

import datetime as dt

import pytest
from django.utils import timezone

from safetynet.eldercare.emergency import services


@pytest.fixture
def clock(monkeypatch):
    """A clock that stands still until moved: `clock.move(minutes=16)`."""

    class Clock:
        at = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0, 0))

        def now(self):
            return self.at

        def move(self, **kw):
            self.at += dt.timedelta(**kw)

    c = Clock()
    monkeypatch.setattr("safetynet.eldercare.emergency.clock.now", c.now)
    return c


@pytest.fixture
def device(registry, users, clock):
    """张伟's alarm device and its key."""
    return services.device_register(
        actor=users["community_worker"], person_id=registry.zhang_wei.pk, device_id="YJT-0001"
    )
