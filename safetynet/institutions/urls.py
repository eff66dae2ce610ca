from django.urls import path

from . import api

urlpatterns = [
    path("me/", api.InstitutionMeView.as_view(), name="api-institution-me"),
]
