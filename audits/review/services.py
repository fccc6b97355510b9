"""Writes of the management review. Each is atomic, validated first, one audit event."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms.core import auditlog, jobs
from qms.core.models import Job, OrgUnit, Signature, User
from qms.core.signatures import signature_sign

from .models import ManagementReview, ReviewAction, ReviewReport

S = ManagementReview.Status
REPORT_JOB = "management_review_report"
PURPOSE_REPORT = "management_review.report"

REVIEW_CREATE = auditlog.action("review.create", gettext_lazy("Lập cuộc xem xét của lãnh đạo"))
REVIEW_COMPILE = auditlog.action(
    "review.compile", gettext_lazy("Tổng hợp đầu vào xem xét của lãnh đạo")
)
REVIEW_RECORD = auditlog.action("review.record", gettext_lazy("Ghi biên bản xem xét của lãnh đạo"))
ACTION_ADD = auditlog.action("review.action_add", gettext_lazy("Giao hành động sau xem xét"))
ACTION_DONE = auditlog.action(
    "review.action_done", gettext_lazy("Hoàn thành hành động sau xem xét")
)
REPORT_SAVE = auditlog.action("review.report", gettext_lazy("Lập báo cáo xem xét của lãnh đạo"))


def _require(condition, message):
    if not condition:
        raise ValidationError(message)


def _not_closed(review: ManagementReview):
    _require(
        review.status != S.CLOSED,
        _("Báo cáo xem xét “%(title)s” đã được ký: không thay đổi được nữa.")
        % {"title": review.title},
    )


@transaction.atomic
def review_create(
    *,
    actor: User,
    title: str,
    period_from: dt.date,
    period_to: dt.date,
    chair: User,
    participants: str = "",
    meeting_date: dt.date | None = None,
) -> ManagementReview:
    _require((title or "").strip(), _("Phải ghi tên cuộc xem xét."))
    _require(
        period_from <= period_to, _("Ngày bắt đầu kỳ xem xét phải trước hoặc bằng ngày kết thúc.")
    )
    _require(
        period_to - period_from <= dt.timedelta(days=3 * 366),
        _("Kỳ xem xét dài nhất 3 năm."),
    )
    review = ManagementReview(
        title=title.strip(),
        period_from=period_from,
        period_to=period_to,
        chair=chair,
        participants=participants,
        meeting_date=meeting_date,
        created_by=actor,
    )
    review.full_clean()
    review.save()
    auditlog.record(actor=actor, action=REVIEW_CREATE, obj=review, after=auditlog.snapshot(review))
    return review


@transaction.atomic
def review_compile_inputs(*, actor: User | None, review: ManagementReview) -> ManagementReview:
    """Compile the inputs of 9.3.2 from the data of the period (recompiling replaces them)."""
    from .inputs import compile_inputs

    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    _not_closed(review)
    before = review.inputs_compiled_at
    review.inputs = auditlog.jsonable(compile_inputs(review))
    review.inputs_compiled_at = timezone.now()
    if review.status == S.PLANNED:
        review.status = S.COMPILED
    review.save()
    auditlog.record(
        actor=actor,
        action=REVIEW_COMPILE,
        obj=review,
        before={"inputs_compiled_at": before},
        after={"inputs_compiled_at": review.inputs_compiled_at},
    )
    return review


@transaction.atomic
def review_record_meeting(
    *,
    actor: User,
    review: ManagementReview,
    meeting_date: dt.date | None,
    participants: str,
    external_issues: str,
    resources: str,
    minutes: str,
) -> ManagementReview:
    review = ManagementReview.objects.select_for_update().get(pk=review.pk)
    _not_closed(review)
    before = auditlog.snapshot(
        review, fields=["meeting_date", "participants", "external_issues", "resources", "minutes"]
    )
    if minutes.strip():
        _require(meeting_date, _("Phải ghi ngày họp khi ghi kết luận cuộc họp."))
        _require(review.inputs, _("Phải tổng hợp đầu vào trước khi ghi kết luận cuộc họp."))
    review.meeting_date = meeting_date
    review.participants = participants
    review.external_issues = external_issues
    review.resources = resources
    review.minutes = minutes
    if minutes.strip() and review.status in (S.PLANNED, S.COMPILED):
        review.status = S.HELD
    review.full_clean()
    review.save()
    old, new = auditlog.changes(before, auditlog.snapshot(review, fields=list(before)))
    auditlog.record(actor=actor, action=REVIEW_RECORD, obj=review, before=old, after=new)
    return review


@transaction.atomic
def review_action_add(
    *,
    actor: User,
    review: ManagementReview,
    kind: str,
    description: str,
    owner_unit: OrgUnit,
    owner: User | None,
    due_date: dt.date,
) -> ReviewAction:
    _not_closed(review)
    _require((description or "").strip(), _("Phải ghi nội dung hành động."))
    _require(
        due_date >= (review.meeting_date or review.period_to),
        _("Hạn hoàn thành phải sau ngày họp xem xét."),
    )
    if owner is not None:
        _require(
            owner.memberships.filter(unit=owner_unit).exists(),
            _("%(user)s không thuộc %(unit)s.") % {"user": owner, "unit": owner_unit},
        )
    action = ReviewAction(
        review=review,
        kind=kind,
        description=description.strip(),
        owner_unit=owner_unit,
        owner=owner,
        due_date=due_date,
    )
    action.full_clean()
    action.save()
    auditlog.record(
        actor=actor,
        action=ACTION_ADD,
        obj=review,
        unit=owner_unit,
        after=auditlog.snapshot(action),
    )
    return action


@transaction.atomic
def review_action_complete(*, actor: User, action: ReviewAction, result: str) -> ReviewAction:
    action = ReviewAction.objects.select_for_update().get(pk=action.pk)
    _require(action.status == ReviewAction.Status.OPEN, _("Hành động này đã hoàn thành."))
    _require((result or "").strip(), _("Phải ghi kết quả thực hiện."))
    action.status = ReviewAction.Status.DONE
    action.done_at = timezone.now()
    action.result = result.strip()
    action.full_clean()
    action.save()
    auditlog.record(
        actor=actor,
        action=ACTION_DONE,
        obj=action.review,
        unit=action.owner_unit,
        before={"action": action.pk, "status": "open"},
        after={"action": action.pk, "status": "done", "result": action.result},
    )
    return action


def review_report_request(*, actor: User, review: ManagementReview) -> Job:
    """Ask a worker for the ISO review report of ``review`` (progress on the job page)."""
    _require(review.inputs, _("Phải tổng hợp đầu vào trước khi lập báo cáo."))
    return jobs.job_submit(
        actor=actor,
        kind=REPORT_JOB,
        title=_("Báo cáo xem xét của lãnh đạo: %(title)s") % {"title": review.title},
        params={"review": review.pk},
    )


def report_content(review: ManagementReview) -> dict:
    """What the director's signature on the review's report covers: the period, the inputs
    the meeting saw (by their hash), its conclusions and its decisions and actions."""
    from qms.core.signatures import content_hash

    return {
        "review": review.pk,
        "title": review.title,
        "period": [review.period_from, review.period_to],
        "inputs_sha256": content_hash(review.inputs or {}),
        "minutes": review.minutes,
        "actions": [
            [a.kind, a.description, a.owner_unit_id, a.due_date]
            for a in review.actions.order_by("pk")
        ],
    }


def review_report_of_job(job: Job) -> ReviewReport | None:
    """The report an earlier run of ``job`` already saved (a run cut short after saving)."""
    return ReviewReport.objects.filter(job=job).first()


@transaction.atomic
def review_report_save(*, job: Job, review: ManagementReview, name: str, content: bytes):
    """Keep the report built by ``job``: one report per job, whatever the number of runs (the
    worker may die after saving it and run the job again, see :mod:`qms.core.jobs`): the job
    row is locked and a report already saved for it is returned unchanged."""
    Job.objects.select_for_update().filter(pk=job.pk).first()
    existing = review_report_of_job(job)
    if existing is not None:
        return existing
    report = ReviewReport(
        review=review,
        job=job,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        generated_at=timezone.now(),
    )
    report.file.save(name, ContentFile(content), save=False)
    report.full_clean()
    report.save()
    auditlog.record(
        actor=job.requested_by,
        action=REPORT_SAVE,
        obj=review,
        after={"report": report.pk, "sha256": report.sha256, "size": report.size},
    )
    return report


@transaction.atomic
def review_report_sign(*, actor: User, password: str, report: ReviewReport) -> Signature:
    review = ManagementReview.objects.select_for_update().get(pk=report.review_id)
    _not_closed(review)
    _require(review.status == S.HELD, _("Phải ghi kết luận cuộc họp trước khi ký báo cáo."))
    latest = review.reports.order_by("-generated_at", "-pk").first()
    _require(
        latest is not None and latest.pk == report.pk,
        _("Chỉ ký được báo cáo lập gần nhất của cuộc xem xét."),
    )
    signature = signature_sign(
        user=actor,
        password=password,
        obj=report,
        purpose=PURPOSE_REPORT,
        meaning=Signature.Meaning.APPROVED,
        content=report_content(review),
    )
    review.status = S.CLOSED
    review.save(update_fields=["status"])
    return signature


ANNOUNCE = auditlog.action(
    "conformity.announce", gettext_lazy("Công bố hệ thống quản lý chất lượng phù hợp TCVN ISO 9001")
)


@transaction.atomic
def conformity_announce(
    *,
    actor: User,
    decision_number: str,
    decision_date: dt.date,
    signed_by: str,
    scope: str,
    procedures=(),
    standard: str = "TCVN ISO 9001:2015",
    reason: str = "",
):
    """Record the decision announcing conformity; a later one is a re-announcement that
    replaces the decision in force (its reason is required)."""
    from .models import ConformityAnnouncement

    _require((decision_number or "").strip(), _("Phải ghi số quyết định."))
    _require((signed_by or "").strip(), _("Phải ghi người ký quyết định."))
    _require((scope or "").strip(), _("Phải ghi phạm vi áp dụng."))
    _require(decision_date <= timezone.localdate(), _("Ngày quyết định không được ở tương lai."))
    current = (
        ConformityAnnouncement.objects.select_for_update(of=("self",))
        .filter(replaced_by__isnull=True)
        .order_by("-decision_date", "-pk")
        .first()
    )
    if current is not None:
        _require(
            (reason or "").strip(),
            _("Công bố lại: phải ghi lý do (thay đổi phạm vi, tiêu chuẩn…)."),
        )
        _require(
            decision_date >= current.decision_date,
            _("Quyết định công bố lại phải sau quyết định đang hiệu lực (%(n)s).") % {"n": current},
        )
    _require(
        not ConformityAnnouncement.objects.filter(decision_number=decision_number.strip()).exists(),
        _("Số quyết định %(n)s đã được nhập.") % {"n": decision_number},
    )
    announcement = ConformityAnnouncement(
        kind=ConformityAnnouncement.Kind.RENEWAL if current else ConformityAnnouncement.Kind.FIRST,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        signed_by=signed_by.strip(),
        standard=standard,
        scope=scope.strip(),
        reason=(reason or "").strip(),
        replaces=current,
        created_by=actor,
    )
    announcement.full_clean()
    announcement.save()
    announcement.procedures.set(procedures)
    auditlog.record(
        actor=actor,
        action=ANNOUNCE,
        obj=announcement,
        after={
            **auditlog.snapshot(announcement),
            "procedures": sorted(p.pk for p in procedures),
        },
        reason=announcement.reason,
    )
    return announcement
