"""Writes of the internal audit cycle (ISO 9001:2015 clause 9.2).

Each service validates everything first (Vietnamese messages, nothing written on refusal),
then writes and appends one audit-log event. Who may act is checked here as well as in the
pages: the quality manager plans programmes, audits and checklists and closes audits; a
director approves the programme; only the team of an audit (its lead auditor and members)
writes that audit's answers, findings and report, whatever their role; nobody audits a unit
they are a member of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import ProcedureField
from qms.core import auditlog
from qms.core.models import OrgUnit, Signature, User
from qms.core.signatures import check_password, signature_sign

from . import selectors
from .models import (
    CLAUSE_ERROR,
    CLAUSE_RE,
    Audit,
    AuditChecklist,
    AuditChecklistAnswer,
    AuditProgramme,
    AuditReport,
    AuditTeamMember,
    Checklist,
    ChecklistItem,
    Finding,
    InternalProcess,
    ProgrammeItem,
)

PROGRAMME_CREATE = auditlog.action(
    "internal_audit.programme_create", gettext_lazy("Lập chương trình đánh giá nội bộ")
)
PROGRAMME_UPDATE = auditlog.action(
    "internal_audit.programme_update", gettext_lazy("Sửa chương trình đánh giá nội bộ")
)
PROGRAMME_APPROVE = auditlog.action(
    "internal_audit.programme_approve", gettext_lazy("Phê duyệt chương trình đánh giá nội bộ")
)
AUDIT_PLAN = auditlog.action("internal_audit.plan", gettext_lazy("Lập kế hoạch đánh giá nội bộ"))
AUDIT_PLAN_CHANGE = auditlog.action(
    "internal_audit.plan_change", gettext_lazy("Sửa kế hoạch đánh giá nội bộ")
)
AUDIT_START = auditlog.action("internal_audit.start", gettext_lazy("Bắt đầu cuộc đánh giá nội bộ"))
ANSWERS_RECORD = auditlog.action(
    "internal_audit.answers", gettext_lazy("Ghi kết quả danh mục kiểm tra")
)
FINDING_RECORD = auditlog.action(
    "internal_audit.finding", gettext_lazy("Ghi nhận phát hiện đánh giá")
)
REPORT_SAVE = auditlog.action(
    "internal_audit.report_save", gettext_lazy("Soạn báo cáo đánh giá nội bộ")
)
REPORT_SIGN = auditlog.action(
    "internal_audit.report_sign", gettext_lazy("Ký báo cáo đánh giá nội bộ")
)
AUDIT_CLOSE = auditlog.action("internal_audit.close", gettext_lazy("Kết thúc cuộc đánh giá nội bộ"))
CHECKLIST_CREATE = auditlog.action(
    "internal_audit.checklist_create", gettext_lazy("Lập danh mục kiểm tra")
)
CHECKLIST_ITEM_ADD = auditlog.action(
    "internal_audit.checklist_item_add", gettext_lazy("Thêm câu hỏi vào danh mục kiểm tra")
)

TEXT_LIMIT = 5000


# Guards ----------------------------------------------------------------------------------------


def require_quality_manager(user: User) -> None:
    if not selectors.is_quality_manager(user):
        raise PermissionDenied(
            _("Chỉ Thư ký ISO (quản lý chất lượng) được lập, sửa chương trình và kế hoạch.")
        )


def require_team(user: User, audit: Audit) -> None:
    """Only the team of *this* audit writes its records, while it is being conducted."""
    if not selectors.is_on_team(user, audit):
        raise PermissionDenied(
            _("Chỉ thành viên đoàn đánh giá %(code)s được ghi hồ sơ của cuộc đánh giá này.")
            % {"code": audit.code}
        )
    if audit.status != Audit.Status.IN_PROGRESS:
        raise PermissionDenied(
            _("Cuộc đánh giá %(code)s đang ở trạng thái “%(status)s”: không ghi thêm được.")
            % {"code": audit.code, "status": audit.get_status_display()}
        )


def require_lead(user: User, audit: Audit) -> None:
    if not (user.is_authenticated and user.is_active and audit.lead_auditor_id == user.pk):
        raise PermissionDenied(
            _("Chỉ trưởng đoàn đánh giá %(code)s được thực hiện việc này.") % {"code": audit.code}
        )


def independence_errors(*, lead_auditor, members, units) -> dict[str, list[str]]:
    """Messages naming each team member who belongs to an audited unit (ISO 9001 9.2.2 c:
    auditors do not audit their own work), keyed by the form field that chose them."""
    team = [u for u in [lead_auditor, *members] if u is not None]
    conflicts = selectors.independence_conflicts(
        user_ids=[u.pk for u in team], unit_ids=[u.pk for u in units]
    )
    errors: dict[str, list[str]] = {}
    seen = set()
    for membership in conflicts:
        key = (membership.user_id, membership.unit_id)
        if key in seen:
            continue
        seen.add(key)
        is_lead = lead_auditor is not None and membership.user_id == lead_auditor.pk
        message = _(
            "Không bảo đảm tính độc lập: %(person)s là thành viên của %(unit)s, đơn vị được "
            "đánh giá trong cuộc đánh giá này. Người đánh giá không được đánh giá đơn vị mình."
        ) % {"person": membership.user, "unit": membership.unit}
        errors.setdefault("lead_auditor" if is_lead else "members", []).append(message)
    return errors


def _text(value, field, label, errors, *, required=True):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("Phải nhập %(label)s.") % {"label": label})
    elif len(value) > TEXT_LIMIT:
        errors.setdefault(field, []).append(
            _("%(label)s quá dài (tối đa %(n)s ký tự).") % {"label": label, "n": TEXT_LIMIT}
        )
    return value


def _clauses(value: str, errors) -> str:
    clauses = [c.strip() for c in (value or "").replace(";", ",").split(",") if c.strip()]
    if not clauses or any(not CLAUSE_RE.match(c) for c in clauses):
        errors.setdefault("clauses", []).append(str(CLAUSE_ERROR))
    return ", ".join(dict.fromkeys(clauses))


def _clause(value: str, errors, field="clause") -> str:
    value = (value or "").strip()
    if not CLAUSE_RE.match(value):
        errors.setdefault(field, []).append(str(CLAUSE_ERROR))
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# Programme -------------------------------------------------------------------------------------


@transaction.atomic
def programme_create(*, actor: User, year: int, objectives: str, title: str = "") -> AuditProgramme:
    require_quality_manager(actor)
    errors: dict = {}
    objectives = _text(objectives, "objectives", _("mục tiêu"), errors)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors.setdefault("year", []).append(_("Năm phải từ 2000 đến 2100."))
    elif AuditProgramme.objects.filter(year=year).exists():
        errors.setdefault("year", []).append(
            _("Năm %(year)s đã có chương trình đánh giá nội bộ.") % {"year": year}
        )
    _raise(errors)
    programme = AuditProgramme(
        year=year,
        title=(title or "").strip()
        or _("Chương trình đánh giá nội bộ năm %(year)s") % {"year": year},
        objectives=objectives,
        created_by=actor,
        created_at=timezone.now(),
    )
    programme.full_clean()
    programme.save()
    auditlog.record(
        actor=actor, action=PROGRAMME_CREATE, obj=programme, after=auditlog.snapshot(programme)
    )
    return programme


def _back_to_draft(programme: AuditProgramme) -> bool:
    """A change to an approved programme needs the director's approval again."""
    if programme.status == AuditProgramme.Status.APPROVED:
        programme.status = AuditProgramme.Status.DRAFT
        programme.save(update_fields=["status"])
        return True
    return False


