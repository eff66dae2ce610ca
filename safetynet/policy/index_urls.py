from django.urls import path

from . import index_views

app_name = "policy-indices"
urlpatterns = [
    path("indices/", index_views.index_list, name="list"),
    path("indices/template.csv", index_views.index_template, name="template"),
    path("audit/", index_views.audit_trail, name="audit"),
    path("audit/export.xlsx", index_views.audit_export, name="audit-export"),
    path("arrears/<int:change_id>/", index_views.arrears, name="arrears"),
]
