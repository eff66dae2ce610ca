"""The funeral homes' API (ADR 1131; docs/funerals.md): record a cremation or a sea burial and
get the fees waived at once; read one's own records and monthly statements. Authenticated by the
home's API key (safetynet.institutions, ADR 1100), rate-limited per institution; a home sees only
its own records (another home's record number is a 404).

Errors: `{"code", "field", "message"}` with the status of `homes.STATUS`.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from safetynet.institutions.api import (
    ACCESS_ERRORS,
    InstitutionAPIView,
    InstitutionErrorOut,
    error_response,
    errors_schema,
    own,
)
from safetynet.institutions.models import InstitutionKind
from safetynet.registry.ids import mask_id_number

from . import homes
from .models import FEES, FuneralService, FuneralStatement, ServiceKind

REASONS_ZH = {
    "ELIGIBLE": "符合基本殡葬费用免除条件",
    "NOT_DEATH_MONTH": "死亡日期无效",
    "DIED_OUTSIDE_XIAMEN": "非在厦门死亡",
    "NOT_RESIDENT": "非本市户籍且居住证（暂住证）未满一年",
    "HAS_OTHER_FUNERAL_SUBSIDY": "已享受国家或单位丧葬费用补助",
    "ALREADY_EXEMPTED": "已在其他记录中免除基本殡葬费用",
}


class FuneralServiceIn(serializers.Serializer):
    record_number = serializers.CharField(
        max_length=64, help_text="the home's record number (业务编号): idempotency key"
    )
    kind = serializers.ChoiceField(choices=ServiceKind.values)
    id_number = serializers.CharField(help_text="the deceased's resident ID number")
    death_date = serializers.DateField()
    service_date = serializers.DateField(help_text="the day of the cremation or sea burial")
    died_in_xiamen = serializers.BooleanField()
    residence_permit_months = serializers.IntegerField(
        min_value=0, required=False, help_text="non-registered residents: months of the permit"
    )
    other_funeral_subsidy = serializers.BooleanField(
        help_text="the family receives a state or employer funeral subsidy (丧葬补助)"
    )
    fees = serializers.ListField(
        child=serializers.ChoiceField(choices=FEES),
        required=False,
        help_text="cremation: the basic services the home provided; sea burial: none",
    )


class FuneralServiceOut(serializers.Serializer):
    record_number = serializers.CharField()
    kind = serializers.CharField()
    replayed = serializers.BooleanField(help_text="true: an earlier identical request's answer")
    id_number = serializers.CharField(help_text="masked")
    person_name = serializers.CharField()
    eligible = serializers.BooleanField()
    reason = serializers.CharField(help_text="ELIGIBLE or the stable refusal reason")
    reason_zh = serializers.CharField()
    waived = serializers.DictField(child=serializers.IntegerField(), help_text="fee → fen")
    waived_fen = serializers.IntegerField()
    not_waived = serializers.ListField(
        child=serializers.CharField(), help_text="fees provided that the family pays"
    )
    death_reported = serializers.BooleanField(
        help_text="the registry did not hold the death: it goes to the street officer"
    )
    statement_month = serializers.CharField(allow_null=True)


class FuneralStatementOut(serializers.Serializer):
    month = serializers.CharField()
    services_count = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    paid = serializers.BooleanField(help_text="the bank confirmed the reimbursement")


ACCESS = ACCESS_ERRORS
ERRORS = errors_schema(
    s400="bad input (the code names it; nothing changed)",
    s409="record_number_conflict",
    s422="unknown_person, death_date_mismatch",
)


def service_data(s: FuneralService, *, replayed: bool = False, reported: bool = False) -> dict:
    return {
        "record_number": s.record_number,
        "kind": s.kind,
        "replayed": replayed,
        "id_number": mask_id_number(s.person.id_number),
        "person_name": s.person.name,
        "eligible": s.eligible,
        "reason": s.reason,
        "reason_zh": REASONS_ZH.get(s.reason, s.reason),
        "waived": s.waived,
        "waived_fen": s.waived_fen,
        "not_waived": [f for f in s.fees if f not in s.waived],
        "death_reported": reported,
        "statement_month": s.statement.month if s.statement_id else None,
    }


class FuneralHomeView(InstitutionAPIView):
    institution_kinds = (InstitutionKind.FUNERAL_HOME,)


class ServicesView(FuneralHomeView):
    @extend_schema(
        request=FuneralServiceIn,
        responses={201: FuneralServiceOut, 200: FuneralServiceOut, **ERRORS},
        tags=["funeral homes"],
        summary="Record a cremation or sea burial; the fees waived are answered at once",
    )
    def post(self, request):
        try:
            out = homes.funeral_service_record(institution=request.institution, data=request.data)
        except homes.FuneralError as exc:
            return error_response(exc)
        return Response(
            service_data(out.service, replayed=out.replayed, reported=out.death_reported),
            status=status.HTTP_200_OK if out.replayed else status.HTTP_201_CREATED,
        )


class ServiceView(FuneralHomeView):
    @extend_schema(
        responses={200: FuneralServiceOut, 404: InstitutionErrorOut, **ACCESS},
        tags=["funeral homes"],
    )
    def get(self, request, record_number: str):
        s = (
            own(FuneralService.objects.select_related("person", "statement"), request)
            .filter(record_number=record_number)
            .first()
        )
        if s is None:
            return Response(
                {"code": "record_not_found", "field": "record_number",
                 "message": "no record of this home has this number"},
                status=status.HTTP_404_NOT_FOUND,
            )  # fmt: skip
        return Response(service_data(s))


class StatementsView(FuneralHomeView):
    @extend_schema(
        responses={200: FuneralStatementOut(many=True), **ACCESS}, tags=["funeral homes"]
    )
    def get(self, request):
        rows = own(FuneralStatement.objects.all(), request).order_by("-month")[:120]
        return Response(
            [
                {
                    "month": s.month,
                    "services_count": s.services_count,
                    "amount_fen": s.amount_fen,
                    "paid": s.paid_on is not None,
                }
                for s in rows
            ]
        )
