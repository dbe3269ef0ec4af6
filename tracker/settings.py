"""Settings for Chengyi Tracker: one module, every value from the environment.

Development runs on embedded defaults (SQLite, a filesystem broker, mail to the console);
production sets DJANGO_DEBUG=0 and must then supply DJANGO_SECRET_KEY, or start-up fails.
"""

import logging
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# openpyxl writes with lxml when it is installed (python-docx brings it), and lxml writes
# every Chinese character as a numeric reference (&#25104;): over twice the bytes. Keep
# openpyxl on ElementTree, which writes UTF-8 (read when openpyxl is first imported).
os.environ.setdefault("OPENPYXL_LXML", "False")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG off) needs a long random "
            "secret: see .env.example. For development set DJANGO_DEBUG=1."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Demo accounts are only ever created when this is on (make run sets it).
DEMO_MODE = env_bool("CHENGYI_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "cooperation.axes_app.AxesConfig",  # django-axes, named in both languages
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cooperation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in responses are never cached (answers after everything inside it).
    "cooperation.middleware.PrivateCacheMiddleware",
    # After authentication: the language follows the user's choice, not the browser.
    "cooperation.i18n.ChosenLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "cooperation.middleware.LoginRequiredMiddleware",
    "cooperation.middleware.SessionTimeoutMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"
ASGI_APPLICATION = "tracker.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "cooperation.context_processors.navigation",
            ],
        },
    },
]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# JSON that keeps microseconds, for `manage.py backup` / `restore`.
SERIALIZATION_MODULES = {"chengyi": "cooperation.serializers"}

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # A database that does not answer fails a request within seconds (and the health check
    # reports it) instead of holding a worker thread until the operating system gives up.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # No JIT compilation: the reports' queries look costly to the planner (a subquery per
    # item) but run in milliseconds; compiling them took longer than running them (profiled
    # by `make bench`: 2.3 s of JIT for a 2.1 s dashboard query at 100,000 items).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and beat of `make run` share one file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "cooperation.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cooperation:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout (seconds of inactivity) and absolute lifetime of a session.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "cooperation.views.errors.csrf_failure"

# Brute-force protection: lock a username only from the address that failed, so an attacker
# elsewhere cannot lock a colleague out of the whole intranet; and lock an address for every
# name after AXES_ADDRESS_FAILURE_LIMIT failures across names (password spraying). Both in
# django-axes (cooperation/lockout.py); wrong old passwords on the password page count too.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "cooperation.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "cooperation.views.errors.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# The reverse proxies of our own (addresses or networks, comma-separated): X-Forwarded-For is
# read only when the request comes from one of them, and then the client is the rightmost
# entry that is not one of them. Anyone else's X-Forwarded-For is ignored, so a client that
# reaches the app directly cannot choose the address a lockout applies to.
CHENGYI_TRUSTED_PROXIES = env_list("CHENGYI_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "cooperation.security.client_ip"
AXES_ALLOWED_CORS_ORIGINS = env("CHENGYI_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "cooperation" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# English times in 24 hours (tracker/formats/en/formats.py).
FORMAT_MODULE_PATH = ["tracker.formats"]

# --- Cache ----------------------------------------------------------------------------------
# Per process. What is cached (the dashboard's figures) is keyed by the data's version, so a
# process never serves figures older than the data it reads; a shared cache would only save
# each worker's first computation.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "chengyi",
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
    # Rendered page fragments (the item list's filter form per filter, ~30 KB each): their
    # own store, so that many different searches cannot push the figures and the markers
    # kept in the default cache out of it.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "chengyi-fragments",
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
}
# How long computed dashboard figures are shown (any write the dashboard counts computes them
# anew; the time-dependent ones, stale and overdue, are at most this old). 0 turns it off.
CHENGYI_DASHBOARD_CACHE_SECONDS = env_int("CHENGYI_DASHBOARD_CACHE_SECONDS", 60)
# The same for a briefing pack not frozen yet (its page, kept in each process).
CHENGYI_BRIEFING_CACHE_SECONDS = env_int("CHENGYI_BRIEFING_CACHE_SECONDS", 60)

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "DJANGO_STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Evidence files (佐证材料, cooperation/workflow/evidence.py) -----------------------------
# Stored outside static files, served only by a view that checks the reader may see the item.
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-not-served/"  # never served directly: evidence goes through its view
CHENGYI_UPLOAD_MAX_MB = env_int("CHENGYI_UPLOAD_MAX_MB", 20)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads spool to a temporary file
if env("CHENGYI_S3_BUCKET"):
    # An S3-compatible store (e.g. MinIO) through django-storages: `pip install -e ".[s3]"`.
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("CHENGYI_S3_BUCKET"),
            "endpoint_url": env("CHENGYI_S3_ENDPOINT_URL") or None,
            "access_key": env("CHENGYI_S3_ACCESS_KEY") or None,
            "secret_key": env("CHENGYI_S3_SECRET_KEY") or None,
            "region_name": env("CHENGYI_S3_REGION") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }

# --- The supervision loop (cooperation/workflow/) -------------------------------------------
# 签收: lead organisations acknowledge an assigned item within this many working days.
CHENGYI_ACK_WORKING_DAYS = env_int("CHENGYI_ACK_WORKING_DAYS", 3)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    # Development: each message to a file under var/mail/, one line about it in the console.
    "cooperation.devmail.FileAndLogBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 15)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "成宜合作项目推进系统 <tracker@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The Date header in Beijing time (+0800), as the readers live it, not UTC (-0000).
EMAIL_USE_LOCALTIME = True

# --- Backups -------------------------------------------------------------------------------
# When set, `manage.py backup` encrypts the file with it and `restore` needs it (keep it
# outside the backup's storage).
CHENGYI_BACKUP_PASSPHRASE = env("CHENGYI_BACKUP_PASSPHRASE")

# --- Celery ---------------------------------------------------------------------------------
_default_broker_dir = Path(env("CELERY_BROKER_DIR", str(BASE_DIR / "var" / "broker")))
REDIS_URL = env("REDIS_URL")
# The filesystem broker ignores the host, but kombu warns at each connection without one.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost/")
# A broker that is down or unreachable must not hold a web request for long: connect within
# a few seconds and give up publishing after two quick retries (see cooperation/queue.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS.update({"socket_connect_timeout": 3, "socket_timeout": 10})
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_default_broker_dir / "out"),
            "data_folder_out": str(_default_broker_dir / "out"),
            "processed_folder": str(_default_broker_dir / "processed"),
            # kombu's exchange tables: under var/, never a control/ folder in the checkout.
            "control_folder": str(_default_broker_dir / "control"),
            "store_processed": False,
        }
    )
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
# The worker logs through LOGGING like everything else (one format, each line once), and
# what a task prints is INFO, not WARNING.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"

