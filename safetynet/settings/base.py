"""Settings shared by every environment; secrets and deployment choices come from the env."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Where the embedded database, uploads and generated files live (outside the package).
DATA_DIR = Path(os.environ.get("SAFETYNET_DATA_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("SAFETYNET_SECRET_KEY", "")
DEBUG = os.environ.get("SAFETYNET_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("SAFETYNET_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "safetynet.core",
    "safetynet.registry",
    "safetynet.accounts",
    "safetynet.verification",
    "safetynet.cases",
    "safetynet.funds",
    "safetynet.payments",
    "safetynet.institutions",
    "safetynet.medical",
    "safetynet.disaster",
    "safetynet.funerals",
    "safetynet.eldercare",
    "safetynet.policy",
    "safetynet.eldercare.emergency",
    "safetynet.plan",
    "safetynet.simulated",
    "safetynet.web",
    "safetynet.api",
    "axes",  # web hardening: login throttling (see the block at the end)
]

MIDDLEWARE = [
    "safetynet.core.middleware.RequestSizeLimitMiddleware",  # 413 before the body is read
    "django.middleware.security.SecurityMiddleware",
    # Static files are served (and cached) before anything below runs: no session, no no-store.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safetynet.core.hardening.ApiErrorMiddleware",
    "safetynet.core.hardening.NoStoreMiddleware",
    "safetynet.core.hardening.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safetynet.core.middleware.IgnoreBrowserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: maps a lockout flagged during authentication to the lockout page (web hardening).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safetynet.urls"
WSGI_APPLICATION = "safetynet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def database_from_env(default_sqlite_path: Path) -> dict:
    """PostgreSQL (or any server) when DATABASE_URL is set, else embedded SQLite in WAL mode."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    default_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(default_sqlite_path),
        "OPTIONS": {
            # WAL lets the web process read while a worker or a bulk load writes.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASES = {"default": database_from_env(DATA_DIR / "safetynet.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+address before any password is checked.
    "safetynet.accounts.throttling.ThrottlingBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [
    BASE_DIR / "safetynet" / "locale",
    # the bank pages' own catalogue (ADR 0913: apart from the payments app's, merged in parallel)
    BASE_DIR / "safetynet" / "payments" / "bank_i18n" / "locale",
]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Stored files (scans, reports, exchange files) live here, in a storage without URLs: no settings
# module serves them as media; views serve each after checking jurisdiction (ADR 0730).
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "safetynet.core.files.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Request and upload sizes (ADR 0731): refused with 413 before the body is read
# (safetynet.core.middleware.RequestSizeLimitMiddleware, from Content-Length), each uploaded file
# counted while it streams in (SizeLimitedUploadHandler); an .xlsx's expansion is capped before
# parsing (safetynet.core.uploads.check_xlsx).
SAFETYNET_MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # one uploaded file (a roster, a response file)
SAFETYNET_MAX_REQUEST_BYTES = SAFETYNET_MAX_UPLOAD_BYTES + 1024 * 1024  # a form with its files
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # any body but file contents (forms, JSON)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger files spill to a temporary file
FILE_UPLOAD_HANDLERS = [
    "safetynet.core.upload_handlers.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "safetynet.api.authentication.ThrottledBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "safetynet.api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "safetynet.api.negotiation.JsonFallbackNegotiation",
}
# Institutions' API (hospitals, funeral homes, care providers; ADR 1100): requests per institution.
INSTITUTION_API_RATE = os.environ.get("SAFETYNET_INSTITUTION_API_RATE", "1200/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "SafetyNet API",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Background jobs: a database queue (works on SQLite and PostgreSQL), run by `safetynet db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Where batch re-verification outputs are put for import from the web page (never elsewhere).
BATCH_DIR = Path(os.environ.get("SAFETYNET_BATCH_DIR", DATA_DIR / "batch"))

# The payroll run's work directory (the caseload exported for the rules engine; payments ADR 0900).
PAYROLL_WORK_DIR = Path(os.environ.get("SAFETYNET_PAYROLL_DIR", DATA_DIR / "payroll"))

# The agencies' verification services (simulated on loopback by `safetynet agencies serve`).
AGENCIES_URL = os.environ.get("SAFETYNET_AGENCIES_URL", "http://127.0.0.1:8701")

# Whole ID numbers never reach a log (ADR 0733): every handler masks them, including runserver's
# request log (`django.server`); gunicorn: safetynet.core.logfilters.GUNICORN_LOGCONFIG_DICT.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_id_numbers": {"()": "safetynet.core.logfilters.MaskIdNumbers"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_id_numbers"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_id_numbers"],
        },
    },
    "loggers": {
        # Django's own defaults send these to unfiltered handlers; route them through ours.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SAFETYNET_LOG_LEVEL", "INFO")},
}

# Reference date of the demo city: fixed so that the demo and tests do not drift with the clock.
DEMO_REFERENCE_DATE = "2020-06-30"


# ------------------------------------------------------------------------------------------
# Web hardening (issue 7 §4; ADRs 0740-0745). Kept together to ease merging; prod.py adds
# the HTTPS-only settings.

# Login throttling (django-axes): 5 wrong passwords for one username from one address lock that
# pair out for 15 minutes, on every path that checks a password (login page, admin, API Basic).
AXES_FAILURE_LIMIT = int(os.environ.get("SAFETYNET_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(
    minutes=int(os.environ.get("SAFETYNET_LOGIN_COOLOFF_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try during the lockout does not extend it: the user knows when they may try again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "safetynet.accounts.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind the documented reverse proxy the client address is the one it appends to
# X-Forwarded-For; SAFETYNET_PROXY_COUNT=0 (the default) trusts no header.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("SAFETYNET_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Session idle timeout: 30 minutes without a request ends the session (each request renews it).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp 4): only this server's own scripts, styles and images.
# safetynet.core.hardening relaxes styles for the vendored Swagger UI and the Django admin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# API request bodies: larger ones are refused with 413 before they are read; JSON nested deeper
# than this is refused with 400 (both as the documented JSON error).
API_MAX_BODY_BYTES = int(os.environ.get("SAFETYNET_API_MAX_BODY_BYTES", str(1024 * 1024)))
API_MAX_JSON_DEPTH = 64

# Static files by WhiteNoise (before the session middleware, cacheable). Without collectstatic
# (development, tests) it finds them in the apps like runserver; prod.py serves the collected ones.
WHITENOISE_USE_FINDERS = True
# ------------------------------------------------------------------------------------------
