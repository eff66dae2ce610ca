from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.changes, name="changes"),
    path("<int:pk>/<str:action>/", views.decide, name="decide"),
]
