from django.urls import path

from . import views

app_name = "plan"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("targets/<slug:key>/", views.indicator, name="indicator"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("attachments/", views.attachments, name="attachments"),
    path("attachments/upload/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("homes/", views.homes, name="homes"),
    path("homes/<int:home_id>/", views.home_post, name="home"),
    path("stations/", views.stations, name="stations"),
    path("stations/feed.json", views.stations_feed, name="stations-feed"),
    path("purchases/", views.purchases, name="purchases"),
    path("purchases/<int:purchase_id>/", views.purchase_post, name="purchase"),
    path("villages/", views.villages, name="villages"),
    path("projects/<int:project_id>/", views.project_post, name="project"),
    path("placements/", views.placements, name="placements"),
    path("report.pdf", views.report_pdf, name="report"),
]