# --- Reminders and notifications ------------------------------------------------------------
# The site's address, the one setting every link in e-mails, .ics files and the calendar feed
# is built from. `make run` sets it from PORT; production must set it (system check
# cooperation.E001 stops start-up without it).
CHENGYI_SITE_URL = env("CHENGYI_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")
CHENGYI_SYSTEM_USERNAME = "chengyi-system"
CHENGYI_STALE_DAYS = env_int("CHENGYI_STALE_DAYS", 30)
# Official documents (cooperation/documents/): the issuing body printed in the red mark, the
# signature and the imprint of notices, minutes, circulars and supervision slips.
CHENGYI_DOCUMENT_ISSUER = env("CHENGYI_DOCUMENT_ISSUER", "成宜合作推进办公室")
# A circular of more visible items than this is made by a worker, not during the page view
# (about 12 s at 10,000 items on the development machine).
CHENGYI_DOCUMENT_SYNC_ITEMS = env_int("CHENGYI_DOCUMENT_SYNC_ITEMS", 2000)
# Above this many items, the dashboard's summary is counted again by a worker (a new
# consultation, a changed setting) and readers get the figures counted from the items meanwhile.
CHENGYI_SUMMARY_INLINE_ITEMS = env_int("CHENGYI_SUMMARY_INLINE_ITEMS", 2000)
CHENGYI_ESCALATION_DAYS = env_int("CHENGYI_ESCALATION_DAYS", 60)
# Supervision (cooperation/supervision): lights, slips and the scorecard.
CHENGYI_WARN_WORKING_DAYS = env_int("CHENGYI_WARN_WORKING_DAYS", 3)
CHENGYI_BEHIND_POINTS = env_int("CHENGYI_BEHIND_POINTS", 15)
CHENGYI_SLIP_FEEDBACK_WORKING_DAYS = env_int("CHENGYI_SLIP_FEEDBACK_WORKING_DAYS", 3)
CHENGYI_SLIP_PREFIX = env("CHENGYI_SLIP_PREFIX", "成宜督")
CHENGYI_REMINDER_MAX_ATTEMPTS = env_int("CHENGYI_REMINDER_MAX_ATTEMPTS", 5)
CHENGYI_WEBHOOK_URL = env("CHENGYI_WEBHOOK_URL")
CHENGYI_WEBHOOK_TIMEOUT = env_int("CHENGYI_WEBHOOK_TIMEOUT", 10)
# Group robots (cooperation/robots/): messages a minute per robot, and each platform's size
# limit for a markdown message in UTF-8 bytes.
CHENGYI_ROBOT_PER_MINUTE = env_int("CHENGYI_ROBOT_PER_MINUTE", 20)
CHENGYI_ROBOT_WECOM_MAX_BYTES = env_int("CHENGYI_ROBOT_WECOM_MAX_BYTES", 4096)
CHENGYI_ROBOT_DINGTALK_MAX_BYTES = env_int("CHENGYI_ROBOT_DINGTALK_MAX_BYTES", 20000)
# The Excel ledger import (cooperation/imports/): largest file, and up to how many rows a
# file is checked and applied in the request (more: by a Celery task, with a progress bar).
CHENGYI_IMPORT_MAX_MB = env_int("CHENGYI_IMPORT_MAX_MB", 10)
CHENGYI_IMPORT_INLINE_ROWS = env_int("CHENGYI_IMPORT_INLINE_ROWS", 500)
# Seconds the detailed health check waits for the broker and for worker replies (the public
# one never asks the broker: it counts workers by their heartbeat in the database).
CHENGYI_HEALTH_TIMEOUT = float(env("CHENGYI_HEALTH_TIMEOUT", "1"))
# Workers record a heartbeat this often; one older than the stale age is not counted.
CHENGYI_HEARTBEAT_SECONDS = env_int("CHENGYI_HEARTBEAT_SECONDS", 15)
CHENGYI_HEARTBEAT_STALE_SECONDS = env_int(
    "CHENGYI_HEARTBEAT_STALE_SECONDS", 3 * CHENGYI_HEARTBEAT_SECONDS
)
# Calls of /healthz/ a minute from one address; /healthz/detail/ for staff or this token.
CHENGYI_HEALTH_RATE = env_int("CHENGYI_HEALTH_RATE", 60)
CHENGYI_HEALTH_TOKEN = env("CHENGYI_HEALTH_TOKEN")
# A claimed reminder whose sender vanished (killed worker) is claimed again after the lease;
# it must outlast one send (EMAIL_TIMEOUT plus the webhook timeout) with a wide margin.
CHENGYI_REMINDER_LEASE_SECONDS = env_int("CHENGYI_REMINDER_LEASE_SECONDS", 300)
# A failed send waits this long before the next attempt, doubling each time up to the cap.
CHENGYI_REMINDER_RETRY_SECONDS = env_int("CHENGYI_REMINDER_RETRY_SECONDS", 60)
CHENGYI_REMINDER_RETRY_MAX_SECONDS = env_int("CHENGYI_REMINDER_RETRY_MAX_SECONDS", 3600)
# Reminder rows are written when they fall due within this window (recipients are decided
# then); meetings are planned this many days ahead.
CHENGYI_REMINDER_LOOKAHEAD_HOURS = env_int("CHENGYI_REMINDER_LOOKAHEAD_HOURS", 72)
CHENGYI_PLANNING_HORIZON_DAYS = env_int("CHENGYI_PLANNING_HORIZON_DAYS", 365)
CHENGYI_MINUTES_NUDGE_DAYS = env_int("CHENGYI_MINUTES_NUDGE_DAYS", 3)
CHENGYI_STATUS_CALL_FOLLOWUP_DAYS = env_int("CHENGYI_STATUS_CALL_FOLLOWUP_DAYS", 7)
# Beat ticks the dispatcher this often (seconds); one tick sends at most this many reminders
# and queues the next tick at once when more are due.
CHENGYI_DISPATCH_INTERVAL = env_int("CHENGYI_DISPATCH_INTERVAL", 60)
CHENGYI_DISPATCH_BATCH = env_int("CHENGYI_DISPATCH_BATCH", 200)
# Rows claimed at once; their e-mail goes over one connection to the mail server.
CHENGYI_DISPATCH_CLAIM = env_int("CHENGYI_DISPATCH_CLAIM", 25)
# Dispatchers sharing a backlog (more due than one run sends): a tick queues helpers up to
# this many, each then queues one successor while more is due. The worker's concurrency
# keeps every worker process busy.
CHENGYI_DISPATCH_FANOUT = env_int("CHENGYI_DISPATCH_FANOUT", 2)

