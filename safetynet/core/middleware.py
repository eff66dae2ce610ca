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


def _too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    from django.http import JsonResponse
    from django.utils.translation import gettext as _

    message = _("The request is larger than %(mb)d MB and was refused unread.") % {
        "mb": max(1, limit // 2**20)
    }
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "request_too_large", "message": message}, status=413)
    else:
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    response["Connection"] = "close"
    return response


class RequestSizeLimitMiddleware:
    """413 before anything reads the body (ADR 0731): a multipart upload (a form with files) may
    be `SAFETYNET_MAX_REQUEST_BYTES`, any other body `DATA_UPLOAD_MAX_MEMORY_SIZE`, as the
    `Content-Length` header says. Under WSGI Django never reads past that header, so the header
    bounds the body. The per-file limit is `core.upload_handlers.SizeLimitedUploadHandler`; it
    marks the request so that this middleware answers 413 rather than Django's generic 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = (
            settings.SAFETYNET_MAX_REQUEST_BYTES
            if multipart
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if limit is not None and length > limit:
            return _too_large_response(request, limit)
        response = self.get_response(request)
        too_large = getattr(request, "_safetynet_upload_too_large", None)
        if too_large:
            return _too_large_response(request, too_large)
        return response
