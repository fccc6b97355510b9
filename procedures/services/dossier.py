"""A dossier's life from the one-stop desk to the returned result (DOMAIN.md §2).

Each service is one business action: atomic, validated before anything is written, leaving an
opinion row (who decided what, and why). The workflow layer calls exactly one of them per step
and then lets viewflow advance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms.core import auditlog
from qms.core.calendar import LimitUnit, WorkingCalendar
from qms.core.models import OrgUnit, User
from qms.core.uploads import validate_upload

from ..models import (
    Apology,
    Dossier,
    DossierComponent,
    DossierDocument,
    DossierFee,
    DossierOpinion,
    DossierSequence,
    Procedure,
    ProcessStep,
    SupplementRequest,
)
from ..selectors import procedure_version_in_force, regime_in_force

S = Dossier.Status
D = DossierOpinion.Decision
K = ProcessStep.Kind


@dataclass
class DocumentInput:
    """One line of the receipt checklist."""

    component: DossierComponent | None
    name: str = ""
    present: bool = False
    originals: int = 0
    certified: int = 0
    photocopies: int = 0
    scan: object | None = None  # an uploaded file


def _require(condition, message):
    if not condition:
        raise ValidationError(message)


def _require_status(dossier: Dossier, *allowed):
    if dossier.status not in allowed:
        raise ValidationError(
            _("Hồ sơ %(code)s đang ở trạng thái “%(status)s”, không thực hiện được thao tác này.")
            % {"code": dossier, "status": dossier.get_status_display()}
        )


#: One audit-log action per decision a dossier service records (``dossier.<decision>``).
DOSSIER_ACTIONS = {value: auditlog.action(f"dossier.{value}", label) for value, label in D.choices}


def _opinion(
    dossier,
    *,
    actor,
    step,
    decision,
    comment="",
    unit=None,
    task_id=None,
    at=None,
    audit=True,
):
    """Record who decided what at ``step``, and the business action's audit-log event with
    the dossier's values changed by :func:`_save` since the last event (``audit=False`` where
    the service writes its own event)."""
    opinion = DossierOpinion(
        dossier=dossier,
        step=step,
        task_id=task_id,
        author=actor,
        unit=unit or dossier.handling_unit,
        decision=decision,
        comment=comment,
        created_at=at or timezone.now(),
    )
    opinion.full_clean()
    opinion.save()
    before, after = getattr(dossier, "_audit_pending", ({}, {}))
    dossier._audit_pending = ({}, {})
    if audit:
        auditlog.record(
            actor=actor,
            action=DOSSIER_ACTIONS[decision],
            obj=dossier,
            unit=opinion.unit,
            before=before or None,
            after={**after, "step": step, "task": task_id} if task_id else {**after, "step": step},
            reason=comment,
        )
    return opinion


def _save(dossier: Dossier, **changes) -> Dossier:
    """Change ``dossier`` and remember the values before and after for the action's event."""
    old = auditlog.snapshot(dossier, fields=list(changes)) if dossier.pk else {}
    for name, value in changes.items():
        setattr(dossier, name, value)
    dossier.full_clean()
    dossier.save()
    before, after = auditlog.changes(old, auditlog.snapshot(dossier, fields=list(changes)))
    pending_before, pending_after = getattr(dossier, "_audit_pending", ({}, {}))
    dossier._audit_pending = (
        {**before, **pending_before},  # the earliest value before the action
        {**pending_after, **after},
    )
    return dossier


def dossier_code_next(*, agency, day: dt.date) -> str:
    """``<agency e-identifier>-<yymmdd>-<4-digit sequence>``, never issued twice: the day's
    counter row is locked while it is incremented."""
    try:
        with transaction.atomic():
            DossierSequence.objects.get_or_create(agency=agency, day=day)
    except IntegrityError:
        pass  # another receipt created the day's row first
    sequence = DossierSequence.objects.select_for_update().get(agency=agency, day=day)
    sequence.last += 1
    sequence.save()
    return f"{agency.code}-{day:%y%m%d}-{sequence.last:04d}"


def _missing_mandatory(version, documents: list[DocumentInput]) -> list[str]:
    present = {d.component.pk for d in documents if d.component and d.present}
    return [c.name for c in version.components.all() if c.mandatory and c.pk not in present]


def _store_documents(dossier, documents: list[DocumentInput]):
    for line in documents:
        document = DossierDocument(
            dossier=dossier,
            component=line.component,
            name=line.name or (line.component.name if line.component else ""),
            present=line.present,
            originals=line.originals,
            certified=line.certified,
            photocopies=line.photocopies,
        )
        if line.scan:
            extension = validate_upload(line.scan)
            line.scan.name = f"scan.{extension}"
            document.scan = line.scan
            document.digitised = True
        document.full_clean()
        document.save()


def _validate_documents(documents):
    for line in documents:
        if line.scan:
            validate_upload(line.scan)
        _require(
            line.component is not None or line.name.strip(),
            _("Mỗi giấy tờ ngoài danh mục phải có tên."),
        )


def _mark_received(dossier: Dossier, *, actor: User, at: dt.datetime) -> Dossier:
    version = dossier.procedure_version
    due = WorkingCalendar.load().due_at(at, version.time_limit_value, version.time_limit_unit)
    _save(
        dossier,
        code=dossier.code or dossier_code_next(agency=dossier.agency, day=timezone.localdate(at)),
        status=S.RECEIVED,
        received_at=at,
        received_by=actor,
        due_at=due,
        original_due_at=due,
    )
    _fee_lines_create(dossier)
    return dossier