# --- Security -------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# Every silenced system check, with the reason it does not apply here. A test keeps this
# honest: `check --deploy --fail-level WARNING` must pass and no check may be silenced
# without an entry in this table.
SILENCED_CHECK_REASONS = {}
if not SECURE_HSTS_PRELOAD:
    SILENCED_CHECK_REASONS["security.W021"] = (
        "HSTS preload lists are compiled by browser vendors from public domains; the tracker "
        "runs on a government intranet host that cannot be submitted, and a preload entry "
        "would bind every subdomain of the parent domain. Set DJANGO_HSTS_PRELOAD=1 on a "
        "public deployment that is really submitted."
    )
SILENCED_SYSTEM_CHECKS = sorted(SILENCED_CHECK_REASONS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- The REST API (/api/v1/) and outgoing webhooks ---------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cooperation.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # enforces CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cooperation.api.permissions.SignedIn"],
    "DEFAULT_THROTTLE_CLASSES": ["cooperation.api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env("CHENGYI_API_RATE", "600/minute")},
    "DEFAULT_PAGINATION_CLASS": "cooperation.api.pagination.Pages",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chengyi Tracker API",
    "DESCRIPTION": "成宜合作项目推进系统 REST API. Errors are translated: Chinese by default, "
    "English with `Accept-Language: en`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["cooperation.api.permissions.SignedIn"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ItemStatusEnum": "cooperation.choices.Status",
        "HealthEnum": "cooperation.choices.Health",
        "MeetingStateEnum": "cooperation.choices.MeetingState",
        "ReminderStateEnum": "cooperation.choices.ReminderState",
        "CityEnum": "cooperation.choices.City",
        "SlipStateEnum": "cooperation.models.supervision.SlipState",
        "CompletionStateEnum": "cooperation.choices.CompletionState",
    },
}
# Personal API tokens expire after this many days unless their owner chooses fewer.
CHENGYI_API_TOKEN_DAYS = env_int("CHENGYI_API_TOKEN_DAYS", 90)
# Webhook deliveries: a failed attempt waits RETRY seconds, doubling up to RETRY_MAX; after
# MAX_ATTEMPTS it is marked failed (shown in the admin, with "send again").
CHENGYI_WEBHOOK_RETRY_SECONDS = env_int("CHENGYI_WEBHOOK_RETRY_SECONDS", 30)
CHENGYI_WEBHOOK_RETRY_MAX_SECONDS = env_int("CHENGYI_WEBHOOK_RETRY_MAX_SECONDS", 3600)
CHENGYI_WEBHOOK_MAX_ATTEMPTS = env_int("CHENGYI_WEBHOOK_MAX_ATTEMPTS", 12)
CHENGYI_WEBHOOK_LEASE_SECONDS = env_int("CHENGYI_WEBHOOK_LEASE_SECONDS", 300)
CHENGYI_WEBHOOK_BATCH = env_int("CHENGYI_WEBHOOK_BATCH", 100)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env("DJANGO_LOG_LEVEL", "INFO")
# "json" (one object per line, for shipping) or "plain" (`make run`'s console, for reading).
LOG_FORMAT = env("DJANGO_LOG_FORMAT", "json")
# Python warnings become log records too ("py.warnings"), so stderr holds only JSON lines.
logging.captureWarnings(True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": "cooperation.logging.StructuredFormatter",
        },
        "plain": {
            "()": "cooperation.logging.PlainFormatter",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if LOG_FORMAT == "plain" else "structured",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Without Django's own handlers (plain text, beside the copy that reaches the root):
        # every line once, in one format.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "cooperation": {"level": LOG_LEVEL, "propagate": True},
        "cooperation.security": {"level": "INFO", "propagate": True},
    },
}
