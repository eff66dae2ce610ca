"""OpenAPI: the throttled Basic authentication is plain HTTP Basic to a client (imported by
ApiConfig.ready so that drf-spectacular knows it before any schema is built)."""

from drf_spectacular.authentication import BasicScheme


class ThrottledBasicScheme(BasicScheme):
    target_class = "safetynet.api.authentication.ThrottledBasicAuthentication"
    priority = 0
