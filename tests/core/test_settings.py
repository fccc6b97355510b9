"""The profiles: demo accounts refused by the deploy check, eager Celery in tests, SQLite in
WAL mode and the file-system broker by default (production: test_prod_settings.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The production profile (qms.settings.prod) is tested in test_prod_settings.py.


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
