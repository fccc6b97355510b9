"""The auditor's downloads: the log search as a spreadsheet, a record's trail as a spreadsheet
and as a certified copy (PDF). Each is built by one function, used by the page (GET, at once)
and by a long job (the page's buttons): the job checks its parameters again and works as its
requester, who must still hold the auditor's permission."""

from __future__ import annotations

import io
import json

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms.core import auditlog, jobs
from qms.core.models import AuditChainHead
from qms.core.pdf import render_pdf
from qms.core.selectors import agency_current

from . import trail as trails

PERMISSION = "core.view_auditevent"
#: Most events in one spreadsheet of the log search.
SEARCH_LIMIT = 50_000
SEARCH_JOB = "audit_search_export"
TRAIL_JOB = "audit_trail_export"
TRAIL_FORMATS = ("xlsx", "pdf")


def _json(value):
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _xlsx_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def search_xlsx(events, *, progress=None) -> bytes:
    """The events of a log search (at most :data:`SEARCH_LIMIT`) as a workbook;
    ``progress(done, total)`` is called as rows are written."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Nhat ky"
    sheet.append(
        [
            _("Số"),
            _("Thời điểm"),
            _("Người thực hiện"),
            _("Thao tác"),
            _("Loại bản ghi"),
            _("Mã"),
            _("Bản ghi"),
            _("Đơn vị"),
            _("Trước"),
            _("Sau"),
            _("Lý do"),
            _("Mã băm"),
        ]
    )
    events = events[:SEARCH_LIMIT]
    total = events.count() if progress else 0
    for done, event in enumerate(events.iterator(chunk_size=2000), start=1):
        sheet.append(
            [
                event.seq,
                timezone.localtime(event.at).replace(tzinfo=None),
                event.actor_name,
                str(auditlog.ACTIONS.get(event.action, event.action)),
                event.object_type,
                event.object_id,
                event.object_repr,
                event.unit.name if event.unit else "",
                _json(event.before),
                _json(event.after),
                event.reason,
                event.hash,
            ]
        )
        if progress:
            progress(done, total)
    return _xlsx_bytes(book)


def search_filters(query) -> dict[str, str]:
    """The search's filters of a query (``request.GET``), as the job keeps them."""
    from .views import SearchForm

    names = SearchForm().fields
    return {name: str(query.get(name)) for name in names if query.get(name) not in (None, "")}


def search_events(filters: dict):
    """The events matching ``filters``, validated by the search form; bad filters raise."""
    from .views import SearchForm

    form = SearchForm(filters or None)
    if form.is_bound and not form.is_valid():
        raise ValidationError(
            [
                f"{form.fields[name].label}: {' '.join(errors)}"
                if name in form.fields
                else " ".join(errors)
                for name, errors in form.errors.items()
            ]
        )
    cleaned = form.cleaned_data if form.is_bound else {}
    return trails.events_search(**{k: v for k, v in cleaned.items() if v not in (None, "")})


def trail_xlsx(trail) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Dien bien"
    sheet.append([_("Bản ghi"), trail.title])
    sheet.append([])
    sheet.append(
        [
            _("Thời điểm"),
            _("Nguồn"),
            _("Người thực hiện"),
            _("Nội dung"),
            _("Đối tượng"),
            _("Thay đổi"),
            _("Lý do"),
            _("Số sự kiện"),
            _("Mã băm"),
        ]
    )
    for entry in trail.entries:
        sheet.append(
            [
                timezone.localtime(entry.at).replace(tzinfo=None),
                str(entry.kind_label),
                entry.actor,
                entry.title,
                entry.record,
                "\n".join(f"{c.label}: {c.old} → {c.new}" for c in entry.changes),
                entry.reason,
                entry.seq or "",
                entry.hash,
            ]
        )
    return _xlsx_bytes(book)


def trail_pdf(trail, *, printed_by) -> bytes:
    """A certified copy of a record's trail: every entry, and each log event re-hashed and
    linked to its predecessor, with the chain head at the time of printing."""
    from .views import record_signatures

    checks = trails.check_events(trail.events)
    return render_pdf(
        "audits/trail_pdf.html",
        {
            "agency": agency_current(),
            "trail": trail,
            "checks": checks,
            "all_ok": all(c.ok for c in checks),
            "signatures": record_signatures(trail.obj),
            "head": AuditChainHead.objects.filter(pk=1).first(),
            "printed_at": timezone.localtime(),
            "printed_by": printed_by,
        },
    )


def trail_file(trail, export_format: str, *, printed_by) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of a trail's download."""
    stem = f"{trail.object_type.replace('.', '-')}-{trail.object_id}"
    if export_format == "pdf":
        return (
            f"ban-sao-nhat-ky-{stem}.pdf",
            "application/pdf",
            trail_pdf(trail, printed_by=printed_by),
        )
    return (
        f"nhat-ky-{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        trail_xlsx(trail),
    )


# --- as long jobs -------------------------------------------------------------------------------


def search_export_request(*, actor, filters: dict):
    """Ask a worker for the log search as a spreadsheet (bad filters are refused now, and
    checked again when the job runs)."""
    search_events(filters)
    return jobs.job_submit(
        actor=actor,
        kind=SEARCH_JOB,
        title=_("Nhật ký kiểm tra, tệp Excel"),
        params={"filters": filters},
    )


@jobs.handler(SEARCH_JOB, label=gettext_lazy("Xuất nhật ký kiểm tra"))
def search_export_job(job, progress):
    """Only reads: running it again gives the same rows."""
    jobs.job_requester(job, permission=PERMISSION)
    events = search_events(job.params.get("filters") or {})
    progress(2, _("Tìm sự kiện"))
    content = search_xlsx(events, progress=jobs.rows_progress(progress))
    return "nhat-ky-kiem-tra.xlsx", content


def _trail(object_type: str, object_id) -> trails.Trail:
    try:
        return trails.record_trail(str(object_type), str(object_id))
    except Http404 as error:
        raise ValidationError(str(error) or _("Không tìm thấy bản ghi.")) from error


def trail_export_request(*, actor, object_type: str, object_id, export_format: str):
    if export_format not in TRAIL_FORMATS:
        raise ValidationError(_("Định dạng không được hỗ trợ: %(fmt)s.") % {"fmt": export_format})
    trail = _trail(object_type, object_id)
    what = _("bản sao có xác thực (PDF)") if export_format == "pdf" else _("tệp Excel")
    return jobs.job_submit(
        actor=actor,
        kind=TRAIL_JOB,
        title=_("Diễn biến bản ghi “%(title)s”, %(what)s") % {"title": trail.title, "what": what},
        params={"object_type": object_type, "object_id": str(object_id), "format": export_format},
    )


@jobs.handler(TRAIL_JOB, label=gettext_lazy("Xuất diễn biến bản ghi"))
def trail_export_job(job, progress):
    """Only reads: running it again gives the same trail (printed at the time of the run)."""
    user = jobs.job_requester(job, permission=PERMISSION)
    export_format = job.params.get("format", "xlsx")
    if export_format not in TRAIL_FORMATS:
        raise ValidationError(_("Định dạng không được hỗ trợ: %(fmt)s.") % {"fmt": export_format})
    progress(5, _("Tổng hợp diễn biến"))
    trail = _trail(job.params.get("object_type", ""), job.params.get("object_id", ""))
    progress(40, _("Dựng tệp"))
    name, _content_type, content = trail_file(trail, export_format, printed_by=user)
    return name, content
