"""REST endpoints of the no-application lists, the reviews, the emergency aid and the
grievances (docs/api.md "Cases: lists, reviews, emergency aid, grievances"), scoped like the
case endpoints (outside the jurisdiction: 404). Input is parsed by serializers, the services
decide. Errors: 400 `{"code", "field", "message"}` naming the field; 403 `not_permitted`; 404;
409 `{"code", "message"}` when the state forbids the step (a list already confirmed, a review
already decided, a grievance already answered, a formality already done).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from safetynet.api.errors import FieldError

from . import dynamic_screens
from . import errors as E
from .api import ErrorOut, PageWithoutCount
from .dynamic_models import GrievanceKind, ReviewOutcome
from .dynamic_selectors import reviews_open
from .emergency import FORMALITIES, emergency_aid_grant, emergency_formality_done
from .grievances import grievance_answer, grievance_record
from .models import ENROLMENT_CATEGORY
from .monthly import monthly_run
from .proactive import proposal_list_confirm
from .reviews import review_decide, review_open

CONFLICT_CODES = frozenset(
    {
        E.LIST_CONFIRMED,
        E.REVIEW_CLOSED,
        E.REVIEW_OPEN,
        E.GRIEVANCE_ANSWERED,
        E.FORMALITY_DONE,
    }
)

ERRORS = {
    400: OpenApiResponse(ErrorOut, description="Invalid input; `field` names it."),
    401: OpenApiResponse(ErrorOut, description="Not signed in."),
    403: OpenApiResponse(ErrorOut, description="`not_permitted`: the role may not."),
    404: OpenApiResponse(ErrorOut, description="Not found in your jurisdiction."),
    409: OpenApiResponse(ErrorOut, description="The step is impossible in the present state."),
}


def _parsed(serializer_class, data) -> dict:
    s = serializer_class(data=data)
    if not s.is_valid():
        field, errors = next(iter(s.errors.items()))
        message = errors[0] if isinstance(errors, list) else str(errors)
        raise FieldError(code="invalid", field=field, message=str(message))
    return s.validated_data


def _call(fn):
    """Run a service: a state conflict is 409, a refusal naming a field 400 with the field;
    not found (404) and not permitted (403) go to the API's exception handler."""
    try:
        return fn(), None
    except E.NotFoundError:
        raise
    except E.ServiceError as exc:
        if exc.code == "not_permitted":
            raise
        if exc.code in CONFLICT_CODES:
            body = {"code": exc.code, "message": E.message_for(exc)}
            return None, Response(body, status=status.HTTP_409_CONFLICT)
        if exc.problems:
            body = {
                "code": exc.code,
                "field": exc.problems[0].field,
                "message": E.message_for(exc),
            }
            return None, Response(body, status=status.HTTP_400_BAD_REQUEST)
        raise


# --------------------------------------------------------------------------- serializers
class EntrySerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    person_name = serializers.CharField(source="person.name")
    household_id = serializers.IntegerField(allow_null=True)
    program = serializers.CharField()
    change = serializers.CharField()
    tier = serializers.CharField()
    amount_fen = serializers.IntegerField()
    outcome = serializers.CharField()
    reason = serializers.CharField()


class ListSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    month = serializers.CharField()
    street = serializers.CharField(source="street_id")
    status = serializers.CharField()
    proposed_on = serializers.DateField()
    confirmed_on = serializers.DateField(allow_null=True)


class ListDetailSerializer(ListSerializer):
    entries = serializers.SerializerMethodField()

    def get_entries(self, plist) -> list[dict]:
        return EntrySerializer(dynamic_screens.list_entries(plist), many=True).data


class MonthIn(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False)


class GenerateIn(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$")


class GeneratedOut(serializers.Serializer):
    month = serializers.CharField()
    proposed = serializers.DictField(child=serializers.IntegerField())
    reviews_opened = serializers.IntegerField()
    seconds = serializers.DictField(child=serializers.FloatField())


class ConfirmIn(serializers.Serializer):
    excluded = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="{person id: reason} of the persons excluded; every other entry is confirmed.",
    )


class EventOut(serializers.Serializer):
    kind = serializers.CharField()
    on = serializers.DateField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    data = serializers.JSONField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    household_id = serializers.IntegerField()
    household_number = serializers.CharField(source="household.number")
    program = serializers.CharField()
    trigger = serializers.CharField()
    reported_change = serializers.CharField()
    opened_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True, help_text="null: pending the calendar")
    closed_on = serializers.DateField(allow_null=True)
    outcome = serializers.CharField()
    reason = serializers.CharField()
    amount_fen = serializers.IntegerField(allow_null=True)
    exit_last_month = serializers.CharField()
    notice_number = serializers.CharField()


class ReviewDetailSerializer(ReviewSerializer):
    timeline = serializers.SerializerMethodField()

    def get_timeline(self, review) -> list[dict]:
        events = review.events.select_related("actor").order_by("at", "id")
        return EventOut(events, many=True).data


