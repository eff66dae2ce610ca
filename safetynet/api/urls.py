from django.urls import include, path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("households/", views.HouseholdListView.as_view(), name="api-household-list"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="api-household-detail"),
    path("persons/", views.PersonListView.as_view(), name="api-person-list"),
    path("persons/<int:pk>/", views.PersonDetailView.as_view(), name="api-person-detail"),
    path("cases/", include("safetynet.cases.api")),
    path("cases/", include("safetynet.cases.dynamic_api")),
    path("funds/", include("safetynet.funds.api")),
    path("banks/", include("safetynet.payments.bank_api")),
    path("payrolls/", include("safetynet.payments.api")),
    path("institutions/", include("safetynet.institutions.urls")),
    path("medical/", include("safetynet.medical.api_urls")),
    path("funeral-homes/", include("safetynet.funerals.api_urls")),
    path("eldercare/", include("safetynet.eldercare.api_urls")),  # providers (ADR 1206)
    path("rules/calculate/", views.RulesCalculateView.as_view(), name="api-rules-calculate"),
    path("rules/parameters/", views.RulesParametersView.as_view(), name="api-rules-parameters"),
]
