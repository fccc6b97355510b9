"""Celery tasks of the workflow layer."""

import logging

from celery import shared_task
from django.db import OperationalError
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


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def send_due_reminders() -> dict[str, int]:
    """Steps and dossiers due within one working day, apologies (Mẫu 04) due, overdue steps
    escalated to the unit's heads (beat, every quarter of an hour). Idempotent: each reminder
    has a key and the notification centre keeps one per person and key, so a repeated,
    retried or concurrent run sends nothing twice. Returns the notifications created by kind."""
    from .reminders import due_reminders_send

    counts = due_reminders_send()
    if any(counts.values()):
        logger.info(
            "Nhắc việc hồ sơ: %s bước sắp đến hạn, %s hồ sơ sắp đến hạn trả, %s cần phiếu xin "
            "lỗi, %s bước quá hạn báo lãnh đạo đơn vị.",
            counts["dossier.step_due"],
            counts["dossier.due"],
            counts["dossier.apology_due"],
            counts["dossier.step_overdue"],
        )
    return counts
