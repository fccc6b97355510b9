"""prod.py refuses the demo defaults, and `check --deploy` is clean under it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"
# A PostgreSQL address nothing listens on: settings load without a server.
PG_URL = "postgres://qms@127.0.0.1:9/qms"


def manage(*args, **env):
    full_env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG")
    }
    full_env.update(DJANGO_SETTINGS_MODULE="qms.settings.prod", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": GOOD_KEY}, "SQLite"),
        ({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "sqlite:///var/x.sqlite3"}, "SQLite"),
        ({"DATABASE_URL": PG_URL}, "SECRET_KEY"),
        ({"DATABASE_URL": PG_URL, "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": PG_URL, "SECRET_KEY": GOOD_KEY, "DEBUG": "true"}, "DEBUG"),
    ],
)
def test_prod_refuses_demo_defaults(env, message):
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_prod_check_deploy_is_clean():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DATABASE_URL=PG_URL, SECRET_KEY=GOOD_KEY
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_deploy_check_refuses_demo_accounts(demo, settings):
    from qms.core.checks import demo_accounts_absent

    assert demo_accounts_absent(None) == []  # demo profile: demo users are expected
    settings.QMS_DEMO_PASSWORD = None
    errors = demo_accounts_absent(None)
    assert [e.id for e in errors] == ["qms.E001"]
    assert "motcua" in errors[0].msg


def test_test_profile_runs_celery_eagerly(settings):
    from qms.celery import app

    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert app.conf.task_always_eager


def test_default_profile_uses_sqlite_wal_and_filesystem_broker():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
        "print(settings.CELERY_BROKER_URL); "
        "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(DJANGO_SETTINGS_MODULE="qms.settings.dev")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    journal, broker, folder = out.stdout.split()
    assert journal == "wal"
    assert broker == "filesystem://"
    assert folder.startswith(str(ROOT / "var"))
