from django.urls import path

from . import views

app_name = "eldercare"

urlpatterns = [
    path("", views.console, name="console"),
    path("elders/", views.elders, name="elders"),
    path("elders/export/", views.elders_export, name="elders-export"),
    path("elders/<int:person_id>/", views.elder, name="elder"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/", views.order, name="order"),
    path("providers/", views.providers, name="providers"),
    path("providers/<int:provider_id>/", views.provider, name="provider"),
    path("portal/", views.portal, name="portal"),
    path("stats/", views.stats, name="stats"),
    path("statements/", views.statements, name="statements"),
    path("statements/files/<int:file_id>/", views.reimbursement_file, name="file"),
]
