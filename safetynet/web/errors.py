"""One translation of the services' errors for the screens (every app's views use it)."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.http import Http404

from safetynet.accounts.permissions import NOT_PERMITTED
from safetynet.core.errors import NotFoundError, ServiceError


@contextmanager
def http_errors():
    """NotFoundError → 404; NOT_PERMITTED → 403. Other ServiceErrors are for the view to show."""
    try:
        yield
    except NotFoundError:
        raise Http404 from None
    except ServiceError as exc:
        if exc.code == NOT_PERMITTED:
            raise PermissionDenied(exc.message) from None
        raise


def refusal_text(exc: ServiceError) -> str:
    """A service's refusal for a message on the page: `[code] field message`."""
    field = exc.problems[0].field if exc.problems else ""
    return " ".join(part for part in (f"[{exc.code}]", field, str(exc.message)) if part)
