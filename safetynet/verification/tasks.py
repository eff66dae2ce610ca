"""Background tasks (django-tasks; the database queue in production, run by `safetynet db_worker`;
at once in tests)."""

from django_tasks import task

from .services import verification_dispatch


@task()
def verification_dispatch_task(request_id: int, sources: list[str] | None = None) -> None:
    """Query a request's pending automatic sources and export its manual sources' request files."""
    verification_dispatch(request_id=request_id, sources=sources)
