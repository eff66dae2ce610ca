from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "safetynet.core"
    label = "core"

    def ready(self):
        from . import calendar_checks  # noqa: F401  (registers the calendar's system checks)
