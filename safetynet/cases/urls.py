"""Case pages, included by the project at `cases/`."""

from django.urls import path

from . import dynamic_views as dv
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
    # no-application lists, reviews, emergency aid, grievances (dynamic_views.py)
    path("lists/", dv.lists, name="lists"),
    path("lists/generate/", dv.lists_generate, name="lists-generate"),
    path("lists/<int:list_id>/", dv.list_detail, name="list-detail"),
    path("lists/<int:list_id>/confirm/", dv.list_confirm, name="list-confirm"),
    path("reviews/", dv.review_list, name="reviews"),
    path("reviews/open/<int:household_id>/", dv.review_open_view, name="review-open"),
    path("reviews/<int:review_id>/", dv.review_detail, name="review-detail"),
    path("reviews/<int:review_id>/decide/", dv.review_decide_view, name="review-decide"),
    path("reviews/<int:review_id>/notice.pdf", dv.review_notice_pdf, name="review-notice-pdf"),
    path("emergency/", dv.emergency, name="emergency"),
    path("<int:case_id>/formalities/", dv.formality_done, name="formality-done"),
    path("<int:case_id>/grievances/", dv.grievance_new, name="grievance-new"),
    path(
        "grievances/<int:grievance_id>/answer/", dv.grievance_answer_view, name="grievance-answer"
    ),
]
