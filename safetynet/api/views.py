"""REST endpoints. Every read goes through the registry's scoped selectors: a record outside the
caller's jurisdiction is a 404, exactly like a missing one."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from safetynet.registry import selectors as registry
from safetynet.registry.models import Category
from safetynet.web import selectors as pages

from . import serializers

LIST_FILTERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="A whole 18-character ID number, a name prefix, "
        "or (households) a household number.",
    ),
    OpenApiParameter("division", OpenApiTypes.STR, description="Division code: only its subtree."),
    OpenApiParameter(
        "category",
        OpenApiTypes.STR,
        enum=Category.values,
        description="Only those with a current enrolment of this category.",
    ),
]


def _filters(request) -> dict:
    params = request.query_params
    return {name: params.get(name) or None for name in ("q", "division", "category")}


@extend_schema(parameters=LIST_FILTERS)
class HouseholdListView(generics.ListAPIView):
    """Households in the caller's jurisdiction; ID numbers masked."""

    serializer_class = serializers.HouseholdListSerializer

    def get_queryset(self):
        return registry.household_list(actor=self.request.user, **_filters(self.request))


@extend_schema(parameters=LIST_FILTERS)
class PersonListView(generics.ListAPIView):
    """Persons in the caller's jurisdiction; ID numbers masked."""

    serializer_class = serializers.PersonListSerializer

    def get_queryset(self):
        return registry.person_list(actor=self.request.user, **_filters(self.request))


class HouseholdDetailView(generics.GenericAPIView):
    """One household: division path, current members (ID numbers masked), enrolments, history."""

    serializer_class = serializers.HouseholdDetailSerializer

    def get(self, request, pk: int):
        page = pages.household_page(actor=request.user, household_id=pk)
        return Response(self.get_serializer(page).data)


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

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)
