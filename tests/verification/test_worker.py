"""The real background worker: a request's dispatch waits in the database queue until
`safetynet db_worker` runs it (the rest of the suite runs tasks at once)."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from safetynet.verification.models import QueryStatus
from safetynet.verification.sources.catalog import SOURCES, Mode
from tests.helpers.verification import open_for

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_dispatch_waits_for_the_worker_then_every_automatic_source_answers(
    settings, agencies, caseworker, city_facts
):
    settings.TASKS = DATABASE_QUEUE
    request = open_for(caseworker, city_facts.honest)

    assert DBTaskResult.objects.count() == 1
    assert set(request.queries.values_list("status", flat=True)) == {QueryStatus.PENDING}

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    statuses = dict(request.queries.values_list("source", "status"))
    for code, status in statuses.items():
        expected = (
            QueryStatus.ANSWERED if SOURCES[code].mode is Mode.AUTOMATIC else QueryStatus.PENDING
        )
        assert status == expected, code
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
