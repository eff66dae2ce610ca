from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareEmergencyConfig(AppConfig):
    """12349 "one key" (一键通) emergencies: alarm devices, emergencies, the operator's screen
    (docs/eldercare-emergency.md, ADR 1220–1222)."""

    name = "safetynet.eldercare.emergency"
    label = "eldercare_emergency"
    verbose_name = _("Elderly care: one-key emergencies")

    def ready(self) -> None:
        # drf-spectacular must know the device-key scheme before any schema is built.
        from . import schema  # noqa: F401
