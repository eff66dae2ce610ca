"""The alarm devices' API (docs/eldercare-emergency.md, ADR 1221): a device signals with its own
key; the platform answers at once with the emergency the signal opened or was attached to.
Idempotent by the device's signal ID. Rate-limited per device.

Errors: `{"code", "field", "message"}` with the status of `errors.STATUS`.
"""

from __future__ import annotations

import os

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from . import errors as E
from . import services
from .authentication import DeviceKeyAuthentication
from .models import EmergencySignal
from .services import SIGNAL_KINDS


class IsDevice(BasePermission):
    def has_permission(self, request, view) -> bool:
        return getattr(request, "device", None) is not None


class DeviceRateThrottle(SimpleRateThrottle):
    """Signals per device: `SAFETYNET_EMERGENCY_DEVICE_RATE` (default 30/min). A button held
    down or a looping firmware must not flood the operators' screen; the answer is 429 with
    Retry-After and the device sends the same signal again later (idempotent)."""

    scope = "alarm_device"

    def get_rate(self):
        return getattr(settings, "EMERGENCY_DEVICE_RATE", None) or os.environ.get(
            "SAFETYNET_EMERGENCY_DEVICE_RATE", "30/min"
        )

    def get_cache_key(self, request, view):
        device = getattr(request, "device", None)
        if device is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": device.pk}


class DeviceAPIView(APIView):
    authentication_classes = [DeviceKeyAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = [DeviceRateThrottle]


class SignalIn(serializers.Serializer):
    signal_id = serializers.RegexField(
        r"^[A-Za-z0-9_.:-]{1,64}$",
        help_text="the device's own ID of this signal (idempotency key): the same ID again is "
        "answered with the stored answer",
    )
    kind = serializers.ChoiceField(
        choices=SIGNAL_KINDS, required=False, help_text="button (default) or fall (sensor)"
    )
    sent_at = serializers.DateTimeField(
        required=False, help_text="the device's clock, ISO 8601 with its offset"
    )


class SignalOut(serializers.Serializer):
    signal_id = serializers.CharField()
    replayed = serializers.BooleanField(help_text="true: the stored answer of the same signal")
    attached = serializers.BooleanField(
        help_text="true: the person already had an open emergency; the signal joined it"
    )
    emergency = serializers.CharField(help_text="the emergency's number (YJ…)")
    status = serializers.ChoiceField(choices=["opened", "assigned", "on_scene", "closed"])
    responder_assigned = serializers.BooleanField(
        help_text="a responder is on the way (the device may light its 'help coming' lamp)"
    )
    opened_at = serializers.DateTimeField()


class DeviceErrorOut(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(required=False, help_text="the input at fault, if one")
    message = serializers.CharField()


ACCESS = {
    401: OpenApiResponse(
        DeviceErrorOut,
        description="not_authenticated, invalid_device_key (unknown device or wrong secret), "
        "device_inactive",
    ),
    429: OpenApiResponse(DeviceErrorOut, description="throttled: too many signals (Retry-After)"),
}
ERRORS = {
    **ACCESS,
    400: OpenApiResponse(
        DeviceErrorOut,
        description="request_malformed, signal_id_invalid, kind_invalid, sent_at_invalid",
    ),
    409: OpenApiResponse(DeviceErrorOut, description="signal_id_conflict"),
    422: OpenApiResponse(DeviceErrorOut, description="person_deceased"),
}


def signal_data(signal: EmergencySignal, *, replayed: bool, attached: bool) -> dict:
    e = signal.emergency
    return {
        "signal_id": signal.signal_id,
        "replayed": replayed,
        "attached": attached,
        "emergency": e.number,
        "status": e.status,
        "responder_assigned": e.assigned_at is not None,
        "opened_at": e.opened_at.isoformat(),
    }


def error_response(exc: E.EmergencyError) -> Response:
    return Response(
        {"code": exc.code, "field": exc.field, "message": str(exc.message)},
        status=exc.http_status,
    )


class SignalsView(DeviceAPIView):
    @extend_schema(
        request=SignalIn,
        responses={201: SignalOut, 200: SignalOut, **ERRORS},
        tags=["alarm devices"],
        summary="An alarm device's signal: opens the person's emergency or joins the open one",
    )
    def post(self, request):
        try:
            out = services.signal_receive(device=request.device, data=request.data)
        except E.EmergencyError as exc:
            return error_response(exc)
        return Response(
            signal_data(out.signal, replayed=out.replayed, attached=out.attached),
            status=status.HTTP_200_OK if out.replayed else status.HTTP_201_CREATED,
        )


class SignalView(DeviceAPIView):
    @extend_schema(
        responses={200: SignalOut, 404: DeviceErrorOut, **ACCESS},
        tags=["alarm devices"],
        summary="The state of the emergency a signal of this device opened or joined",
    )
    def get(self, request, signal_id: str):
        signal = (
            EmergencySignal.objects.select_related("emergency")
            .filter(device=request.device, signal_id=signal_id)
            .first()
        )
        if signal is None:
            return Response(
                {"code": "signal_not_found", "field": "signal_id",
                 "message": "this device sent no signal with this ID"},
                status=status.HTTP_404_NOT_FOUND,
            )  # fmt: skip
        return Response(signal_data(signal, replayed=True, attached=not signal.opened))
