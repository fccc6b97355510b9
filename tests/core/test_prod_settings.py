"""The production profile (qms.settings.prod) and the deployment files (docs/deploy/).

Each profile runs in a subprocess with a chosen environment (nothing of the caller's): with the
documented environment ``check --deploy`` is clean; each demo default is refused with a
Vietnamese message; ``collectstatic`` works with the hashed, compressed storage and WhiteNoise
serves the hashed files; the service files point at things that exist.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
APP_DIR = "/srv/qms/app"  # where docs/deploy.md puts the checkout
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"
# A PostgreSQL address nothing listens on: the settings load without a server.
PG_URL = "postgres://qms@127.0.0.1:9/qms"
GOOD = {
    "DATABASE_URL": PG_URL,
    "SECRET_KEY": GOOD_KEY,
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://iso:matkhau@mail.example.vn:587",
    "QMS_SITE_URL": "https://iso.stnmt.soctrang.gov.vn",
}


def settings_variables() -> set[str]:
    """Every environment variable the settings read (``env.<type>("NAME", …)``)."""
    names = set()
    for module in ("base.py", "prod.py"):
        source = (ROOT / "qms" / "settings" / module).read_text()
        names |= set(re.findall(r'\benv\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', source))
    return names


def clean_environ(**values) -> dict[str, str]:
    """The caller's environment without anything the settings read, plus ``values``."""
    drop = settings_variables() | {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    environ.update({"DJANGO_SETTINGS_MODULE": "qms.settings.prod", **values})
    return environ


def run(args, *, timeout=300, **values):
    return subprocess.run(
        args,
        cwd=ROOT,
        env=clean_environ(**values),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(*args, **values):
    return run([sys.executable, "manage.py", *args], **values)


def example_environment() -> dict[str, str]:
    """The variables set in docs/deploy/qms.env.example, read as sh reads them."""
    values = {}
    for line in (DEPLOY / "qms.env.example").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, raw = line.partition("=")
        values[name] = " ".join(shlex.split(raw)) if raw else ""
    return values


# --- the profile ------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_a_complete_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_documented_environment_passes_check_deploy():
    values = example_environment()
    assert values["DJANGO_SETTINGS_MODULE"] == "qms.settings.prod"
    values["DATABASE_URL"] = PG_URL  # the example's server does not exist here
    result = manage("check", "--deploy", "--fail-level", "WARNING", **values)
    assert result.returncode == 0, result.stderr


def test_the_profile_values():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'storages': s.STORAGES, 'finders': s.WHITENOISE_USE_FINDERS, "
        "'hosts': s.ALLOWED_HOSTS, 'origins': s.CSRF_TRUSTED_ORIGINS, "
        "'db': [s.DATABASES['default'][k] for k in ('ENGINE', 'CONN_MAX_AGE', "
        "'CONN_HEALTH_CHECKS')], 'email': [s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, "
        "s.EMAIL_USE_TLS], 'session': [s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST, "
        "s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SESSION_COOKIE_SECURE], "
        "'beat': s.CELERY_BEAT_SCHEDULE_FILENAME, 'demo': s.QMS_DEMO_PASSWORD, "
        "'root': s.LOGGING['root'], 'hijack': s.CELERY_WORKER_HIJACK_ROOT_LOGGER}))"
    )
    result = run([sys.executable, "-c", code], **GOOD)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["storages"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["storages"]["default"]["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )
    assert values["finders"] is False
    assert values["hosts"] == ["iso.stnmt.soctrang.gov.vn"]
    assert values["origins"] == ["https://iso.stnmt.soctrang.gov.vn"]
    assert values["db"] == ["django.db.backends.postgresql", 60, True]
    assert values["email"] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example.vn",
        587,
        True,
    ]
    assert values["session"] == [7200, True, True, True]
    assert values["beat"] == "/var/lib/qms/celerybeat-schedule"
    assert values["demo"] is None
    assert values["root"] == {"handlers": ["stdout"], "level": "INFO"}
    assert values["hijack"] is False


def test_logs_are_json_lines_on_stdout():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('qms.test').warning('Hồ sơ %s trễ hạn', 'H01', extra={'unit': 7}); "
        "logging.getLogger('qms.test').error('Lỗi', exc_info=ValueError('x'))"
    )
    result = run([sys.executable, "-c", code], **GOOD)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    warning = next(line for line in lines if line["logger"] == "qms.test")
    assert warning["level"] == "WARNING" and warning["message"] == "Hồ sơ H01 trễ hạn"
    assert warning["unit"] == 7 and warning["time"].endswith("+00:00")
    error = [line for line in lines if line["logger"] == "qms.test"][1]
    assert error["exception"].endswith("ValueError: x")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG phải tắt trong môi trường vận hành"),
        ({"SECRET_KEY": None}, "SECRET_KEY mặc định hoặc quá ngắn"),
        ({"SECRET_KEY": "ngan-qua"}, "SECRET_KEY mặc định hoặc quá ngắn"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY mặc định hoặc quá ngắn"),
        ({"DATABASE_URL": None}, "không dùng SQLite"),
        ({"DATABASE_URL": "sqlite:///var/x.sqlite3"}, "không dùng SQLite"),
        ({"CELERY_BROKER_URL": None}, "cần hàng đợi Redis hoặc RabbitMQ"),
        ({"CELERY_BROKER_URL": "filesystem://"}, "cần hàng đợi Redis hoặc RabbitMQ"),
        ({"CELERY_BROKER_URL": "memory://"}, "cần hàng đợi Redis hoặc RabbitMQ"),
        ({"EMAIL_URL": None}, "cần máy chủ thư"),
        ({"EMAIL_URL": "consolemail://"}, "cần máy chủ thư"),
        ({"QMS_SITE_URL": None}, "Đặt QMS_SITE_URL tới địa chỉ HTTPS"),
        ({"QMS_SITE_URL": "http://iso.stnmt.soctrang.gov.vn"}, "Đặt QMS_SITE_URL"),
    ],
)
def test_each_demo_default_is_refused_in_vietnamese(values, message):
    environment = {**GOOD, **values}
    environment = {k: v for k, v in environment.items() if v is not None}
    result = manage("check", **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.django_db
def test_demo_accounts_with_the_published_password_fail_the_deploy_check(demo, settings):
    from qms.core.demo import DEMO_PASSWORD
    from qms.core.models import User

    settings.QMS_DEMO_PASSWORD = None  # as in qms.settings.prod
    with pytest.raises(SystemCheckError) as refused:
        call_command("check", "--deploy", "--fail-level", "ERROR")
    assert "qms.E001" in str(refused.value)
    assert "Còn tài khoản trình diễn dùng mật khẩu công khai" in str(refused.value)

    for user in User.objects.all():
        if user.check_password(DEMO_PASSWORD):
            user.set_password("Mat-khau-rieng-rat-dai-2024")
            user.save()
    call_command("check", "--deploy", "--fail-level", "ERROR")  # nothing left to refuse


@pytest.mark.django_db
def test_the_demo_cannot_be_loaded_in_production(settings):
    from qms.core.demo import load_demo
    from qms.core.models import User

    settings.QMS_DEMO_PASSWORD = None
    with pytest.raises(ImproperlyConfigured, match="Không nạp dữ liệu trình diễn"):
        load_demo()
    assert not User.objects.exists()


# --- static files -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """``collectstatic`` of the production profile into a fresh STATIC_ROOT (once: it hashes
    and compresses every file)."""
    static_root = tmp_path_factory.mktemp("static")
    result = manage("collectstatic", "--no-input", "-v", "1", STATIC_ROOT=str(static_root), **GOOD)
    assert result.returncode == 0, result.stderr[-3000:]
    return static_root


def test_collectstatic_writes_hashed_and_compressed_files(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = manifest["viewflow/css/viewflow.min.css"]
    assert re.fullmatch(r"viewflow/css/viewflow\.min\.[0-9a-f]{12}\.css", hashed)
    assert (collected / hashed).is_file()
    assert (collected / f"{hashed}.gz").is_file()
    assert manifest["viewflow/fonts/roboto/roboto-fontface.css"]
    assert not any("node_modules" in name for name in manifest)


def test_whitenoise_serves_the_hashed_files_through_the_wsgi_application(collected):
    script = r"""
