"""KPO Desk settings: one module, every knob from the environment.

A test/production difference is an environment flag, never a second settings module.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent

# KPO_ENV=production switches on every hardening setting; DEBUG follows it unless given.
KPO_ENV = os.environ.get("KPO_ENV", "development")
PRODUCTION = KPO_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when KPO_ENV=production.")
    SECRET_KEY = "dev-only-insecure-key-kpo-desk-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "kpo.core",
    "kpo.accounts",
    "kpo.events",
    "providers",
    "sla",
    "engagements",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kpo.accounts.middleware.SlidingSessionMiddleware",
    "kpo.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kpo.urls"
WSGI_APPLICATION = "kpo.wsgi.application"
ASGI_APPLICATION = "kpo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "kpo.events.context_processors.inbox",
            ],
        },
    },
]

# Database: DATABASE_URL, else a SQLite file beside the project (the embedded default of `make run`).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: no persistent connections (tests and threads), wait on locks instead of failing at once.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "kpo.accounts.backends.EmailBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The shared demo password; refused at login whenever DEBUG is off.
KPO_DEMO_PASSWORD = "kpo-demo"  # noqa: S105

# guardian: no anonymous user row (nothing here is public); direct-FK permission models only.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
# Our own English formats (day-month-year, 24-hour clock); French uses Django's.
FORMAT_MODULE_PATH = ["kpo.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# S3-compatible storage for uploads and rendered reports when KPO_S3_BUCKET is set (pip install '.[s3]');
# credentials come from the usual AWS_* variables or the instance role.
if os.environ.get("KPO_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["KPO_S3_BUCKET"],
            "endpoint_url": os.environ.get("KPO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("KPO_S3_REGION") or None,
            "location": os.environ.get("KPO_S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# Uploads: deliverables and resumes are capped; larger files are refused with a form error.
KPO_MAX_UPLOAD_BYTES = int(os.environ.get("KPO_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "KPO Desk <noreply@kpo-desk.local>")

# Sessions: rotated at login by Django, idle expiry, HttpOnly. The expiry slides with use, pushed back at
# most once per KPO_SESSION_REFRESH_SECONDS (kpo.accounts.middleware.SlidingSessionMiddleware) instead of a
# session write on every request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
KPO_SESSION_REFRESH_SECONDS = int(os.environ.get("KPO_SESSION_REFRESH_SECONDS", "300"))
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

REST_FRAMEWORK = {
    # Token first: an unauthenticated call is a 401 with `WWW-Authenticate: Token`, not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kpo.accounts.backends.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "kpo.core.filter_backends.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "kpo.core.api.KpoAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "kpo.core.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "kpo.core.api.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # Per user (session or token), per token, per anonymous address; "uploads" for deliverable files.
    "DEFAULT_THROTTLE_CLASSES": [
        "kpo.core.throttling.UserRateThrottle",
        "kpo.core.throttling.TokenRateThrottle",
        "kpo.core.throttling.AnonRateThrottle",
        "kpo.core.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("KPO_API_RATE_USER", "1200/min"),
        "token": os.environ.get("KPO_API_RATE_TOKEN", "600/min"),
        "anon": os.environ.get("KPO_API_RATE_ANON", "60/min"),
        "uploads": os.environ.get("KPO_API_RATE_UPLOADS", "60/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KPO Desk API",
    "DESCRIPTION": (
        "Engagements, tasks, SLAs and recommendation reports of KPO Desk. Authenticate with the browser "
        "session or `Authorization: Token <key>` (create one at `POST /api/v1/me/token/`). Task writes "
        "need `If-Match` with the task's ETag; errors carry a readable `detail` and a `code`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, whatever field uses it (the same statuses appear in many components).
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "engagements.choices.TaskStatus",
        "EngagementStatusEnum": "engagements.choices.EngagementStatus",
        "TaskEventKindEnum": "engagements.choices.TaskEventKind",
        "KpiStatusEnum": "sla.choices.KpiStatus",
        "ClockStateEnum": "sla.choices.ClockState",
        "ClockKindEnum": "sla.choices.ClockKind",
        "PriorityEnum": "sla.choices.Priority",
        "KpiEnum": "sla.choices.Kpi",
        "ReportStatusEnum": "reports.choices.ReportStatus",
        "RecommendationPriorityEnum": "reports.choices.RecommendationPriority",
        "DeliveryStatusEnum": "kpo.events.choices.DeliveryStatus",
        "EventTypeEnum": "kpo.events.choices.EventType",
        "JobStatusEnum": "sla.choices.JobStatus",
    },
}

# Celery: REDIS_URL absent means tasks run eagerly in-process (the embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")

# One cache shared by every process when Redis is there (throttle counters, login throttling), else a
# per-process memory cache (the embedded default). A key prefix keeps it apart from Celery's keys.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "kpo",
        }
        if REDIS_URL or os.environ.get("CACHE_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("KPO_CELERY_QUEUE", "kpo")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "240"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "300"))
# Redis re-delivers an unacked message after the visibility timeout: keep it well above the hard limit,
# or a long task would run twice while still alive.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 4}
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_TASKS_PER_CHILD", "200"))
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "close-kpi-periods": {
        # Previous month (and quarter) closed, current month refreshed; breach alerts once per snapshot.
        "task": "sla.tasks.close_kpi_periods",
        "schedule": crontab(minute=30),
    },
    "top-up-review-samples": {
        # The SLA's weekly sampling minimum for the previous and current ISO week (idempotent).
        "task": "sla.tasks.top_up_samples",
        "schedule": 3600.0,
    },
    "send-email-digests": {
        # Due alert emails (urgent ones at once, others at 09:00 in each recipient's zone).
        "task": "kpo.events.tasks.send_email_digests",
        "schedule": 300.0,
    },
    "tick-sla-clocks": {
        # Running clocks turn at_risk / breached by their stored instants: one indexed query a minute.
        "task": "sla.tasks.tick_clocks",
        "schedule": 60.0,
    },
    "dispatch-pending-events": {
        # The outbox sweep: events whose on_commit enqueue was lost (broker down) are sent again.
        "task": "kpo.events.tasks.dispatch_pending_events",
        "schedule": 60.0,
    },
    "recover-report-renders": {
        # Report renders whose worker died (lease expired) or whose enqueue was lost run again, or fail.
        "task": "reports.tasks.recover_report_renders",
        "schedule": 120.0,
    },
    "retry-due-webhooks": {
        # Webhook deliveries whose backoff is over, or whose enqueue or worker was lost, are sent again.
        "task": "kpo.events.tasks.retry_due_webhooks",
        "schedule": 30.0,
    },
}
# Webhooks to loopback/private addresses (SSRF) are refused unless DEBUG or this flag is on.
KPO_WEBHOOKS_ALLOW_PRIVATE = env_bool("KPO_WEBHOOKS_ALLOW_PRIVATE", DEBUG)
# The wait before a failed webhook's first retry; each later wait is four times the one before.
KPO_WEBHOOK_FIRST_RETRY_SECONDS = float(os.environ.get("KPO_WEBHOOK_FIRST_RETRY_SECONDS", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
