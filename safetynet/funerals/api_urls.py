from django.urls import path

from . import api

urlpatterns = [
    path("services/", api.ServicesView.as_view(), name="api-funeral-services"),
    path("services/<str:record_number>/", api.ServiceView.as_view(), name="api-funeral-service"),
    path("statements/", api.StatementsView.as_view(), name="api-funeral-statements"),
]
