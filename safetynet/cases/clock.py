"""Today, for casework. One function so that tests (and an end-to-end test moving time) replace
it: `monkeypatch.setattr("safetynet.cases.clock.today", lambda: date(2025, 9, 26))`."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
