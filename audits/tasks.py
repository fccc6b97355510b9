"""Celery tasks of the audits layer."""

import datetime as dt
import logging

from celery import shared_task
from django.db import IntegrityError, OperationalError
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, IntegrityError),
    retry_backoff=True,
    max_retries=5,
)
def snapshot_indicators(day_iso: str | None = None) -> int:
    """Keep the indicators of ``day_iso`` (beat, 00:30: by default the day that has just
    ended). Idempotent: a day already kept gains only its missing rows; a run racing another
    (IntegrityError) is retried and then finds them there."""
    day = dt.date.fromisoformat(day_iso) if day_iso else timezone.localdate() - dt.timedelta(1)
    created = services.indicator_snapshot_take(day=day)
    logger.info("Đã lưu số liệu chỉ số ngày %s: %s dòng mới.", day.strftime("%d/%m/%Y"), created)
    return created
