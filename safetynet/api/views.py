"""REST endpoints. Every read goes through the registry's scoped selectors: a record outside the
caller's jurisdiction is a 404, exactly like a missing one."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from safetynet.registry import selectors as registry
from safetynet.rules import SituationError
from safetynet.web import rules_selectors
from safetynet.web import selectors as pages

from . import serializers
from .errors import FieldError

NOT_FOUND = OpenApiResponse(
    serializers.ErrorSerializer,
    description="Absent, or outside your jurisdiction (the same answer for both).",
)
NOT_SIGNED_IN = {
    401: OpenApiResponse(serializers.ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(serializers.ErrorSerializer, description="Not allowed."),
}
BAD_FILTER = OpenApiResponse(
    serializers.FieldErrorSerializer,
    description="A query parameter is empty, malformed or unknown (`field` names it; code "
    "`invalid_filter`).",
)


def _filters(request) -> dict:
    """The lists' query parameters, validated: the first problem is a 400 naming the parameter."""
    # A plain dict, not the QueryDict: DRF treats an empty form value as "not given".
    params = serializers.ListFilterSerializer(data=request.query_params.dict())
    if not params.is_valid():
        field, problems = next(iter(params.errors.items()))
        raise FieldError(code="invalid_filter", field=field, message=str(problems[0]))
    return {name: params.validated_data.get(name) for name in ("q", "division", "category")}


class SearchPagination(PageNumberPagination):
    """Pages of 50; `truncated` is true when a search (`q`) matched more than it lists (200).
    A page that does not exist is a 400 naming `page`."""

    truncated = False

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise FieldError(code="invalid_filter", field="page", message="no such page") from None

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["truncated"] = self.truncated
        return response

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["required"] = ["count", "results", "truncated"]
        out["properties"]["truncated"] = {
            "type": "boolean",
            "description": "A search matched more than the 200 it lists: narrow it.",
        }
        return out


class _ListView(generics.ListAPIView):
    pagination_class = SearchPagination
    listing = None  # the registry selector: household_listing or person_listing

    def get_queryset(self):
        listing = type(self).listing(actor=self.request.user, **_filters(self.request))
        self.paginator.truncated = listing.truncated
        return listing.rows


def _list_schema(row_serializer):
    return extend_schema(
        parameters=[serializers.ListFilterSerializer],
        responses={200: row_serializer(many=True), 400: BAD_FILTER, **NOT_SIGNED_IN},
    )


@_list_schema(serializers.HouseholdListSerializer)
class HouseholdListView(_ListView):
    """Households in the caller's jurisdiction; ID numbers masked."""

    serializer_class = serializers.HouseholdListSerializer
    listing = staticmethod(registry.household_listing)


@_list_schema(serializers.PersonListSerializer)
class PersonListView(_ListView):
    """Persons in the caller's jurisdiction; ID numbers masked."""

    serializer_class = serializers.PersonListSerializer
    listing = staticmethod(registry.person_listing)


@extend_schema(
    responses={200: serializers.HouseholdDetailSerializer, 404: NOT_FOUND, **NOT_SIGNED_IN}
)
class HouseholdDetailView(generics.GenericAPIView):
    """One household: division path, current members (ID numbers masked), enrolments, history."""

    serializer_class = serializers.HouseholdDetailSerializer

    def get(self, request, pk: int):
        page = pages.household_page(actor=request.user, household_id=pk)
        return Response(self.get_serializer(page).data)


@extend_schema(responses={200: serializers.PersonDetailSerializer, 404: NOT_FOUND, **NOT_SIGNED_IN})
class PersonDetailView(generics.GenericAPIView):
    """One person. The whole ID number only for roles that may see it; else masked."""

    serializer_class = serializers.PersonDetailSerializer

    def get(self, request, pk: int):
        page = pages.person_page(actor=request.user, person_id=pk)
        context = {
            **self.get_serializer_context(),
            "full_id_numbers": request.user.has_perm("registry.view_full_id_number", page.person),
        }
        return Response(serializers.PersonDetailSerializer(page, context=context).data)


class MeView(APIView):
    """Who the caller is: role, jurisdiction and what the role may do."""

    @extend_schema(responses={200: serializers.MeSerializer, **NOT_SIGNED_IN})
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


