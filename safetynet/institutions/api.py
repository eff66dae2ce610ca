"""The base of every institution endpoint (ADR 1100): key authentication, the institution-kind
check, the per-institution rate limit, and `own()` — an institution sees only its own records.

A view subclasses `InstitutionAPIView` and sets `institution_kinds`; it reads its records through
`own(queryset, request)` (anything else is a 404, like a missing record).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from .authentication import InstitutionKeyAuthentication


class WrongInstitutionKind(exceptions.PermissionDenied):
    default_code = "wrong_institution_kind"
    default_detail = "This endpoint is not for this kind of institution."


class IsInstitution(BasePermission):
    """An institution authenticated by key, of one of the view's `institution_kinds`."""

    def has_permission(self, request, view) -> bool:
        institution = getattr(request, "institution", None)
        if institution is None:
            return False  # DRF answers 401 not_authenticated (the scheme is in WWW-Authenticate)
        kinds = getattr(view, "institution_kinds", ())
        if kinds and institution.kind not in kinds:
            raise WrongInstitutionKind()
        return True


class InstitutionRateThrottle(SimpleRateThrottle):
    """Requests per institution (all its keys together), settings.INSTITUTION_API_RATE
    (`SAFETYNET_INSTITUTION_API_RATE`, e.g. "1200/min"). Counted in the default cache: per
    server process unless a shared cache is configured (docs/institutions.md)."""

    scope = "institution"

    def get_rate(self):
        return settings.INSTITUTION_API_RATE

    def get_cache_key(self, request, view):
        institution = getattr(request, "institution", None)
        if institution is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": institution.pk}


class InstitutionAPIView(APIView):
    authentication_classes = [InstitutionKeyAuthentication]
    permission_classes = [IsInstitution]
    throttle_classes = [InstitutionRateThrottle]
    institution_kinds: tuple[str, ...] = ()


def own(queryset: QuerySet, request, field: str = "institution") -> QuerySet:
    """The institution's own records only."""
    return queryset.filter(**{field: request.institution})


class InstitutionOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    division = serializers.CharField(source="division_id")
    key_prefix = serializers.CharField()


class InstitutionErrorOut(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(required=False, help_text="the input at fault, if one")
    message = serializers.CharField()


# The refusals every institution endpoint may answer before its own work starts.
ACCESS_ERRORS = {
    401: OpenApiResponse(InstitutionErrorOut, description="no or bad API key"),
    403: OpenApiResponse(InstitutionErrorOut, description="a key of another kind of institution"),
    429: OpenApiResponse(InstitutionErrorOut, description="rate limit"),
}


class InstitutionMeView(InstitutionAPIView):
    """Who the key belongs to: lets an institution's system check its key."""

    @extend_schema(responses={200: InstitutionOut, **ACCESS_ERRORS}, tags=["institutions"])
    def get(self, request):
        inst = request.institution
        return Response(
            InstitutionOut(
                {
                    "code": inst.code,
                    "name": inst.name,
                    "kind": inst.kind,
                    "division_id": inst.division_id,
                    "key_prefix": request.auth.prefix,
                }
            ).data
        )


def error_response(exc) -> Response:
    """An `InstitutionRequestError` as the API's answer: `{"code", "field", "message"}` with the
    status of the error's table."""
    return Response(
        {"code": exc.code, "field": exc.field, "message": str(exc.message)},
        status=exc.http_status,
    )


def errors_schema(**by_status: str) -> dict:
    """The endpoint's refusals for the schema: ACCESS_ERRORS and `s400="…"`, `s409="…"`…"""
    return {
        **ACCESS_ERRORS,
        **{
            int(k[1:]): OpenApiResponse(InstitutionErrorOut, description=v)
            for k, v in by_status.items()
        },
    }
