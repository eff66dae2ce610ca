"""Payroll endpoints of the REST API (docs/api.md "Payrolls"), scoped like the screens: every user
who may see payrolls lists them, but lines and totals are those of the caller's jurisdiction.

- `GET /api/payrolls/` — the payrolls, newest month first, with the caller's totals.
- `GET /api/payrolls/{id}/` — one payroll: totals by program and district, the changes from the
  previous month, the approval scopes and the timeline.
- `GET /api/payrolls/{id}/lines/` — its lines (filters: program, district, status, name), paged.
- `POST /api/payrolls/{id}/check/` — check the draft (`payroll_check`).
- `POST /api/payrolls/{id}/approve/` — `{"scope"?, "budget_override"?, "note"?}` approve one scope.
- `POST /api/payrolls/{id}/reconcile/` — `{"note"?}` reconcile a payroll whose results are in
  (`payroll_reconcile`: the banks' figures add up, nothing pending, the books agree).
- `POST /api/payrolls/{id}/close/` — `{"note"?}` close a reconciled payroll (`payroll_close`).

Errors: 400 `{"code", "field", "message"}`; 403 `not_permitted`; 404; 409 `{"code", "message"}`
when the step is refused in the present state (maker-checker, another's scope, approved already).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from safetynet.api.base import JsonAPIView, JsonListAPIView
from safetynet.api.errors import FieldError
from safetynet.cases.api import PageWithoutCount
from safetynet.cases.dynamic_api import ERRORS, _parsed

from . import approval
from . import flow_errors as E
from . import flow_screens as screens
from .models import LineStatus


def _call(fn):
    try:
        return fn(), None
    except E.NotFoundError:
        raise
    except E.ServiceError as exc:
        if exc.code == E.NOT_PERMITTED:
            raise
        if exc.code in E.CONFLICT_CODES:
            body = {"code": exc.code, "message": E.message_for(exc)}
            return None, Response(body, status=status.HTTP_409_CONFLICT)
        field = exc.problems[0].field if exc.problems else "non_field_errors"
        body = {"code": exc.code, "field": field, "message": E.message_for(exc)}
        return None, Response(body, status=status.HTTP_400_BAD_REQUEST)


# --------------------------------------------------------------------------- serializers
class CountAmount(serializers.Serializer):
    lines = serializers.IntegerField()
    amount_fen = serializers.IntegerField()


class PayrollOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    month = serializers.CharField()
    status = serializers.CharField()
    lines = serializers.IntegerField(help_text="Lines in your jurisdiction (not cancelled).")
    amount_fen = serializers.IntegerField()


class DifferenceOut(serializers.Serializer):
    program = serializers.CharField()
    lines = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    previous_lines = serializers.IntegerField()
    previous_amount_fen = serializers.IntegerField()
    lines_change = serializers.IntegerField()
    amount_change_fen = serializers.IntegerField()


class ApprovalOut(serializers.Serializer):
    scope = serializers.CharField(help_text="`city` or a district code")
    lines = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    approved_by = serializers.CharField(
        source="approved_by.username", allow_null=True, default=None
    )
    approved_at = serializers.DateTimeField(allow_null=True)
    budget_override = serializers.BooleanField()
    mine = serializers.BooleanField(help_text="You approve this scope.")


class EventOut(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    data = serializers.JSONField()


class PayrollDetailOut(PayrollOut):
    by_program = serializers.DictField(child=CountAmount())
    by_district = serializers.DictField(child=CountAmount())
    by_status = serializers.DictField(child=CountAmount())
    previous_month = serializers.CharField(allow_null=True)
    differences = DifferenceOut(many=True)
    approvals = ApprovalOut(many=True)
    timeline = EventOut(many=True)


class LineOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    beneficiary_key = serializers.CharField()
    person_id = serializers.IntegerField()
    person_name = serializers.CharField(source="person.name")
    household_id = serializers.IntegerField(allow_null=True)
    program = serializers.CharField()
    benefit_month = serializers.CharField()
    kind = serializers.CharField()
    amount_fen = serializers.IntegerField()
    withheld_fen = serializers.IntegerField(help_text="Withheld towards recoveries.")
    city_fen = serializers.IntegerField()
    district_fen = serializers.IntegerField()
    street_fen = serializers.IntegerField()
    division = serializers.CharField(source="division_id")
    status = serializers.CharField(source="current_status")
    reason = serializers.CharField()


class LineFilterIn(serializers.Serializer):
    program = serializers.CharField(required=False, allow_blank=True, max_length=32)
    district = serializers.RegexField(r"^\d{6}$", required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=LineStatus.values, required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=50)


class CheckIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class ApproveIn(serializers.Serializer):
    scope = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text="`city` or a district code; default: the scope you approve.",
    )
    budget_override = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


# --------------------------------------------------------------------------- views
def _summary(actor, payroll) -> dict:
    t = screens.payroll_totals(actor=actor, payroll=payroll)
    return {
        "pk": payroll.pk,
        "month": payroll.month,
        "status": payroll.status,
        "lines": t.lines,
        "amount_fen": t.amount_fen,
        "totals": t,
    }


def _detail(actor, payroll) -> dict:
    d = _summary(actor, payroll)
    t = d.pop("totals")
    before, diffs = screens.differences(actor=actor, payroll=payroll, now=t)
    d.update(
        by_program=t.by_program,
        by_district={
            k: {"lines": v["lines"], "amount_fen": v["amount_fen"]}
            for k, v in t.by_district.items()
        },
        by_status=t.by_status,
        previous_month=before.month if before else None,
        differences=diffs,
        approvals=screens.approvals(actor=actor, payroll=payroll),
        timeline=list(payroll.events.select_related("actor").order_by("at", "id")),
    )
    return d


class PayrollListView(JsonAPIView):
    serializer_class = PayrollOut
    pagination_class = None  # one row a month: at most 120 (ten years)

    @extend_schema(responses={200: PayrollOut(many=True), **ERRORS})
    def get(self, request):
        rows = [_summary(request.user, p) for p in screens.payrolls_visible_to(request.user)[:120]]
        return Response(PayrollOut(rows, many=True).data)


class PayrollDetailView(JsonAPIView):
    serializer_class = PayrollDetailOut

    @extend_schema(responses={200: PayrollDetailOut, **ERRORS})
    def get(self, request, pk: int):
        payroll = screens.payroll_get(actor=request.user, payroll_id=pk)
        return Response(PayrollDetailOut(_detail(request.user, payroll)).data)


class LinePage(PageWithoutCount):
    """The case API's paging without a count, for payment lines."""

    page_size = screens.PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page = request.query_params.get(self.page_query_param)
        if page is not None and not (page.isascii() and page.isdigit() and 0 < int(page) <= 10_000):
            raise FieldError(code="invalid", field="page", message="a page number, 1 to 10000")
        self.page_obj = screens.slice_page(queryset, page, self.page_size)
        for line in screens.with_deductions(self.page_obj.object_list):
            line.withheld_fen = line.deducted_fen
        return self.page_obj.object_list


