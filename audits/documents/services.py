"""Writes of controlled documents (ISO 9001:2015 clause 7.5).

Each service is one business action: atomic, everything validated before anything is written
(a Vietnamese ``ValidationError`` otherwise, nothing written), a :class:`DocumentAction` row for
the version's status history and one audit-log event. The approval is also an electronic
signature (password re-entered) over :func:`signing.version_approval_content`.

The life of a version: drafted by its owner unit and sent for review (``in_review``) → the
head of the owner unit agrees (or sends it back: ``draft``, revised and sent again) → a
director approves and signs, choosing the effective date (``approved``) → on that date it
becomes ``effective`` and the previous effective version becomes ``superseded`` at the same
moment. The quality manager withdraws an effective document with a reason; documents issued
before the system (or outside it) are registered with their issuing decision.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms.core import auditlog, notifications
from qms.core.models import OrgUnit, Signature, User
from qms.core.signatures import check_password, signature_sign
from qms.core.uploads import validate_upload

from . import selectors, signing
from .models import (
    ControlledDocument,
    DocumentAction,
    DocumentDistribution,
    DocumentVersion,
    ReviewReminder,
)

logger = logging.getLogger(__name__)

S = DocumentVersion.Status
A = DocumentAction.Kind

#: One audit-log action per kind of step in a version's life (``document.<kind>``).
DOCUMENT_ACTIONS = {
    value: auditlog.action(f"document.{value}", label) for value, label in A.choices
}
REVIEW_REMINDER = auditlog.action(
    "document.review_reminder", gettext_lazy("Nhắc xem xét định kỳ tài liệu")
)
#: The notification of a periodic review coming due (the reminder above, to each person).
REVIEW_DUE = notifications.kind(
    "document.review_due", gettext_lazy("Tài liệu đến hạn xem xét định kỳ")
)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
REVIEW_AGREE, REVIEW_SEND_BACK = "agree", "send_back"
APPROVE, APPROVE_SEND_BACK = "approve", "send_back"


@dataclass
class DocumentFields:
    """The register entry of a new document."""

    code: str
    title: str
    kind: str
    owner_unit: OrgUnit
    review_period_months: int = 12
    retention_years: int | None = None
    retention_note: str = ""


@dataclass
class VersionFields:
    """The content of a version: its number, title, file, summary and distribution."""

    version: str
    title: str
    file: object | None
    change_summary: str
    distribution: Iterable[OrgUnit] = field(default_factory=list)
    procedure_version: object | None = None


# --- helpers --------------------------------------------------------------------------------


def _require(condition, message, field_name=None):
    if not condition:
        raise ValidationError({field_name: message} if field_name else message)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check_file(file) -> tuple[object, str]:
    """Validate an uploaded file by content; return it renamed and its SHA-256."""
    _require(file, _("Phải đính kèm tệp tài liệu (PDF hoặc ảnh quét)."), "file")
    extension = validate_upload(file)
    digest = signing.file_sha256(file)
    file.name = f"tai-lieu.{extension}"
    return file, digest


def _check_version_fields(
    fields: VersionFields, document: ControlledDocument | None, *, current=None
):
    """Normalise and check a version's content; ``current`` is the version being revised."""
    fields.version = (fields.version or "").strip()
    fields.title = (fields.title or "").strip()
    fields.change_summary = (fields.change_summary or "").strip()
    _require(fields.version, _("Phải ghi số phiên bản (lần ban hành)."), "version")
    _require(fields.title, _("Phải ghi tên tài liệu."), "title")
    _require(
        fields.change_summary,
        _("Phải ghi nội dung ban hành hoặc nội dung sửa đổi của phiên bản."),
        "change_summary",
    )
    if document is not None and document.pk:
        taken = document.versions.filter(version=fields.version)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        _require(
            not taken.exists(),
            _("Tài liệu %(code)s đã có phiên bản %(version)s.")
            % {"code": document.code, "version": fields.version},
            "version",
        )
    units = list(fields.distribution or [])
    agency_id = document.owner_unit.agency_id if document else None
    for unit in units:
        _require(unit.is_active, _("Đơn vị %(unit)s đã ngừng hoạt động.") % {"unit": unit})
        if agency_id is not None:
            _require(
                unit.agency_id == agency_id,
                _("Nơi nhận %(unit)s không thuộc cơ quan ban hành tài liệu.") % {"unit": unit},
            )
    fields.distribution = units


