"""Settings of the integration suite: the test profile, but Celery is real.

The test process and the worker and beat processes it starts all load this module: tasks go
through the real broker (``CELERY_BROKER_URL``, Redis in CI) on a queue of this run's own, the
worker writes to the test database the test process created (``DATABASE_URL`` names it), and
e-mail lands in files the test can count. Beat fires the schedule every few seconds instead of
every minute or quarter of an hour, so that a test sees timers and reminders arrive.
"""

import os

from qms.settings.test import *  # noqa: F403

from .hooks import connect as _connect_worker_hooks

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# A task whose worker died is delivered again after a few seconds (production: an hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 8,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("QMS_INTEGRATION_QUEUE", "qms-integration")
CELERY_BEAT_SCHEDULE = {
    "fire-workflow-timers": {"task": "workflows.tasks.fire_workflow_timers", "schedule": 2.0},
    "send-due-reminders": {"task": "workflows.tasks.send_due_reminders", "schedule": 3.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "QMS_INTEGRATION_BEAT_FILE", "/tmp/qms-integration-beat"
)
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("QMS_INTEGRATION_MAIL_DIR", "/tmp/qms-integration-mail")
MEDIA_ROOT = os.environ.get("QMS_INTEGRATION_MEDIA", str(MEDIA_ROOT))  # noqa: F405

_connect_worker_hooks()
