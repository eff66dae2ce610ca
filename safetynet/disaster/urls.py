from django.urls import path

from . import views

app_name = "disaster"

urlpatterns = [
    path("", views.events, name="events"),
    path("<int:event_id>/", views.event, name="event"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("households/<int:affected_id>/stage/", views.stage, name="stage"),
    path("households/<int:affected_id>/aid/", views.aid, name="aid"),
    path("<int:event_id>/shelters/", views.shelter_open, name="shelter-open"),
    path("shelters/<int:shelter_id>/", views.shelter, name="shelter"),
    path("shelters/<int:shelter_id>/out/", views.shelter_check_out, name="shelter-out"),
    path("households/<int:affected_id>/", views.household, name="household"),
]
