"""Writes of the audits app: nonconformities and their corrective action (ISO 9001 8.7, 10.2).

Each service is one business action: atomic, validated before anything is written, one
audit-log event. The workflow layer (``workflows.capa_flow``) calls exactly one per step and
then lets viewflow advance. Raising a nonconformity also starts its corrective-action process
through the starter that the workflow layer registers with :func:`nonconformity_process_starter`
(this layer may not import it), inside the same transaction: a nonconformity is never saved
without its process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import Dossier, FormTemplate
from qms.core import auditlog, notifications
from qms.core.models import OrgUnit, Role, Signature, User
from qms.core.signatures import check_password, signature_sign
from qms.core.uploads import validate_upload

from .models import (
    MAX_WHYS,
    CorrectiveAction,
    EffectivenessCheck,
    Nonconformity,
    RootCauseAnalysis,
    Why,
)
from .selectors import PURPOSE_CLOSE, nonconformity_closure_content, nonconformity_current_round

S = Nonconformity.Status
NONCONFORMITY_RAISE = auditlog.action(
    "nonconformity.raise", gettext_lazy("Ghi nhận sự không phù hợp")
)
NONCONFORMITY_START = auditlog.action(
    "nonconformity.start", gettext_lazy("Bắt đầu quy trình khắc phục sự không phù hợp")
)
NONCONFORMITY_CORRECT = auditlog.action(
    "nonconformity.correct", gettext_lazy("Khắc phục tức thời sự không phù hợp")
)
NONCONFORMITY_ANALYSE = auditlog.action(
    "nonconformity.analyse", gettext_lazy("Phân tích nguyên nhân gốc")
)
NONCONFORMITY_PLAN = auditlog.action(
    "nonconformity.plan", gettext_lazy("Lập kế hoạch hành động khắc phục")
)
ACTION_COMPLETE = auditlog.action(
    "corrective_action.complete", gettext_lazy("Hoàn thành hành động khắc phục")
)
ACTION_OVERDUE = auditlog.action(
    "corrective_action.overdue", gettext_lazy("Hành động khắc phục quá hạn")
)
ACTION_OVERDUE_NOTICE = notifications.kind(
    "capa.action_overdue", gettext_lazy("Hành động khắc phục quá hạn")
)
NONCONFORMITY_CHECK = auditlog.action(
    "nonconformity.check", gettext_lazy("Kiểm tra hiệu lực hành động khắc phục")
)
NONCONFORMITY_CLOSE = auditlog.action("nonconformity.close", gettext_lazy("Đóng sự không phù hợp"))

#: The global permission of the quality manager's steps (check, close).
QUALITY_MANAGER = "core.act_quality_manager"
#: The unit permission of whoever leads the corrective action of a unit's nonconformity.
LEAD_UNIT = "core.lead_unit"


# The process starter (registered by the workflow layer) ---------------------------------------

_process_starter: Callable[[Nonconformity], object] | None = None


def nonconformity_process_starter(function: Callable[[Nonconformity], object]):
    """Register ``function(nonconformity)``, which starts the corrective-action process of a
    nonconformity just saved. The workflow layer registers it when Django starts."""
    global _process_starter
    _process_starter = function
    return function


def _start_process(nonconformity: Nonconformity) -> None:
    if _process_starter is None:
        raise ImproperlyConfigured(
            "No corrective-action process starter registered (workflows.capa_flow)."
        )
    _process_starter(nonconformity)


# Helpers ---------------------------------------------------------------------------------------


def _require(condition, message):
    if not condition:
        raise ValidationError(message)


def _require_status(nonconformity: Nonconformity, *allowed):
    if nonconformity.status not in allowed:
        raise ValidationError(
            _(
                "Sự không phù hợp “%(nc)s” đang ở bước “%(status)s”, không thực hiện được thao "
                "tác này."
            )
            % {"nc": nonconformity, "status": nonconformity.get_status_display()}
        )


def _require_leader(actor: User, nonconformity: Nonconformity):
    _require(
        actor.has_perm(LEAD_UNIT, nonconformity.unit),
        _("Chỉ lãnh đạo %(unit)s được thực hiện bước này.") % {"unit": nonconformity.unit},
    )


def _require_quality_manager(actor: User):
    _require(
        actor.has_perm(QUALITY_MANAGER),
        _("Chỉ Thư ký ISO (quản lý chất lượng) được thực hiện bước này."),
    )


def _is_member(user: User, unit: OrgUnit) -> bool:
    return user.is_active and user.memberships.filter(unit=unit).exists()


def _save(instance, **changes):
    """Change and save ``instance``; return its changed values (before, after) for the event."""
    before = auditlog.snapshot(instance, fields=list(changes))
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return auditlog.changes(before, auditlog.snapshot(instance, fields=list(changes)))


# Raising ---------------------------------------------------------------------------------------


@transaction.atomic
def nonconformity_raise(
    *,
    actor,
    source: str,
    unit: OrgUnit,
    title: str,
    description: str,
    severity: str = Nonconformity.Severity.MINOR,
    dossier: Dossier | None = None,
    finding_ref: str = "",
    complaint_ref: str = "",
) -> Nonconformity:
    """Record a nonconformity (by hand, from an audit finding, a complaint or a late dossier;
    ``actor`` is None when the system raises it) and start its corrective-action process."""
    title, description = title.strip(), description.strip()
    finding_ref, complaint_ref = finding_ref.strip(), complaint_ref.strip()
    _require(source in Nonconformity.Source.values, _("Nguồn sự không phù hợp không hợp lệ."))
    _require(severity in Nonconformity.Severity.values, _("Mức độ không hợp lệ."))
    _require(title, _("Phải ghi tiêu đề sự không phù hợp."))
    _require(description, _("Phải mô tả sự không phù hợp."))
    _require(unit is not None and unit.is_active, _("Phải chọn đơn vị liên quan đang hoạt động."))
    if source == Nonconformity.Source.LATE_DOSSIER:
        _require(dossier is not None, _("Sự không phù hợp do hồ sơ trễ hạn phải gắn với hồ sơ."))
    if source == Nonconformity.Source.COMPLAINT:
        _require(complaint_ref, _("Phải ghi số, ngày của phản ánh, kiến nghị."))
    if source == Nonconformity.Source.AUDIT:
        _require(finding_ref, _("Phải ghi mã phát hiện của cuộc đánh giá."))
    nonconformity = Nonconformity(
        source=source,
        status=S.CORRECTION,
        severity=severity,
        unit=unit,
        dossier=dossier,
        finding_ref=finding_ref,
        complaint_ref=complaint_ref,
        title=title,
        description=description,
        raised_at=timezone.now(),
        raised_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    nonconformity.full_clean()
    nonconformity.save()
    auditlog.record(
        actor=actor,
        action=NONCONFORMITY_RAISE,
        obj=nonconformity,
        unit=unit,
        after=auditlog.snapshot(nonconformity),
        reason=(
            _("Tự động: hồ sơ %(code)s giải quyết trễ hạn.") % {"code": dossier.code}
            if source == Nonconformity.Source.LATE_DOSSIER and actor is None
            else ""
        ),
    )
    _start_process(nonconformity)
    return nonconformity


@transaction.atomic
def nonconformity_start_process(*, nonconformity: Nonconformity) -> Nonconformity:
    """Start the corrective-action process of a nonconformity recorded before the process
    existed (status "open"); one already started is left as it is."""
    nonconformity = Nonconformity.objects.select_for_update().get(pk=nonconformity.pk)
    if nonconformity.status != S.OPEN:
        return nonconformity
    before, after = _save(nonconformity, status=S.CORRECTION)
    auditlog.record(
        actor=None,
        action=NONCONFORMITY_START,
        obj=nonconformity,
        unit=nonconformity.unit,
        before=before,
        after=after,
    )
    _start_process(nonconformity)
    return nonconformity


def _late_dossier_description(dossier: Dossier) -> str:
    due = timezone.localtime(dossier.legal_due_at)
    finished = timezone.localtime(dossier.finished_at)
    apology = getattr(dossier, "apology", None)
    if apology is not None:
        form = FormTemplate.objects.filter(
            regime=dossier.regime, kind=FormTemplate.Kind.APOLOGY
        ).first()
        apology_text = _(
            "Đã lập %(form)s ngày %(issued)s, hẹn lại ngày %(day)s; lý do: %(reason)s"
        ) % {
            "form": f"{form.title} ({form.number})" if form else _("phiếu xin lỗi"),
            "issued": timezone.localtime(apology.issued_at).strftime("%d/%m/%Y"),
            "day": timezone.localtime(apology.new_due_at).strftime("%d/%m/%Y"),
            "reason": apology.reason,
        }
    else:
        apology_text = _("Không có phiếu xin lỗi.")
    return _(
        "Hồ sơ %(code)s — thủ tục: %(procedure)s. Hẹn trả: %(due)s; xử lý xong: %(finished)s. "
        "%(apology)s"
    ) % {
        "code": dossier.code,
        "procedure": dossier.procedure_version.procedure.name,
        "due": due.strftime("%d/%m/%Y"),
        "finished": finished.strftime("%H:%M %d/%m/%Y"),
        "apology": apology_text,
    }


@transaction.atomic
def nonconformity_raise_for_late_dossier(*, dossier: Dossier) -> Nonconformity:
    """A dossier finished after its appointment is a nonconforming output (ISO 9001 8.7):
    raise it once, against the handling unit, with its process. Raising again returns the
    same record."""
    existing = Nonconformity.objects.filter(
        dossier=dossier, source=Nonconformity.Source.LATE_DOSSIER
    ).first()
    if existing:
        return existing
    return nonconformity_raise(
        actor=None,
        source=Nonconformity.Source.LATE_DOSSIER,
        unit=dossier.handling_unit,
        dossier=dossier,
        title=_("Hồ sơ %(code)s giải quyết trễ hạn") % {"code": dossier.code},
        description=_late_dossier_description(dossier),
    )


# The corrective-action steps -------------------------------------------------------------------


@transaction.atomic
def nonconformity_correct(
    *, actor: User, nonconformity: Nonconformity, correction: str, analyst: User | None = None
) -> Nonconformity:
    """The immediate correction (what was done at once to contain the nonconformity) by the
    unit's leader, who may hand the root-cause analysis to a member of the unit."""
    _require_status(nonconformity, S.CORRECTION)
    _require_leader(actor, nonconformity)
    correction = correction.strip()
    _require(correction, _("Phải ghi nội dung khắc phục tức thời."))
    if analyst is not None:
        _require(
            _is_member(analyst, nonconformity.unit),
            _("Người phân tích nguyên nhân phải là thành viên của %(unit)s.")
            % {"unit": nonconformity.unit},
        )
    before, after = _save(
        nonconformity,
        correction=correction,
        corrected_at=timezone.now(),
        corrected_by=actor,
        analyst=analyst,
        status=S.ANALYSIS,
    )
    auditlog.record(
        actor=actor,
        action=NONCONFORMITY_CORRECT,
        obj=nonconformity,
        unit=nonconformity.unit,
        before=before,
        after=after,
    )
    return nonconformity


