"""Production: every secret from the environment; refuses to start without one.

Served by gunicorn behind the reverse proxy of docs/deploy.md (`scripts/serve-prod.sh`), which
terminates HTTPS and sets X-Forwarded-Proto and X-Forwarded-For. `python manage.py check --deploy`
is clean with the environment documented there (tested: tests/core/test_deploy.py).
"""

import os

from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SAFETYNET_SECRET_KEY must be set in production")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("SAFETYNET_ALLOWED_HOSTS must be set in production")
DEBUG = False

# ------------------------------------------------------------------------------------------
# Web hardening (issue 7 §4, ADR 0744): HTTPS only, behind the documented reverse proxy.
# The proxy sets X-Forwarded-Proto (and strips any the client sent): trust it for is_secure().
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# SAFETYNET_INSECURE_COOKIES=1 / SAFETYNET_SSL_REDIRECT=0 are for a loopback test without the
# proxy (make bench-load) only; `check --deploy` warns about either.
SESSION_COOKIE_SECURE = os.environ.get("SAFETYNET_INSECURE_COOKIES", "") != "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = os.environ.get("SAFETYNET_SSL_REDIRECT", "1") != "0"
SECURE_HSTS_SECONDS = int(os.environ.get("SAFETYNET_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True  # consent only: joining the browsers' list stays the bureau's step
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("SAFETYNET_CSRF_TRUSTED_ORIGINS", "").split(",") if o
] or [f"https://{h}" for h in ALLOWED_HOSTS if not h.startswith(".")]  # noqa: F405
# The reverse proxy is the one client of gunicorn: the client address is the last X-Forwarded-For
# entry it appends (used by login throttling).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("SAFETYNET_PROXY_COUNT", "1")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
# Static files: collected by scripts/serve-prod.sh, served by WhiteNoise with far-future caching.
WHITENOISE_USE_FINDERS = False
STORAGES = {
    # The stored files' storage stays base.py's (or Django's default where base.py sets none).
    **globals().get("STORAGES", global_settings.STORAGES),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# ------------------------------------------------------------------------------------------
