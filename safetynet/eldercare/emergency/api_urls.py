from django.urls import path

from . import api

urlpatterns = [
    path("signals/", api.SignalsView.as_view(), name="api-emergency-signals"),
    path("signals/<str:signal_id>/", api.SignalView.as_view(), name="api-emergency-signal"),
]