@transaction.atomic
def nonconformity_analyse(
    *, actor: User, nonconformity: Nonconformity, whys: list[str], root_cause: str
) -> RootCauseAnalysis:
    """A round of the five-whys analysis: the answers in the order asked (at least the first,
    at most five, no gap) and the root cause they lead to."""
    _require_status(nonconformity, S.ANALYSIS)
    _require(
        actor == nonconformity.analyst or actor.has_perm(LEAD_UNIT, nonconformity.unit),
        _("Chỉ lãnh đạo %(unit)s hoặc người được giao phân tích được thực hiện bước này.")
        % {"unit": nonconformity.unit},
    )
    answers = [answer.strip() for answer in whys]
    while answers and not answers[-1]:
        answers.pop()
    _require(answers, _("Phải trả lời ít nhất câu hỏi “Tại sao?” thứ nhất."))
    _require(
        all(answers),
        _("Các câu trả lời “Tại sao?” phải liên tiếp, không bỏ trống câu ở giữa."),
    )
    _require(
        len(answers) <= MAX_WHYS,
        _("Phân tích 5 tại sao có nhiều nhất %(n)s câu hỏi.") % {"n": MAX_WHYS},
    )
    root_cause = root_cause.strip()
    _require(root_cause, _("Phải ghi nguyên nhân gốc."))
    previous = nonconformity_current_round(nonconformity)
    analysis = RootCauseAnalysis(
        nonconformity=nonconformity,
        number=previous.number + 1 if previous else 1,
        root_cause=root_cause,
        analysed_by=actor,
        analysed_at=timezone.now(),
    )
    analysis.full_clean()
    analysis.save()
    for order, answer in enumerate(answers, 1):
        why = Why(analysis=analysis, order=order, answer=answer)
        why.full_clean()
        why.save()
    before, after = _save(nonconformity, status=S.PLANNING)
    auditlog.record(
        actor=actor,
        action=NONCONFORMITY_ANALYSE,
        obj=nonconformity,
        unit=nonconformity.unit,
        before=before,
        after={**after, "round": analysis.number, "whys": answers, "root_cause": root_cause},
    )
    return analysis