@transaction.atomic
def dossier_receive(
    *,
    actor: User,
    procedure: Procedure,
    decision: str,
    applicant: dict,
    documents: list[DocumentInput],
    channel: int = Dossier.Channel.DIRECT,
    delivery: str = Dossier.Delivery.DESK,
    reason: str = "",
    at: dt.datetime | None = None,
    is_demo_data: bool = False,
) -> Dossier:
    """Receive a dossier at the one-stop desk.

    ``decision`` is ``received`` (complete: code and due date, Mẫu 01), ``incomplete`` (Mẫu 02
    listing every missing document; no due date, the clock has not started) or
    ``refused_at_receipt`` (Mẫu 03, with the reason). The procedure version and the legal
    regime in force on the day are frozen on the dossier.
    """
    at = at or timezone.now()
    day = timezone.localdate(at)
    version = procedure_version_in_force(procedure=procedure, on=day)
    _require(
        version is not None,
        _("Thủ tục “%(name)s” không có phiên bản có hiệu lực ngày %(day)s.")
        % {"name": procedure.name, "day": day.strftime("%d/%m/%Y")},
    )
    regime = regime_in_force(on=day)
    _require(regime is not None, _("Chưa khai báo chế độ một cửa áp dụng ngày này."))
    _validate_documents(documents)
    missing = _missing_mandatory(version, documents)
    reason = (reason or "").strip()
    if decision == D.RECEIVED:
        _require(
            not missing,
            _("Hồ sơ còn thiếu giấy tờ bắt buộc: %(missing)s. Chọn “Yêu cầu bổ sung”.")
            % {"missing": "; ".join(missing)},
        )
    elif decision == D.INCOMPLETE:
        _require(
            missing or reason,
            _("Hồ sơ đã đủ giấy tờ bắt buộc: ghi rõ nội dung cần hoàn thiện, hoặc chọn tiếp nhận."),
        )
    elif decision == D.REFUSED_AT_RECEIPT:
        _require(reason, _("Phải ghi rõ lý do từ chối tiếp nhận."))
    else:
        raise ValidationError(_("Kết quả kiểm tra hồ sơ không hợp lệ."))

    dossier = Dossier(
        agency=procedure.agency,
        regime=regime,
        procedure_version=version,
        handling_unit=version.handling_unit,
        channel=channel,
        delivery=delivery,
        submitted_at=at,
        is_demo_data=is_demo_data,
        **applicant,
    )
    if decision == D.REFUSED_AT_RECEIPT:
        dossier.status = S.REFUSED_AT_RECEIPT
        dossier.refusal_reason = reason
    dossier.full_clean()
    dossier.save()
    _store_documents(dossier, documents)
    one_stop = _one_stop_unit(version)
    if decision == D.RECEIVED:
        _mark_received(dossier, actor=actor, at=at)
    elif decision == D.INCOMPLETE:
        _new_supplement(
            dossier,
            actor=actor,
            stage=SupplementRequest.Stage.RECEIPT,
            at=at,
            missing=missing,
            reason=reason or _("Hồ sơ chưa đủ thành phần theo quy định."),
        )
    _opinion(
        dossier,
        actor=actor,
        step=K.RECEIVE,
        decision=decision,
        comment=reason,
        unit=one_stop,
        at=at,
    )
    return dossier


def _one_stop_unit(version) -> OrgUnit:
    step = version.steps.filter(kind=K.RECEIVE).select_related("responsible_unit").first()
    return step.unit if step else version.handling_unit


def _new_supplement(dossier, *, actor, stage, at, missing, reason):
    request = SupplementRequest(
        dossier=dossier,
        stage=stage,
        requested_at=at,
        requested_by=actor,
        reason=reason,
        missing=missing,
    )
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def dossier_complete_at_desk(
    *, actor: User, dossier: Dossier, documents: list[DocumentInput], at=None
) -> Dossier:
    """The applicant brought what Mẫu 02 asked for: the dossier is received (Mẫu 01)."""
    _require_status(dossier, S.INCOMPLETE)
    at = at or timezone.now()
    _validate_documents(documents)
    for line in documents:
        if not line.present:
            continue
        existing = (
            dossier.documents.filter(component=line.component).first() if line.component else None
        )
        if existing:
            existing.present = True
            existing.originals = max(existing.originals, line.originals)
            existing.certified = max(existing.certified, line.certified)
            existing.photocopies = max(existing.photocopies, line.photocopies)
            if line.scan:
                line.scan.name = f"scan.{validate_upload(line.scan)}"
                existing.scan, existing.digitised = line.scan, True
            existing.full_clean()
            existing.save()
        else:
            _store_documents(dossier, [line])
    lines = [
        DocumentInput(component=d.component, present=d.present) for d in dossier.documents.all()
    ]
    missing = _missing_mandatory(dossier.procedure_version, lines)
    _require(
        not missing,
        _("Hồ sơ vẫn còn thiếu: %(missing)s.") % {"missing": "; ".join(missing)},
    )
    request = dossier.supplements.filter(completed_at__isnull=True).first()
    if request:
        request.completed_at, request.completed_by = at, actor
        request.save()
    _mark_received(dossier, actor=actor, at=at)
    _opinion(
        dossier,
        actor=actor,
        step=K.RECEIVE,
        decision=D.RECEIVED,
        at=at,
        unit=_one_stop_unit(dossier.procedure_version),
    )
    return dossier


# Online submission (Cổng dịch vụ công) ------------------------------------------------------

