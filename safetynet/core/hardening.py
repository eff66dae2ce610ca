"""Web hardening middleware (issue 7 §4): no-store caching, the Content-Security-Policy and the
API's guards against oversized or deeply nested request bodies. ADRs 0741-0743."""

import re
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from safetynet.api.errors import is_api_request, json_error

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS_ONLY = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than `limit` (strings are skipped).

    Runs before any parser: Python's json module recurses per level and would fail (or exhaust the
    stack) on 10,000 nested arrays. Stops at the first level past the limit."""
    brackets = _JSON_STRING.sub(b"", body).translate(_BRACKETS_ONLY, _NOT_BRACKETS)
    depth = 0
    for c in brackets:
        if c == 40:  # "("
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class ApiErrorMiddleware:
    """Under /api/: a body over API_MAX_BODY_BYTES is refused with 413 before it is read; JSON
    nested deeper than API_MAX_JSON_DEPTH with 400; both, and Django's own refusals (a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, a suspicious request), as the documented JSON error, never HTML."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_request(request):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.API_MAX_BODY_BYTES
        if length > limit:
            return json_error(
                413,
                "request_too_large",
                f"The request body is larger than {limit} bytes.",
                field="<body>",
            )
        if length and "json" in request.META.get("CONTENT_TYPE", ""):
            try:
                body = request.body
            except RequestDataTooBig:
                return json_error(413, "request_too_large", "The request body is too large.")
            depth = settings.API_MAX_JSON_DEPTH
            if json_depth_exceeds(body, depth):
                return json_error(
                    400,
                    "parse_error",
                    f"JSON nested deeper than {depth} levels.",
                    field="<body>",
                )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_api_request(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return json_error(413, "request_too_large", "The request body is too large.")
        if isinstance(exception, SuspiciousOperation):
            return json_error(400, "bad_request", "The request could not be understood.")
        return None


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer Django makes: pages, files and API answers all
    may carry personal data, and a login page carries a CSRF token. Static assets are served by
    WhiteNoise before this runs and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        response.headers.setdefault("Pragma", "no-cache")
        return response


# Pages that need more than the strict policy (settings.CONTENT_SECURITY_POLICY), by path prefix.
CSP_RELAXED = {
    # The vendored Swagger UI (drf-spectacular sidecar) sets inline styles and data: images.
    "/api/docs/": {"style-src": ["'unsafe-inline'"], "img-src": ["data:"]},
    # Django's admin has one inline <style> in its change lists; its scripts are all files.
    "/admin/": {"style-src": ["'unsafe-inline'"], "img-src": ["data:"]},
}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the per-path relaxations above (never for scripts)."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.update is None and parts.replace is None:
            for prefix, update in CSP_RELAXED.items():
                if request.path.startswith(prefix):
                    parts.update = update
                    break
        return parts
