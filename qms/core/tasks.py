"""Celery tasks of the core layer."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from . import auditlog
from .models import Role, User

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def verify_audit_log_nightly():
    """Verify the audit log's chain (beat, nightly). On failure, alert every quality manager
    by e-mail and log an error; the result of a good run is logged with the head hash, which
    the log keeps as an outside anchor of the chain. Idempotent: it only reads."""
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
    recipients = list(
        User.objects.filter(groups__name=Role.QUALITY_MANAGER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if recipients:
        send_mail(
            _("[ISO điện tử] Cảnh báo: nhật ký kiểm tra không toàn vẹn"),
            _(
                "Kiểm tra lúc %(at)s phát hiện nhật ký kiểm tra bị can thiệp.\n"
                "Sự kiện hỏng đầu tiên: số %(seq)s.\n%(problem)s\n\n"
                "Đề nghị phối hợp quản trị hệ thống xác minh ngay."
            )
            % {
                "at": timezone.localtime().strftime("%H:%M %d/%m/%Y"),
                "seq": result.broken_seq,
                "problem": result.problem,
            },
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    return False


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