def _check_procedure_link(procedure_version, kind: str, document: ControlledDocument | None):
    if procedure_version is None:
        return
    _require(
        kind == ControlledDocument.Kind.PROCEDURE,
        _("Chỉ tài liệu loại “Quy trình” mới gắn với quy trình nội bộ của thủ tục hành chính."),
        "procedure_version",
    )
    holder = selectors.document_for_procedure_version(procedure_version)
    _require(
        holder is None or (document is not None and holder.document_id == document.pk),
        _("Quy trình nội bộ của %(procedure)s đã là tài liệu %(code)s.")
        % {"procedure": procedure_version, "code": holder.document.code if holder else ""},
        "procedure_version",
    )


def _set_distribution(version: DocumentVersion, units: Iterable[OrgUnit]) -> None:
    wanted = {unit.pk: unit for unit in units}
    for row in version.distribution_rows.all():
        if row.unit_id not in wanted:
            row.delete()
        else:
            wanted.pop(row.unit_id)
    for unit in wanted.values():
        DocumentDistribution.objects.create(version=version, unit=unit)


def _snapshot(version: DocumentVersion) -> dict:
    values = auditlog.snapshot(version)
    values["distribution"] = sorted(version.distribution_rows.values_list("unit_id", flat=True))
    return values


def _act(
    version: DocumentVersion,
    *,
    kind: str,
    actor: User | None,
    comment: str = "",
    task_id=None,
    at=None,
    before=None,
    after=None,
    obj=None,
    audit: bool = True,
) -> DocumentAction:
    """Add a step to the version's status history and, unless ``audit`` is False, the business
    action's audit-log event."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    action = DocumentAction(
        version=version,
        kind=kind,
        status=version.status,
        actor=actor,
        comment=comment,
        task_id=task_id,
        at=at or timezone.now(),
    )
    action.full_clean()
    action.save()
    if audit:
        auditlog.record(
            actor=actor,
            action=DOCUMENT_ACTIONS[kind],
            obj=obj or version,
            unit=version.document.owner_unit,
            before=before,
            after=after,
            reason=comment,
            at=action.at,
        )
    return action


def _change(version: DocumentVersion, **changes) -> tuple[dict, dict]:
    old = _snapshot(version)
    for name, value in changes.items():
        setattr(version, name, value)
    version.full_clean()
    version.save()
    return auditlog.changes(old, _snapshot(version))


def _require_status(version: DocumentVersion, *allowed):
    _require(
        version.status in allowed,
        _(
            "Phiên bản %(version)s đang ở trạng thái “%(status)s”, không thực hiện được thao "
            "tác này."
        )
        % {"version": version, "status": version.get_status_display()},
    )


def _require_drafter(actor: User, document: ControlledDocument):
    _require(
        actor.is_authenticated and actor.has_perm(selectors.WORK_PERMISSION, document.owner_unit),
        _("Chỉ cán bộ của %(unit)s (đơn vị chủ trì) được soạn thảo tài liệu này.")
        % {"unit": document.owner_unit},
    )


def _lock(version: DocumentVersion) -> DocumentVersion:
    """Re-read ``version`` under a row lock so that two people cannot act on it at once."""
    locked = (
        DocumentVersion.objects.select_for_update().select_related("document").get(pk=version.pk)
    )
    version.__dict__.update(
        {f.attname: getattr(locked, f.attname) for f in DocumentVersion._meta.concrete_fields}
    )
    return version


# --- drafting -------------------------------------------------------------------------------


@transaction.atomic
def document_draft_new(
    *, actor: User, document: DocumentFields, content: VersionFields, task_id=None
) -> DocumentVersion:
    """A unit drafts a new controlled document and sends its first version for review."""
    code = (document.code or "").strip()
    _require(code, _("Phải ghi mã tài liệu."), "code")
    _require(
        CODE_PATTERN.match(code),
        _("Mã tài liệu chỉ gồm chữ cái không dấu, chữ số và các dấu . - _ /, ví dụ QT.01."),
        "code",
    )
    _require(
        not ControlledDocument.objects.filter(code__iexact=code).exists(),
        _("Mã tài liệu %(code)s đã được dùng.") % {"code": code},
        "code",
    )
    entry = ControlledDocument(
        code=code,
        title=(document.title or content.title or "").strip(),
        kind=document.kind,
        owner_unit=document.owner_unit,
        review_period_months=document.review_period_months,
        retention_years=document.retention_years,
        retention_note=(document.retention_note or "").strip(),
    )
    content.title = content.title or entry.title
    _require_drafter(actor, entry)
    _check_version_fields(content, entry)
    _check_procedure_link(content.procedure_version, entry.kind, None)
    file, digest = _check_file(content.file)
    entry.full_clean()
    entry.save()
    return _create_version(actor, entry, content, file, digest, task_id=task_id)


@transaction.atomic
def document_draft_revision(
    *, actor: User, document: ControlledDocument, content: VersionFields, task_id=None
) -> DocumentVersion:
    """The owner unit drafts a new version of an existing document and sends it for review."""
    document = ControlledDocument.objects.select_for_update().get(pk=document.pk)
    _require_drafter(actor, document)
    _require(
        not document.is_withdrawn,
        _("Tài liệu %(code)s đã bị thu hồi, không sửa đổi được.") % {"code": document.code},
    )
    in_work = selectors.version_in_work(document)
    _require(
        in_work is None,
        _("Tài liệu %(code)s đang có dự thảo phiên bản %(version)s chưa ban hành.")
        % {"code": document.code, "version": in_work.version if in_work else ""},
    )
    content.title = content.title or document.title
    _check_version_fields(content, document)
    _check_procedure_link(content.procedure_version, document.kind, document)
    file, digest = _check_file(content.file)
    return _create_version(actor, document, content, file, digest, task_id=task_id)


def _create_version(actor, document, content: VersionFields, file, digest, *, task_id):
    version = DocumentVersion(
        document=document,
        version=content.version,
        title=content.title,
        file=file,
        file_sha256=digest,
        change_summary=content.change_summary,
        status=S.IN_REVIEW,
        author=actor,
        prepared_at=timezone.now(),
        procedure_version=content.procedure_version,
    )
    version.full_clean()
    version.save()
    _set_distribution(version, content.distribution)
    _act(
        version,
        kind=A.SUBMITTED,
        actor=actor,
        task_id=task_id,
        after={**auditlog.snapshot(document), **_snapshot(version)},
    )
    return version


@transaction.atomic
def document_version_revise(
    *, actor: User, version: DocumentVersion, content: VersionFields, comment="", task_id=None
) -> DocumentVersion:
    """The author revises a draft sent back and sends it for review again; without a new
    file the draft keeps its file."""
    version = _lock(version)
    _require_status(version, S.DRAFT)
    _require_drafter(actor, version.document)
    _check_version_fields(content, version.document, current=version)
    _check_procedure_link(content.procedure_version, version.document.kind, version.document)
    changes = {
        "version": content.version,
        "title": content.title,
        "change_summary": content.change_summary,
        "procedure_version": content.procedure_version,
        "status": S.IN_REVIEW,
        "reviewer": None,
        "reviewed_at": None,
    }
    if content.file:
        changes["file"], changes["file_sha256"] = _check_file(content.file)
    old = _snapshot(version)
    for name, value in changes.items():
        setattr(version, name, value)
    version.full_clean()
    version.save()
    _set_distribution(version, content.distribution)
    before, after = auditlog.changes(old, _snapshot(version))
    _act(
        version,
        kind=A.RESUBMITTED,
        actor=actor,
        comment=(comment or "").strip(),
        task_id=task_id,
        before=before,
        after=after,
    )
    return version


@transaction.atomic
def document_version_abandon(
    *, actor: User, version: DocumentVersion, reason: str, task_id=None
) -> DocumentVersion:
    """The author gives up a draft sent back (it is kept, marked withdrawn, with the reason)."""
    version = _lock(version)
    _require_status(version, S.DRAFT)
    _require_drafter(actor, version.document)
    reason = (reason or "").strip()
    _require(reason, _("Phải ghi lý do huỷ dự thảo."), "reason")
    before, after = _change(
        version, status=S.WITHDRAWN, withdrawn_at=timezone.now(), withdrawal_reason=reason
    )
    _act(
        version,
        kind=A.ABANDONED,
        actor=actor,
        comment=reason,
        task_id=task_id,
        before=before,
        after=after,
    )
    return version


# --- review and approval --------------------------------------------------------------------


@transaction.atomic
def document_version_review(
    *, actor: User, version: DocumentVersion, decision: str, comment: str = "", task_id=None
) -> DocumentVersion:
    """The head of the owner unit agrees with the draft (it goes to a director) or sends it
    back to its author with a comment."""
    version = _lock(version)
    _require_status(version, S.IN_REVIEW)
    _require(version.reviewer_id is None, _("Dự thảo này đã được xem xét."))
    _require(
        selectors.can_review(actor, version.document),
        _("Chỉ lãnh đạo %(unit)s được xem xét dự thảo này.")
        % {"unit": selectors.review_unit_for(version.document.owner_unit)},
    )
    _require(
        actor.pk != version.author_id,
        _("Người soạn thảo không tự xem xét dự thảo của mình."),
    )
    comment = (comment or "").strip()
    now = timezone.now()
    if decision == REVIEW_AGREE:
        before, after = _change(version, reviewer=actor, reviewed_at=now)
        kind = A.AGREED
    elif decision == REVIEW_SEND_BACK:
        _require(comment, _("Trả lại dự thảo phải ghi rõ nội dung cần sửa."), "comment")
        before, after = _change(version, status=S.DRAFT)
        kind = A.SENT_BACK
    else:
        raise ValidationError({"decision": _("Chọn ý kiến xem xét.")})
    _act(
        version,
        kind=kind,
        actor=actor,
        comment=comment,
        task_id=task_id,
        at=now,
        before=before,
        after=after,
    )
    return version


@transaction.atomic
def document_version_approve(
    *,
    actor: User,
    version: DocumentVersion,
    decision: str,
    password: str = "",
    effective_from: dt.date | None = None,
    comment: str = "",
    task_id=None,
) -> DocumentVersion:
    """A director approves the reviewed draft, signing it electronically (password again) and
    choosing the day it takes effect — at once when that day is today — or sends it back."""
    version = _lock(version)
    document = version.document
    _require_status(version, S.IN_REVIEW)
    _require(version.reviewer_id is not None, _("Dự thảo chưa được lãnh đạo đơn vị xem xét."))
    _require(
        selectors.can_approve(actor, document),
        _("Chỉ Lãnh đạo Sở được phê duyệt ban hành tài liệu."),
    )
    _require(
        actor.pk not in (version.author_id, version.reviewer_id),
        _("Người soạn thảo hoặc người đã xem xét dự thảo không phê duyệt chính dự thảo đó."),
    )
    _require(
        not document.is_withdrawn,
        _("Tài liệu %(code)s đã bị thu hồi.") % {"code": document.code},
    )
    comment = (comment or "").strip()
    now = timezone.now()
    if decision == APPROVE_SEND_BACK:
        _require(comment, _("Trả lại dự thảo phải ghi rõ nội dung cần sửa."), "comment")
        before, after = _change(version, status=S.DRAFT, reviewer=None, reviewed_at=None)
        _act(
            version,
            kind=A.SENT_BACK,
            actor=actor,
            comment=comment,
            task_id=task_id,
            at=now,
            before=before,
            after=after,
        )
        return version
    _require(decision == APPROVE, _("Chọn ý kiến phê duyệt."), "decision")
    today = timezone.localdate(now)
    _require(effective_from, _("Chọn ngày tài liệu có hiệu lực."), "effective_from")
    _require(
        effective_from >= today,
        _("Ngày hiệu lực không được trước ngày phê duyệt (%(day)s).")
        % {"day": today.strftime("%d/%m/%Y")},
        "effective_from",
    )
    check_password(actor, password)
    before, after = _change(
        version,
        status=S.APPROVED,
        approver=actor,
        approved_at=now,
        effective_from=effective_from,
    )
    _act(
        version,
        kind=A.APPROVED,
        actor=actor,
        comment=comment,
        task_id=task_id,
        at=now,
        before=before,
        after=after,
    )
    signature_sign(
        user=actor,
        password=password,
        obj=version,
        purpose=signing.PURPOSE_APPROVAL,
        meaning=Signature.Meaning.APPROVED,
        content=signing.version_approval_content(version, file_hash=version.file_sha256),
        unit=document.owner_unit,
    )
    if effective_from <= today:
        document_version_take_effect(version=version, actor=actor, at=now)
    return version


# --- taking effect, superseding, withdrawal -------------------------------------------------


@transaction.atomic
def document_version_take_effect(
    *, version: DocumentVersion, actor: User | None = None, at=None
) -> DocumentVersion:
    """An approved version becomes effective; the document's effective version, if any,
    becomes superseded at the same moment. The register takes the new version's title."""
    version = _lock(version)
    at = at or timezone.now()
    _require_status(version, S.APPROVED)
    _require(
        version.effective_from <= timezone.localdate(at),
        _("Phiên bản %(version)s chỉ có hiệu lực từ ngày %(day)s.")
        % {"version": version, "day": version.effective_from.strftime("%d/%m/%Y")},
    )
    document = ControlledDocument.objects.select_for_update().get(pk=version.document_id)
    _require(
        not document.is_withdrawn,
        _("Tài liệu %(code)s đã bị thu hồi.") % {"code": document.code},
    )
    previous = (
        DocumentVersion.objects.select_for_update()
        .filter(document=document, status=S.EFFECTIVE)
        .first()
    )
    if previous is not None:
        previous.document = document
        _change(previous, status=S.SUPERSEDED, superseded_at=at, superseded_by=version)
        _act(
            previous,
            kind=A.SUPERSEDED,
            actor=actor,
            at=at,
            comment=_("Thay thế bởi phiên bản %(version)s.") % {"version": version.version},
            audit=False,
        )
    before, after = _change(
        version,
        status=S.EFFECTIVE,
        next_review_due=add_months(version.effective_from, document.review_period_months),
    )
    if document.title != version.title:
        document.title = version.title
        document.full_clean()
        document.save()
    version.document = document
    _act(
        version,
        kind=A.TOOK_EFFECT,
        actor=actor,
        at=at,
        before=before,
        after={**after, "superseded": previous.pk if previous else None},
    )
    return version


