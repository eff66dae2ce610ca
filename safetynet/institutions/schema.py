"""OpenAPI: institutions' API keys appear as an `apiKey` security scheme (header Authorization,
value `ApiKey snk_…`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class InstitutionKeyScheme(OpenApiAuthenticationExtension):
    target_class = "safetynet.institutions.authentication.InstitutionKeyAuthentication"
    name = "institutionApiKey"
    priority = 0

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An institution's API key (hospital, funeral home, care provider), sent as "
                "`Authorization: ApiKey snk_<prefix>_<secret>`. Issued once by the city "
                "administrator (`safetynet institutions key-issue`), revocable."
            ),
        }
