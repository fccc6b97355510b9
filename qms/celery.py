"""The Celery application. Real everywhere: the broker is ``filesystem://`` under ``var/`` for
the demo and Redis or RabbitMQ in production; only unit tests run tasks eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms.settings.dev")

app = Celery("qms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
