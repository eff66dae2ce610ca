from django.urls import path

from . import views

app_name = "funerals"

urlpatterns = [
    path("deaths/", views.deaths, name="deaths"),
    path("deaths/<int:report_id>/decide/", views.decide, name="decide"),
    path("services/", views.funeral_services, name="services"),
    path("statements/", views.statements, name="statements"),
    path("files/<int:file_id>/", views.reimbursement_file, name="file"),
]