class PayrollLinesView(JsonListAPIView):
    serializer_class = LineOut
    pagination_class = LinePage

    @extend_schema(
        parameters=[
            OpenApiParameter("program", str, required=False),
            OpenApiParameter("district", str, required=False, pattern=r"^\d{6}$"),
            OpenApiParameter("status", str, required=False, enum=LineStatus.values),
            OpenApiParameter("name", str, required=False),
        ],
        responses={200: LineOut(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        f = _parsed(LineFilterIn, self.request.query_params)
        payroll = screens.payroll_get(actor=self.request.user, payroll_id=self.kwargs["pk"])
        qs = screens.lines_filtered(
            actor=self.request.user,
            payroll=payroll,
            program=f.get("program") or "",
            district=f.get("district") or "",
            status=f.get("status") or "",
            name=f.get("name") or "",
        )
        return qs


class PayrollApproveView(JsonAPIView):
    serializer_class = ApproveIn

    @extend_schema(request=ApproveIn, responses={200: PayrollDetailOut, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(ApproveIn, request.data)
        screens.payroll_get(actor=request.user, payroll_id=pk)
        _, refused = _call(
            lambda: approval.payroll_approve(
                actor=request.user,
                payroll_id=pk,
                scope=d.get("scope") or None,
                budget_override=d["budget_override"],
                note=d["note"],
            )
        )
        if refused:
            return refused
        payroll = screens.payroll_get(actor=request.user, payroll_id=pk)
        return Response(PayrollDetailOut(_detail(request.user, payroll)).data)


class PayrollStepView(JsonAPIView):
    """A step with an optional note; the service checks the permission and the state."""

    serializer_class = CheckIn
    step = staticmethod(approval.payroll_reconcile)

    @extend_schema(request=CheckIn, responses={200: PayrollDetailOut, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(CheckIn, request.data)
        screens.payroll_get(actor=request.user, payroll_id=pk)
        _, refused = _call(lambda: self.step(actor=request.user, payroll_id=pk, note=d["note"]))
        if refused:
            return refused
        payroll = screens.payroll_get(actor=request.user, payroll_id=pk)
        return Response(PayrollDetailOut(_detail(request.user, payroll)).data)


class PayrollCheckView(PayrollStepView):
    """Check the draft (not its preparer)."""

    step = staticmethod(approval.payroll_check)


class PayrollReconcileView(PayrollStepView):
    """对账: the payroll's results are in, the banks' figures and the books agree."""

    step = staticmethod(approval.payroll_reconcile)


class PayrollCloseView(PayrollStepView):
    """结账: a reconciled payroll is closed."""

    step = staticmethod(approval.payroll_close)


urlpatterns = [
    path("", PayrollListView.as_view(), name="api-payroll-list"),
    path("<int:pk>/", PayrollDetailView.as_view(), name="api-payroll-detail"),
    path("<int:pk>/lines/", PayrollLinesView.as_view(), name="api-payroll-lines"),
    path("<int:pk>/check/", PayrollCheckView.as_view(), name="api-payroll-check"),
    path("<int:pk>/approve/", PayrollApproveView.as_view(), name="api-payroll-approve"),
    path("<int:pk>/reconcile/", PayrollReconcileView.as_view(), name="api-payroll-reconcile"),
    path("<int:pk>/close/", PayrollCloseView.as_view(), name="api-payroll-close"),
]