REAPPROVAL = gettext_lazy("Chương trình đã được phê duyệt: thay đổi này cần phê duyệt lại.")


@transaction.atomic
def programme_update(
    *, actor: User, programme: AuditProgramme, title: str, objectives: str
) -> AuditProgramme:
    require_quality_manager(actor)
    errors: dict = {}
    title = _text(title, "title", _("tên chương trình"), errors)
    objectives = _text(objectives, "objectives", _("mục tiêu"), errors)
    _raise(errors)
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    before = auditlog.snapshot(programme)
    programme.title, programme.objectives = title, objectives
    programme.full_clean()
    programme.save()
    redraft = _back_to_draft(programme)
    old, new = auditlog.changes(before, auditlog.snapshot(programme))
    auditlog.record(
        actor=actor,
        action=PROGRAMME_UPDATE,
        obj=programme,
        before=old,
        after=new,
        reason=str(REAPPROVAL) if redraft else "",
    )
    return programme


@transaction.atomic
def programme_approve(*, actor: User, programme: AuditProgramme, password: str) -> Signature:
    """The director approves the programme with an e-signature over its content. Refused
    while any unit, field of procedures or internal process is left out of every audit."""
    if not selectors.is_director(actor):
        raise PermissionDenied(_("Chỉ Lãnh đạo Sở được phê duyệt chương trình đánh giá nội bộ."))
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    if selectors.programme_approval_valid(programme):
        raise ValidationError(_("Chương trình đã được phê duyệt, nội dung không thay đổi."))
    coverage = selectors.programme_coverage(programme)
    missing = [
        row.label
        for row in coverage["units"] + coverage["fields"] + coverage["processes"]
        if row.status == selectors.NOT_COVERED
    ]
    if not programme.audits.exists():
        raise ValidationError(_("Chương trình chưa có cuộc đánh giá nào."))
    if missing:
        raise ValidationError(
            _(
                "Chương trình chưa bao quát mọi đơn vị và quá trình; chưa có trong cuộc đánh giá "
                "nào: %(missing)s."
            )
            % {"missing": "; ".join(missing)}
        )
    check_password(actor, password)
    signature = signature_sign(
        user=actor,
        password=password,
        obj=programme,
        purpose=selectors.PURPOSE_PROGRAMME,
        meaning=Signature.Meaning.APPROVED,
        content=selectors.programme_content(programme),
    )
    before = programme.status
    programme.status = AuditProgramme.Status.APPROVED
    programme.save(update_fields=["status"])
    auditlog.record(
        actor=actor,
        action=PROGRAMME_APPROVE,
        obj=programme,
        before={"status": before},
        after={"status": programme.status, "content_hash": signature.content_hash},
    )
    return signature


