"""Long jobs: submit, run in Celery with progress, keep the result or the reason of failure.

An upper layer registers a handler for a kind::

    @jobs.handler("management_review_report")
    def build(job, progress):        # progress(percent, message) saves the progress
        ...
        return "bao-cao.pdf", pdf_bytes

``job_submit`` saves the job and sends the Celery task only after the transaction commits;
the task is idempotent (a job already done is not run again) and a failed job can be
retried by its requester.
"""

from __future__ import annotations

import logging
import traceback

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import auditlog
from .models import Job, User

logger = logging.getLogger(__name__)

HANDLERS: dict[str, object] = {}
JOB_SUBMIT = auditlog.action("job.submit", gettext_lazy("Yêu cầu công việc nền"))
JOB_RETRY = auditlog.action("job.retry", gettext_lazy("Chạy lại công việc nền"))


def handler(kind: str):
    def register(function):
        HANDLERS[kind] = function
        return function

    return register


def _send(job: Job):
    from .tasks import run_job

    transaction.on_commit(lambda: run_job.delay(job.pk))


@transaction.atomic
def job_submit(*, actor: User, kind: str, title: str, params: dict | None = None) -> Job:
    if kind not in HANDLERS:
        raise ValidationError(_("Không có loại công việc “%(kind)s”.") % {"kind": kind})
    job = Job(kind=kind, title=title[:255], params=auditlog.jsonable(params or {}))
    job.requested_by = actor if getattr(actor, "is_authenticated", False) else None
    job.full_clean()
    job.save()
    auditlog.record(actor=actor, action=JOB_SUBMIT, obj=job, after={"kind": kind, **job.params})
    _send(job)
    return job


@transaction.atomic
def job_retry(*, actor: User, job: Job) -> Job:
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.requested_by_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied
    if job.status != Job.Status.FAILED:
        raise ValidationError(_("Chỉ chạy lại được công việc bị lỗi."))
    job.status, job.progress, job.message, job.error = Job.Status.QUEUED, 0, "", ""
    job.save()
    auditlog.record(actor=actor, action=JOB_RETRY, obj=job)
    _send(job)
    return job


def _progress(job_id):
    def report(percent: int, message: str = ""):
        job = Job.objects.get(pk=job_id)
        job.progress = max(0, min(100, int(percent)))
        job.message = str(message)[:255]
        job.save(update_fields=["progress", "message"])

    return report


def job_run(job_id: int) -> Job | None:
    """Run one job (called by the Celery task). A job already done is left alone."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status == Job.Status.DONE:
            return job
        job.status, job.started_at = Job.Status.RUNNING, timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
    try:
        name, content = HANDLERS[job.kind](job, _progress(job.pk))
    except Exception as error:  # the user sees the reason and may retry
        logger.exception("Công việc nền %s lỗi", job.pk)
        job.refresh_from_db()
        job.status, job.finished_at = Job.Status.FAILED, timezone.now()
        job.error = (
            str(error) if isinstance(error, ValidationError | ValueError) else repr(error)
        )[:2000] or traceback.format_exc(limit=1)
        job.save(update_fields=["status", "finished_at", "error"])
        return job
    job.refresh_from_db()
    job.result.save(name, ContentFile(content), save=False)
    job.result_name = name
    job.status, job.progress, job.finished_at = Job.Status.DONE, 100, timezone.now()
    job.message = ""
    job.save(
        update_fields=["result", "result_name", "status", "progress", "finished_at", "message"]
    )
    return job


def job_visible(user: User, job: Job) -> bool:
    """The requester sees their job; administrators see all."""
    return user.is_authenticated and (job.requested_by_id == user.pk or user.is_superuser)
