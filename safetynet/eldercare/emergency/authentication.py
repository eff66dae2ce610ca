"""DRF authentication of alarm devices (ADR 1221): `Authorization: DeviceKey sndev_<id>_<secret>`.

A valid key of an active device gives `request.device`; `request.user` is a `DevicePrincipal`
with no staff ability. The device endpoint lists only this class and no staff endpoint lists it.
Missing key: 401 `not_authenticated`; malformed key, unknown device or wrong secret: 401
`invalid_device_key` (indistinguishable); an inactive device: 401 `device_inactive` (told only
to a caller holding the real secret).
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from safetynet.institutions.authentication import MachinePrincipal

from . import keys

KEYWORD = "DeviceKey"


class InvalidDeviceKey(exceptions.AuthenticationFailed):
    default_code = "invalid_device_key"
    default_detail = "The device key is not valid."


class InactiveDevice(exceptions.AuthenticationFailed):
    default_code = "device_inactive"
    default_detail = "This alarm device has been deactivated."


class DevicePrincipal(MachinePrincipal):
    scope_prefix = None

    def __init__(self, device):
        self.device = device
        self.username = f"device:{device.device_id}"


class DeviceKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise InvalidDeviceKey()
        parsed = keys.split_key(header[1].decode(errors="replace"))
        if parsed is None:
            raise InvalidDeviceKey()
        device_id, secret = parsed
        from .models import AlarmDevice

        device = AlarmDevice.objects.select_related("person").filter(device_id=device_id).first()
        if device is None or not keys.secret_matches(secret, device.secret_hash):
            raise InvalidDeviceKey()
        if not device.is_active:
            raise InactiveDevice()
        request.device = device
        request._request.device = device
        return DevicePrincipal(device), device

    def authenticate_header(self, request) -> str:
        return KEYWORD
