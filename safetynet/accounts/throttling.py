"""Login throttling (django-axes): a locked-out username+address never reaches a password check.

Policy (settings `AXES_*`, ADR 0740): 5 wrong passwords for one username from one address lock
that pair out for 15 minutes; during the lockout even the right password is refused. Every HTTP
path that checks a password passes the request to `authenticate()`: the login page, the admin
login and the API's HTTP Basic authentication
(`safetynet.api.authentication.ThrottledBasicAuthentication`).
"""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off, get_lockout_message
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ThrottlingBackend(AxesStandaloneBackend):
    """Axes' backend, except that a call without a request (a management command, a test's
    `authenticate(username=…, password=…)`) is not throttled instead of raising: there is no
    address to count against, and no HTTP caller can reach `authenticate()` without one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def lockout_message(request: HttpRequest) -> str:
    minutes = lockout_minutes(request)
    if not minutes:
        return str(get_lockout_message())
    return _(
        "Too many failed log-in attempts for this account from this computer. "
        "Try again in %(minutes)d minutes, or ask your administrator to unlock it."
    ) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The API gets the documented JSON error; everyone else the lockout page (429 both)."""
    message = lockout_message(request)
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": message}, status=429)
    response: HttpResponse = render(
        request,
        "registration/locked_out.html",
        {"message": message, "minutes": lockout_minutes(request)},
        status=429,
    )
    return response
