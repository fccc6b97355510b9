"""Settings shared by every profile.

Every environment variable is read here, in one place (django-environ); ``dev``, ``test`` and
``prod`` only override. Defaults give a working demo on a fresh machine: SQLite in WAL mode and a
Celery broker on the file system under ``var/``.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A fixed, visibly insecure key for the demo; prod.py refuses it.
DEFAULT_SECRET_KEY = "django-insecure-iso-dien-tu-demo-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "viewflow",
    "viewflow.workflow",
    "qms.core",
    "procedures",
    "workflows",
    "audits",
    "audits.documents",
    "audits.planning",
    "audits.internal",
    "audits.review",
    "workflows.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the application server (production has no separate server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a signed-in user unless its view says otherwise (login, language switch).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "qms.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # viewflow would append these itself; listed so the order is visible and fixed.
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qms.urls"
WSGI_APPLICATION = "qms.wsgi.application"

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
                # The unread count in the header (notification centre).
                "qms.core.notifications.context",
            ],
        },
    },
]

# --- Database: SQLite (WAL) unless DATABASE_URL -------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker read while the other writes;
    # IMMEDIATE transactions take the write lock up front instead of failing on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# --- Login trail and lockout (django-axes) ---------------------------------------------------
# Every attempt is kept (AccessAttempt, AccessLog, AccessFailureLog) for the internal auditors.
# An account is locked for a while after repeated failures from the same address; locking by
# username alone would let anyone lock a colleague out, by address alone a whole office behind
# one NAT.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGOUT_REDIRECT_URL = "/accounts/login/"
GUARDIAN_RAISE_403 = True
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous visitors hold no rights

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
# Ours first, then the Vietnamese catalogue of viewflow's own strings (viewflow ships none).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "viewflow"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Dates dd/mm/YYYY and times HH:MM wherever a page does not format them itself (qms/formats).
FORMAT_MODULE_PATH = ["qms.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves what collectstatic gathered; dev and test use the finders directly.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# --- Celery: always real; filesystem broker under var/ unless CELERY_BROKER_URL -----------
CELERY_BROKER_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = False
# Late acknowledgement: a task whose worker dies is delivered again (tasks are idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # viewflow's open edition ships the timer dispatchers but no beat task: ours fires them.
    "fire-workflow-timers": {
        "task": "workflows.tasks.fire_workflow_timers",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The audit log's hash chain, verified every night; quality managers are alerted on failure.
    "verify-audit-log": {
        "task": "qms.core.tasks.verify_audit_log_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    # Controlled documents: approved versions take effect on their date; periodic-review
    # reminders (due within 30 days or overdue) go out each morning, once a day.
    "documents-take-effect": {
        "task": "audits.documents.tasks.take_documents_effective",
        "schedule": crontab(hour=0, minute=5),
    },
    "documents-review-reminders": {
        "task": "audits.documents.tasks.send_document_review_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Owners of risks due for review within 7 days (or overdue) are e-mailed each morning.
    "remind-risk-reviews": {
        "task": "audits.planning.tasks.remind_risk_reviews",
        "schedule": crontab(hour=7, minute=0),
    },
    # Steps and dossiers due within one working day, apologies due, overdue steps escalated to
    # the unit's head: checked every quarter of an hour; each reminder is sent once.
    "send-due-reminders": {
        "task": "workflows.tasks.send_due_reminders",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    # The day's indicators (766 groups, per unit) are kept as a snapshot each night.
    "indicator-snapshot": {
        "task": "audits.tasks.snapshot_indicators",
        "schedule": crontab(hour=0, minute=30),
    },
}
# Redis / RabbitMQ: a task not acknowledged (its worker died) is delivered again after this.
if CELERY_BROKER_URL.startswith(("redis", "rediss")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    }

# --- Cache: shared between processes in production (the API's rate limit counts per token
# across every gunicorn worker only with a shared cache, e.g. redis://127.0.0.1:6379/1) -----
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Integration API (Django REST framework, OpenAPI 3 by drf-spectacular) -----------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["workflows.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["workflows.api.permissions.HasScope"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"integration": env.str("API_RATE", default="600/min")},
    "EXCEPTION_HANDLER": "workflows.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # JSON only: no browsable API (the documentation is Swagger UI / Redoc under /api/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ISO điện tử — API tích hợp",
    "DESCRIPTION": (
        "Tiếp nhận hồ sơ nộp trực tuyến từ Cổng dịch vụ công, tra cứu trạng thái theo mã "
        "trạng thái quốc gia, ghi nhận thanh toán trực tuyến và tải kết quả giải quyết."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc are served to signed-in staff or a token holder (workflows/api/
    # views.py); the schema itself is public. Their scripts come from a CDN (jsDelivr).
}

# --- E-mail --------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="iso@stnmt.soctrang.gov.vn")
QMS_SITE_URL = env.str("QMS_SITE_URL", default="http://127.0.0.1:8000")

# --- Project facts -------------------------------------------------------------------------
# Demo accounts exist only where this is true; prod.py refuses to start with it.
QMS_DEMO_PASSWORD = "ISO-demo-2024"  # the published demo password (README)
QMS_PDF_FONT_DIRS = env.list(
    "QMS_PDF_FONT_DIRS",
    default=["/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/dejavu"],
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
# Office hours [M]: working periods of a working day, local time. A working-day deadline ends
# at the close of the last period; "giờ" limits count only time inside these periods.
QMS_OFFICE_HOURS = env.json("QMS_OFFICE_HOURS", default=[["07:00", "11:00"], ["13:00", "17:00"]])
# Largest accepted upload (scans, result files), in megabytes.
QMS_MAX_UPLOAD_MB = env.int("QMS_MAX_UPLOAD_MB", default=20)
# Paper dossiers received after this local hour are transferred at the start of the next
# working day (DOMAIN.md §2.3, [M]).
QMS_TRANSFER_CUTOFF = env.str("QMS_TRANSFER_CUTOFF", default="15:00")
