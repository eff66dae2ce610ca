"""Chinese first: the UI speaks Simplified Chinese unless the user picked another language."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class IgnoreBrowserLanguageMiddleware:
    """Drop the browser's Accept-Language header before Django's LocaleMiddleware reads it.

    Bureau workstations often run browsers set to English; a caseworker should still get the
    Chinese UI. A language chosen with the switch (Django's `set_language`, kept in a cookie) still
    wins, and the API is unaffected because it carries no language-dependent data.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