@dataclass
class ActionInput:
    """One line of an action plan."""

    description: str
    owner_unit: OrgUnit | None
    owner_user: User | None
    due_date: dt.date | None


@transaction.atomic
def nonconformity_plan(
    *, actor: User, nonconformity: Nonconformity, actions: list[ActionInput]
) -> list[CorrectiveAction]:
    """The action plan of the current round: each action with its owner (a member of the
    owner unit) and a due date from today on. The actions then run in parallel."""
    _require_status(nonconformity, S.PLANNING)
    _require_leader(actor, nonconformity)
    _require(actions, _("Kế hoạch phải có ít nhất một hành động khắc phục."))
    today = timezone.localdate()
    for number, line in enumerate(actions, 1):
        where = _("Hành động %(n)s: ") % {"n": number}
        _require(line.description.strip(), where + _("phải ghi nội dung hành động."))
        _require(
            line.owner_unit is not None and line.owner_unit.is_active,
            where + _("phải chọn đơn vị thực hiện."),
        )
        _require(line.owner_user is not None, where + _("phải chọn người thực hiện."))
        _require(
            _is_member(line.owner_user, line.owner_unit),
            where
            + _("%(user)s không thuộc %(unit)s.")
            % {"user": line.owner_user, "unit": line.owner_unit},
        )
        _require(line.due_date is not None, where + _("phải có hạn hoàn thành."))
        _require(
            line.due_date >= today,
            where
            + _("hạn hoàn thành %(day)s đã qua.") % {"day": line.due_date.strftime("%d/%m/%Y")},
        )
    analysis = nonconformity_current_round(nonconformity)
    created = []
    for order, line in enumerate(actions, 1):
        action = CorrectiveAction(
            nonconformity=nonconformity,
            analysis=analysis,
            order=order,
            description=line.description.strip(),
            owner_unit=line.owner_unit,
            owner_user=line.owner_user,
            due_date=line.due_date,
        )
        action.full_clean()
        action.save()
        created.append(action)
    before, after = _save(nonconformity, status=S.IMPLEMENTATION)
    auditlog.record(
        actor=actor,
        action=NONCONFORMITY_PLAN,
        obj=nonconformity,
        unit=nonconformity.unit,
        before=before,
        after={
            **after,
            "round": analysis.number,
            "actions": [
                {
                    "id": a.pk,
                    "description": a.description,
                    "owner_unit": a.owner_unit_id,
                    "owner_user": a.owner_user_id,
                    "due_date": a.due_date,
                }
                for a in created
            ],
        },
    )
    return created


