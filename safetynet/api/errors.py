"""API errors: every error body carries a stable `code` and a human message.

Service errors map onto HTTP: NotFoundError (absent *or* outside the jurisdiction) is a 404 with
the same body as any missing record; NotPermittedError (the role may not) is a 403
`{"code": "not_permitted", "message"}`; any other ServiceError is a 400 listing its problems.
"""

from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import NotFoundError, ServiceError


class FieldError(exceptions.APIException):
    """A 400 naming the input field at fault: `{"code", "field", "message"}` (the rules endpoints;
    `field` is the path the rules engine names, e.g. `persons[0].id_number`)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, *, code: str, field: str, message: str):
        super().__init__(detail=message, code=code)
        self.code = code
        self.field = field
        self.message = message


def validated(serializer_class, data, *, code: str = "invalid") -> dict:
    """The serializer's validated data, or a FieldError (400) naming the first bad field."""
    s = serializer_class(data=data)
    if not s.is_valid():
        field, errors = next(iter(s.errors.items()))
        message = errors[0] if isinstance(errors, list) else str(errors)
        raise FieldError(code=code, field=field, message=str(message))
    return s.validated_data


def exception_handler(exc, context):
    if isinstance(exc, FieldError):
        return Response(
            {"code": exc.code, "field": exc.field, "message": str(exc.message)},
            status=exc.status_code,
        )
    if isinstance(exc, NotFoundError):
        exc = exceptions.NotFound()
    elif isinstance(exc, NotPermittedError):  # the role may not (accounts/permissions.py)
        return Response(
            {"code": exc.code, "message": str(exc.message)}, status=status.HTTP_403_FORBIDDEN
        )
    elif isinstance(exc, ServiceError):
        return Response(
            {
                "code": exc.code,
                "message": str(exc.message),
                "problems": [p.as_dict() for p in exc.problems],
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    detail = response.data
    if isinstance(detail, dict) and "detail" in detail:
        response.data = {
            "code": getattr(detail["detail"], "code", code),
            "message": detail["detail"],
        }
    else:
        response.data = {"code": code, "errors": detail}
    return response


# ------------------------------------------------------------------------------------------
# Web hardening (issue 7 §4, ADR 0743): JSON answers for the errors Django raises outside
# DRF's views (unknown URLs, bad hosts, server errors); settings' handler400…500 point here.


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def json_error(status_code: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status_code)


def handler400(request, exception=None):
    if is_api_request(request):
        return json_error(400, "bad_request", "The request could not be understood.")
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if is_api_request(request):
        return json_error(403, "permission_denied", "You do not have permission to do this.")
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if is_api_request(request):
        return json_error(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def handler500(request):
    if is_api_request(request):
        return json_error(500, "server_error", "A server error occurred.")
    return defaults.server_error(request)
