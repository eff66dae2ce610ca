from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "safetynet.medical"
    verbose_name = _("Medical assistance")
