"""Settings for the probation platform, read from the environment (12-factor).

With nothing set the platform runs on the embedded default: SQLite in the project folder,
Celery tasks executed in-process, an in-memory cache. Set ``DATABASE_URL`` and
``REDIS_URL`` to run on PostgreSQL and Redis. With ``DEBUG`` off the secure defaults
apply and ``python manage.py check --deploy`` reports nothing.

Policy values of the operating model live in ``probation/policy.py``; this module holds
the plumbing.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Only the embedded development default may run without a secret; anything else must set one.
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="embedded-development-only-secret-key-not-for-any-deployment" if DEBUG else "",
)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for the embedded default).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "guardian",
    "simple_history",
    "axes",
    "csp",
    "django_celery_beat",
    "govuk_frontend_django",
    "probation",
    "allocation",
    "enforcement",
    "resettlement",
    "contracts",
    "performance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "probation.audit.AuditChannelMiddleware",
]

ROOT_URLCONF = "probation.urls"
WSGI_APPLICATION = "probation.wsgi.application"

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
                "probation.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and scheduler of the embedded run share one file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # Table and column comments (db_comment) are PostgreSQL's; SQLite just ignores them.
    SILENCED_SYSTEM_CHECKS = ["fields.W163", "models.W046"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "probation.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock an account and address after repeated failed sign-ins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Redis, cache and Celery -------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
# Without a broker the embedded default runs every task in-process, at once.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# The queue tasks are sent to and workers consume (tests give each worker its own).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / ".run" / "celerybeat-schedule")
)
# The allocation deadline job (allocation.tasks) runs every weekday at this local time
# (HH:MM in TIME_ZONE): it records the allocations past their one-business-day deadline and
# tells the divisions' allocation managers, and does nothing on a bank holiday. A system
# setting: early enough for managers to see the overdue cases when they start the day.
ALLOCATION_DEADLINE_JOB_TIME = env.str("ALLOCATION_DEADLINE_JOB_TIME", default="07:00")
_deadline_hour, _deadline_minute = (int(part) for part in ALLOCATION_DEADLINE_JOB_TIME.split(":"))
# The workflow deadline job (enforcement.tasks) runs every weekday at this local time: it
# records the reminders before and the alerts after each deadline of the risk escalation,
# SFO and enforcement workflows and tells the organisations that must act; nothing on a
# bank holiday. After the allocation job, before the working day starts.
WORKFLOW_DEADLINE_JOB_TIME = env.str("WORKFLOW_DEADLINE_JOB_TIME", default="07:15")
_workflow_hour, _workflow_minute = (int(part) for part in WORKFLOW_DEADLINE_JOB_TIME.split(":"))
# The resettlement clock job (resettlement.tasks) runs every weekday at this local time: it
# opens the pre-release tasks of the 12-week windows that opened and records the tasks past
# their deadline; nothing on a bank holiday. Before the workflow deadline job, which flags
# the plans' screening, plan and sharing deadlines.
RESETTLEMENT_JOB_TIME = env.str("RESETTLEMENT_JOB_TIME", default="07:10")
_resettlement_hour, _resettlement_minute = (int(part) for part in RESETTLEMENT_JOB_TIME.split(":"))
# Later parts add their jobs here (the monthly payment run, ...).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "probation.tasks.record_heartbeat",
        "schedule": env.float("HEARTBEAT_SECONDS", default=300.0),
    },
    "allocation-deadlines": {
        "task": "allocation.tasks.find_overdue_allocations",
        "schedule": crontab(hour=_deadline_hour, minute=_deadline_minute, day_of_week="mon-fri"),
    },
    "workflow-deadlines": {
        "task": "enforcement.tasks.find_workflow_deadlines",
        "schedule": crontab(hour=_workflow_hour, minute=_workflow_minute, day_of_week="mon-fri"),
    },
    "resettlement-clocks": {
        "task": "resettlement.tasks.run_resettlement_clocks",
        "schedule": crontab(
            hour=_resettlement_hour, minute=_resettlement_minute, day_of_week="mon-fri"
        ),
    },
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "probation.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["probation.api.permissions.ScopedAccess"],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "probation.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "probation.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_RATES": {},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Probation platform API",
    "DESCRIPTION": (
        "System-to-system API of the probation case-management platform. Authenticate with "
        "`Authorization: Token <key>`; a client sees exactly what staff of its organisation "
        "see, and anything outside that scope answers 404."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several records have a "status"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "RequirementStatusEnum": "probation.models.sentences.RequirementStatus",
        "RequirementCodeEnum": "probation.orders.RequirementCode",
        "AllocationSentenceTypeEnum": "allocation.rules.SentenceKind",
        "SentenceTypeEnum": "probation.models.sentences.SentenceType",
        # An allocation's decision and the rules' recommendation share one choice set.
        "DecisionEnum": "allocation.rules.Decision",
    },
}

# --- Security ----------------------------------------------------------------------------
SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- The service -------------------------------------------------------------------------
SERVICE_NAME = env.str("SERVICE_NAME", default="Manage a probation case")

from probation.policy import *  # noqa: E402,F403  the operating model's named settings

# The monthly payment run (contracts.tasks.run_payments) pays the month before on
# PAYMENT_RUN_DAY_OF_MONTH at PAYMENT_RUN_TIME (policy.py).
_payment_hour, _payment_minute = (int(part) for part in PAYMENT_RUN_TIME.split(":"))  # noqa: F405
CELERY_BEAT_SCHEDULE["payment-run"] = {
    "task": "contracts.tasks.run_payments",
    "schedule": crontab(
        hour=_payment_hour,
        minute=_payment_minute,
        day_of_month=PAYMENT_RUN_DAY_OF_MONTH,  # noqa: F405
    ),
}
# The performance facts (performance.tasks.refresh_facts) each night at FACTS_REFRESH_TIME.
_facts_hour, _facts_minute = (int(part) for part in FACTS_REFRESH_TIME.split(":"))  # noqa: F405
CELERY_BEAT_SCHEDULE["performance-facts"] = {
    "task": "performance.tasks.refresh_facts",
    "schedule": crontab(hour=_facts_hour, minute=_facts_minute),
}
# A task a killed worker held is delivered again after this many seconds (Redis broker);
# the payment run also resumes unfinished parts when asked again.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
