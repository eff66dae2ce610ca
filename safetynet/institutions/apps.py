from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "safetynet.institutions"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        # drf-spectacular must know the API-key scheme before any schema is built.
        from . import schema  # noqa: F401
