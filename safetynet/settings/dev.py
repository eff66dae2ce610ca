"""Local development and `make demo`: embedded SQLite unless DATABASE_URL is set."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("SAFETYNET_DEBUG", "1") == "1"
SECRET_KEY = SECRET_KEY or "dev-only-not-secret"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]  # noqa: F405
