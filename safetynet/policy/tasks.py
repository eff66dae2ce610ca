"""Background tasks of the policy app (django-tasks: the database queue run by `safetynet
db_worker`; at once in tests)."""

from django_tasks import task


@task()
def whatif_task(run_id: int) -> None:
    """Run a what-if on the whole city (ADR 1410)."""
    from .whatif import whatif_execute

    whatif_execute(run_id)
