from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FuneralsConfig(AppConfig):
    name = "safetynet.funerals"
    label = "funerals"
    verbose_name = _("Funerals and deaths")

    def ready(self) -> None:
        # A funeral home's recorded exemption is not proposed again to the family (ADR 1131).
        from safetynet.cases import proactive

        from .selectors import exemptions_recorded

        if exemptions_recorded not in proactive.EXEMPTION_RECORDED:
            proactive.EXEMPTION_RECORDED.append(exemptions_recorded)
