"""Now, for the emergencies. One function so that tests replace it (an overdue emergency without
waiting 15 minutes): `monkeypatch.setattr("safetynet.eldercare.emergency.clock.now", ...)`."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