# Audit plan ------------------------------------------------------------------------------------


@dataclass
class PlanInput:
    title: str
    scope: str
    clauses: str
    criteria: str
    planned_start: dt.date | None
    planned_end: dt.date | None
    lead_auditor: User | None
    members: list
    units: list
    fields: list
    processes: list
    checklists: list


def _validate_plan(programme: AuditProgramme, plan: PlanInput) -> PlanInput:
    errors: dict = {}
    title = _text(plan.title, "title", _("tên cuộc đánh giá"), errors)
    scope = _text(plan.scope, "scope", _("phạm vi đánh giá"), errors)
    criteria = _text(plan.criteria, "criteria", _("chuẩn mực đánh giá"), errors)
    clauses = _clauses(plan.clauses, errors)
    start, end = plan.planned_start, plan.planned_end
    if start is None:
        errors.setdefault("planned_start", []).append(_("Phải nhập ngày bắt đầu."))
    if end is None:
        errors.setdefault("planned_end", []).append(_("Phải nhập ngày kết thúc."))
    if start and end:
        if end < start:
            errors.setdefault("planned_end", []).append(
                _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.")
            )
        if start.year != programme.year or end.year != programme.year:
            errors.setdefault("planned_start", []).append(
                _("Cuộc đánh giá phải diễn ra trong năm %(year)s của chương trình.")
                % {"year": programme.year}
            )
    lead = plan.lead_auditor
    if lead is None or not lead.is_active:
        errors.setdefault("lead_auditor", []).append(_("Phải chọn trưởng đoàn đánh giá."))
    members = [m for m in dict.fromkeys(plan.members) if lead is None or m.pk != lead.pk]
    if any(not m.is_active for m in members):
        errors.setdefault("members", []).append(
            _("Thành viên đoàn phải là tài khoản đang hoạt động.")
        )
    units = list(dict.fromkeys(plan.units))
    if not units:
        errors.setdefault("units", []).append(_("Phải chọn ít nhất một đơn vị được đánh giá."))
    if any(not u.is_active for u in units):
        errors.setdefault("units", []).append(_("Đơn vị được đánh giá phải đang hoạt động."))
    processes = list(dict.fromkeys(plan.processes))
    if any(p not in InternalProcess.values for p in processes):
        errors.setdefault("processes", []).append(_("Quá trình nội bộ không hợp lệ."))
    checklists = list(dict.fromkeys(plan.checklists))
    if any(not c.is_active for c in checklists):
        errors.setdefault("checklists", []).append(
            _("Danh mục kiểm tra đã ngừng sử dụng không được chọn.")
        )
    for field, messages in independence_errors(
        lead_auditor=lead, members=members, units=units
    ).items():
        errors.setdefault(field, []).extend(messages)
    _raise(errors)
    return PlanInput(
        title=title,
        scope=scope,
        clauses=clauses,
        criteria=criteria,
        planned_start=start,
        planned_end=end,
        lead_auditor=lead,
        members=members,
        units=units,
        fields=list(dict.fromkeys(plan.fields)),
        processes=processes,
        checklists=checklists,
    )


