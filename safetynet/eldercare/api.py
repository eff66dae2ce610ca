"""The providers' API (ADR 1206; docs/eldercare.md): list one's orders, accept or decline one,
report it done (when, by whom) and settle it against the person's card. Authenticated by the
provider's own API key (safetynet.institutions, ADR 1100), rate-limited per institution; a
provider sees only its own orders (another provider's order number is a 404).

Errors: `{"code", "field", "message"}` with the status of `errors.STATUS`.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from safetynet.institutions.api import InstitutionAPIView
from safetynet.institutions.models import InstitutionKind
from safetynet.registry.ids import mask_id_number

from . import selectors, services
from .errors import EldercareError
from .models import ElderContact, ElderProfile, OrderStatus, Provider, ServiceOrder


class OrderOut(serializers.Serializer):
    number = serializers.CharField()
    item = serializers.CharField(help_text="meals, housekeeping, bathing, medical_escort, …")
    status = serializers.CharField(help_text="dispatched, accepted, done, visited, cancelled")
    person_name = serializers.CharField()
    id_number = serializers.CharField(help_text="masked")
    address = serializers.CharField()
    phone = serializers.CharField(help_text="the person's phone, else the first contact's")
    request = serializers.CharField(help_text="what was asked for")
    wanted_on = serializers.DateField(allow_null=True)
    price_fen = serializers.IntegerField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    done_staff = serializers.CharField()
    settled = serializers.BooleanField()
    credit_fen = serializers.IntegerField(help_text="paid from the person's service credit")
    self_pay_fen = serializers.IntegerField(help_text="the person pays the provider")
    rating = serializers.IntegerField(allow_null=True)


class DoneIn(serializers.Serializer):
    staff = serializers.CharField(max_length=64, help_text="who served (服务人员)")
    done_at = serializers.DateTimeField(required=False, help_text="default: now")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class DeclineIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CardSettleIn(serializers.Serializer):
    card_number = serializers.CharField(max_length=20, help_text="the person's service card")


class ErrorOut(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(required=False, help_text="the input at fault, if one")
    message = serializers.CharField()


ACCESS = {
    401: OpenApiResponse(ErrorOut, description="no or bad API key"),
    403: OpenApiResponse(
        ErrorOut, description="not an admitted provider's key (wrong_institution_kind, …)"
    ),
    429: OpenApiResponse(ErrorOut, description="rate limit"),
}
STEP_ERRORS = {
    **ACCESS,
    400: OpenApiResponse(ErrorOut, description="bad input (eldercare_input_invalid)"),
    404: OpenApiResponse(ErrorOut, description="order_not_found"),
    409: OpenApiResponse(
        ErrorOut,
        description="eldercare_transition_not_allowed, order_already_settled, order_not_settleable",
    ),
    422: OpenApiResponse(ErrorOut, description="card_invalid, card_not_the_persons"),
}


def _phone(order: ServiceOrder) -> str:
    profile = ElderProfile.objects.filter(person_id=order.person_id).first()
    if profile and profile.phone:
        return profile.phone
    contact = ElderContact.objects.filter(person_id=order.person_id).first()
    return contact.phone if contact else ""


def order_data(o: ServiceOrder) -> dict:
    return {
        "number": o.number,
        "item": o.item,
        "status": o.status,
        "person_name": o.person.name,
        "id_number": mask_id_number(o.person.id_number),
        "address": o.person.residence_address or "",
        "phone": _phone(o),
        "request": o.note,
        "wanted_on": o.wanted_on,
        "price_fen": o.price_fen,
        "dispatched_at": o.dispatched_at,
        "accepted_at": o.accepted_at,
        "done_at": o.done_at,
        "done_staff": o.done_staff,
        "settled": o.settled_at is not None,
        "credit_fen": o.credit_fen,
        "self_pay_fen": o.self_pay_fen,
        "rating": o.rating,
    }


def error_response(exc: EldercareError) -> Response:
    return Response(
        {"code": exc.code, "field": exc.field, "message": str(exc.message)},
        status=exc.http_status,
    )


class ProviderView(InstitutionAPIView):
    institution_kinds = (InstitutionKind.PROVIDER,)

    def provider(self, request) -> Provider:
        provider = Provider.objects.filter(institution=request.institution).first()
        if provider is None:
            raise EldercareError(
                "provider_not_admitted", "this institution is no admitted provider", ""
            )
        return provider

    def handle_exception(self, exc):
        if isinstance(exc, EldercareError):
            if exc.code == "provider_not_admitted":
                return Response(
                    {"code": exc.code, "field": "", "message": exc.message},
                    status=status.HTTP_403_FORBIDDEN,
                )
            return error_response(exc)
        return super().handle_exception(exc)


class OrdersView(ProviderView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=OrderStatus.values, required=False, description="one status"
            )
        ],
        responses={200: OrderOut(many=True), **ACCESS},
        tags=["elderly-care providers"],
        summary="My orders, newest first (at most 500)",
    )
    def get(self, request):
        rows = selectors.orders_of_provider(self.provider(request)).order_by("-created_at", "-id")
        wanted = request.query_params.get("status")
        if wanted:
            rows = rows.filter(status=wanted)
        return Response([order_data(o) for o in rows[:500]])


class OrderView(ProviderView):
    @extend_schema(
        responses={200: OrderOut, 404: ErrorOut, **ACCESS}, tags=["elderly-care providers"]
    )
    def get(self, request, number: str):
        o = selectors.orders_of_provider(self.provider(request)).filter(number=number).first()
        if o is None:
            return Response(
                {"code": "order_not_found", "field": "number",
                 "message": "no order of this provider has this number"},
                status=status.HTTP_404_NOT_FOUND,
            )  # fmt: skip
        return Response(order_data(o))


class AcceptView(ProviderView):
    @extend_schema(
        request=None,
        responses={200: OrderOut, **STEP_ERRORS},
        tags=["elderly-care providers"],
        summary="Accept a dispatched order (接单)",
    )
    def post(self, request, number: str):
        order = services.order_accept(
            provider=self.provider(request), number=number, institution=request.institution
        )
        return Response(order_data(order))


class DeclineView(ProviderView):
    @extend_schema(
        request=DeclineIn,
        responses={200: OrderOut, **STEP_ERRORS},
        tags=["elderly-care providers"],
        summary="Decline a dispatched order: it goes back to the operator for another provider",
    )
    def post(self, request, number: str):
        data = request.data if isinstance(request.data, dict) else {}
        order = services.order_decline(
            provider=self.provider(request),
            number=number,
            reason=str(data.get("reason") or ""),
            institution=request.institution,
        )
        return Response(order_data(order))


class DoneView(ProviderView):
    @extend_schema(
        request=DoneIn,
        responses={200: OrderOut, **STEP_ERRORS},
        tags=["elderly-care providers"],
        summary="Report an accepted order done: when and by whom (服务完成)",
    )
    def post(self, request, number: str):
        provider = self.provider(request)
        form = DoneIn(data=request.data if isinstance(request.data, dict) else {})
        if not form.is_valid():
            field, problems = next(iter(form.errors.items()))
            raise EldercareError("eldercare_input_invalid", str(problems[0]), field)
        order = services.order_complete(
            provider=provider,
            number=number,
            staff=form.validated_data["staff"],
            done_at=form.validated_data.get("done_at"),
            note=form.validated_data.get("note", ""),
            institution=request.institution,
        )
        return Response(order_data(order))


class SettleView(ProviderView):
    @extend_schema(
        request=CardSettleIn,
        responses={200: OrderOut, **STEP_ERRORS},
        tags=["elderly-care providers"],
        summary="Settle a done order against the person's service card (一卡通结算): the credit "
        "pays first, the person the rest",
    )
    def post(self, request, number: str):
        provider = self.provider(request)
        data = request.data if isinstance(request.data, dict) else {}
        card = data.get("card_number")
        if not isinstance(card, str) or not card.strip():
            raise EldercareError(
                "eldercare_input_invalid", "card_number is required", "card_number"
            )
        order = services.order_settle(
            provider=provider, number=number, card_number=card, institution=request.institution
        )
        return Response(order_data(order))
