from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "safetynet.policy"
    label = "policy"
    verbose_name = _("Policy parameters")

    def ready(self) -> None:
        # The rules engine takes the approved changes as an overlay (ADR 1400).
        from safetynet.rules.overlay import set_overlay_source

        from .selectors import approved_changes

        set_overlay_source(approved_changes)