SUBMIT_ONLINE = auditlog.action(
    "dossier.submit_online", gettext_lazy("Nộp hồ sơ trực tuyến qua Cổng dịch vụ công")
)
#: What the portal may say about the applicant and the request (fields of :class:`Dossier`).
APPLICANT_FIELDS = (
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_address",
    "applicant_phone",
    "applicant_email",
    "summary",
    "sets",
)
#: How far ahead of our clock the portal's submission time may be (its clock may drift).
CLOCK_SKEW = dt.timedelta(minutes=5)


def _online_version(procedure: Procedure, day: dt.date):
    version = procedure_version_in_force(procedure=procedure, on=day)
    _require(
        version is not None,
        _("Thủ tục “%(name)s” không có phiên bản có hiệu lực ngày %(day)s.")
        % {"name": procedure.name, "day": day.strftime("%d/%m/%Y")},
    )
    _require(
        version.online_level != version.OnlineLevel.NONE,
        _("Thủ tục “%(name)s” không cung cấp dịch vụ công trực tuyến.") % {"name": procedure.name},
    )
    return version


@transaction.atomic
def dossier_submit_online(
    *,
    actor: User,
    procedure: Procedure,
    applicant: dict,
    documents: list[DocumentInput],
    portal_reference: str,
    submitted_at: dt.datetime | None = None,
    delivery: str = Dossier.Delivery.ONLINE,
    is_demo_data: bool = False,
) -> tuple[Dossier, bool]:
    """A dossier submitted on the public-service portal, handed over to the department.

    It waits for the one-stop officer (status ``submitted``, national code 1): no code and no
    appointment until the officer receives it (:func:`dossier_receive_online`). The files are
    checked as at the desk (by content and size) and every mandatory component must have one.
    The portal's reference is unique per agency, so a resend is safe: the same reference
    returns the existing dossier and writes nothing. Returns ``(dossier, created)``.
    """
    reference = (portal_reference or "").strip()
    _require(reference, _("Phải có mã hồ sơ trên Cổng dịch vụ công."))
    existing = (
        Dossier.objects.filter(agency=procedure.agency, portal_reference=reference)
        .select_related("procedure_version")
        .first()
    )
    if existing is not None:
        if existing.procedure_version.procedure_id != procedure.pk:
            raise ValidationError(
                _(
                    "Mã hồ sơ “%(reference)s” trên Cổng dịch vụ công đã dùng cho một hồ sơ của "
                    "thủ tục khác."
                )
                % {"reference": reference},
                code="conflict",
            )
        return existing, False
    now = timezone.now()
    at = submitted_at or now
    _require(at <= now + CLOCK_SKEW, _("Thời điểm nộp hồ sơ không được sau thời điểm hiện tại."))
    at = min(at, now)
    version = _online_version(procedure, timezone.localdate(at))
    regime = regime_in_force(on=timezone.localdate(at))
    _require(regime is not None, _("Chưa khai báo chế độ một cửa áp dụng ngày này."))
    unknown = sorted(set(applicant) - set(APPLICANT_FIELDS))
    _require(
        not unknown, _("Thông tin không được nhận: %(fields)s.") % {"fields": ", ".join(unknown)}
    )
    _require(delivery in Dossier.Delivery.values, _("Hình thức nhận kết quả không hợp lệ."))
    components = {c.pk: c for c in version.components.all()}
    for line in documents:
        _require(
            line.component is not None and line.component.pk in components,
            _("Giấy tờ “%(name)s” không phải thành phần hồ sơ của thủ tục này.")
            % {"name": line.name or line.component},
        )
        _require(
            line.scan,
            _("Thành phần “%(name)s” nộp trực tuyến phải có tệp.") % {"name": line.component},
        )
    _validate_documents(documents)
    lines = [DocumentInput(component=d.component, present=True, scan=d.scan) for d in documents]
    missing = _missing_mandatory(version, lines)
    _require(
        not missing,
        _("Hồ sơ còn thiếu giấy tờ bắt buộc: %(missing)s.") % {"missing": "; ".join(missing)},
    )
    dossier = Dossier(
        agency=procedure.agency,
        regime=regime,
        procedure_version=version,
        handling_unit=version.handling_unit,
        status=S.SUBMITTED,
        channel=Dossier.Channel.ONLINE,
        delivery=delivery,
        submitted_at=at,
        portal_reference=reference,
        is_demo_data=is_demo_data,
        **{k: v for k, v in applicant.items() if v is not None},
    )
    dossier.summary = (dossier.summary or "").strip() or procedure.name
    dossier.full_clean()
    dossier.save()
    # One line per component, in the catalogue's order: those without a file are not present.
    submitted = {line.component.pk: line for line in lines}
    _store_documents(
        dossier,
        [submitted.get(pk) or DocumentInput(component=c) for pk, c in components.items()],
    )
    auditlog.record(
        actor=actor,
        action=SUBMIT_ONLINE,
        obj=dossier,
        unit=_one_stop_unit(version),
        after={
            **auditlog.snapshot(
                dossier,
                fields=(
                    "portal_reference",
                    "status",
                    "channel",
                    "delivery",
                    "procedure_version",
                    "handling_unit",
                    "submitted_at",
                    *APPLICANT_FIELDS,
                ),
            ),
            "documents": [
                {"component": d.component_id, "name": d.name, "file": d.scan.name}
                for d in dossier.documents.filter(present=True)
            ],
        },
    )
    return dossier, True