def _file_sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def corrective_action_complete(
    *, actor: User, action: CorrectiveAction, note: str, evidence
) -> CorrectiveAction:
    """The owner reports the action done, with what was done and the evidence (a PDF or a
    scan, checked by content); the round goes to the effectiveness check when its last action
    is done."""
    action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
    nonconformity = Nonconformity.objects.select_for_update().get(pk=action.nonconformity_id)
    _require_status(nonconformity, S.IMPLEMENTATION)
    _require(action.status == CorrectiveAction.Status.PLANNED, _("Hành động này đã thực hiện."))
    _require(actor == action.owner_user, _("Chỉ người được giao mới báo cáo hành động này."))
    note = note.strip()
    _require(note, _("Phải ghi kết quả thực hiện."))
    _require(evidence, _("Phải đính kèm bằng chứng thực hiện (PDF hoặc ảnh quét)."))
    extension = validate_upload(evidence)
    sha256 = _file_sha256(evidence)
    evidence.name = f"bang-chung.{extension}"
    before, after = _save(
        action,
        status=CorrectiveAction.Status.DONE,
        done_at=timezone.now(),
        note=note,
        evidence=evidence,
        evidence_sha256=sha256,
    )
    round_done = not nonconformity.actions.filter(
        analysis=action.analysis, status=CorrectiveAction.Status.PLANNED
    ).exists()
    if round_done:
        _save(nonconformity, status=S.VERIFICATION)
    auditlog.record(
        actor=actor,
        action=ACTION_COMPLETE,
        obj=nonconformity,
        unit=action.owner_unit,
        before={"action": action.pk, **before},
        after={
            "action": action.pk,
            **after,
            **({"status_nonconformity": S.VERIFICATION} if round_done else {}),
        },
    )
    return action


