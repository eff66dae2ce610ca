"""HTTP Basic authentication counted by django-axes (web hardening, issue 7 §4, ADR 0740).

Kept apart from `errors.py`: DRF imports authentication classes while `rest_framework.views`
is still loading, so this module must not import it.
"""

from rest_framework import exceptions, status
from rest_framework.authentication import BasicAuthentication


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class ThrottledBasicAuthentication(BasicAuthentication):
    """HTTP Basic, counted by django-axes like the login page: once a username+address is locked
    out, every try (the right password included) gets 429 `{"code": "locked_out"}`."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if request is not None and getattr(request, "axes_locked_out", False):
                from safetynet.accounts.throttling import lockout_message

                raise LockedOut(lockout_message(request)) from None
            raise
