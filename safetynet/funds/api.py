"""Read endpoints of the books (docs/api.md "Funds"): budget execution, the journal, one entry,
a district's monthly statement. Scoped like the screens (a district: its own district); a role
without `funds.view_funds` gets 403 `not_permitted`. Amounts in integer fen."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, pagination, serializers
from rest_framework.response import Response

from safetynet.accounts.permissions import require
from safetynet.api.errors import validated
from safetynet.api.views import BAD_FILTER, NOT_FOUND, NOT_SIGNED_IN

from . import selectors
from .models import EntryKind

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _parsed(serializer_class, data) -> dict:
    return validated(serializer_class, data, code="invalid_filter")


class JournalPage(pagination.PageNumberPagination):
    page_size = 50


class YearIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


class ExecutionOut(serializers.Serializer):
    program = serializers.CharField()
    level = serializers.CharField()
    district = serializers.CharField()
    budget_fen = serializers.IntegerField()
    spent_fen = serializers.IntegerField()
    rate_percent = serializers.CharField()


class JournalIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EntryKind.values, required=False)
    month = serializers.RegexField(MONTH, required=False)
    page = serializers.IntegerField(min_value=1, required=False)


class PostingOut(serializers.Serializer):
    account = serializers.CharField(source="account.code")
    amount_fen = serializers.IntegerField()
    district = serializers.CharField()
    program = serializers.CharField()


class EntryOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    on = serializers.DateField()
    kind = serializers.CharField()
    memo = serializers.CharField()
    source = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    postings = serializers.SerializerMethodField()

    def get_postings(self, entry) -> list[dict]:
        actor = self.context["request"].user
        return PostingOut(selectors.postings_visible(actor, entry), many=True).data


class StatementIn(serializers.Serializer):
    month = serializers.RegexField(MONTH)
    district = serializers.RegexField(r"^\d{6}$")


class LevelOut(serializers.Serializer):
    program = serializers.CharField()
    level = serializers.CharField()
    budget_fen = serializers.IntegerField()
    spent_before_fen = serializers.IntegerField()
    approved_fen = serializers.IntegerField()
    recovered_fen = serializers.IntegerField()
    spent_ytd_fen = serializers.IntegerField()
    rate_percent = serializers.CharField()


class ProgramOut(serializers.Serializer):
    program = serializers.CharField()
    payable_start_fen = serializers.IntegerField()
    approved_fen = serializers.IntegerField()
    paid_fen = serializers.IntegerField()
    deducted_fen = serializers.IntegerField()
    payable_end_fen = serializers.IntegerField()
    failed_fen = serializers.IntegerField()
    recovery_raised_fen = serializers.IntegerField()
    refunded_fen = serializers.IntegerField()
    written_off_fen = serializers.IntegerField()
    receivable_end_fen = serializers.IntegerField()


class StatementOut(serializers.Serializer):
    month = serializers.CharField()
    district = serializers.CharField()
    district_name = serializers.CharField()
    entries = serializers.IntegerField()
    levels = LevelOut(many=True)
    programs = ProgramOut(many=True)


class ExecutionView(generics.GenericAPIView):
    """The year's budgets with the spending booked against them and the execution rate."""

    serializer_class = ExecutionOut

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="default: this year")],
        responses={200: ExecutionOut(many=True), 400: BAD_FILTER, **NOT_SIGNED_IN},
    )
    def get(self, request):
        from django.utils import timezone

        year = _parsed(YearIn, request.query_params).get("year") or timezone.localdate().year
        rows = selectors.budget_execution(request.user, year)
        return Response(ExecutionOut(rows, many=True).data)


class JournalView(generics.ListAPIView):
    """The journal, newest first (a district: the entries touching it, with its postings)."""

    serializer_class = EntryOut
    pagination_class = JournalPage

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=EntryKind.values),
            OpenApiParameter("month", str, description="YYYY-MM", pattern=MONTH),
        ],
        responses={200: EntryOut(many=True), 400: BAD_FILTER, **NOT_SIGNED_IN},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require(self.request.user, "funds.view_funds")
        f = _parsed(JournalIn, self.request.query_params)
        return selectors.entries_visible(
            self.request.user, kind=f.get("kind", ""), month=f.get("month", "")
        ).prefetch_related("postings__account")


class EntryView(generics.GenericAPIView):
    """One journal entry with its postings."""

    serializer_class = EntryOut

    @extend_schema(responses={200: EntryOut, 404: NOT_FOUND, **NOT_SIGNED_IN})
    def get(self, request, pk: int):
        entry = selectors.entry_get(request.user, pk)
        return Response(EntryOut(entry, context={"request": request}).data)


class StatementView(generics.GenericAPIView):
    """A district's monthly fund statement (the same figures as the Excel and PDF)."""

    serializer_class = StatementOut

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, required=True, description="YYYY-MM", pattern=MONTH),
            OpenApiParameter("district", str, required=True, pattern=r"^\d{6}$"),
        ],
        responses={200: StatementOut, 400: BAD_FILTER, 404: NOT_FOUND, **NOT_SIGNED_IN},
    )
    def get(self, request):
        require(request.user, "funds.view_funds")
        f = _parsed(StatementIn, request.query_params)
        stmt = selectors.fund_statement(request.user, month=f["month"], district=f["district"])
        return Response(StatementOut(stmt).data)


urlpatterns = [
    path("execution/", ExecutionView.as_view(), name="api-funds-execution"),
    path("journal/", JournalView.as_view(), name="api-funds-journal"),
    path("journal/<int:pk>/", EntryView.as_view(), name="api-funds-entry"),
    path("statement/", StatementView.as_view(), name="api-funds-statement"),
]
