"""The integration suite runs only on the production stack, with its own settings:

    DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… \
        pytest tests/integration --ds=tests.integration.settings -p no:xdist

(`.ci/run` does this). Under any other settings the modules here are not even collected.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

if os.environ.get("DJANGO_SETTINGS_MODULE") != "tests.integration.settings":
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture
def stack(transactional_db, tmp_path):
    """Start Celery processes against this test's database and a queue of its own."""
    if connection.vendor != "postgresql":
        pytest.skip("Cần PostgreSQL (DATABASE_URL) cho bộ kiểm thử tích hợp.")
    queue = f"qms-integration-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    from qms.celery import app

    app.conf.task_default_queue = queue
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    settings.EMAIL_FILE_PATH = str(mail_dir)
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.integration.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "QMS_INTEGRATION_QUEUE": queue,
        "QMS_INTEGRATION_MAIL_DIR": str(mail_dir),
        "QMS_INTEGRATION_BEAT_FILE": str(tmp_path / "beat-schedule"),
        "QMS_INTEGRATION_MEDIA": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    return Stack(environment, tmp_path, queue, mail_dir)


class Stack:
    def __init__(self, environment, directory, queue, mail_dir):
        self.environment = environment
        self.directory = directory
        self.queue = queue
        self.mail_dir = mail_dir
        self.processes: list[subprocess.Popen] = []

    def _start(self, name, arguments, **extra):
        log = open(self.directory / f"{name}-{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "qms", *arguments],
            cwd=ROOT,
            env={**self.environment, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log_path = log.name
        self.processes.append(process)
        return process

    def worker(self, **extra):
        return self._start(
            "worker",
            [
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "-n",
                f"{uuid.uuid4().hex[:6]}@integration",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            **extra,
        )

    def beat(self):
        return self._start(
            "beat", ["beat", "--loglevel=INFO", "-s", str(self.directory / "beat-schedule")]
        )

    def kill(self, process):
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.args[4]} ({p.log_path})\n" + Path(p.log_path).read_text()[-4000:]
            for p in self.processes
        )

    def mails(self) -> list[str]:
        return [path.read_text() for path in sorted(self.mail_dir.iterdir())]


def wait_for(condition, *, timeout=90, every=0.5, stack=None, what=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    logs = stack.logs() if stack else ""
    raise AssertionError(f"Hết {timeout} giây chờ: {what}\n{logs}")


@pytest.fixture
def running(stack):
    yield stack
    stack.stop()