def _plan_snapshot(audit: Audit) -> dict:
    values = auditlog.snapshot(audit)
    scope = selectors.audit_scope(audit)
    values.update(
        members=sorted(audit.members.values_list("user_id", flat=True)),
        units=sorted(u.pk for u in scope["units"]),
        fields=sorted(f.pk for f in scope["fields"]),
        processes=sorted(
            audit.items.exclude(internal_process="").values_list("internal_process", flat=True)
        ),
        checklists=sorted(audit.checklists.values_list("checklist_id", flat=True)),
    )
    return values


def _set_related(audit: Audit, plan: PlanInput) -> None:
    """Make the audit's team, scope and checklists exactly those of ``plan`` (each row saved
    or deleted one by one so their history is kept)."""

    def sync(queryset, key, wanted: list, make):
        existing = {key(row): row for row in queryset}
        for k, row in existing.items():
            if k not in wanted:
                row.delete()
        for k in wanted:
            if k not in existing:
                obj = make(k)
                obj.full_clean()
                obj.save()

    sync(
        audit.members.all(),
        lambda m: m.user_id,
        [m.pk for m in plan.members],
        lambda user_id: AuditTeamMember(audit=audit, user_id=user_id),
    )
    sync(
        audit.items.filter(unit__isnull=False),
        lambda i: i.unit_id,
        [u.pk for u in plan.units],
        lambda unit_id: ProgrammeItem(audit=audit, unit_id=unit_id),
    )
    sync(
        audit.items.filter(field__isnull=False),
        lambda i: i.field_id,
        [f.pk for f in plan.fields],
        lambda field_id: ProgrammeItem(audit=audit, field_id=field_id),
    )
    sync(
        audit.items.exclude(internal_process=""),
        lambda i: i.internal_process,
        plan.processes,
        lambda process: ProgrammeItem(audit=audit, internal_process=process),
    )
    sync(
        audit.checklists.all(),
        lambda c: c.checklist_id,
        [c.pk for c in plan.checklists],
        lambda checklist_id: AuditChecklist(audit=audit, checklist_id=checklist_id),
    )


def _plan_fields(audit: Audit, plan: PlanInput) -> None:
    audit.title = plan.title
    audit.scope = plan.scope
    audit.clauses = plan.clauses
    audit.criteria = plan.criteria
    audit.planned_start = plan.planned_start
    audit.planned_end = plan.planned_end
    audit.lead_auditor = plan.lead_auditor


@transaction.atomic
def audit_plan(
    *,
    actor: User,
    programme: AuditProgramme,
    title: str,
    scope: str,
    clauses: str,
    criteria: str,
    planned_start: dt.date | None,
    planned_end: dt.date | None,
    lead_auditor: User | None,
    members=(),
    units=(),
    fields=(),
    processes=(),
    checklists=(),
) -> Audit:
    """Plan an audit of ``programme``: scope, criteria, dates, team, checklists."""
    require_quality_manager(actor)
    programme = AuditProgramme.objects.select_for_update().get(pk=programme.pk)
    plan = _validate_plan(
        programme,
        PlanInput(
            title,
            scope,
            clauses,
            criteria,
            planned_start,
            planned_end,
            lead_auditor,
            list(members),
            list(units),
            list(fields),
            list(processes),
            list(checklists),
        ),
    )
    number = (programme.audits.aggregate(n=Max("number"))["n"] or 0) + 1
    audit = Audit(programme=programme, number=number)
    _plan_fields(audit, plan)
    audit.full_clean()
    audit.save()
    _set_related(audit, plan)
    redraft = _back_to_draft(programme)
    auditlog.record(
        actor=actor,
        action=AUDIT_PLAN,
        obj=audit,
        after=_plan_snapshot(audit),
        reason=str(REAPPROVAL) if redraft else "",
    )
    return audit


