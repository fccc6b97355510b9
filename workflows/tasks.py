"""Celery tasks of the workflow layer."""

import logging

from celery import shared_task
from viewflow.workflow import timers

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def fire_workflow_timers():
    """Fire viewflow's due timers, conditions and start timers (run every minute by beat).

    Idempotent: each timer is re-checked under its flow lock, so a repeated or concurrent run
    fires nothing twice.
    """
    fired = timers.fire_due_timers()
    fired += timers.fire_due_conditions() or 0
    fired += timers.fire_due_start_timers() or 0
    if fired:
        logger.info("Đã kích hoạt %s bộ hẹn giờ quy trình.", fired)
    return fired
