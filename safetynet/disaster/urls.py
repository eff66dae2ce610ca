from django.urls import path

from . import views

app_name = "disaster"

urlpatterns = [
    path("", views.events, name="events"),
    path("<int:event_id>/", views.event, name="event"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("households/<int:affected_id>/stage/", views.stage, name="stage"),
    path("households/<int:affected_id>/aid/", views.aid, name="aid"),
]