class ReviewOpenIn(serializers.Serializer):
    household_id = serializers.IntegerField()
    program = serializers.ChoiceField(choices=list(ENROLMENT_CATEGORY))
    trigger = serializers.ChoiceField(choices=["reported_change", "finding"])
    reported_change = serializers.CharField(required=False, allow_blank=True, default="")
    review_task_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class DecideIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.values)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    declared_income = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField(min_value=0)),
        required=False,
        help_text='{person id: {"wage_fen": …}} (the declaration shape of verification)',
    )
    declared_assets = serializers.DictField(
        child=serializers.IntegerField(min_value=0), required=False
    )


class EmergencyIn(serializers.Serializer):
    household_id = serializers.IntegerField()
    amount_fen = serializers.IntegerField(min_value=1)
    hardship = serializers.CharField()


class AidSerializer(serializers.Serializer):
    case_id = serializers.IntegerField()
    case_number = serializers.CharField(source="case.number")
    members = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    cap_fen = serializers.IntegerField()
    granted_on = serializers.DateField()
    formalities_due = serializers.DateField(allow_null=True, help_text="null: pending the calendar")
    checklist = serializers.JSONField()
    completed_on = serializers.DateField(allow_null=True)


class FormalityIn(serializers.Serializer):
    item = serializers.ChoiceField(choices=list(FORMALITIES))


class GrievanceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    case_id = serializers.IntegerField()
    kind = serializers.CharField()
    lodged_on = serializers.DateField()
    lodged_by = serializers.CharField()
    content = serializers.CharField()
    lodge_deadline = serializers.DateField(allow_null=True)
    answer_due = serializers.DateField(allow_null=True, help_text="null: pending the calendar")
    answer = serializers.CharField()
    answered_on = serializers.DateField(allow_null=True)
    upheld = serializers.BooleanField(allow_null=True)


class GrievanceIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GrievanceKind.values)
    content = serializers.CharField()
    lodged_by = serializers.CharField(required=False, allow_blank=True, default="")
    lodged_on = serializers.DateField(required=False, allow_null=True, default=None)


class AnswerIn(serializers.Serializer):
    answer = serializers.CharField()
    upheld = serializers.BooleanField(default=False)


# --------------------------------------------------------------------------- views
@extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")])
class ListListView(generics.GenericAPIView):
    """The no-application lists of the caller's streets: those of `month`, else every list
    still awaiting confirmation."""

    serializer_class = ListSerializer

    pagination_class = None

    @extend_schema(responses={200: ListSerializer(many=True), **ERRORS})
    def get(self, request):
        d = _parsed(MonthIn, request.query_params)
        rows = dynamic_screens.lists_of_month(actor=request.user, month=d.get("month"))
        return Response(ListSerializer(rows[:500], many=True).data)


class ListGenerateView(generics.GenericAPIView):
    """Run the monthly job for the caller's jurisdiction: the month's lists proposed and the
    scheduled reviews opened (again: nothing new)."""

    serializer_class = GenerateIn

    @extend_schema(request=GenerateIn, responses={200: GeneratedOut, **ERRORS})
    def post(self, request):
        d = _parsed(GenerateIn, request.data)
        result, error = _call(lambda: monthly_run(actor=request.user, month=d["month"]))
        return error or Response(result)