@transaction.atomic
def dossier_receive_online(
    *,
    actor: User,
    dossier: Dossier,
    decision: str,
    reason: str = "",
    documents_checked: dict[int, bool] | None = None,
    task_id=None,
    at: dt.datetime | None = None,
) -> Dossier:
    """The one-stop officer checks a dossier submitted online and decides, as at the desk:
    ``received`` (code, appointment counted from now, fee lines, Mẫu 01), ``incomplete``
    (Mẫu 02 listing every missing document) or ``refused_at_receipt`` (Mẫu 03, with the
    reason). ``documents_checked`` maps a document's id to whether its file is acceptable: a
    file the officer rejects counts as not submitted."""
    _require_status(dossier, S.SUBMITTED)
    at = at or timezone.now()
    reason = (reason or "").strip()
    checked = documents_checked or {}
    for document in dossier.documents.select_related("component"):
        accepted = bool(checked.get(document.pk, document.present))
        if accepted == document.present:
            continue
        _require(
            not accepted or document.scan,
            _("Thành phần “%(name)s” không có tệp nộp trực tuyến.") % {"name": document.name},
        )
        document.present = accepted
        document.full_clean()
        document.save()
    lines = [
        DocumentInput(component=d.component, present=d.present) for d in dossier.documents.all()
    ]
    missing = _missing_mandatory(dossier.procedure_version, lines)
    if decision == D.RECEIVED:
        _require(
            not missing,
            _("Hồ sơ còn thiếu giấy tờ bắt buộc: %(missing)s. Chọn “Yêu cầu bổ sung”.")
            % {"missing": "; ".join(missing)},
        )
        _mark_received(dossier, actor=actor, at=at)
    elif decision == D.INCOMPLETE:
        _require(
            missing or reason,
            _("Hồ sơ đã đủ giấy tờ bắt buộc: ghi rõ nội dung cần hoàn thiện, hoặc chọn tiếp nhận."),
        )
        _save(dossier, status=S.INCOMPLETE)
        _new_supplement(
            dossier,
            actor=actor,
            stage=SupplementRequest.Stage.RECEIPT,
            at=at,
            missing=missing,
            reason=reason or _("Hồ sơ chưa đủ thành phần theo quy định."),
        )
    elif decision == D.REFUSED_AT_RECEIPT:
        _require(reason, _("Phải ghi rõ lý do từ chối tiếp nhận."))
        _save(dossier, status=S.REFUSED_AT_RECEIPT, refusal_reason=reason)
    else:
        raise ValidationError(_("Kết quả kiểm tra hồ sơ không hợp lệ."))
    _opinion(
        dossier,
        actor=actor,
        step=K.RECEIVE,
        decision=decision,
        comment=reason,
        unit=_one_stop_unit(dossier.procedure_version),
        task_id=task_id,
        at=at,
    )
    return dossier


@transaction.atomic
def dossier_cancel(*, actor: User, dossier: Dossier, reason: str, withdrawn: bool = False):
    """The applicant never completed the dossier, or withdrew it."""
    _require_status(dossier, S.INCOMPLETE, S.SUPPLEMENT, S.RECEIVED, S.IN_PROGRESS)
    _require(reason.strip(), _("Phải ghi rõ lý do hủy hồ sơ."))
    _save(dossier, status=S.WITHDRAWN if withdrawn else S.CANCELLED, refusal_reason=reason)
    _opinion(dossier, actor=actor, step=K.RECEIVE, decision=D.CANCELLED, comment=reason)
    return dossier


def transfer_deadline(received_at: dt.datetime, calendar: WorkingCalendar | None = None):
    """Same-day rule: a paper dossier goes to the handling unit the working day it was
    received, or at the start of the next working day when received after the cut-off."""
    from django.conf import settings

    calendar = calendar or WorkingCalendar.load()
    local = timezone.localtime(received_at)
    cutoff = dt.time.fromisoformat(settings.QMS_TRANSFER_CUTOFF)
    opening, closing = (
        dt.time.fromisoformat(settings.QMS_OFFICE_HOURS[0][0]),
        dt.time.fromisoformat(settings.QMS_OFFICE_HOURS[-1][1]),
    )
    day = local.date()
    if calendar.is_working_day(day) and local.time() < cutoff:
        return timezone.make_aware(dt.datetime.combine(day, closing))
    next_day = calendar.next_working_day(day)
    return timezone.make_aware(dt.datetime.combine(next_day, opening)) + dt.timedelta(hours=1)


@transaction.atomic
def dossier_transfer(*, actor: User, dossier: Dossier, task_id=None) -> Dossier:
    _require_status(dossier, S.RECEIVED)
    _save(dossier, status=S.IN_PROGRESS, transferred_at=timezone.now())
    _opinion(
        dossier,
        actor=actor,
        step=K.TRANSFER,
        decision=D.TRANSFERRED,
        task_id=task_id,
        unit=_one_stop_unit(dossier.procedure_version),
    )
    return dossier


@transaction.atomic
def dossier_assign(
    *, actor: User, dossier: Dossier, handler: User, comment: str = "", task_id=None
) -> Dossier:
    _require_status(dossier, S.IN_PROGRESS)
    _require(
        handler.is_active and handler.has_perm("core.act_specialist", dossier.handling_unit),
        _("%(user)s không phải chuyên viên của %(unit)s.")
        % {"user": handler, "unit": dossier.handling_unit},
    )
    _save(dossier, handler=handler)
    _opinion(
        dossier,
        actor=actor,
        step=K.ASSIGN,
        decision=D.ASSIGNED,
        task_id=task_id,
        comment=comment or _("Giao %(user)s thụ lý.") % {"user": handler},
    )
    return dossier


