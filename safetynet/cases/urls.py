"""Case pages, included by the project at `cases/`."""

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("queue/", views.queue, name="queue"),
    path("apply/", views.apply, name="apply"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/act/<str:action>/", views.case_act, name="act"),
    path("photos/<int:photo_id>/", views.visit_photo, name="photo"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("notices/<int:notice_id>/pdf/", views.notice_pdf, name="notice-pdf"),
]
