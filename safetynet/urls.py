from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/eldercare/emergency/", include("safetynet.eldercare.emergency.api_urls")),
    path("api/", include("safetynet.api.urls")),
    path("verification/", include("safetynet.verification.urls")),
    path("cases/", include("safetynet.cases.urls")),
    path("funds/", include("safetynet.funds.urls")),
    path("medical/", include("safetynet.medical.urls")),
    path("disaster/", include("safetynet.disaster.urls")),
    path("funerals/", include("safetynet.funerals.urls")),
    path("eldercare/emergency/", include("safetynet.eldercare.emergency.urls")),
    path("eldercare/", include("safetynet.eldercare.urls")),
    path("payments/banks/", include("safetynet.payments.bank_urls")),
    path("payments/", include("safetynet.payments.flow_urls")),
    path("rules/parameters/changes/", include("safetynet.policy.urls")),
    path("rules/parameters/whatif/", include("safetynet.policy.whatif_urls")),
    path("rules/", include("safetynet.policy.index_urls")),  # price indices, policy audit
    path("plan/", include("safetynet.plan.urls")),
    path("", include("safetynet.web.urls")),
]
# No static() media route in any settings: stored files are personal data, served only by views
# that check jurisdiction and write the access log (ADR 0730).

# Under /api/ errors are the documented JSON body; elsewhere the usual pages (web hardening).
handler400 = "safetynet.api.errors.handler400"
handler403 = "safetynet.api.errors.handler403"
handler404 = "safetynet.api.errors.handler404"
handler500 = "safetynet.api.errors.handler500"
