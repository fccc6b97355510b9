"""Celery tasks of the core layer."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import auditlog, notifications
from .models import Role, User

logger = logging.getLogger(__name__)


def _verify_page() -> str:
    """The auditor's chain-check page (an upper layer's page: reached by name, not import)."""
    try:
        return reverse("audits:verify")
    except NoReverseMatch:
        return ""


@shared_task(acks_late=True, ignore_result=True)
def verify_audit_log_nightly():
    """Verify the audit log's chain (beat, nightly). On failure, alert every quality manager
    through the notification centre (and by e-mail, by their preferences) and log an error;
    the result of a good run is logged with the head hash, which the log keeps as an outside
    anchor of the chain. Idempotent: it only reads, and the alert's key (day and first broken
    event) tells each manager once a day."""
    result = auditlog.verify()
    if result.intact:
        logger.info(
            "Nhật ký kiểm tra toàn vẹn: %s sự kiện, mã băm cuối %s.",
            result.events,
            result.last_hash,
        )
        return True
    logger.error(
        "Nhật ký kiểm tra không toàn vẹn từ sự kiện số %s: %s", result.broken_seq, result.problem
    )
    now = timezone.localtime()
    notifications.notify(
        recipients=User.objects.filter(groups__name=Role.QUALITY_MANAGER, is_active=True)
        .distinct()
        .order_by("pk"),
        kind=notifications.AUDIT_CHAIN_BROKEN,
        title=_("Cảnh báo: nhật ký kiểm tra không toàn vẹn"),
        body=_(
            "Kiểm tra lúc %(at)s phát hiện nhật ký kiểm tra bị can thiệp.\n"
            "Sự kiện hỏng đầu tiên: số %(seq)s.\n%(problem)s\n\n"
            "Đề nghị phối hợp quản trị hệ thống xác minh ngay."
        )
        % {
            "at": now.strftime("%H:%M %d/%m/%Y"),
            "seq": result.broken_seq,
            "problem": result.problem,
        },
        url=_verify_page(),
        key=notifications.key_for("audit-chain-broken", now.date().isoformat(), result.broken_seq),
    )
    return False


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(SMTPException, ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def send_notification_email(notification_id: int):
    """E-mail one notification; idempotent (a notification already e-mailed is skipped)."""
    notifications.notification_email_send(notification_id)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def run_job(job_id: int):
    """Run a long job (report, export, import); idempotent: a finished job is not redone."""
    from .jobs import job_run

    job_run(job_id)