@transaction.atomic
def corrective_action_overdue(*, action: CorrectiveAction) -> bool:
    """The system notes that an action ran past its due date and reminds its owner and the
    unit's leaders. Nothing happens for an action already done."""
    action = CorrectiveAction.objects.select_related("nonconformity").get(pk=action.pk)
    if action.status != CorrectiveAction.Status.PLANNED:
        return False
    nonconformity = action.nonconformity
    auditlog.record(
        actor=None,
        action=ACTION_OVERDUE,
        obj=nonconformity,
        unit=action.owner_unit,
        after={"action": action.pk, "due_date": action.due_date, "owner": action.owner_user_id},
    )
    leaders = User.objects.filter(
        memberships__unit=nonconformity.unit, memberships__role=Role.UNIT_HEAD
    ).distinct()
    notifications.notify(
        recipients=[action.owner_user, *leaders],
        kind=ACTION_OVERDUE_NOTICE,
        url=reverse("workflow:flows:capa:nonconformity_detail", args=[nonconformity.pk]),
        obj=nonconformity,
        key=notifications.key_for("capa-action-overdue", action.pk),
        title=_("Hành động khắc phục quá hạn: %(nc)s") % {"nc": nonconformity.code},
        body=_(
            "Hành động khắc phục “%(action)s” của sự không phù hợp %(code)s “%(title)s” có hạn "
            "hoàn thành ngày %(due)s nhưng chưa được báo cáo thực hiện. Người thực hiện: "
            "%(owner)s (%(unit)s)."
        )
        % {
            "action": action.description,
            "code": nonconformity.code,
            "title": nonconformity.title,
            "due": action.due_date.strftime("%d/%m/%Y"),
            "owner": action.owner_user,
            "unit": action.owner_unit,
        },
    )
    return True


@transaction.atomic
def nonconformity_check(
    *, actor: User, nonconformity: Nonconformity, result: str, evidence: str, comment: str = ""
) -> EffectivenessCheck:
    """The quality manager's effectiveness check of the current round's actions, once all of
    them are done. "Not effective" sends the nonconformity back to a new analysis round."""
    _require_status(nonconformity, S.VERIFICATION)
    _require_quality_manager(actor)
    _require(
        result in EffectivenessCheck.Result.values, _("Kết quả kiểm tra hiệu lực không hợp lệ.")
    )
    evidence, comment = evidence.strip(), comment.strip()
    _require(evidence, _("Phải ghi bằng chứng kiểm tra hiệu lực."))
    not_effective = result == EffectivenessCheck.Result.NOT_EFFECTIVE
    _require(
        comment or not not_effective,
        _("Phải nêu lý do hành động khắc phục không có hiệu lực."),
    )
    analysis = nonconformity_current_round(nonconformity)
    _require(
        not analysis.actions.filter(status=CorrectiveAction.Status.PLANNED).exists(),
        _("Còn hành động khắc phục chưa thực hiện."),
    )
    check = EffectivenessCheck(
        nonconformity=nonconformity,
        analysis=analysis,
        result=result,
        evidence=evidence,
        comment=comment,
        checked_by=actor,
        checked_at=timezone.now(),
    )
    check.full_clean()
    check.save()
    before, after = {}, {}
    if not_effective:
        before, after = _save(nonconformity, status=S.ANALYSIS)
    auditlog.record(
        actor=actor,
        action=NONCONFORMITY_CHECK,
        obj=nonconformity,
        unit=nonconformity.unit,
        before=before or None,
        after={**after, "round": analysis.number, "result": result, "evidence": evidence},
        reason=comment,
    )
    return check


