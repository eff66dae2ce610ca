"""Test settings: the suite runs on SQLite by default and on PostgreSQL when DATABASE_URL is set."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database_from_env

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
DATA_DIR = Path(tempfile.mkdtemp(prefix="safetynet-test-"))
MEDIA_ROOT = DATA_DIR / "media"
STATIC_ROOT = DATA_DIR / "static"  # empty: WhiteNoise finds the apps' files (base.py)
STATIC_ROOT.mkdir()
# The payroll's work directory per test process (base.py's default is var/payroll, shared by
# every process of a checkout: parallel test workers would meet on its one-run-at-a-time lock,
# ADR 0915). A subprocess under test names its own (tests/helpers/subprocess_db.py).
PAYROLL_WORK_DIR = Path(os.environ.get("SAFETYNET_PAYROLL_DIR", DATA_DIR / "payroll"))
DATABASES = {"default": database_from_env(DATA_DIR / "test.sqlite3")}
if "DATABASE_URL" not in os.environ:
    # A file (not :memory:) so that the live server thread of the browser tests sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "safetynet.core.files.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run at once in tests; tests/verification/test_worker.py runs the real database queue.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