@transaction.atomic
def dossier_appraise(
    *,
    actor: User,
    dossier: Dossier,
    decision: str,
    opinion: str,
    missing: list[str] | None = None,
    task_id=None,
) -> Dossier:
    """The specialist's appraisal: propose to grant, propose a refusal (with reasons) or ask —
    once — for a supplement through the one-stop desk (the clock stops)."""
    _require_status(dossier, S.IN_PROGRESS)
    opinion = (opinion or "").strip()
    _require(opinion, _("Phải ghi ý kiến thẩm định."))
    if decision == D.REQUEST_SUPPLEMENT:
        _require(
            not dossier.supplements.filter(stage=SupplementRequest.Stage.HANDLING).exists(),
            _(
                "Hồ sơ đã được yêu cầu bổ sung một lần trong quá trình giải quyết; theo quy định "
                "chỉ được yêu cầu bổ sung một lần."
            ),
        )
        _require(missing, _("Phải liệt kê đầy đủ nội dung cần bổ sung, hoàn thiện."))
        _new_supplement(
            dossier,
            actor=actor,
            stage=SupplementRequest.Stage.HANDLING,
            at=timezone.now(),
            missing=missing,
            reason=opinion,
        )
        _save(dossier, status=S.SUPPLEMENT)
    elif decision not in (D.PROPOSE_GRANT, D.PROPOSE_REFUSAL):
        raise ValidationError(_("Kết quả thẩm định không hợp lệ."))
    _opinion(
        dossier, actor=actor, step=K.APPRAISE, decision=decision, comment=opinion, task_id=task_id
    )
    return dossier


def _shift_due(due: dt.datetime, paused_from: dt.datetime, paused_to: dt.datetime, unit: str):
    """Move the appointment by the time the applicant spent supplementing (not counted)."""
    calendar = WorkingCalendar.load()
    start, end = timezone.localdate(paused_from), timezone.localdate(paused_to)
    local_due = timezone.localtime(due)
    if unit == LimitUnit.CALENDAR_DAYS:
        day = calendar.next_working_day(local_due.date() + (end - start), inclusive=True)
    else:
        day = calendar.add_working_days(local_due.date(), calendar.working_days_between(start, end))
    return timezone.make_aware(dt.datetime.combine(day, local_due.time().replace(tzinfo=None)))


@transaction.atomic
def dossier_supplement_received(
    *, actor: User, dossier: Dossier, note: str = "", task_id=None, at=None
) -> Dossier:
    """The applicant handed in the supplement at the desk: the clock restarts and the
    appointment moves by the paused time."""
    _require_status(dossier, S.SUPPLEMENT)
    at = at or timezone.now()
    request = dossier.supplements.get(completed_at__isnull=True)
    request.completed_at, request.completed_by = at, actor
    request.full_clean()
    request.save()
    unit = dossier.procedure_version.time_limit_unit
    _save(
        dossier,
        status=S.IN_PROGRESS,
        due_at=_shift_due(dossier.due_at, request.requested_at, at, unit),
    )
    _opinion(
        dossier,
        actor=actor,
        step=K.RETURN,
        decision=D.SUPPLEMENT_RECEIVED,
        comment=note,
        task_id=task_id,
        unit=_one_stop_unit(dossier.procedure_version),
        at=at,
    )
    return dossier


@transaction.atomic
def dossier_review(
    *, actor: User, dossier: Dossier, decision: str, comment: str = "", task_id=None
) -> Dossier:
    """The unit head agrees with the appraisal, or sends it back with a comment."""
    _require_status(dossier, S.IN_PROGRESS)
    _require(decision in (D.AGREE, D.SEND_BACK), _("Ý kiến xem xét không hợp lệ."))
    if decision == D.SEND_BACK:
        _require(comment.strip(), _("Phải ghi rõ nội dung cần xử lý lại."))
    _opinion(
        dossier, actor=actor, step=K.REVIEW, decision=decision, comment=comment, task_id=task_id
    )
    return dossier