@transaction.atomic
def nonconformity_close(
    *, actor: User, nonconformity: Nonconformity, password: str
) -> Nonconformity:
    """Close the nonconformity, signed by the quality manager (password re-entered). It
    cannot be closed without an effective check of its current round. The signature covers
    the title, the root causes, the actions with their evidence hashes and the check."""
    _require_status(nonconformity, S.VERIFICATION)
    _require_quality_manager(actor)
    analysis = nonconformity_current_round(nonconformity)
    check = analysis.checks.first() if analysis else None
    _require(
        check is not None and check.result == EffectivenessCheck.Result.EFFECTIVE,
        _("Chưa có kết quả kiểm tra hiệu lực “Có hiệu lực”: chưa được đóng sự không phù hợp."),
    )
    check_password(actor, password)
    before, after = _save(nonconformity, status=S.CLOSED, closed_at=timezone.now(), closed_by=actor)
    signature = signature_sign(
        user=actor,
        password=password,
        obj=nonconformity,
        purpose=PURPOSE_CLOSE,
        meaning=Signature.Meaning.CLOSED,
        content=nonconformity_closure_content(nonconformity),
        unit=nonconformity.unit,
    )
    auditlog.record(
        actor=actor,
        action=NONCONFORMITY_CLOSE,
        obj=nonconformity,
        unit=nonconformity.unit,
        before=before,
        after={**after, "signature": signature.pk, "content_hash": signature.content_hash},
    )
    return nonconformity


# Nightly indicator snapshot (ISO 9001 9.1) -----------------------------------------------------

INDICATOR_SNAPSHOT_TAKE = auditlog.action(
    "indicator_snapshot.take", gettext_lazy("Lưu số liệu chỉ số chất lượng theo ngày")
)


@transaction.atomic
def indicator_snapshot_take(*, day: dt.date, actor: User | None = None) -> int:
    """Keep every indicator from 1 January to the end of ``day``, for the whole department and
    for each handling unit that has data, as :class:`~audits.models.IndicatorSnapshot` rows;
    return how many rows were created.

    Idempotent by design: a snapshot records what the figures were when it was taken, so a
    row that exists is never rewritten (nor duplicated): running again for the same day only
    adds the rows a broken run left out, and writes nothing (no event either) when none is
    missing. Only a day that has ended can be taken (its figures are final)."""
    from . import indicators
    from .models import IndicatorSnapshot

    _require(isinstance(day, dt.date), _("Phải chọn ngày lập số liệu chỉ số."))
    day = day.date() if isinstance(day, dt.datetime) else day
    _require(
        day < timezone.localdate(),
        _("Chỉ lưu được số liệu của ngày đã kết thúc; ngày %(day)s chưa kết thúc.")
        % {"day": day.strftime("%d/%m/%Y")},
    )
    period = {"date_from": dt.date(day.year, 1, 1), "date_to": day}
    existing = set(IndicatorSnapshot.objects.filter(day=day).values_list("code", "unit_id"))
    computed_at = timezone.now()
    created = []
    for code in indicators.INDICATORS:
        values = [(None, indicators.compute(code, **period))]
        # The group without a unit (a nonconformity of no unit) is in the department's figure.
        values += [
            (row.key, row.value)
            for row in indicators.breakdown(code, by="unit", **period)
            if row.key is not None
        ]
        for unit_id, value in values:
            if (code, unit_id) in existing:
                continue
            snapshot = IndicatorSnapshot(
                day=day,
                code=code,
                unit_id=unit_id,
                value=value.value,
                numerator=value.numerator,
                denominator=value.denominator,
                computed_at=computed_at,
            )
            snapshot.full_clean()
            snapshot.save()
            created.append(snapshot)
    if created:
        auditlog.record(
            actor=actor,
            action=INDICATOR_SNAPSHOT_TAKE,
            object_type="audits.indicatorsnapshot",
            object_id=day.isoformat(),
            object_repr=_("Số liệu chỉ số ngày %(day)s") % {"day": day.strftime("%d/%m/%Y")},
            after={
                "day": day,
                "rows": len(created),
                "department": {s.code: s.value for s in created if s.unit_id is None},
            },
        )
    return len(created)