def documents_take_effect_due(*, on: dt.date | None = None) -> list[DocumentVersion]:
    """Make every approved version whose effective date has come effective (daily job);
    idempotent: a version already effective is not touched again."""
    on = on or timezone.localdate()
    done = []
    for version in selectors.versions_to_take_effect(on=on):
        try:
            done.append(document_version_take_effect(version=version))
        except ValidationError as error:
            logger.warning("Không đưa được %s vào hiệu lực: %s", version, error.messages)
    return done


@transaction.atomic
def document_withdraw(
    *, actor: User, document: ControlledDocument, reason: str
) -> ControlledDocument:
    """The quality manager withdraws an effective document (it no longer applies): its
    effective version is withdrawn and staff no longer see it. The reason is mandatory."""
    if not selectors.is_quality_manager(actor):
        raise PermissionDenied(_("Chỉ Thư ký ISO (quản lý chất lượng) được thu hồi tài liệu."))
    document = ControlledDocument.objects.select_for_update().get(pk=document.pk)
    reason = (reason or "").strip()
    _require(reason, _("Phải ghi lý do thu hồi tài liệu."), "reason")
    _require(
        not document.is_withdrawn,
        _("Tài liệu %(code)s đã được thu hồi trước đó.") % {"code": document.code},
    )
    effective = selectors.effective_version(document)
    _require(
        effective is not None,
        _("Tài liệu %(code)s không có phiên bản đang hiệu lực để thu hồi.")
        % {"code": document.code},
    )
    in_work = selectors.version_in_work(document)
    _require(
        in_work is None,
        _(
            "Tài liệu %(code)s đang có dự thảo phiên bản %(version)s: kết thúc hoặc huỷ dự thảo "
            "trước khi thu hồi."
        )
        % {"code": document.code, "version": in_work.version if in_work else ""},
    )
    now = timezone.now()
    before = auditlog.snapshot(document)
    document.is_withdrawn = True
    document.withdrawn_at = now
    document.withdrawn_by = actor
    document.withdrawal_reason = reason
    document.full_clean()
    document.save()
    effective.document = document
    _change(effective, status=S.WITHDRAWN, withdrawn_at=now, withdrawal_reason=reason)
    document_before, document_after = auditlog.changes(before, auditlog.snapshot(document))
    _act(
        effective,
        kind=A.WITHDRAWN,
        actor=actor,
        comment=reason,
        at=now,
        obj=document,
        before={**document_before, "version": effective.pk, "status": S.EFFECTIVE},
        after={**document_after, "version": effective.pk, "status": S.WITHDRAWN},
    )
    return document