# --------------------------------------------------------------------------------------------------
# Rules engine: any signed-in role may use these (they read no personal data from the database).

CALCULATE_KEYS = {"month", "trace", "situation"}


@extend_schema(
    request=serializers.RulesCalculateRequestSerializer,
    responses={
        200: serializers.RulesCalculateResponseSerializer,
        400: OpenApiResponse(
            serializers.RulesFieldErrorSerializer,
            description="Invalid input: `field` names the field (the engine's path inside "
            "`situation`, e.g. `persons[0].id_number`, or `month`, `trace`, `situation`).",
        ),
        **NOT_SIGNED_IN,
    },
    examples=[
        OpenApiExample(
            "Dibao, two persons",
            request_only=True,
            value={
                "month": "2019-07",
                "trace": True,
                "situation": {
                    "household": {"division_code": "350203001001", "financial_assets_fen": 0},
                    "persons": [
                        {"birth_date": "1936-05-10", "income": {"pension_fen": 30000}},
                        {"birth_date": "1970-01-01", "income": {"wage_fen": 50000}},
                    ],
                    "programs": ["dibao"],
                },
            },
        )
    ],
)
class RulesCalculateView(APIView):
    """Calculate every program (or the situation's `programs`) for one household and one month.

    Amounts are integer fen (`amount_fen`) with the yuan string the engine gives (`amount_yuan`);
    `trace: true` adds each program's parameters (value, effective date, legal reference, status),
    intermediate figures and readable text."""

    parser_classes = [JSONParser]

    def post(self, request):
        try:
            data = request.data
        except ParseError as e:
            raise FieldError(code="parse_error", field="<body>", message=str(e.detail)) from None
        if not isinstance(data, dict):
            raise FieldError(
                code="invalid_request", field="<body>", message="The body must be a JSON object."
            )
        unknown = sorted(set(data) - CALCULATE_KEYS)
        if unknown:
            raise FieldError(code="invalid_request", field=unknown[0], message="unknown field")
        month = data.get("month")
        if not isinstance(month, str):
            raise FieldError(code="invalid_month", field="month", message="must be YYYY-MM")
        trace = data.get("trace", False)
        if not isinstance(trace, bool):
            raise FieldError(code="invalid_request", field="trace", message="must be a boolean")
        if "situation" not in data:
            raise FieldError(code="invalid_situation", field="situation", message="is required")
        try:
            out = rules_selectors.rules_calculate(
                situation=data["situation"], month=month, trace=trace
            )
        except SituationError as e:
            code = "invalid_month" if e.path == "month" else "invalid_situation"
            raise FieldError(code=code, field=e.path, message=e.message) from None
        return Response(out)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "program",
            OpenApiTypes.STR,
            description="Only this program's parameters (the first part of the name, e.g. dibao).",
        ),
        OpenApiParameter(
            "on",
            OpenApiTypes.DATE,
            description="Show the value in force on this date (default: today).",
        ),
    ],
    responses={
        200: serializers.RulesParametersResponseSerializer,
        400: serializers.RulesFieldErrorSerializer,
        **NOT_SIGNED_IN,
    },
)
class RulesParametersView(APIView):
    """Every policy parameter with its dated values, unit, legal references and statuses
    (`seed`, `published`, `default-to-confirm`), and the value in force on `on`."""

    def get(self, request):
        program = request.query_params.get("program")
        on_text = request.query_params.get("on")
        for name, value in (("program", program), ("on", on_text)):
            if value is not None and not value.strip():
                raise FieldError(code="invalid_filter", field=name, message="must not be empty")
        if on_text is None:
            on = timezone.localdate()
        else:
            try:
                if len(on_text) != 10:
                    raise ValueError(on_text)
                on = dt.date.fromisoformat(on_text)
            except ValueError:
                raise FieldError(
                    code="invalid_date", field="on", message="must be a date YYYY-MM-DD"
                ) from None
        try:
            parameters = rules_selectors.parameter_list(program=program, on=on)
        except rules_selectors.UnknownProgram:
            known = ", ".join(p for p, _ in rules_selectors.parameter_programs())
            raise FieldError(
                code="unknown_program", field="program", message=f"unknown program; known: {known}"
            ) from None
        return Response(
            {
                "on": on.isoformat(),
                "program": program,
                "count": len(parameters),
                "parameters": parameters,
            }
        )
