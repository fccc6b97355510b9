"""Long jobs: submit, run in Celery with progress, keep the result or the reason of failure.

An upper layer registers a handler for a kind, in a module its app's ``jobs.py`` imports (the
worker finds the handlers by importing every installed app's ``jobs`` module)::

    @jobs.handler("management_review_report")
    def build(job, progress):        # progress(percent, message) saves the progress
        ...
        return "bao-cao.pdf", pdf_bytes

A handler re-checks everything as the requester: it reads ``job.params`` (never trusted: they
are validated again), works as ``job.requested_by`` through the same selectors as the page
(an export never holds a row the requester could not see on the page), and raises
``ValidationError`` or ``PermissionDenied`` with a Vietnamese message that becomes the job's
failure reason.

A handler writing rows reports them with ``jobs.rows_progress(progress)`` (the percent is saved
only when it changes, and never as a history row).

``job_submit`` saves the job and sends the Celery task only after the transaction commits. A
job that ends (done or failed) tells its requester through the notification centre, once per
run (key ``job-done:<job>:<attempt>``). Jobs are never deleted: a failed one keeps its reason.

Running again, and exactly one result
-------------------------------------
The task is acknowledged late (``acks_late``): if the worker dies in the middle of a job, the
broker delivers the task again and ``job_run`` runs the job again — a job left RUNNING is
taken as a dead run, not as one to skip. A job already DONE or FAILED is left alone (a failed
job runs again only when its requester asks, ``job_retry``). So that a second run still gives
one result:

* the result is written, and the job marked DONE, in one transaction that first locks the job
  and keeps the result of a run that finished first (two deliveries running side by side);
* a handler with side effects beyond its file makes them happen once per job: it writes them
  and calls :func:`job_complete` in one transaction, so that either both happened (the next
  delivery finds the job DONE) or neither did (the next delivery starts again from nothing) —
  the catalogue import (all or nothing) and the management review report do so; the report
  also looks for the ``ReviewReport`` an earlier run of the same job saved and returns it
  instead of saving a second one. Exports only read and need nothing more.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import auditlog
from .models import Job, User

logger = logging.getLogger(__name__)

HANDLERS: dict[str, object] = {}
JOB_SUBMIT = auditlog.action("job.submit", gettext_lazy("Yêu cầu công việc nền"))
JOB_RETRY = auditlog.action("job.retry", gettext_lazy("Chạy lại công việc nền"))

#: The kinds of job as the user reads them (list page); registered with the handler.
KIND_LABELS: dict[str, object] = {}


def handler(kind: str, label=None):
    def register(function):
        HANDLERS[kind] = function
        if label is not None:
            KIND_LABELS[kind] = label
        return function

    return register


def kind_label(kind: str) -> str:
    _discover(kind)
    return str(KIND_LABELS.get(kind, kind))


def _discover(kind: str):
    """Import every app's ``jobs`` module once a kind is missing: a worker process has not
    imported the pages that register the handlers."""
    if kind not in HANDLERS:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")


def _send(job: Job):
    from .tasks import run_job

    transaction.on_commit(lambda: run_job.delay(job.pk))


@transaction.atomic
def job_submit(*, actor: User, kind: str, title: str, params: dict | None = None) -> Job:
    _discover(kind)
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
    last = {}

    def report(percent: int, message: str = ""):
        state = (max(0, min(99, int(percent))), str(message)[:255])
        if state == last.get("state"):
            return
        last["state"] = state
        job = Job.objects.get(pk=job_id)
        job.progress, job.message = state
        # Progress is not part of the job's history (excluded fields): no history row.
        job.skip_history_when_saving = True
        job.save(update_fields=["progress", "message"])

    return report


def rows_progress(progress, *, start: int = 5, end: int = 95, message=None):
    """A callback ``report(done, total)`` for a handler writing rows: the job's percent moves
    from ``start`` to ``end`` as rows are written, saved only when the whole percent changes."""
    text = message or _("Đã ghi %(done)s/%(total)s dòng")
    last = {}

    def report(done: int, total: int):
        percent = start + (end - start) * min(done, total) // max(total, 1)
        if percent != last.get("percent"):
            last["percent"] = percent
            progress(percent, text % {"done": done, "total": total})

    return report


def failure_reason(error: Exception) -> str:
    """What the requester reads when a job fails, in Vietnamese."""
    if isinstance(error, ValidationError):
        return "\n".join(str(m) for m in error.messages)
    if isinstance(error, PermissionDenied):
        return str(error) or _("Bạn không có quyền thực hiện công việc này.")
    if isinstance(error, ValueError) and str(error):
        return str(error)
    return _(
        "Lỗi hệ thống khi thực hiện công việc (%(error)s). Hãy chạy lại; nếu vẫn lỗi, báo quản "
        "trị hệ thống."
    ) % {"error": error.__class__.__name__}


def job_run(job_id: int) -> Job | None:
    """Run one job (called by the Celery task). A job QUEUED, or RUNNING when the worker that
    ran it died, is run; a job DONE or FAILED is left alone (see the module's docstring)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (Job.Status.DONE, Job.Status.FAILED):
            return job
        if job.status == Job.Status.RUNNING:
            logger.warning("Công việc nền %s chạy lại sau khi lần chạy trước bị ngắt", job.pk)
        job.status, job.started_at = Job.Status.RUNNING, timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
    _discover(job.kind)
    try:
        if job.kind not in HANDLERS:
            raise ValidationError(_("Không có loại công việc “%(kind)s”.") % {"kind": job.kind})
        name, content = HANDLERS[job.kind](job, _progress(job.pk))
    except Exception as error:  # the user sees the reason and may retry
        logger.exception("Công việc nền %s lỗi", job.pk)
        return _finish(job.pk, error=failure_reason(error)[:MAX_ERROR])
    return _finish(job.pk, name=name, content=content)


#: The longest failure reason kept (an import's row errors can be many).
MAX_ERROR = 20_000


def job_complete(job: Job, *, name: str, content: bytes) -> Job:
    """Keep the result of ``job`` and mark it done. A handler whose writes must happen once
    calls it inside the transaction of those writes: both are committed together, so a
    delivery after a crash finds the job DONE and does nothing (see the module's docstring)."""
    return _finish(job.pk, name=name, content=content)


@transaction.atomic
def _finish(job_id: int, *, name="", content=b"", error="") -> Job:
    job = Job.objects.select_for_update().get(pk=job_id)
    if job.status == Job.Status.DONE:
        return job  # another delivery of the same job finished first: its result stands
    job.finished_at, job.message = timezone.now(), ""
    if error:
        job.status, job.error = Job.Status.FAILED, error
        job.save(update_fields=["status", "finished_at", "error", "message"])
    else:
        job.result.save(name, ContentFile(content), save=False)
        job.result_name, job.error = name, ""
        job.status, job.progress = Job.Status.DONE, 100
        job.save(
            update_fields=[
                *("result", "result_name", "status", "progress", "finished_at"),
                *("message", "error"),
            ]
        )
    _tell_requester(job)
    return job


def _tell_requester(job: Job):
    """The notification centre tells the requester that the job ended (once per run)."""
    if job.requested_by_id is None:
        return
    from django.urls import reverse

    from .notifications import notify

    done = job.status == Job.Status.DONE
    title = _("Đã xong: %(title)s") if done else _("Công việc bị lỗi: %(title)s")
    notify(
        recipients=[job.requested_by],
        kind="job.finished" if done else "job.failed",
        title=title % {"title": job.title},
        url=reverse("organisation:job", args=[job.pk]),
        obj=job,
        key=f"job-done:{job.pk}:{job.attempts}",
    )


def job_visible(user: User, job: Job) -> bool:
    """The requester sees their job; administrators see all."""
    return user.is_authenticated and (job.requested_by_id == user.pk or user.is_superuser)


def jobs_visible_to(*, user: User) -> QuerySet[Job]:
    """The jobs ``user`` may open, newest first: their own; every job for administrators."""
    queryset = Job.objects.select_related("requested_by").order_by("-created_at", "-pk")
    if not user.is_authenticated:
        return queryset.none()
    return queryset if user.is_superuser else queryset.filter(requested_by=user)


def job_requester(job: Job, *, permission: str | None = None) -> User:
    """The user a handler works as: the job's requester, still active and (when given) still
    holding ``permission``; otherwise the job is refused."""
    user = job.requested_by
    if user is None or not user.is_active:
        raise PermissionDenied(_("Người yêu cầu không còn hoạt động: không thực hiện công việc."))
    if permission and not user.has_perm(permission):
        raise PermissionDenied(_("Bạn không còn quyền thực hiện công việc này."))
    return user