@transaction.atomic
def audit_update_plan(*, actor: User, audit: Audit, **changes) -> Audit:
    """Change the plan of an audit that has not started (same arguments as
    :func:`audit_plan`)."""
    require_quality_manager(actor)
    audit = Audit.objects.select_for_update().select_related("programme").get(pk=audit.pk)
    if audit.status != Audit.Status.PLANNED:
        raise ValidationError(
            _("Cuộc đánh giá %(code)s đã bắt đầu: không sửa kế hoạch được nữa.")
            % {"code": audit.code}
        )
    scope = selectors.audit_scope(audit)
    current = PlanInput(
        audit.title,
        audit.scope,
        audit.clauses,
        audit.criteria,
        audit.planned_start,
        audit.planned_end,
        audit.lead_auditor,
        [m.user for m in audit.members.select_related("user")],
        scope["units"],
        scope["fields"],
        list(audit.items.exclude(internal_process="").values_list("internal_process", flat=True)),
        [c.checklist for c in audit.checklists.select_related("checklist")],
    )
    unknown = set(changes) - set(PlanInput.__dataclass_fields__)
    if unknown:
        raise TypeError(f"audit_update_plan: unknown fields {sorted(unknown)}")
    for name, value in changes.items():
        if name in ("members", "units", "fields", "processes", "checklists"):
            value = list(value)
        setattr(current, name, value)
    plan = _validate_plan(audit.programme, current)
    before = _plan_snapshot(audit)
    _plan_fields(audit, plan)
    audit.full_clean()
    audit.save()
    _set_related(audit, plan)
    redraft = _back_to_draft(audit.programme)
    old, new = auditlog.changes(before, _plan_snapshot(audit))
    auditlog.record(
        actor=actor,
        action=AUDIT_PLAN_CHANGE,
        obj=audit,
        before=old,
        after=new,
        reason=str(REAPPROVAL) if redraft else "",
    )
    return audit


@transaction.atomic
def audit_start(*, actor: User, audit: Audit) -> Audit:
    """The lead auditor opens the audit (opening meeting). The programme must be approved as
    it stands, and the team must still be independent of the audited units."""
    audit = Audit.objects.select_for_update().select_related("programme").get(pk=audit.pk)
    require_lead(actor, audit)
    if audit.status != Audit.Status.PLANNED:
        raise ValidationError(
            _("Cuộc đánh giá %(code)s không ở trạng thái chờ bắt đầu.") % {"code": audit.code}
        )
    if not selectors.programme_approval_valid(audit.programme):
        raise ValidationError(
            _(
                "Chương trình đánh giá năm %(year)s chưa được Lãnh đạo Sở phê duyệt (hoặc đã thay "
                "đổi sau khi phê duyệt): chưa bắt đầu đánh giá được."
            )
            % {"year": audit.programme.year}
        )
    errors = independence_errors(
        lead_auditor=audit.lead_auditor,
        members=[m.user for m in audit.members.select_related("user")],
        units=selectors.audit_units(audit),
    )
    if errors:
        raise ValidationError([m for messages in errors.values() for m in messages])
    audit.status = Audit.Status.IN_PROGRESS
    audit.started_at = timezone.now()
    audit.save(update_fields=["status", "started_at"])
    auditlog.record(
        actor=actor,
        action=AUDIT_START,
        obj=audit,
        before={"status": Audit.Status.PLANNED},
        after={"status": audit.status, "started_at": audit.started_at},
    )
    return audit


# Checklists ------------------------------------------------------------------------------------


