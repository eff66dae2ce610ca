from django.urls import path

from . import api

urlpatterns = [
    path("orders/", api.OrdersView.as_view(), name="api-eldercare-orders"),
    path("orders/<str:number>/", api.OrderView.as_view(), name="api-eldercare-order"),
    path("orders/<str:number>/accept/", api.AcceptView.as_view(), name="api-eldercare-accept"),
    path("orders/<str:number>/decline/", api.DeclineView.as_view(), name="api-eldercare-decline"),
    path("orders/<str:number>/done/", api.DoneView.as_view(), name="api-eldercare-done"),
    path("orders/<str:number>/settle/", api.SettleView.as_view(), name="api-eldercare-settle"),
]
