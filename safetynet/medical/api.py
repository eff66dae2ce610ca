"""The hospitals' API (ADR 1101): settle at discharge, reverse, read their own settlements and
statements. Authenticated by the hospital's API key (safetynet.institutions, ADR 1100); a
hospital sees only its own records (another hospital's settlement number is a 404).

Errors: `{"code", "field", "message"}` with the status of `errors.STATUS`.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from safetynet.institutions.api import (
    InstitutionAPIView,
    InstitutionErrorOut,
    error_response,
    errors_schema,
    own,
)
from safetynet.institutions.models import InstitutionKind
from safetynet.registry.ids import mask_id_number
from safetynet.rules import load_parameters
from safetynet.rules.catalog import name_zh

from . import services
from .errors import MedicalError
from .models import HospitalStatement, ReversalReason, Settlement

LIST_LIMIT = 500


# ------------------------------------------------------------------------------ schema
class BillIn(serializers.Serializer):
    total_fen = serializers.IntegerField(min_value=0, help_text="the whole bill, fen")
    policy_scope_fen = serializers.IntegerField(
        min_value=0, help_text="within the insurance policy's scope (政策范围内费用), fen"
    )
    insurance_paid_fen = serializers.IntegerField(
        min_value=0, help_text="paid by basic and critical-illness insurance, fen"
    )


class SettleIn(serializers.Serializer):
    settlement_number = serializers.CharField(
        max_length=64, help_text="the hospital's settlement number (结算单号): idempotency key"
    )
    id_number = serializers.CharField(help_text="the patient's resident ID number")
    admitted_on = serializers.DateField(required=False)
    discharged_on = serializers.DateField()
    bill = BillIn()


class AnnualOut(serializers.Serializer):
    year = serializers.IntegerField()
    annual_cap_fen = serializers.IntegerField()
    room_fen = serializers.IntegerField(help_text="remaining after this settlement")


class SettlementOut(serializers.Serializer):
    settlement_number = serializers.CharField()
    status = serializers.ChoiceField(choices=["settled", "reversed"])
    replayed = serializers.BooleanField(help_text="true: an earlier identical request's answer")
    id_number = serializers.CharField(help_text="masked")
    person_name = serializers.CharField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    discharged_on = serializers.DateField()
    total_fen = serializers.IntegerField()
    policy_scope_fen = serializers.IntegerField()
    insurance_fen = serializers.IntegerField()
    assistance_fen = serializers.IntegerField()
    patient_fen = serializers.IntegerField()
    deductible_applied_fen = serializers.IntegerField()
    ratio = serializers.CharField()
    capped = serializers.BooleanField()
    annual = AnnualOut()
    settled_at = serializers.DateTimeField()
    reversed_at = serializers.DateTimeField(allow_null=True)
    reversal_reason = serializers.CharField(allow_blank=True)


class ReverseIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReversalReason.values)
    note = serializers.CharField(required=False, max_length=200)


class HospitalStatementOut(serializers.Serializer):
    month = serializers.CharField()
    settlements_count = serializers.IntegerField()
    reversals_count = serializers.IntegerField()
    settled_fen = serializers.IntegerField()
    reversed_fen = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    paid = serializers.BooleanField(help_text="on a reimbursement file sent to the bank")


ERRORS = errors_schema(
    s400="bad input (code names it; nothing changed)",
    s409="settlement_number_conflict",
    s422="refused: unknown_person, not_eligible, person_deceased",
)


def settlement_data(s: Settlement, *, replayed: bool = False, params=None) -> dict:
    """The answer for one settlement; `params` (the parameter tree, loaded once per request)
    gives the annual cap."""
    return {
        "settlement_number": s.number,
        "status": s.status,
        "replayed": replayed,
        "id_number": mask_id_number(s.person.id_number),
        "person_name": s.person.name,
        "category": s.category,
        "category_name": name_zh(s.category),
        "discharged_on": s.discharged_on.isoformat(),
        "total_fen": s.total_fen,
        "policy_scope_fen": s.policy_scope_fen,
        "insurance_fen": s.insurance_fen,
        "assistance_fen": s.assistance_fen,
        "patient_fen": s.patient_fen,
        "deductible_applied_fen": s.deductible_applied_fen,
        "ratio": s.ratio,
        "capped": s.capped,
        "annual": {
            "year": s.discharged_on.year,
            "annual_cap_fen": _cap(s, params),
            "room_fen": s.room_after_fen,
        },
        "settled_at": s.settled_at.isoformat(),
        "reversed_at": s.reversed_at.isoformat() if s.reversed_at else None,
        "reversal_reason": s.reversal_reason,
    }


def _cap(s: Settlement, params=None) -> int:
    params = params or load_parameters()
    return params.at("medical_assistance.annual_cap", s.discharged_on).value


class HospitalView(InstitutionAPIView):
    institution_kinds = (InstitutionKind.HOSPITAL,)

    def settlements(self, request: Request) -> QuerySet[Settlement]:
        return own(Settlement.objects.select_related("person", "room"), request, "hospital")


class SettlementListView(HospitalView):
    @extend_schema(
        tags=["medical"],
        operation_id="medical_settle",
        summary="Settle a bill at discharge (一站式结算)",
        request=SettleIn,
        responses={201: SettlementOut, 200: SettlementOut, **ERRORS},
        examples=[
            OpenApiExample(
                "dibao patient",
                request_only=True,
                value={
                    "settlement_number": "JS20190715-0001",
                    "id_number": "350203195001010018",
                    "admitted_on": "2019-07-08",
                    "discharged_on": "2019-07-15",
                    "bill": {
                        "total_fen": 300000,
                        "policy_scope_fen": 250000,
                        "insurance_paid_fen": 175000,
                    },
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        try:
            outcome = services.settlement_create(hospital=request.institution, data=request.data)
        except MedicalError as exc:
            return error_response(exc)
        return Response(
            settlement_data(outcome.settlement, replayed=outcome.replayed, params=outcome.params),
            status=status.HTTP_200_OK if outcome.replayed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=["medical"],
        operation_id="medical_settlements",
        summary="The hospital's own settlements (newest first, at most 500)",
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM of the discharge"),
        ],
        responses={200: SettlementOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        qs = self.settlements(request)
        month = request.query_params.get("month", "")
        if month:
            try:
                year, mon = (int(x) for x in month.split("-"))
                qs = qs.filter(discharged_on__year=year, discharged_on__month=mon)
            except ValueError:
                return error_response(MedicalError("month_invalid", "month", "month is YYYY-MM"))
        params = load_parameters()
        return Response([settlement_data(s, params=params) for s in qs[:LIST_LIMIT]])


class SettlementDetailView(HospitalView):
    @extend_schema(
        tags=["medical"],
        operation_id="medical_settlement",
        responses={200: SettlementOut, 404: InstitutionErrorOut, **ERRORS},
    )
    def get(self, request: Request, number: str) -> Response:
        s = self.settlements(request).filter(number=number).first()
        if s is None:
            return error_response(MedicalError("settlement_not_found", "settlement_number"))
        return Response(settlement_data(s))


class SettlementReverseView(HospitalView):
    @extend_schema(
        tags=["medical"],
        operation_id="medical_reverse",
        summary="Reverse a settlement (refund, re-admission): the annual room is restored",
        request=ReverseIn,
        responses={200: SettlementOut, 404: InstitutionErrorOut, **ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        try:
            outcome = services.settlement_reverse(
                hospital=request.institution,
                number=number,
                reason=data.get("reason"),
                note=data.get("note", ""),
            )
        except MedicalError as exc:
            return error_response(exc)
        return Response(settlement_data(outcome.settlement, replayed=outcome.replayed))


class StatementListView(HospitalView):
    @extend_schema(
        tags=["medical"],
        operation_id="medical_statements",
        summary="The hospital's monthly statements (清算单)",
        responses={200: HospitalStatementOut(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        rows = own(HospitalStatement.objects.all(), request, "hospital")
        return Response(
            [
                {
                    "month": st.month,
                    "settlements_count": st.settlements_count,
                    "reversals_count": st.reversals_count,
                    "settled_fen": st.settled_fen,
                    "reversed_fen": st.reversed_fen,
                    "amount_fen": st.amount_fen,
                    "paid": st.bank_file_id is not None,
                }
                for st in rows
            ]
        )
