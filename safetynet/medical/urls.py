from django.urls import path

from . import views

app_name = "medical"

urlpatterns = [
    path("", views.settlements, name="settlements"),
    path("persons/<int:person_id>/", views.person, name="person"),
    path("statements/", views.statements, name="statements"),
    path(
        "statements/<int:statement_id>.<str:fmt>",
        views.statement_download,
        name="statement-download",
    ),
    path("files/<int:file_id>/", views.reimbursement_file, name="file"),
]
