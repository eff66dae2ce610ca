from django.contrib.auth import views as auth_views
from django.urls import path

from . import rules_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("households/", views.household_list, name="household-list"),
    path("households/export.xlsx", views.household_export, name="household-export"),
    path("households/import/", views.household_import, name="household-import"),
    path(
        "households/import/template.xlsx",
        views.household_import_template,
        name="household-import-template",
    ),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("divisions/children/", views.division_children, name="division-children"),
    path("persons/", views.person_list, name="person-list"),
    path("persons/export.xlsx", views.person_export, name="person-export"),
    path("persons/<int:pk>/", views.person_detail, name="person-detail"),
    path("rules/parameters/", rules_views.parameters, name="rules-parameters"),
    path("rules/calculate/", rules_views.calculate, name="rules-calculate"),
    path("accounts/changes/", views.account_changes, name="account-changes"),
]
