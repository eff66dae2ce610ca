from django.urls import path

from . import whatif_views as views

app_name = "policy-whatif"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("from-change/<int:change_id>/", views.start, name="start"),
    path("<int:pk>/", views.run, name="run"),
    path("<int:pk>/progress.json", views.progress, name="progress"),
    path("<int:pk>/briefing.<str:fmt>", views.briefing, name="briefing"),
]
