"""Production: every secret from the environment; refuses to start without one."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SAFETYNET_SECRET_KEY must be set in production")
DEBUG = False
SESSION_COOKIE_SECURE = os.environ.get("SAFETYNET_INSECURE_COOKIES", "") != "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
