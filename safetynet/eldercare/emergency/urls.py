from django.urls import path

from . import views

app_name = "eldercare_emergency"

urlpatterns = [
    path("", views.screen, name="screen"),
    path("feed.json", views.feed, name="feed"),
    path("open/", views.open_by_phone, name="open"),
    path("devices/", views.devices, name="devices"),
    path("statistics/", views.statistics, name="statistics"),
    path("<int:emergency_id>/", views.detail, name="detail"),
    path(
        "<int:emergency_id>/<str:action>/",
        views.step,
        name="step",
    ),
]
