"""Production: PostgreSQL, a real broker, HTTPS. Refuses to start on any demo default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, DEFAULT_SECRET_KEY, SECRET_KEY, env

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

# Demo accounts (load_demo) are refused here; qms.core.checks also refuses to run while any
# user still holds the published demo password.
QMS_DEMO_PASSWORD = None

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