import io, json, sys
from wsgiref.util import setup_testing_defaults
from qms.wsgi import application
from django.templatetags.static import static

def get(path, proto="https", **headers):
    environ = {"PATH_INFO": path, "HTTP_HOST": "iso.stnmt.soctrang.gov.vn",
               "HTTP_X_FORWARDED_PROTO": proto, **headers}
    setup_testing_defaults(environ)
    seen = {}
    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(response_headers)
    body = b"".join(application(environ, start_response))
    return seen["status"], seen["headers"], body

url = static("viewflow/css/viewflow.min.css")
status, headers, body = get(url)
gz_status, gz_headers, gz_body = get(url, HTTP_ACCEPT_ENCODING="gzip")
plain_http = get("/", proto="http")
print(json.dumps({"url": url, "status": status, "cache": headers.get("Cache-Control"),
                  "type": headers.get("Content-Type"), "size": len(body),
                  "gz": [gz_status, gz_headers.get("Content-Encoding")],
                  "redirect": [plain_http[0], plain_http[1].get("Location")]}))
"""
    result = run(
        [sys.executable, "-c", script],
        STATIC_ROOT=str(collected),
        **{**GOOD, "SECURE_SSL_REDIRECT": "True"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert re.fullmatch(r"/static/viewflow/css/viewflow\.min\.[0-9a-f]{12}\.css", served["url"])
    assert served["status"] == "200 OK"
    assert served["cache"] == "max-age=315360000, public, immutable"
    assert served["type"].startswith("text/css")
    original = collected / served["url"].removeprefix("/static/")
    assert served["size"] == original.stat().st_size
    assert served["gz"] == ["200 OK", "gzip"]
    # A page asked for over plain HTTP (no X-Forwarded-Proto) is sent to HTTPS.
    assert served["redirect"] == ["301 Moved Permanently", "https://iso.stnmt.soctrang.gov.vn/"]


# --- the deployment files -----------------------------------------------------------------------


def unit(name) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file: section → key → its values (keys such as Environment= repeat)."""
    sections, current = {}, None
    for line in (DEPLOY / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(section, key) -> str:
    (value,) = section[key]
    return value


def local(path: str) -> Path:
    """A path of the server's checkout, in this checkout."""
    assert path.startswith(APP_DIR + "/"), path
    return ROOT / path.removeprefix(APP_DIR + "/")


def unit_environment(service) -> dict[str, str]:
    values = {}
    for line in service.get("Environment", []):
        for item in shlex.split(line):
            name, _, value = item.partition("=")
            values[name] = value
    return values


@pytest.mark.parametrize("name", ["qms-web.service", "qms-worker.service", "qms-beat.service"])
def test_each_service_runs_the_production_profile_from_the_checkout(name):
    service = unit(name)["Service"]
    assert (one(service, "User"), one(service, "Group")) == ("qms", "qms")
    assert one(service, "WorkingDirectory") == APP_DIR
    assert one(service, "EnvironmentFile") == "/etc/qms/qms.env"
    assert one(service, "StateDirectory") == "qms"
    environment = unit_environment(service)
    assert environment["DJANGO_SETTINGS_MODULE"] == "qms.settings.prod"
    assert (ROOT / "qms" / "settings" / "prod.py").is_file()
    command = shlex.split(one(service, "ExecStart"))
    assert local(command[0]).parent == ROOT / ".venv" / "bin"
    assert local(command[0]).is_file(), command[0]
    # Every ${VARIABLE} of the command has a default in the unit or is in the example file.
    documented = set(example_environment()) | set(environment)
    assert set(re.findall(r"\$\{(\w+)\}", one(service, "ExecStart"))) <= documented
    assert one(unit(name)["Install"], "WantedBy") == "multi-user.target"


def test_the_web_service_runs_gunicorn_with_the_config_beside_it():
    command = shlex.split(one(unit("qms-web.service")["Service"], "ExecStart"))
    assert Path(command[0]).name == "gunicorn"
    config = local(command[command.index("--config") + 1])
    assert config == DEPLOY / "gunicorn.conf.py"
    assert command[-1] == "qms.wsgi:application"
    assert "application =" in (ROOT / "qms" / "wsgi.py").read_text()


def test_gunicorn_config(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8000"
    assert config["workers"] == 3
    assert config["wsgi_app"] == "qms.wsgi:application"
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    formatter = config["logconfig_dict"]["formatters"]["json"]["()"]
    module, _, name = formatter.rpartition(".")
    assert getattr(__import__(module, fromlist=[name]), name)


@pytest.mark.parametrize(
    ("name", "command"), [("qms-worker.service", "worker"), ("qms-beat.service", "beat")]
)
def test_the_celery_services_run_the_qms_app(name, command):
    from qms.celery import app

    args = shlex.split(one(unit(name)["Service"], "ExecStart"))
    assert Path(args[0]).name == "celery"
    assert args[1:4] == ["--app", "qms", command] and app.main == "qms"
    if command == "beat":
        assert "--schedule=/var/lib/qms/celerybeat-schedule" in args


def test_the_procfile_has_the_four_processes():
    lines = dict(
        line.split(":", 1)
        for line in (DEPLOY / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(lines) == {"web", "worker", "beat", "release"}
    web = shlex.split(lines["web"])
    assert (ROOT / web[web.index("--config") + 1]).is_file()
    assert web[-1] == "qms.wsgi:application"
    assert "--app qms worker" in lines["worker"] and "--app qms beat" in lines["beat"]
    for step in ("migrate --no-input", "compilemessages", "collectstatic --no-input"):
        assert step in lines["release"]


def test_the_manage_wrapper_loads_the_environment_file():
    script = (DEPLOY / "qms-manage").read_text()
    assert os.access(DEPLOY / "qms-manage", os.X_OK)
    assert "ENV_FILE=/etc/qms/qms.env" in script and f"APP={APP_DIR}" in script
    assert "manage.py" in script and "DJANGO_SETTINGS_MODULE=qms.settings.prod" in script


def test_every_variable_the_settings_read_is_documented():
    read = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"} <= read
    example = (DEPLOY / "qms.env.example").read_text()
    guide = (ROOT / "docs" / "deploy.md").read_text()
    for name in sorted(read):
        assert re.search(rf"^#?{name}=", example, re.M), f"{name} not in qms.env.example"
        assert f"`{name}`" in guide, f"{name} not in docs/deploy.md"
