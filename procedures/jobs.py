"""The catalogue import as a long job (the admin's import page, found by ``qms.core.jobs`` in
a worker process).

The uploaded file is kept under ``MEDIA_ROOT/jobs/inputs/`` (never deleted: the job can be run
again from it, and it shows what was imported); the job imports it as its requester, all or
nothing, with the reason for the change given on the page. Row errors become the job's failure
reason; nothing is written then. The import and the job's result are committed together, so a
worker that dies in the middle leaves either both or neither.
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms.core import jobs
from qms.core.models import Job, User

from .importexport import import_catalogue

IMPORT_JOB = "catalogue_import"
INPUT_DIR = "jobs/inputs"
PERMISSIONS = ("procedures.add_procedure", "procedures.change_procedure")


def catalogue_import_request(*, actor: User, upload, fmt: str, reason: str = "") -> Job:
    """Keep the uploaded catalogue file and ask a worker to import it."""
    if not actor.has_perms(PERMISSIONS):
        raise PermissionDenied
    name = get_valid_filename(upload.name) or f"danh-muc.{fmt}"
    stored = default_storage.save(f"{INPUT_DIR}/{timezone.localdate():%Y/%m}/{name}", upload)
    return jobs.job_submit(
        actor=actor,
        kind=IMPORT_JOB,
        title=_("Nhập danh mục TTHC từ tệp “%(name)s”") % {"name": upload.name},
        params={"file": stored, "name": upload.name, "format": fmt, "reason": reason.strip()},
    )


def _summary_file(report, job: Job) -> bytes:
    lines = [
        _("Nhập danh mục TTHC từ tệp “%(name)s”") % {"name": job.params.get("name", "")},
        report.summary(),
    ]
    if reason := job.params.get("reason"):
        lines.append(_("Lý do thay đổi: %(reason)s") % {"reason": reason})
    for label, keys in (
        (_("Thêm mới"), report.created),
        (_("Cập nhật"), report.updated),
        (_("Không đổi"), report.unchanged),
    ):
        if keys:
            lines.append(f"{label}: {', '.join(keys)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


@jobs.handler(IMPORT_JOB, label=gettext_lazy("Nhập danh mục TTHC"))
def catalogue_import_job(job, progress):
    user = jobs.job_requester(job)
    if not user.has_perms(PERMISSIONS):
        raise PermissionDenied(_("Bạn không còn quyền nhập danh mục thủ tục."))
    progress(10, _("Đọc tệp"))
    try:
        with default_storage.open(job.params["file"], "rb") as stored:
            content = stored.read()
    except (KeyError, OSError) as error:
        raise ValidationError(_("Không còn tệp đã tải lên; hãy tải tệp lên lại.")) from error
    progress(30, _("Kiểm tra và ghi danh mục"))
    with transaction.atomic():  # the catalogue and the job's result, together or neither
        report = import_catalogue(
            actor=user,
            path_or_file=io.BytesIO(content),
            fmt=job.params.get("format", ""),
            reason=job.params.get("reason", ""),
        )
        if not report.ok:
            raise ValidationError([report.summary(), *(str(error) for error in report.errors)])
        name, result = "ket-qua-nhap-danh-muc.txt", _summary_file(report, job)
        jobs.job_complete(job, name=name, content=result)
    return name, result