class ListDetailView(generics.GenericAPIView):
    """One list with its entries (person, program, change, amount in fen, outcome, reason)."""

    serializer_class = ListDetailSerializer

    @extend_schema(responses={200: ListDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        plist = dynamic_screens.list_get(actor=request.user, list_id=pk)
        return Response(ListDetailSerializer(plist).data)


class ListConfirmView(generics.GenericAPIView):
    """Confirm the list in one step; `excluded` {person id: reason}."""

    serializer_class = ListDetailSerializer

    @extend_schema(request=ConfirmIn, responses={200: ListDetailSerializer, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(ConfirmIn, request.data)
        excluded = {}
        for k, v in (d.get("excluded") or {}).items():
            if not str(k).isdigit():
                raise FieldError(code="invalid", field=f"excluded.{k}", message="not a person id")
            excluded[int(k)] = v
        plist, error = _call(
            lambda: proposal_list_confirm(actor=request.user, list_id=pk, excluded=excluded)
        )
        return error or Response(ListDetailSerializer(plist).data)


class RowPage(PageWithoutCount):
    """The case API's paging without a count, for rows that are not cases."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page = request.query_params.get(self.page_query_param)
        if page is not None and not (page.isascii() and page.isdigit() and 0 < int(page) <= 10_000):
            raise FieldError(code="invalid", field="page", message="a page number, 1 to 10000")
        self.page_obj = dynamic_screens.slice_page(queryset, page, self.page_size)
        return self.page_obj.object_list


@extend_schema(responses={200: ReviewSerializer(many=True), **ERRORS})
class ReviewListView(generics.ListAPIView):
    """Open reviews of the caller's jurisdiction (scheduled, reported change, batch finding),
    the earliest due first, 50 a page (`?page=N`, no count)."""

    serializer_class = ReviewSerializer
    pagination_class = RowPage

    def get_queryset(self):
        return reviews_open(actor=self.request.user)

    @extend_schema(request=ReviewOpenIn, responses={201: ReviewSerializer, **ERRORS})
    def post(self, request):
        """Open a review at once: a change the family reported, or a batch review task."""
        d = _parsed(ReviewOpenIn, request.data)
        review, error = _call(lambda: review_open(actor=request.user, **d))
        return error or Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewDetailView(generics.GenericAPIView):
    serializer_class = ReviewDetailSerializer

    @extend_schema(responses={200: ReviewDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        review = dynamic_screens.review_page(actor=request.user, review_id=pk)["review"]
        return Response(ReviewDetailSerializer(review).data)


class ReviewDecideView(generics.GenericAPIView):
    """Decide a review: continue, adjust (on `declared_income`), stop (reason) or gradual exit
    (reason, income above the line)."""

    serializer_class = ReviewDetailSerializer

    @extend_schema(request=DecideIn, responses={200: ReviewDetailSerializer, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(DecideIn, request.data)
        income = d.get("declared_income")
        if income is not None:
            bad = [k for k in income if not str(k).isdigit()]
            if bad:
                raise FieldError(
                    code="invalid", field=f"declared_income.{bad[0]}", message="not a person id"
                )
            income = {int(k): v for k, v in income.items()}
        review, error = _call(
            lambda: review_decide(
                actor=request.user,
                review_id=pk,
                outcome=d["outcome"],
                reason=d["reason"],
                declared_income=income,
                declared_assets=d.get("declared_assets"),
            )
        )
        return error or Response(ReviewDetailSerializer(review).data)


class EmergencyView(generics.GenericAPIView):
    """Grant emergency aid (先行救助) at once, up to the cap; opens a temporary-assistance case."""

    serializer_class = AidSerializer

    @extend_schema(request=EmergencyIn, responses={201: AidSerializer, **ERRORS})
    def post(self, request):
        d = _parsed(EmergencyIn, request.data)
        aid, error = _call(lambda: emergency_aid_grant(actor=request.user, **d))
        return error or Response(AidSerializer(aid).data, status=status.HTTP_201_CREATED)


class FormalityView(generics.GenericAPIView):
    """Mark one formality of the case's emergency aid done."""

    serializer_class = AidSerializer

    @extend_schema(request=FormalityIn, responses={200: AidSerializer, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(FormalityIn, request.data)
        aid, error = _call(
            lambda: emergency_formality_done(actor=request.user, case_id=pk, item=d["item"])
        )
        return error or Response(AidSerializer(aid).data)


class GrievanceView(generics.GenericAPIView):
    """The case's grievances (GET); record a complaint, reconsideration or lawsuit (POST)."""

    serializer_class = GrievanceSerializer

    pagination_class = None

    @extend_schema(responses={200: GrievanceSerializer(many=True), **ERRORS})
    def get(self, request, pk: int):
        rows = dynamic_screens.case_extras(actor=request.user, case_id=pk)["grievances"]
        return Response(GrievanceSerializer(rows, many=True).data)

    @extend_schema(request=GrievanceIn, responses={201: GrievanceSerializer, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(GrievanceIn, request.data)
        g, error = _call(lambda: grievance_record(actor=request.user, case_id=pk, **d))
        return error or Response(GrievanceSerializer(g).data, status=status.HTTP_201_CREATED)


class GrievanceAnswerView(generics.GenericAPIView):
    """Answer a grievance once (district)."""

    serializer_class = GrievanceSerializer

    @extend_schema(request=AnswerIn, responses={200: GrievanceSerializer, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(AnswerIn, request.data)
        dynamic_screens.grievance_case_id(actor=request.user, grievance_id=pk)  # scope: 404
        g, error = _call(lambda: grievance_answer(actor=request.user, grievance_id=pk, **d))
        return error or Response(GrievanceSerializer(g).data)


urlpatterns = [
    path("lists/", ListListView.as_view(), name="api-list-list"),
    path("lists/generate/", ListGenerateView.as_view(), name="api-list-generate"),
    path("lists/<int:pk>/", ListDetailView.as_view(), name="api-list-detail"),
    path("lists/<int:pk>/confirm/", ListConfirmView.as_view(), name="api-list-confirm"),
    path("reviews/", ReviewListView.as_view(), name="api-review-list"),
    path("reviews/<int:pk>/", ReviewDetailView.as_view(), name="api-review-detail"),
    path("reviews/<int:pk>/decide/", ReviewDecideView.as_view(), name="api-review-decide"),
    path("emergency/", EmergencyView.as_view(), name="api-emergency"),
    path("<int:pk>/formalities/", FormalityView.as_view(), name="api-formalities"),
    path("<int:pk>/grievances/", GrievanceView.as_view(), name="api-grievances"),
    path("grievances/<int:pk>/answer/", GrievanceAnswerView.as_view(), name="api-grievance-answer"),
]
