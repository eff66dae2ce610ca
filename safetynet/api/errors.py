"""API errors: every error body carries a stable `code` and a human message."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    detail = response.data
    if isinstance(detail, dict) and "detail" in detail:
        response.data = {"code": getattr(detail["detail"], "code", code), "message": detail["detail"]}
    else:
        response.data = {"code": code, "errors": detail}
    return response
