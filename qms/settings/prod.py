"""Production: PostgreSQL, a real broker (Redis or RabbitMQ), SMTP, HTTPS behind a reverse
proxy, static files by WhiteNoise from ``collectstatic``, JSON logs on standard output.

Refuses to start on any demo default: DEBUG, the demo or a short SECRET_KEY, SQLite, the
file-system broker, console e-mail, a site address that is not HTTPS; demo accounts are not
loaded (``load_demo``) and ``check --deploy`` fails while an account still has the published
demo password (``qms.E001``). Every variable is listed in ``docs/deploy.md`` and
``docs/deploy/qms.env.example``.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    CELERY_BROKER_URL,
    DATABASES,
    DEFAULT_SECRET_KEY,
    EMAIL_BACKEND,
    INSTALLED_APPS,
    LOGGING,
    QMS_SITE_URL,
    SECRET_KEY,
    env,
)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    raise ImproperlyConfigured("DEBUG phải tắt trong môi trường vận hành (DEBUG=False).")
if (
    SECRET_KEY == DEFAULT_SECRET_KEY
    or len(SECRET_KEY) < 50
    or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY mặc định hoặc quá ngắn: đặt biến môi trường SECRET_KEY (ít nhất 50 ký tự)."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    raise ImproperlyConfigured(
        "Môi trường vận hành không dùng SQLite: đặt DATABASE_URL tới PostgreSQL."
    )
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
    # The file-system broker is for one machine's demo: no visibility timeout, no redelivery
    # of a task whose worker died.
    raise ImproperlyConfigured(
        "Môi trường vận hành cần hàng đợi Redis hoặc RabbitMQ: đặt CELERY_BROKER_URL="
        "redis://… hoặc amqp://… (không dùng filesystem:// hay memory://)."
    )
if EMAIL_BACKEND in (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
):
    # Notifications and the nightly audit-chain alert go by e-mail: they must not vanish.
    raise ImproperlyConfigured(
        "Môi trường vận hành cần máy chủ thư: đặt EMAIL_URL=smtp+tls://tài-khoản:mật-khẩu@"
        "máy-chủ:587 (hoặc smtps://…:465)."
    )
if not QMS_SITE_URL.startswith("https://") or not urlsplit(QMS_SITE_URL).hostname:
    raise ImproperlyConfigured(
        "Đặt QMS_SITE_URL tới địa chỉ HTTPS của hệ thống, ví dụ "
        "https://iso.stnmt.soctrang.gov.vn (dùng trong liên kết gửi qua thư)."
    )

# Demo accounts (load_demo) are refused here; qms.core.checks also refuses to run while any
# user still holds the published demo password.
QMS_DEMO_PASSWORD = None

# The site's own address is the default host and trusted origin.
SITE_ORIGIN = "https://" + urlsplit(QMS_SITE_URL).netloc
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[urlsplit(QMS_SITE_URL).hostname])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_ORIGIN])

# --- Database: persistent connections, checked before reuse -----------------------------
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Static files: collected, hashed and compressed; WhiteNoise serves them -------------
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
INSTALLED_APPS = [
    "qms.core.staticapp.QmsStaticFilesConfig" if app == "django.contrib.staticfiles" else app
    for app in INSTALLED_APPS
]

# --- Celery ------------------------------------------------------------------------------
# Beat's schedule file lives in the service's state directory, not in the checkout.
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default="/var/lib/qms/celerybeat-schedule"
)
# The worker logs through LOGGING below (JSON on stdout) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- HTTPS behind the reverse proxy (nginx sets X-Forwarded-Proto) -----------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Sessions: signed out after SESSION_COOKIE_AGE seconds without a request -------------
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=2 * 3600)
SESSION_SAVE_EVERY_REQUEST = True  # each request moves the end: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Logs: JSON lines on standard output (journald keeps them) ---------------------------
LOGGING = {
    **LOGGING,
    "formatters": {"json": {"()": "qms.core.logformat.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOGGING["root"]["level"]},
}
