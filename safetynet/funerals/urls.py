from django.urls import path

from . import views

app_name = "funerals"

urlpatterns = [
    path("deaths/", views.deaths, name="deaths"),
    path("deaths/<int:report_id>/decide/", views.decide, name="decide"),
]