@transaction.atomic
def document_register_issued(
    *,
    actor: User,
    content: VersionFields,
    effective_from: dt.date,
    approval_reference: str,
    document: ControlledDocument | None = None,
    new_document: DocumentFields | None = None,
) -> DocumentVersion:
    """The quality manager registers a version issued outside the system (before it, or
    approved by another authority such as the provincial chairman for an internal process):
    it is recorded with its issuing decision and takes effect at once, superseding the
    document's effective version. No electronic signature: the decision is the approval."""
    _require(
        selectors.is_quality_manager(actor),
        _("Chỉ Thư ký ISO (quản lý chất lượng) đăng ký tài liệu đã ban hành."),
    )
    _require((document is None) != (new_document is None), _("Chọn tài liệu hoặc tạo mới."))
    approval_reference = (approval_reference or "").strip()
    _require(
        approval_reference,
        _("Phải ghi văn bản ban hành (số, ngày quyết định)."),
        "approval_reference",
    )
    _require(effective_from, _("Phải ghi ngày hiệu lực."), "effective_from")
    _require(
        effective_from <= timezone.localdate(),
        _("Tài liệu đã ban hành phải có ngày hiệu lực không sau hôm nay."),
        "effective_from",
    )
    if document is None:
        code = (new_document.code or "").strip()
        _require(CODE_PATTERN.match(code or "-"), _("Mã tài liệu không hợp lệ."), "code")
        _require(
            not ControlledDocument.objects.filter(code__iexact=code).exists(),
            _("Mã tài liệu %(code)s đã được dùng.") % {"code": code},
            "code",
        )
        document = ControlledDocument(
            code=code,
            title=(new_document.title or content.title).strip(),
            kind=new_document.kind,
            owner_unit=new_document.owner_unit,
            review_period_months=new_document.review_period_months,
            retention_years=new_document.retention_years,
            retention_note=new_document.retention_note,
        )
    else:
        document = ControlledDocument.objects.select_for_update().get(pk=document.pk)
        _require(not document.is_withdrawn, _("Tài liệu đã bị thu hồi."))
        _require(selectors.version_in_work(document) is None, _("Tài liệu đang có dự thảo."))
        current = selectors.effective_version(document)
        _require(
            current is None or current.effective_from <= effective_from,
            _("Ngày hiệu lực phải sau ngày hiệu lực của phiên bản đang áp dụng."),
            "effective_from",
        )
    content.title = content.title or document.title
    _check_version_fields(content, document)
    _check_procedure_link(content.procedure_version, document.kind, document)
    file, digest = _check_file(content.file)
    document.full_clean()
    document.save()
    now = timezone.now()
    version = DocumentVersion(
        document=document,
        version=content.version,
        title=content.title,
        file=file,
        file_sha256=digest,
        change_summary=content.change_summary,
        status=S.APPROVED,
        effective_from=effective_from,
        author=actor,
        prepared_at=now,
        approval_reference=approval_reference,
        approved_at=now,
        procedure_version=content.procedure_version,
    )
    version.full_clean()
    version.save()
    _set_distribution(version, content.distribution)
    _act(
        version,
        kind=A.REGISTERED,
        actor=actor,
        comment=approval_reference,
        at=now,
        after={**auditlog.snapshot(document), **_snapshot(version)},
    )
    return document_version_take_effect(version=version, actor=actor, at=now)


