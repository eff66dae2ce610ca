from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "safetynet.api"
    label = "api"
