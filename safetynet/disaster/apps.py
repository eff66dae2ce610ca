from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisasterConfig(AppConfig):
    name = "safetynet.disaster"
    label = "disaster"
    verbose_name = _("Disaster relief")

    def ready(self) -> None:
        # The payroll pays the housing grants' stages as one-off lines (ADR 1121).
        from safetynet.payments import oneoff

        from .payments_hooks import stage_grant_rows

        if stage_grant_rows not in oneoff.GRANT_SOURCES:
            oneoff.GRANT_SOURCES.append(stage_grant_rows)