@transaction.atomic
def checklist_create(
    *,
    actor: User,
    title: str,
    clause: str,
    internal_process: str = "",
    field: ProcedureField | None = None,
    items=(),
) -> Checklist:
    """A reusable checklist; ``items`` are (clause, question, evidence expected)."""
    require_quality_manager(actor)
    errors: dict = {}
    title = _text(title, "title", _("tên danh mục"), errors)
    clause = _clause(clause, errors)
    if internal_process and internal_process not in InternalProcess.values:
        errors.setdefault("internal_process", []).append(_("Quá trình nội bộ không hợp lệ."))
    if title and Checklist.objects.filter(title__iexact=title).exists():
        errors.setdefault("title", []).append(_("Đã có danh mục kiểm tra cùng tên."))
    rows = []
    for n, (item_clause, question, evidence) in enumerate(items, start=1):
        row_errors: dict = {}
        item_clause = _clause(item_clause, row_errors)
        question = _text(question, "question", _("câu hỏi"), row_errors)
        if row_errors:
            errors.setdefault("items", []).append(
                _("Câu hỏi %(n)s: %(errors)s")
                % {"n": n, "errors": " ".join(m for ms in row_errors.values() for m in ms)}
            )
        rows.append((item_clause, question, (evidence or "").strip()))
    _raise(errors)
    checklist = Checklist(
        title=title,
        clause=clause,
        internal_process=internal_process or "",
        field=field,
        created_by=actor,
    )
    checklist.full_clean()
    checklist.save()
    for order, (item_clause, question, evidence) in enumerate(rows, start=1):
        item = ChecklistItem(
            checklist=checklist,
            order=order,
            clause=item_clause,
            question=question,
            evidence_expected=evidence,
        )
        item.full_clean()
        item.save()
    auditlog.record(
        actor=actor,
        action=CHECKLIST_CREATE,
        obj=checklist,
        after={**auditlog.snapshot(checklist), "items": [list(r) for r in rows]},
    )
    return checklist


@transaction.atomic
def checklist_item_add(
    *, actor: User, checklist: Checklist, clause: str, question: str, evidence_expected: str = ""
) -> ChecklistItem:
    require_quality_manager(actor)
    errors: dict = {}
    clause = _clause(clause, errors)
    question = _text(question, "question", _("câu hỏi"), errors)
    evidence_expected = _text(
        evidence_expected, "evidence_expected", _("bằng chứng cần xem"), errors, required=False
    )
    _raise(errors)
    checklist = Checklist.objects.select_for_update().get(pk=checklist.pk)
    order = (checklist.items.aggregate(n=Max("order"))["n"] or 0) + 1
    item = ChecklistItem(
        checklist=checklist,
        order=order,
        clause=clause,
        question=question,
        evidence_expected=evidence_expected,
    )
    item.full_clean()
    item.save()
    auditlog.record(
        actor=actor, action=CHECKLIST_ITEM_ADD, obj=checklist, after=auditlog.snapshot(item)
    )
    return item


# Conducting ------------------------------------------------------------------------------------


@dataclass
class AnswerInput:
    item: ChecklistItem
    result: str
    evidence_notes: str = ""


def _audit_unit(audit: Audit, unit: OrgUnit | None, errors: dict) -> None:
    if unit is None or unit.pk not in {u.pk for u in selectors.audit_units(audit)}:
        errors.setdefault("unit", []).append(
            _("Đơn vị không thuộc phạm vi cuộc đánh giá %(code)s.") % {"code": audit.code}
        )


@transaction.atomic
def answers_record(
    *, actor: User, audit: Audit, unit: OrgUnit, answers: list[AnswerInput]
) -> list[AuditChecklistAnswer]:
    """Record (or correct) the answers to the audit's checklist questions at ``unit``.
    Answers without a result are left as they are."""
    audit = Audit.objects.select_for_update().select_related("programme").get(pk=audit.pk)
    require_team(actor, audit)
    errors: dict = {}
    _audit_unit(audit, unit, errors)
    allowed = {i.pk for i in selectors.audit_checklist_items(audit)}
    given = [a for a in answers if a.result]
    if not given:
        errors.setdefault("__all__", []).append(_("Chưa ghi kết quả cho câu hỏi nào."))
    for answer in given:
        if answer.item.pk not in allowed:
            errors.setdefault("__all__", []).append(
                _("Câu hỏi “%(q)s” không thuộc danh mục của cuộc đánh giá này.")
                % {"q": answer.item.question[:80]}
            )
        if answer.result not in AuditChecklistAnswer.Result.values:
            errors.setdefault("__all__", []).append(_("Kết quả kiểm tra không hợp lệ."))
        if len(answer.evidence_notes or "") > TEXT_LIMIT:
            errors.setdefault("__all__", []).append(_("Ghi chép quá dài."))
        if (
            answer.result == AuditChecklistAnswer.Result.NONCONFORM
            and not (answer.evidence_notes or "").strip()
        ):
            errors.setdefault("__all__", []).append(
                _("Câu hỏi %(clause)s: kết quả “không phù hợp” phải ghi bằng chứng.")
                % {"clause": answer.item.clause}
            )
    _raise(errors)
    existing = {a.item_id: a for a in audit.answers.filter(unit=unit)}
    before, after, saved = {}, {}, []
    now = timezone.now()
    for answer in given:
        row = existing.get(answer.item.pk)
        notes = (answer.evidence_notes or "").strip()
        if row is not None and (row.result, row.evidence_notes) == (answer.result, notes):
            continue
        if row is not None:
            before[str(answer.item.pk)] = {"result": row.result, "notes": row.evidence_notes}
        else:
            row = AuditChecklistAnswer(
                audit=audit,
                item=answer.item,
                unit=unit,
                clause=answer.item.clause,
                question=answer.item.question,
            )
        row.result, row.evidence_notes = answer.result, notes
        row.answered_by, row.answered_at = actor, now
        row.full_clean()
        row.save()
        after[str(answer.item.pk)] = {"result": row.result, "notes": row.evidence_notes}
        saved.append(row)
    if saved:
        auditlog.record(
            actor=actor,
            action=ANSWERS_RECORD,
            obj=audit,
            unit=unit,
            before=before or None,
            after=after,
        )
    return saved