def last_proposal(dossier: Dossier) -> DossierOpinion | None:
    return (
        dossier.opinions.filter(decision__in=[D.PROPOSE_GRANT, D.PROPOSE_REFUSAL])
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def dossier_decide(
    *, actor: User, dossier: Dossier, decision: str, comment: str = "", task_id=None
) -> Dossier:
    """The department's leader approves, refuses (with reasons) or sends back."""
    _require_status(dossier, S.IN_PROGRESS)
    if decision == D.APPROVE:
        _save(dossier, status=S.APPROVED, outcome=Dossier.Outcome.GRANTED)
    elif decision == D.REFUSE:
        _require(comment.strip(), _("Phải ghi rõ lý do từ chối giải quyết."))
        _save(dossier, status=S.REFUSED, outcome=Dossier.Outcome.REFUSED, refusal_reason=comment)
    elif decision == D.SEND_BACK:
        _require(comment.strip(), _("Phải ghi rõ nội dung cần xử lý lại."))
    else:
        raise ValidationError(_("Ý kiến phê duyệt không hợp lệ."))
    _opinion(
        dossier, actor=actor, step=K.APPROVE, decision=decision, comment=comment, task_id=task_id
    )
    return dossier


@transaction.atomic
def dossier_issue_result(
    *, actor: User, dossier: Dossier, number: str, date: dt.date, file=None, task_id=None, at=None
) -> Dossier:
    """The clerk numbers and issues the result (or the refusal letter): the dossier is
    finished (national status 9)."""
    _require_status(dossier, S.APPROVED, S.REFUSED)
    number = (number or "").strip()
    _require(number, _("Phải nhập số, ký hiệu văn bản kết quả."))
    at = at or timezone.now()
    _require(date <= timezone.localdate(at), _("Ngày ban hành không được sau ngày hôm nay."))
    _require(
        date >= timezone.localdate(dossier.received_at),
        _("Ngày ban hành không được trước ngày tiếp nhận hồ sơ."),
    )
    changes = {"status": S.ISSUED, "result_number": number, "result_date": date, "finished_at": at}
    if file:
        file.name = f"result.{validate_upload(file)}"
        changes.update(result_file=file, result_digitised=True)
    _save(dossier, **changes)
    _opinion(
        dossier,
        actor=actor,
        step=K.ISSUE,
        decision=D.ISSUED,
        task_id=task_id,
        comment=number,
        at=at,
    )
    return dossier


@transaction.atomic
def dossier_return(
    *, actor: User, dossier: Dossier, note: str = "", task_id=None, at=None
) -> Dossier:
    _require_status(dossier, S.ISSUED)
    at = at or timezone.now()
    _save(dossier, status=S.RETURNED, returned_at=at)
    _opinion(
        dossier,
        actor=actor,
        step=K.RETURN,
        decision=D.RETURNED,
        comment=note,
        task_id=task_id,
        unit=_one_stop_unit(dossier.procedure_version),
        at=at,
    )
    return dossier


def _office_close() -> dt.time:
    from django.conf import settings

    return dt.time.fromisoformat(settings.QMS_OFFICE_HOURS[-1][1])


def apology_latest_day(dossier: Dossier) -> dt.date:
    """The last day an apology is on time: one working day before the appointment."""
    return WorkingCalendar.load().add_working_days(timezone.localdate(dossier.due_at), -1)


@transaction.atomic
def dossier_apologise(
    *,
    actor: User,
    dossier: Dossier,
    reason: str,
    new_due_date: dt.date,
    signer: User | None = None,
    at=None,
) -> Apology:
    """Mẫu 04: apologise for a dossier that will be late and set, once, a new date."""
    _require_status(dossier, S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT, S.APPROVED, S.REFUSED)
    _require(
        not Apology.objects.filter(dossier=dossier).exists(),
        _("Hồ sơ %(code)s đã có phiếu xin lỗi; ngày hẹn trả mới chỉ được đặt một lần.")
        % {"code": dossier.code},
    )
    reason = (reason or "").strip()
    _require(reason, _("Phải ghi rõ lý do chậm trễ."))
    old_due = timezone.localtime(dossier.due_at)
    _require(
        new_due_date > old_due.date(),
        _("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại (%(day)s).")
        % {"day": old_due.strftime("%d/%m/%Y")},
    )
    calendar = WorkingCalendar.load()
    _require(
        calendar.is_working_day(new_due_date),
        _("Ngày hẹn trả mới phải là ngày làm việc."),
    )
    at = at or timezone.now()
    apology = Apology(
        dossier=dossier,
        issued_at=at,
        issued_by=actor,
        signer=signer,
        reason=reason,
        previous_due_at=dossier.due_at,
        new_due_at=timezone.make_aware(dt.datetime.combine(new_due_date, _office_close())),
    )
    apology.full_clean()
    apology.save()
    _save(dossier, due_at=apology.new_due_at)
    _opinion(dossier, actor=actor, step=K.APPRAISE, decision=D.APOLOGY, comment=reason, at=at)
    return apology


# Fees and charges (phí, lệ phí) and the citizen's rating -------------------------------------

F = DossierFee.Status
FEE_ADJUST = auditlog.action(
    "dossier_fee.adjust", gettext_lazy("Điều chỉnh số tiền phí, lệ phí của hồ sơ")
)
FEE_PAY = auditlog.action("dossier_fee.pay", gettext_lazy("Ghi nhận nộp phí, lệ phí của hồ sơ"))
FEE_WAIVE = auditlog.action("dossier_fee.waive", gettext_lazy("Miễn phí, lệ phí của hồ sơ"))
DOSSIER_RATE = auditlog.action("dossier.rate", gettext_lazy("Ghi nhận đánh giá của người dân"))
#: While a dossier is in one of these states its fee lines can still be paid, waived or
#: adjusted; a cancelled, withdrawn or refused dossier owes nothing more.
FEE_OPEN_STATUSES = (S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT, S.APPROVED, S.ISSUED, S.RETURNED)


def vnd(amount) -> str:
    """``6.000.000 đồng``: Vietnamese groups thousands with dots."""
    return _("%(amount)s đồng") % {"amount": f"{amount:,.0f}".replace(",", ".")}


def _fee_lines_create(dossier: Dossier) -> list[DossierFee]:
    """Copy the frozen version's fee items onto the dossier at receipt (once). Each line keeps
    the listed amount and its basis, so the desk can adjust an amount that depends on the case
    (with a reason) before it is paid."""
    if dossier.fees.exists():
        return []
    lines = []
    for item in dossier.procedure_version.fees.order_by("id"):
        line = DossierFee(
            dossier=dossier,
            fee_item=item,
            kind=item.kind,
            name=item.name,
            amount=item.amount,
            listed_amount=item.amount,
            basis=item.note,
        )
        line.full_clean()
        line.save()
        lines.append(line)
    return lines


def _paid_online_sync(dossier: Dossier) -> Dossier:
    """``Dossier.paid_online`` (indicator 3.6): every line with something to pay — not
    waived, more than 0 đồng — has been paid online. A dossier with nothing to pay is not
    counted as paid online (766 leaves it out of the denominator)."""
    payable = [line for line in dossier.fees.all() if line.is_payable]
    paid_online = bool(payable) and all(
        line.status == F.PAID and line.paid_channel == DossierFee.PaymentChannel.ONLINE
        for line in payable
    )
    if dossier.paid_online != paid_online:
        _save(dossier, paid_online=paid_online)
    return dossier


def _open_fee(fee: DossierFee) -> DossierFee:
    """The fee line, locked with its dossier (whose ``paid_online`` follows every line), if
    it can still be acted on; refused otherwise."""
    dossier = Dossier.objects.select_for_update().get(pk=fee.dossier_id)
    fee = DossierFee.objects.select_for_update().get(pk=fee.pk)
    fee.dossier = dossier
    _require(
        dossier.status in FEE_OPEN_STATUSES,
        _(
            "Hồ sơ %(code)s đang ở trạng thái “%(status)s”: không thu, miễn hay điều chỉnh "
            "phí, lệ phí."
        )
        % {"code": dossier, "status": dossier.get_status_display()},
    )
    if fee.status == F.PAID:
        raise ValidationError(
            _(
                "Khoản “%(name)s” đã nộp lúc %(at)s (biên lai, chứng từ số %(receipt)s); "
                "không thu lần thứ hai."
            )
            % {
                "name": fee.name,
                "at": timezone.localtime(fee.paid_at).strftime("%H:%M %d/%m/%Y"),
                "receipt": fee.receipt_number,
            }
        )
    _require(
        fee.status == F.DUE,
        _("Khoản “%(name)s” đã được miễn.") % {"name": fee.name},
    )
    return fee


def _fee_save(fee: DossierFee, *, actor: User, action: str, reason: str = "") -> DossierFee:
    """Validate and save a fee line; its audit event holds what changed and why."""
    before = auditlog.snapshot(DossierFee.objects.get(pk=fee.pk))
    fee.recorded_by = actor
    if reason:
        fee._change_reason = reason
    fee.full_clean()
    fee.save()
    old, new = auditlog.changes(before, auditlog.snapshot(fee))
    auditlog.record(
        actor=actor,
        action=action,
        obj=fee,
        before=old,
        after=new,
        reason=reason,
        unit=_one_stop_unit(fee.dossier.procedure_version),
    )
    _paid_online_sync(fee.dossier)
    return fee


def _fee_opinion(fee: DossierFee, *, actor: User, decision: str, comment: str, at=None):
    dossier = fee.dossier
    return _opinion(
        dossier,
        actor=actor,
        step=K.RECEIVE,
        decision=decision,
        comment=comment,
        unit=_one_stop_unit(dossier.procedure_version),
        at=at,
        audit=False,  # the fee services write their own event
    )


@transaction.atomic
def dossier_fee_adjust(*, actor: User, fee: DossierFee, amount, reason: str) -> DossierFee:
    """Set the amount of a fee line that depends on the case (area, scale of the project…)
    before it is paid; the reason is kept on the line and the catalogue amount stays beside."""
    fee = _open_fee(fee)
    reason = (reason or "").strip()
    _require(reason, _("Phải ghi rõ lý do điều chỉnh số tiền phí, lệ phí."))
    _require(
        amount is not None and amount >= 0 and amount == int(amount),
        _("Số tiền phải là số nguyên đồng, không âm."),
    )
    _require(
        amount != fee.amount,
        _("Số tiền mới trùng số tiền hiện tại (%(amount)s).") % {"amount": vnd(fee.amount)},
    )
    previous = fee.amount
    fee.amount, fee.adjustment_reason = amount, reason
    _fee_save(fee, actor=actor, action=FEE_ADJUST, reason=reason)
    _fee_opinion(
        fee,
        actor=actor,
        decision=D.FEE_ADJUSTED,
        comment=_("%(name)s: từ %(old)s thành %(new)s. Lý do: %(reason)s")
        % {"name": fee.name, "old": vnd(previous), "new": vnd(amount), "reason": reason},
    )
    return fee


@transaction.atomic
def dossier_fee_pay(
    *,
    actor: User,
    fee: DossierFee,
    channel: str,
    receipt_number: str,
    at: dt.datetime | None = None,
) -> DossierFee:
    """Record that a fee line was paid (at the desk, online through the national payment
    platform, or by bank transfer) with its receipt number; a line is never paid twice.
    ``Dossier.paid_online`` follows."""
    fee = _open_fee(fee)
    _require(channel in DossierFee.PaymentChannel.values, _("Hình thức nộp tiền không hợp lệ."))
    receipt_number = (receipt_number or "").strip()
    _require(receipt_number, _("Phải nhập số biên lai, chứng từ nộp tiền."))
    _require(
        fee.amount > 0,
        _("Khoản “%(name)s” là 0 đồng: không có gì để thu.") % {"name": fee.name},
    )
    now = timezone.now()
    at = at or now
    _require(at <= now, _("Thời điểm nộp tiền không được sau thời điểm hiện tại."))
    _require(
        at >= fee.dossier.submitted_at,
        _("Thời điểm nộp tiền không được trước thời điểm nộp hồ sơ."),
    )
    fee.status, fee.paid_at, fee.paid_channel = F.PAID, at, channel
    fee.receipt_number = receipt_number
    _fee_save(fee, actor=actor, action=FEE_PAY)
    _fee_opinion(
        fee,
        actor=actor,
        decision=D.FEE_PAID,
        comment=_("%(name)s: %(amount)s — %(channel)s; biên lai, chứng từ số %(receipt)s.")
        % {
            "name": fee.name,
            "amount": vnd(fee.amount),
            "channel": fee.get_paid_channel_display(),
            "receipt": receipt_number,
        },
        at=at,
    )
    return fee


@transaction.atomic
def dossier_pay_online(
    *,
    actor: User,
    dossier: Dossier,
    transaction_number: str,
    amount,
    at: dt.datetime | None = None,
) -> tuple[list[DossierFee], bool]:
    """The applicant paid every fee line still due through the national payment platform, in
    one transaction of ``amount`` đồng: each line is paid (:func:`dossier_fee_pay`) with the
    transaction number as its receipt number. Safe to repeat: a transaction number already
    recorded on the dossier returns its lines and writes nothing. Returns ``(lines, created)``.

    Refusals that are not the caller's mistake but a disagreement with the dossier's state
    (not received yet, nothing left to pay, a different amount) carry the code ``conflict``.
    """
    transaction_number = (transaction_number or "").strip()
    _require(transaction_number, _("Phải có mã giao dịch thanh toán."))
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    online = DossierFee.PaymentChannel.ONLINE
    recorded = list(
        dossier.fees.filter(status=F.PAID, paid_channel=online, receipt_number=transaction_number)
    )
    if recorded:
        return recorded, False
    if dossier.status not in FEE_OPEN_STATUSES:
        raise ValidationError(
            _(
                "Hồ sơ đang ở trạng thái “%(status)s”: chưa có hoặc không còn khoản phí, lệ phí "
                "nào để thanh toán."
            )
            % {"status": dossier.get_status_display()},
            code="conflict",
        )
    due = [fee for fee in dossier.fees.order_by("id") if fee.status == F.DUE and fee.amount > 0]
    if not due:
        raise ValidationError(
            _("Hồ sơ %(code)s không còn khoản phí, lệ phí nào phải nộp.") % {"code": dossier},
            code="conflict",
        )
    total = sum((fee.amount for fee in due), 0)
    if amount is None or amount != total:
        raise ValidationError(
            _("Số tiền thanh toán (%(paid)s) không khớp số tiền phải nộp (%(due)s).")
            % {"paid": vnd(amount or 0), "due": vnd(total)},
            code="conflict",
        )
    paid = [
        dossier_fee_pay(
            actor=actor, fee=fee, channel=online, receipt_number=transaction_number, at=at
        )
        for fee in due
    ]
    return paid, True


@transaction.atomic
def dossier_fee_waive(*, actor: User, fee: DossierFee, reason: str) -> DossierFee:
    """Waive a fee line (the applicant is exempt): the legal basis or reason is mandatory."""
    fee = _open_fee(fee)
    reason = (reason or "").strip()
    _require(reason, _("Phải ghi rõ lý do, căn cứ miễn phí, lệ phí."))
    fee.status, fee.waiver_reason = F.WAIVED, reason
    _fee_save(fee, actor=actor, action=FEE_WAIVE, reason=reason)
    _fee_opinion(
        fee,
        actor=actor,
        decision=D.FEE_WAIVED,
        comment=_("%(name)s (%(amount)s). Lý do: %(reason)s")
        % {"name": fee.name, "amount": vnd(fee.amount), "reason": reason},
    )
    return fee


@transaction.atomic
def dossier_rate(
    *,
    actor: User,
    dossier: Dossier,
    rating: int,
    channel: str,
    comment: str = "",
    at: dt.datetime | None = None,
) -> Dossier:
    """Record the applicant's satisfaction (Không hài lòng / Hài lòng / Rất hài lòng) once the
    result has been returned. A dossier is rated once: the rating is the citizen's, so a
    recorded one is never overwritten (its history stays with the record)."""
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    _require(
        dossier.status == S.RETURNED,
        _("Chỉ ghi nhận đánh giá sau khi đã trả kết quả cho người nộp (hồ sơ %(code)s).")
        % {"code": dossier},
    )
    _require(
        dossier.rating is None,
        _(
            "Hồ sơ %(code)s đã được đánh giá “%(rating)s” lúc %(at)s; mỗi hồ sơ chỉ ghi nhận "
            "một lần đánh giá."
        )
        % {
            "code": dossier,
            "rating": dossier.get_rating_display(),
            "at": timezone.localtime(dossier.rated_at).strftime("%H:%M %d/%m/%Y")
            if dossier.rated_at
            else "",
        },
    )
    _require(rating in Dossier.Rating.values, _("Mức đánh giá không hợp lệ."))
    _require(channel in Dossier.RatingChannel.values, _("Kênh đánh giá không hợp lệ."))
    at = at or timezone.now()
    comment = (comment or "").strip()
    _save(dossier, rating=rating, rating_channel=channel, rating_comment=comment, rated_at=at)
    unit = _one_stop_unit(dossier.procedure_version)
    auditlog.record(
        actor=actor,
        action=DOSSIER_RATE,
        obj=dossier,
        after=auditlog.snapshot(
            dossier, fields=("rating", "rating_channel", "rating_comment", "rated_at")
        ),
        unit=unit,
    )
    label = dossier.get_rating_display()
    _opinion(
        dossier,
        actor=actor,
        step=K.RETURN,
        decision=D.RATED,
        comment=f"{label}. {comment}" if comment else str(label),
        unit=unit,
        at=at,
        audit=False,  # recorded above
    )
    return dossier
