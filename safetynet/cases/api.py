"""Case endpoints of the REST API (docs/api.md "Cases"), scoped like everything else: a case
outside the caller's jurisdiction is a 404, like a missing one.

- `GET /api/cases/` — the caller's cases (filters: program, step, overdue, mine), paginated.
- `GET /api/cases/{id}/` — one case: due dates per step, timeline, proposal (amount, reasons,
  named figures, trace), objections, notices, decision, and the actions the caller may take.
- `POST /api/cases/{id}/transitions/` — `{"action": <name>, ...its fields}`: one of the actions
  of `cases/actions.py` (the same table and forms as the case page). 200 with the case;
  400 `{"code": "invalid", "field", "message"}` or a service's refusal naming its field;
  403 `not_permitted`; 404; 409 `{"code", "message"}` when the step is impossible now.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import generics, pagination, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from safetynet.api.errors import FieldError
from safetynet.api.views import BAD_FILTER, NOT_FOUND, NOT_SIGNED_IN

from . import errors as E
from . import screens
from .actions import ACTIONS, available
from .forms import WorkbenchFilterForm
from .models import Case, CaseProgram, CaseStatus
from .services import accepted_or_investigated_by

# A step that cannot be taken in the case's present state: 409 Conflict (not the caller's input).
CONFLICT_CODES = frozenset(
    {
        E.TRANSITION_NOT_ALLOWED,
        E.ALREADY_DECIDED,
        E.ALREADY_EXTENDED,
        E.OBJECTION_ALREADY_ANSWERED,
        E.OBJECTION_OUTSIDE_NOTICE,
        E.NOTICE_RUNNING,
        E.OBJECTION_UNANSWERED,
        E.NEEDS_HOME_VISIT,
        E.NEEDS_VERIFICATION_REPORT,
        E.VERIFICATION_INCOMPLETE,
        E.PROPOSAL_NOT_ELIGIBLE,
        E.PROPOSAL_ELIGIBLE,
        E.DECIDER_CONFLICT,
    }
)


# --------------------------------------------------------------------------- serializers
class CaseListSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    handling_division = serializers.CharField(source="handling_division_id", read_only=True)
    step_due = serializers.DateField(read_only=True, allow_null=True)
    pending_year = serializers.IntegerField(
        source="deadlines_pending_year",
        read_only=True,
        allow_null=True,
        help_text="The year whose working-day calendar the null (pending) due dates wait for.",
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "program",
            "status",
            "household_id",
            "household_number",
            "applicant_name",
            "handling_division",
            "accepted_on",
            "step_due",
            "investigation_due",
            "notice_ends_on",
            "decision_due",
            "total_due",
            "pending_year",
            "escalated_on",
            "overdue",
        ]

    def get_overdue(self, case) -> list[str]:
        return [step for step, _due in getattr(case, "late", [])]


class DueDateSerializer(serializers.Serializer):
    step = serializers.CharField()
    due = serializers.DateField(
        allow_null=True, help_text="null: pending, the calendar does not know `pending_year` yet"
    )
    pending_year = serializers.IntegerField(allow_null=True)
    done_on = serializers.DateField(allow_null=True)
    workdays_left = serializers.IntegerField(allow_null=True)
    overdue = serializers.BooleanField()


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    on = serializers.DateField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    data = serializers.JSONField()


class CaseDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    program = serializers.CharField(source="case.program")
    status = serializers.CharField(source="case.status")
    household_id = serializers.IntegerField(source="case.household_id")
    household_number = serializers.CharField(source="case.household.number")
    applicant_name = serializers.CharField(source="case.applicant.name")
    handling_division = serializers.CharField(source="case.handling_division_id")
    accepted_on = serializers.DateField(source="case.accepted_on")
    verification_request = serializers.IntegerField(
        source="case.verification_request_id", allow_null=True
    )
    report = serializers.CharField(source="report.number", allow_null=True, default=None)
    extension_reason = serializers.CharField(source="case.extension_reason")
    pending_year = serializers.IntegerField(
        source="case.deadlines_pending_year",
        allow_null=True,
        help_text="The year whose working-day calendar the pending due dates wait for.",
    )
    due_dates = DueDateSerializer(many=True)
    timeline = EventSerializer(many=True)
    proposal = serializers.SerializerMethodField()
    objections = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def get_proposal(self, page) -> dict | None:
        """The frozen proposal without the situation (personal data): eligibility, amount,
        reasons, named figures, trace, parameter versions."""
        pr = page.case.proposal
        if not pr:
            return None
        keys = (
            "eligible",
            "reason",
            "reasons",
            "amount_fen",
            "amount_yuan",
            "month",
            "funding",
            "figures",
            "household_figures",
            "trace",
            "parameters",
            "report",
            "note",
        )
        return {k: pr.get(k) for k in keys}

    def get_objections(self, page) -> list[dict]:
        return [
            {
                "id": o.pk,
                "raised_on": o.raised_on,
                "raised_by": o.raised_by,
                "content": o.content,
                "answer": o.answer,
                "answered_on": o.answered_on,
                "upheld": o.upheld,
            }
            for o in page.objections
        ]

    def get_notices(self, page) -> list[dict]:
        return [
            {"id": n.pk, "kind": n.kind, "number": n.number, "issued_on": n.issued_on}
            for n in page.notices
        ]

    def get_decision(self, page) -> dict | None:
        d = page.decision
        if d is None:
            return None
        return {
            "outcome": d.outcome,
            "decided_on": d.decided_on,
            "decided_by": d.decided_by.username,
            "amount_fen": d.amount_fen,
            "start_month": d.start_month,
            "reasons": d.reasons,
        }

    def get_actions(self, page) -> list[str]:
        return self.context.get("actions", [])


ACTION_FIELDS = {
    "start_investigation": "—",
    "record_home_visit": "visited_on, staff_1, staff_2 (user ids), findings, photos (multipart)",
    "propose": "note?",
    "publish_notice": "—",
    "record_objection": "content, raised_by?, raised_on?",
    "answer_objection": "objection (id), answer, upheld?",
    "close_notice": "—",
    "refer_for_decision": "—",
    "approve": "note?",
    "refuse": "reasons (list of strings, or one a line), note?",
    "extend": "reason",
    "withdraw": "reason",
}

TransitionIn = inline_serializer(
    "CaseTransitionRequest",
    {
        "action": serializers.ChoiceField(choices=list(ACTIONS)),
        "reason": serializers.CharField(required=False),
        "note": serializers.CharField(required=False),
        "reasons": serializers.ListField(child=serializers.CharField(), required=False),
        "visited_on": serializers.DateField(required=False),
        "staff_1": serializers.IntegerField(required=False),
        "staff_2": serializers.IntegerField(required=False),
        "findings": serializers.CharField(required=False),
        "content": serializers.CharField(required=False),
        "raised_by": serializers.CharField(required=False),
        "raised_on": serializers.DateField(required=False),
        "objection": serializers.IntegerField(required=False),
        "answer": serializers.CharField(required=False),
        "upheld": serializers.BooleanField(required=False),
    },
)
ErrorOut = inline_serializer(
    "CaseError",
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
    },
)


def _detail(request, case_id: int) -> dict:
    page = screens.case_page(actor=request.user, case_id=case_id)
    case = page.case
    excluded = accepted_or_investigated_by(case) if case.status == "awaiting_decision" else None
    names = [a.name for a in available(request.user, case, excluded=excluded)]
    return CaseDetailSerializer(page, context={"actions": names}).data


# --------------------------------------------------------------------------- views
class CaseListFilters(serializers.Serializer):
    """The list's query parameters, strictly: an unknown value is a 400 naming the parameter
    (the page's form is lenient with a hand-edited URL; an API client gets told)."""

    program = serializers.ChoiceField(choices=CaseProgram.values, required=False)
    step = serializers.ChoiceField(choices=CaseStatus.values, required=False)
    overdue = serializers.BooleanField(required=False)
    mine = serializers.BooleanField(required=False)
    page = serializers.IntegerField(min_value=1, max_value=10_000, required=False)


def _list_filters(request) -> dict:
    # A plain dict, not the QueryDict: DRF treats an empty form value as "not given".
    params = CaseListFilters(data=request.query_params.dict())
    if not params.is_valid():
        field, problems = next(iter(params.errors.items()))
        raise FieldError(code="invalid_filter", field=field, message=str(problems[0]))
    return params.validated_data


class PageWithoutCount(pagination.PageNumberPagination):
    """`?page=N` (50 a page) without a COUNT(*) over the jurisdiction's cases: one more row
    than shown is read to know whether `next` exists (100,000 open cases, ADR 0820)."""

    page_size = 50

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_obj = screens.slice_page(
            queryset, request.query_params.get(self.page_query_param), self.page_size
        )
        if self.page_obj.number > 1 and not self.page_obj.object_list:
            raise FieldError(code="invalid_filter", field="page", message="no such page")
        return self.page_obj.object_list

    def get_paginated_response(self, data):
        return Response(
            {
                "page": self.page_obj.number,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if not self.page_obj.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_obj.number + 1)

    def get_previous_link(self):
        if not self.page_obj.has_previous:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_obj.number - 1)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "page": {"type": "integer"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


@extend_schema(
    parameters=[
        OpenApiParameter("program", OpenApiTypes.STR, enum=CaseProgram.values),
        OpenApiParameter(
            "step",
            OpenApiTypes.STR,
            enum=CaseStatus.values,
            description="Default: every open step.",
        ),
        OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Only cases past a due date."),
        OpenApiParameter("mine", OpenApiTypes.BOOL, description="Only cases I accepted/proposed."),
    ],
    responses={200: CaseListSerializer(many=True), 400: BAD_FILTER, **NOT_SIGNED_IN},
)
class CaseListView(generics.ListAPIView):
    """The caller's cases (their jurisdiction), open by default, the oldest due first."""

    serializer_class = CaseListSerializer
    pagination_class = PageWithoutCount

    def get_queryset(self):
        _list_filters(self.request)
        form = WorkbenchFilterForm(self.request.query_params)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise FieldError(code="invalid", field=field, message=errors[0])
        f = form.cleaned_data
        return screens.workbench(
            actor=self.request.user,
            program=f.get("program") or None,
            step=f.get("step") or None,
            overdue=bool(f.get("overdue")),
            mine=bool(f.get("mine")),
        )


class CaseDetailView(generics.GenericAPIView):
    """One case: due dates, timeline, proposal figures and trace, objections, notices, decision
    and the actions the caller may take now."""

    serializer_class = CaseDetailSerializer

    @extend_schema(responses={200: CaseDetailSerializer, 404: NOT_FOUND, **NOT_SIGNED_IN})
    def get(self, request, pk: int):
        return Response(_detail(request, pk))


class CaseTransitionView(generics.GenericAPIView):
    """Take one action on the case (the case page's actions, by name)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = CaseDetailSerializer

    @extend_schema(
        request=TransitionIn,
        responses={
            200: CaseDetailSerializer,
            400: OpenApiResponse(ErrorOut, description="Invalid input; `field` names it."),
            401: NOT_SIGNED_IN[401],
            403: OpenApiResponse(ErrorOut, description="`not_permitted`: the role may not."),
            404: OpenApiResponse(ErrorOut, description="No such case in your jurisdiction."),
            409: OpenApiResponse(ErrorOut, description="The step is impossible now."),
        },
        examples=[
            OpenApiExample("Start", value={"action": "start_investigation"}),
            OpenApiExample("Refuse", value={"action": "refuse", "reasons": ["家庭收入超标"]}),
            OpenApiExample("Extend", value={"action": "extend", "reason": "需补充病历材料"}),
        ],
        description="Actions and their fields: "
        + "; ".join(f"`{k}`: {v}" for k, v in ACTION_FIELDS.items()),
    )
    def post(self, request, pk: int):
        name = request.data.get("action")
        a = ACTIONS.get(name) if isinstance(name, str) else None
        if a is None:
            raise FieldError(code="invalid", field="action", message="unknown action")
        case = screens.case_get(actor=request.user, case_id=pk)
        data = request.data
        if hasattr(data, "dict"):  # a QueryDict (multipart): lists stay lists
            files = request.FILES
            data = {k: (data.getlist(k) if k == "reasons" else data.get(k)) for k in data}
        else:
            files = None
        if isinstance(data.get("reasons"), list):
            data = {**data, "reasons": "\n".join(str(r) for r in data["reasons"])}
        form = a.form(data, files)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise FieldError(code="invalid", field=field, message=errors[0])
        try:
            a.run(request.user, case, form.cleaned_data)
        except E.NotFoundError:
            raise
        except E.ServiceError as exc:
            if exc.code in CONFLICT_CODES and not exc.problems:
                return Response(
                    {"code": exc.code, "message": E.message_for(exc)},
                    status=status.HTTP_409_CONFLICT,
                )
            if exc.problems and exc.code != "not_permitted":
                p = exc.problems[0]
                return Response(
                    {"code": exc.code, "field": p.field, "message": E.message_for(exc)},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            raise
        return Response(_detail(request, pk))


urlpatterns = [
    path("", CaseListView.as_view(), name="api-case-list"),
    path("<int:pk>/", CaseDetailView.as_view(), name="api-case-detail"),
    path("<int:pk>/transitions/", CaseTransitionView.as_view(), name="api-case-transitions"),
]