@transaction.atomic
def finding_record(
    *,
    actor: User,
    audit: Audit,
    unit: OrgUnit,
    clause: str,
    kind: str,
    description: str,
    evidence: str = "",
    answer: AuditChecklistAnswer | None = None,
) -> Finding:
    """Record a finding. A major or minor nonconformity raises a nonconformity (which starts
    its corrective-action process) in the same transaction and is linked to it."""
    from audits import services as audits_services

    audit = Audit.objects.select_for_update().select_related("programme").get(pk=audit.pk)
    require_team(actor, audit)
    errors: dict = {}
    _audit_unit(audit, unit, errors)
    clause = _clause(clause, errors)
    if kind not in Finding.Kind.values:
        errors.setdefault("kind", []).append(_("Loại phát hiện không hợp lệ."))
    description = _text(description, "description", _("nội dung phát hiện"), errors)
    is_nc = kind in Finding.NONCONFORMITIES
    evidence = _text(evidence, "evidence", _("bằng chứng khách quan"), errors, required=is_nc)
    if answer is not None and (answer.audit_id != audit.pk or (unit and answer.unit_id != unit.pk)):
        errors.setdefault("answer", []).append(
            _("Câu hỏi kiểm tra liên quan phải thuộc cuộc đánh giá và đơn vị này.")
        )
    _raise(errors)
    number = (audit.findings.aggregate(n=Max("number"))["n"] or 0) + 1
    finding = Finding(
        audit=audit,
        number=number,
        unit=unit,
        clause=clause,
        kind=kind,
        description=description,
        evidence=evidence,
        answer=answer,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    finding.full_clean()
    finding.save()
    if is_nc:
        finding.nonconformity = audits_services.nonconformity_raise(
            actor=actor,
            source="audit",
            unit=unit,
            title=_("Đánh giá nội bộ %(code)s, phát hiện số %(n)s: %(text)s")
            % {"code": audit.code, "n": number, "text": _shorten(description, 150)},
            description=_(
                "%(description)s\n\nBằng chứng: %(evidence)s\nĐiều khoản ISO 9001:2015: "
                "%(clause)s. Cuộc đánh giá: %(audit)s."
            )
            % {
                "description": description,
                "evidence": evidence,
                "clause": clause,
                "audit": audit,
            },
            severity="major" if kind == Finding.Kind.MAJOR_NC else "minor",
            finding_ref=f"internal_audits.finding:{finding.pk}",
        )
        finding.save(update_fields=["nonconformity"])
    auditlog.record(
        actor=actor, action=FINDING_RECORD, obj=finding, unit=unit, after=auditlog.snapshot(finding)
    )
    return finding


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Report ----------------------------------------------------------------------------------------


@transaction.atomic
def report_save(
    *, actor: User, audit: Audit, summary: str, conclusions: str, recommendations: str = ""
) -> AuditReport:
    """The team drafts the report while the audit is in progress."""
    audit = Audit.objects.select_for_update().select_related("programme").get(pk=audit.pk)
    require_team(actor, audit)
    errors: dict = {}
    summary = _text(summary, "summary", _("tóm tắt"), errors)
    conclusions = _text(conclusions, "conclusions", _("kết luận"), errors)
    recommendations = _text(
        recommendations, "recommendations", _("kiến nghị"), errors, required=False
    )
    _raise(errors)
    report = AuditReport.objects.filter(audit=audit).first()
    before = auditlog.snapshot(report) if report else None
    report = report or AuditReport(audit=audit)
    report.summary, report.conclusions = summary, conclusions
    report.recommendations = recommendations
    report.prepared_by, report.updated_at = actor, timezone.now()
    report.full_clean()
    report.save()
    old, new = auditlog.changes(before, auditlog.snapshot(report))
    auditlog.record(
        actor=actor,
        action=REPORT_SAVE,
        obj=report,
        before=old if before else None,
        after=new if before else auditlog.snapshot(report),
    )
    return report


@transaction.atomic
def report_sign(*, actor: User, audit: Audit, password: str) -> Signature:
    """The lead auditor signs the report (password again); the audit becomes reported and
    its nonconformity findings go to follow-up."""
    audit = Audit.objects.select_for_update().select_related("programme").get(pk=audit.pk)
    require_lead(actor, audit)
    if audit.status != Audit.Status.IN_PROGRESS:
        raise ValidationError(
            _("Cuộc đánh giá %(code)s không ở trạng thái đang đánh giá: không ký báo cáo được.")
            % {"code": audit.code}
        )
    report = AuditReport.objects.filter(audit=audit).first()
    if report is None:
        raise ValidationError(_("Chưa soạn báo cáo: lưu tóm tắt và kết luận trước khi ký."))
    if not audit.findings.exists():
        raise ValidationError(_("Chưa ghi nhận phát hiện nào: chưa ký báo cáo được."))
    check_password(actor, password)
    signature = signature_sign(
        user=actor,
        password=password,
        obj=report,
        purpose=selectors.PURPOSE_REPORT,
        meaning=Signature.Meaning.AUTHORED,
        content=selectors.report_content(audit),
    )
    audit.status = Audit.Status.REPORTED
    audit.reported_at = signature.signed_at
    audit.save(update_fields=["status", "reported_at"])
    auditlog.record(
        actor=actor,
        action=REPORT_SIGN,
        obj=audit,
        before={"status": Audit.Status.IN_PROGRESS},
        after={
            "status": audit.status,
            "reported_at": audit.reported_at,
            "content_hash": signature.content_hash,
        },
    )
    return signature


@transaction.atomic
def audit_close(*, actor: User, audit: Audit) -> Audit:
    """The quality manager closes a reported audit once every nonconformity finding's
    nonconformity is closed and the signed report still holds."""
    require_quality_manager(actor)
    audit = Audit.objects.select_for_update().select_related("programme").get(pk=audit.pk)
    if audit.status != Audit.Status.REPORTED:
        raise ValidationError(
            _("Chỉ kết thúc được cuộc đánh giá đã có báo cáo được ký (hiện: %(status)s).")
            % {"status": audit.get_status_display()}
        )
    signatures = selectors.report_signatures(audit)
    if not signatures or not signatures[-1]["valid"]:
        raise ValidationError(
            _("Báo cáo đã bị thay đổi sau khi ký: chữ ký không còn hiệu lực, chưa kết thúc được.")
        )
    still_open = selectors.open_nonconformity_findings(audit)
    if still_open:
        raise ValidationError(
            _(
                "Chưa kết thúc được: còn %(n)s phát hiện không phù hợp chưa khắc phục xong: "
                "%(list)s."
            )
            % {
                "n": len(still_open),
                "list": "; ".join(
                    _("số %(n)s (%(unit)s)") % {"n": f.number, "unit": f.unit} for f in still_open
                ),
            }
        )
    audit.status = Audit.Status.CLOSED
    audit.closed_at = timezone.now()
    audit.closed_by = actor
    audit.save(update_fields=["status", "closed_at", "closed_by"])
    auditlog.record(
        actor=actor,
        action=AUDIT_CLOSE,
        obj=audit,
        before={"status": Audit.Status.REPORTED},
        after={"status": audit.status, "closed_at": audit.closed_at},
    )
    return audit
