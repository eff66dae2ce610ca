"""The monthly casework job (`safetynet cases monthly --month YYYY-MM --as USER`): the
proactive lists of the month proposed and the scheduled reviews opened, for the actor's
jurisdiction. Idempotent: a second run of the same month creates nothing new."""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.rules.parameters import MissingParameterValue

from . import clock
from .proactive import check_month, proposals_make
from .reviews import reviews_schedule


def monthly_run(*, actor: User, month: str, today: dt.date | None = None) -> dict:
    require(actor, "cases.run_monthly")
    month, _first = check_month(month)
    prefix = actor.scope_prefix
    if prefix is None:
        from . import errors as E

        raise E.NotFoundError("jurisdiction")
    today = today or clock.today()
    try:
        # all or nothing: a month outside the casework parameters' dates writes no list
        with transaction.atomic():
            t0 = time.perf_counter()
            lists = proposals_make(month=month, prefix=prefix, on=today)
            t1 = time.perf_counter()
            reviews = reviews_schedule(month=month, prefix=prefix, on=today)
            t2 = time.perf_counter()
    except MissingParameterValue as exc:
        from . import errors as E
        from .services import _refuse

        _refuse(E.MONTH_INVALID, str(exc), "month")
    return {
        "month": month,
        "proposed": lists,
        "reviews_opened": reviews,
        "seconds": {"lists": round(t1 - t0, 3), "reviews": round(t2 - t1, 3)},
    }