# --- periodic review ------------------------------------------------------------------------


@transaction.atomic
def document_version_confirm_review(
    *, actor: User, version: DocumentVersion, comment: str = ""
) -> DocumentVersion:
    """The periodic review found the effective version still suitable: the next review is
    due one review period from today."""
    version = _lock(version)
    _require_status(version, S.EFFECTIVE)
    _require(
        selectors.can_review(actor, version.document) or selectors.is_quality_manager(actor),
        _("Chỉ lãnh đạo đơn vị chủ trì hoặc Thư ký ISO xác nhận xem xét định kỳ."),
    )
    today = timezone.localdate()
    before, after = _change(
        version,
        last_reviewed_on=today,
        next_review_due=add_months(today, version.document.review_period_months),
    )
    _act(
        version,
        kind=A.REVIEW_CONFIRMED,
        actor=actor,
        comment=(comment or "").strip(),
        before=before,
        after=after,
    )
    return version


def document_review_reminders_send(*, on: dt.date | None = None) -> int:
    """E-mail the heads of the owner units and the quality managers about effective versions
    whose periodic review is due within 30 days or overdue: one message per person listing
    their documents, at most once per version and day (the reminders sent are remembered).
    Returns the number of versions reminded."""
    on = on or timezone.localdate()
    per_user: dict[int, tuple[User, list[DocumentVersion]]] = {}
    reminded = 0
    with transaction.atomic():
        for version in selectors.versions_due_for_review(on=on):
            if ReviewReminder.objects.filter(version=version, sent_on=on).exists():
                continue  # already reminded today
            recipients = selectors.review_recipients(version)
            try:
                with transaction.atomic():
                    reminder = ReviewReminder(
                        version=version,
                        sent_on=on,
                        due_on=version.next_review_due,
                        recipients=", ".join(user.email for user in recipients),
                    )
                    reminder.full_clean(validate_constraints=False)
                    reminder.save()
            except IntegrityError:
                continue  # reminded by a concurrent run
            auditlog.record(
                actor=None,
                action=REVIEW_REMINDER,
                obj=version,
                unit=version.document.owner_unit,
                after={"due": version.next_review_due, "recipients": reminder.recipients},
            )
            reminded += 1
            for user in recipients:
                per_user.setdefault(user.pk, (user, []))[1].append(version)
        for user, versions in per_user.values():
            # One notice per person and day for these versions: a retried run adds none.
            one = versions[0] if len(versions) == 1 else None
            notifications.notify(
                recipients=[user],
                kind=REVIEW_DUE,
                title=_("Tài liệu đến hạn xem xét định kỳ"),
                body=_review_body(user, versions, on),
                url=reverse("documents:version", args=[one.pk])
                if one
                else reverse("documents:index"),
                obj=one,
                key=notifications.key_for(
                    "document-review-due", on.isoformat(), *sorted(v.pk for v in versions)
                ),
            )
    return reminded


def _review_body(user: User, versions: list[DocumentVersion], on: dt.date) -> str:
    lines = []
    for version in versions:
        due = version.next_review_due
        state = (_("quá hạn từ %(day)s") if due < on else _("hạn %(day)s")) % {
            "day": due.strftime("%d/%m/%Y")
        }
        lines.append(
            f"- {version.document.code} {version.title} ({_('phiên bản')} {version.version}): "
            f"{state}"
        )
    return _(
        "Kính gửi %(name)s,\n\nCác tài liệu sau đến hạn xem xét định kỳ theo TCVN ISO "
        "9001:2015 (điều 7.5):\n%(lines)s\n\nĐề nghị xem xét sự phù hợp của tài liệu: xác nhận "
        "còn phù hợp trên trang tài liệu, hoặc soạn thảo sửa đổi.\n"
    ) % {"name": user.get_full_name() or user.username, "lines": "\n".join(lines)}
