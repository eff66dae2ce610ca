"""Verification pages, included by the project at `verification/`."""

from django.urls import path

from . import views

app_name = "verification"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/", views.request_list, name="request-list"),
    path("households/<int:household_id>/open/", views.request_open, name="request-open"),
    path("requests/<int:request_id>/", views.request_detail, name="request-detail"),
    path("requests/<int:request_id>/sources/", views.request_sources, name="request-sources"),
    path(
        "requests/<int:request_id>/progress.json",
        views.request_progress,
        name="request-progress",
    ),
    path("requests/<int:request_id>/report/", views.report_build, name="report-build"),
    path("requests/<int:request_id>/recheck/", views.recheck_open, name="recheck-open"),
    path(
        "requests/<int:request_id>/authorization/",
        views.authorization_scan,
        name="authorization-scan",
    ),
    path(
        "queries/<int:query_id>/<str:which>-file/",
        views.query_file,
        name="query-file",
    ),
    path("queries/<int:query_id>/import/", views.query_import, name="query-import"),
    path("queries/<int:query_id>/retry/", views.query_retry, name="query-retry"),
    path("reports/<int:report_id>/", views.report_detail, name="report-detail"),
    path("reports/<int:report_id>/pdf/", views.report_pdf, name="report-pdf"),
    path("access-log/", views.access_log, name="access-log"),
    path("tasks/", views.review_task_list, name="task-list"),
    path("tasks/<int:task_id>/", views.review_task_detail, name="task-detail"),
    path("tasks/<int:task_id>/start/", views.review_task_start, name="task-start"),
    path("tasks/<int:task_id>/close/", views.review_task_close, name="task-close"),
    path("findings/import/", views.findings_import, name="findings-import"),
]
