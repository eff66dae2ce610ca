"""OpenAPI: alarm devices' keys appear as the `deviceKey` security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    target_class = "safetynet.eldercare.emergency.authentication.DeviceKeyAuthentication"
    name = "deviceKey"
    priority = 0

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An alarm device's key, sent as `Authorization: DeviceKey "
                "sndev_<device_id>_<secret>`. Printed once when the device is registered "
                "(`safetynet emergency device-register`); the device stops when deactivated."
            ),
        }
