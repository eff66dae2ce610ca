from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulatedConfig(AppConfig):
    name = "safetynet.simulated"
    label = "simulated"
    verbose_name = _("Simulated outside world")
