from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("safetynet.api.urls")),
    path("verification/", include("safetynet.verification.urls")),
    path("cases/", include("safetynet.cases.urls")),
    path("", include("safetynet.web.urls")),
]
# No static() media route in any settings: stored files are personal data, served only by views
# that check jurisdiction and write the access log (ADR 0730).
