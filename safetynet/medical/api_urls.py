from django.urls import path

from . import api

urlpatterns = [
    path("settlements/", api.SettlementListView.as_view(), name="api-medical-settlements"),
    path(
        "settlements/<str:number>/",
        api.SettlementDetailView.as_view(),
        name="api-medical-settlement",
    ),
    path(
        "settlements/<str:number>/reverse/",
        api.SettlementReverseView.as_view(),
        name="api-medical-reverse",
    ),
    path("statements/", api.StatementListView.as_view(), name="api-medical-statements"),
]
