"""Writes of quality planning: the policy (drafted, then approved and signed by the director),
the yearly objectives, the risk and opportunity register with its reviews and reminders.

Each service is one business action: it checks the actor's right, validates everything before
writing (Vietnamese ``ValidationError``), writes, and leaves one audit-log event.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits import indicators
from qms.core import auditlog, notifications
from qms.core.models import Membership, OrgUnit, Role, Signature, User
from qms.core.signatures import check_password, signature_sign

from . import selectors
from .models import QualityObjective, QualityPolicy, RiskEntry, RiskReminder, RiskReview

POLICY_SAVE = auditlog.action(
    "quality_policy.save", gettext_lazy("Soạn thảo chính sách chất lượng")
)
POLICY_APPROVE = auditlog.action(
    "quality_policy.approve", gettext_lazy("Phê duyệt chính sách chất lượng")
)
OBJECTIVE_CREATE = auditlog.action(
    "quality_objective.create", gettext_lazy("Lập mục tiêu chất lượng")
)
OBJECTIVE_CHANGE = auditlog.action(
    "quality_objective.change", gettext_lazy("Sửa mục tiêu chất lượng")
)
OBJECTIVE_WITHDRAW = auditlog.action(
    "quality_objective.withdraw", gettext_lazy("Hủy bỏ mục tiêu chất lượng")
)
RISK_CREATE = auditlog.action("risk.create", gettext_lazy("Ghi nhận rủi ro, cơ hội"))
RISK_CHANGE = auditlog.action("risk.change", gettext_lazy("Sửa rủi ro, cơ hội"))
RISK_REVIEW = auditlog.action("risk.review", gettext_lazy("Xem xét rủi ro, cơ hội"))
RISK_REMIND = auditlog.action("risk.remind", gettext_lazy("Nhắc xem xét rủi ro, cơ hội"))
RISK_REVIEW_DUE = notifications.kind(
    "risk.review_due", gettext_lazy("Rủi ro, cơ hội đến hạn xem xét")
)

PURPOSE_POLICY = "quality_policy.approval"


def _require(condition, message):
    if not condition:
        raise ValidationError(message)


def _require_manager(actor: User):
    if not selectors.can_manage(actor):
        raise PermissionDenied(
            _(
                "Chỉ Thư ký ISO (quản lý chất lượng) và Lãnh đạo Sở được lập, sửa chính sách, "
                "mục tiêu chất lượng và sổ rủi ro."
            )
        )


def _text(value) -> str:
    return (value or "").strip()


def _save(instance: models.Model, reason: str = "") -> models.Model:
    if reason:
        instance._change_reason = reason
    instance.full_clean()
    instance.save()
    return instance


# --- Quality policy (ISO 9001 5.2) ------------------------------------------------------------


def policy_content(policy: QualityPolicy) -> dict:
    """What the director's signature vouches for."""
    return {
        "policy": policy.pk,
        "version": policy.version,
        "title": policy.title,
        "text": policy.text,
        "effective_from": policy.effective_from,
    }


@transaction.atomic
def quality_policy_save(
    *,
    actor: User,
    title: str,
    text: str,
    effective_from: dt.date,
    policy: QualityPolicy | None = None,
) -> QualityPolicy:
    """Create a new draft version of the policy, or change a draft. An approved version is
    never changed: a new version replaces it."""
    _require_manager(actor)
    title, text = _text(title), _text(text)
    _require(title, _("Phải nhập tiêu đề chính sách chất lượng."))
    _require(text, _("Phải nhập nội dung chính sách chất lượng."))
    _require(isinstance(effective_from, dt.date), _("Phải nhập ngày hiệu lực."))
    if policy is not None:
        policy = QualityPolicy.objects.select_for_update().get(pk=policy.pk)
        _require(
            policy.status == QualityPolicy.Status.DRAFT,
            _(
                "Chính sách chất lượng lần %(version)s đã được phê duyệt, không sửa được; hãy "
                "soạn một lần ban hành mới."
            )
            % {"version": policy.version},
        )
        before = auditlog.snapshot(policy)
    else:
        last = QualityPolicy.objects.aggregate(last=models.Max("version"))["last"] or 0
        policy = QualityPolicy(version=last + 1, drafted_by=actor, drafted_at=timezone.now())
        before = None
    policy.title, policy.text, policy.effective_from = title, text, effective_from
    _save(policy)
    old, new = auditlog.changes(before, auditlog.snapshot(policy))
    auditlog.record(actor=actor, action=POLICY_SAVE, obj=policy, before=old or None, after=new)
    return policy


@transaction.atomic
def quality_policy_approve(*, actor: User, policy: QualityPolicy, password: str) -> QualityPolicy:
    """The director approves a draft and signs it with the password re-entered. It comes into
    force on its effective date and replaces the version in force before it; an effective date
    must be later than that of every version already approved."""
    if not selectors.can_approve_policy(actor):
        raise PermissionDenied(_("Chỉ Lãnh đạo Sở được phê duyệt chính sách chất lượng."))
    policy = QualityPolicy.objects.select_for_update().get(pk=policy.pk)
    _require(
        policy.status == QualityPolicy.Status.DRAFT,
        _("Chính sách chất lượng lần %(version)s đã được phê duyệt.") % {"version": policy.version},
    )
    latest = (
        QualityPolicy.objects.filter(status=QualityPolicy.Status.APPROVED)
        .order_by("-effective_from")
        .first()
    )
    if latest is not None:
        _require(
            policy.effective_from > latest.effective_from,
            _(
                "Ngày hiệu lực %(day)s phải sau ngày hiệu lực của chính sách đã phê duyệt gần "
                "nhất (lần %(version)s, %(latest)s)."
            )
            % {
                "day": policy.effective_from.strftime("%d/%m/%Y"),
                "version": latest.version,
                "latest": latest.effective_from.strftime("%d/%m/%Y"),
            },
        )
    check_password(actor, password)
    before = auditlog.snapshot(policy, fields=("status", "approved_by", "approved_at"))
    policy.status = QualityPolicy.Status.APPROVED
    policy.approved_by, policy.approved_at = actor, timezone.now()
    _save(policy)
    auditlog.record(
        actor=actor,
        action=POLICY_APPROVE,
        obj=policy,
        before=before,
        after=auditlog.snapshot(policy, fields=("status", "approved_by", "approved_at")),
    )
    signature_sign(
        user=actor,
        password=password,
        obj=policy,
        purpose=PURPOSE_POLICY,
        meaning=Signature.Meaning.APPROVED,
        content=policy_content(policy),
    )
    return policy


# --- Quality objectives (ISO 9001 6.2) -------------------------------------------------------

OBJECTIVE_FIELDS = (
    "year",
    "title",
    "indicator",
    "comparison",
    "target",
    "unit",
    "procedure",
    "owner_unit",
    "action_plan",
)


def _clean_objective(
    *, year, title, indicator, comparison, target, unit, procedure, owner_unit, action_plan
) -> dict:
    item = indicators.indicator(indicator)  # unknown code: a Vietnamese ValidationError
    _require(
        isinstance(year, int) and 2000 <= year <= 2100,
        _("Năm của mục tiêu phải từ 2000 đến 2100."),
    )
    _require(_text(title), _("Phải nhập nội dung mục tiêu."))
    _require(
        comparison in QualityObjective.Comparison.values, _("Phép so sánh mục tiêu không hợp lệ.")
    )
    expected = (
        QualityObjective.Comparison.AT_LEAST
        if item.higher_is_better
        else QualityObjective.Comparison.AT_MOST
    )
    _require(
        comparison == expected,
        _("Chỉ số “%(name)s” %(direction)s: mục tiêu phải là “%(sign)s” một giá trị.")
        % {
            "name": item.name,
            "direction": str(indicators.Direction(item.direction).label).lower(),
            "sign": QualityObjective.Comparison(expected).label,
        },
    )
    try:
        target = Decimal(str(target))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(_("Giá trị mục tiêu phải là một số.")) from None
    _require(target.is_finite() and target >= 0, _("Giá trị mục tiêu không được âm."))
    _require(target < 10**6, _("Giá trị mục tiêu quá lớn."))
    target = target.quantize(Decimal("0.01"))
    if item.unit == indicators.MeasureUnit.PERCENT:
        _require(target <= 100, _("Tỷ lệ mục tiêu phải từ 0 đến 100%."))
    if item.unit == indicators.MeasureUnit.COUNT:
        _require(target == int(target), _("Mục tiêu về số lượng phải là số nguyên."))
    _require(isinstance(owner_unit, OrgUnit), _("Phải chọn đơn vị chủ trì thực hiện mục tiêu."))
    return {
        "year": year,
        "title": _text(title),
        "indicator": item.code,
        "comparison": comparison,
        "target": target,
        "unit": unit,
        "procedure": procedure,
        "owner_unit": owner_unit,
        "action_plan": _text(action_plan),
    }


def _require_unique_objective(values: dict, exclude_pk=None):
    duplicate = (
        QualityObjective.objects.filter(
            year=values["year"],
            indicator=values["indicator"],
            unit=values["unit"],
            procedure=values["procedure"],
            status=QualityObjective.Status.ACTIVE,
        )
        .exclude(pk=exclude_pk)
        .first()
    )
    _require(
        duplicate is None,
        _("Đã có mục tiêu năm %(year)s cho chỉ số này với cùng phạm vi: “%(title)s”.")
        % {"year": values["year"], "title": duplicate.title if duplicate else ""},
    )


@transaction.atomic
def quality_objective_create(*, actor: User, **fields) -> QualityObjective:
    """A yearly quality objective: ``year``, ``title``, ``indicator`` (a code of
    :mod:`audits.indicators`), ``comparison`` (``gte`` for an indicator where higher is better,
    ``lte`` otherwise), ``target``, ``unit`` (None: the whole department), ``procedure``
    (None: every procedure), ``owner_unit``, ``action_plan``."""
    _require_manager(actor)
    values = _clean_objective(**{name: fields.get(name) for name in OBJECTIVE_FIELDS})
    _require_unique_objective(values)
    objective = _save(QualityObjective(**values, created_by=actor, created_at=timezone.now()))
    auditlog.record(
        actor=actor,
        action=OBJECTIVE_CREATE,
        obj=objective,
        unit=objective.owner_unit,
        after=auditlog.snapshot(objective),
    )
    return objective


@transaction.atomic
def quality_objective_change(
    *, actor: User, objective: QualityObjective, reason: str, **fields
) -> QualityObjective:
    """Change an objective; the reason is mandatory and kept in its history and the log."""
    _require_manager(actor)
    objective = QualityObjective.objects.select_for_update().get(pk=objective.pk)
    _require(
        objective.status == QualityObjective.Status.ACTIVE,
        _("Mục tiêu đã bị hủy bỏ, không sửa được."),
    )
    reason = _text(reason)
    _require(reason, _("Phải ghi lý do thay đổi mục tiêu."))
    current = {name: getattr(objective, name) for name in OBJECTIVE_FIELDS}
    values = _clean_objective(**{**current, **fields})
    _require_unique_objective(values, exclude_pk=objective.pk)
    before = auditlog.snapshot(objective)
    for name, value in values.items():
        setattr(objective, name, value)
    _save(objective, reason)
    old, new = auditlog.changes(before, auditlog.snapshot(objective))
    _require(new, _("Không có thay đổi nào."))
    auditlog.record(
        actor=actor,
        action=OBJECTIVE_CHANGE,
        obj=objective,
        unit=objective.owner_unit,
        before=old,
        after=new,
        reason=reason,
    )
    return objective


@transaction.atomic
def quality_objective_withdraw(
    *, actor: User, objective: QualityObjective, reason: str
) -> QualityObjective:
    """Withdraw an objective (kept, no longer followed), with the reason."""
    _require_manager(actor)
    objective = QualityObjective.objects.select_for_update().get(pk=objective.pk)
    _require(
        objective.status == QualityObjective.Status.ACTIVE, _("Mục tiêu đã bị hủy bỏ trước đó.")
    )
    reason = _text(reason)
    _require(reason, _("Phải ghi lý do hủy bỏ mục tiêu."))
    objective.status, objective.withdrawal_reason = QualityObjective.Status.WITHDRAWN, reason
    _save(objective, reason)
    auditlog.record(
        actor=actor,
        action=OBJECTIVE_WITHDRAW,
        obj=objective,
        unit=objective.owner_unit,
        before={"status": QualityObjective.Status.ACTIVE},
        after={"status": objective.status},
        reason=reason,
    )
    return objective


# --- Risks and opportunities (ISO 9001 6.1) --------------------------------------------------

RISK_FIELDS = (
    "kind",
    "procedure",
    "process_name",
    "description",
    "cause",
    "likelihood",
    "impact",
    "action",
    "unit",
    "owner_unit",
    "owner",
    "review_date",
)


def _score(value, label) -> int:
    _require(
        isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5,
        _("%(label)s phải là số nguyên từ 1 đến 5.") % {"label": label},
    )
    return value


def _clean_risk(values: dict, *, today: dt.date, creating: bool) -> dict:
    _require(values.get("kind") in RiskEntry.Kind.values, _("Phải chọn rủi ro hay cơ hội."))
    process_name = _text(values.get("process_name"))
    _require(
        bool(values.get("procedure")) != bool(process_name),
        _("Chọn thủ tục hành chính hoặc ghi tên quy trình nội bộ (một trong hai)."),
    )
    _require(_text(values.get("description")), _("Phải mô tả rủi ro, cơ hội."))
    _require(_text(values.get("action")), _("Phải ghi biện pháp xử lý."))
    _score(values.get("likelihood"), _("Khả năng xảy ra"))
    _score(values.get("impact"), _("Mức độ ảnh hưởng"))
    _require(isinstance(values.get("owner_unit"), OrgUnit), _("Phải chọn đơn vị chủ trì xử lý."))
    review_date = values.get("review_date")
    _require(isinstance(review_date, dt.date), _("Phải nhập ngày xem xét tiếp theo."))
    if creating:
        _require(review_date >= today, _("Ngày xem xét tiếp theo không được trước hôm nay."))
    owner = values.get("owner")
    if owner is not None:
        _require(
            owner.is_active and owner.memberships.filter(unit=values["owner_unit"]).exists(),
            _("%(user)s không thuộc %(unit)s.") % {"user": owner, "unit": values["owner_unit"]},
        )
    return {
        **values,
        "process_name": process_name,
        "description": _text(values["description"]),
        "cause": _text(values.get("cause")),
        "action": _text(values["action"]),
        "level": values["likelihood"] * values["impact"],
    }


@transaction.atomic
def risk_create(*, actor: User, **fields) -> RiskEntry:
    """Record a risk or opportunity of a process: ``kind``, ``procedure`` or
    ``process_name``, ``description``, ``cause``, ``likelihood`` and ``impact`` (1–5),
    ``action``, ``unit`` (None: the whole department), ``owner_unit``, ``owner``,
    ``review_date``. Its level is likelihood × impact."""
    _require_manager(actor)
    values = _clean_risk(
        {name: fields.get(name) for name in RISK_FIELDS},
        today=timezone.localdate(),
        creating=True,
    )
    risk = _save(RiskEntry(**values, created_by=actor, created_at=timezone.now()))
    auditlog.record(
        actor=actor,
        action=RISK_CREATE,
        obj=risk,
        unit=risk.owner_unit,
        after=auditlog.snapshot(risk),
    )
    return risk


@transaction.atomic
def risk_change(
    *, actor: User, risk: RiskEntry, reason: str, status: str | None = None, **fields
) -> RiskEntry:
    """Change the entry (and its status, e.g. closing it); the reason is mandatory."""
    _require_manager(actor)
    risk = RiskEntry.objects.select_for_update().get(pk=risk.pk)
    reason = _text(reason)
    _require(reason, _("Phải ghi lý do thay đổi."))
    status = status or risk.status
    _require(status in RiskEntry.Status.values, _("Tình trạng không hợp lệ."))
    current = {name: getattr(risk, name) for name in RISK_FIELDS}
    values = _clean_risk(
        {**current, **{k: v for k, v in fields.items() if k in RISK_FIELDS}},
        today=timezone.localdate(),
        creating=False,
    )
    before = auditlog.snapshot(risk)
    for name, value in {**values, "status": status}.items():
        setattr(risk, name, value)
    _save(risk, reason)
    old, new = auditlog.changes(before, auditlog.snapshot(risk))
    _require(new, _("Không có thay đổi nào."))
    auditlog.record(
        actor=actor,
        action=RISK_CHANGE,
        obj=risk,
        unit=risk.owner_unit,
        before=old,
        after=new,
        reason=reason,
    )
    return risk


@transaction.atomic
def risk_review(
    *,
    actor: User,
    risk: RiskEntry,
    likelihood: int,
    impact: int,
    note: str,
    next_review_date: dt.date,
    status: str | None = None,
    at: dt.datetime | None = None,
) -> RiskReview:
    """Record a review: the entry is re-scored, takes the status found (open, treated,
    closed) and its next review date moves to ``next_review_date``."""
    risk = RiskEntry.objects.select_for_update().get(pk=risk.pk)
    if not selectors.can_review_risk(actor, risk):
        raise PermissionDenied(
            _("Chỉ người phụ trách, Thư ký ISO và Lãnh đạo Sở được xem xét rủi ro, cơ hội này.")
        )
    at = at or timezone.now()
    _score(likelihood, _("Khả năng xảy ra"))
    _score(impact, _("Mức độ ảnh hưởng"))
    note = _text(note)
    _require(note, _("Phải ghi kết quả xem xét."))
    status = status or risk.status
    _require(status in RiskEntry.Status.values, _("Tình trạng không hợp lệ."))
    _require(isinstance(next_review_date, dt.date), _("Phải nhập ngày xem xét tiếp theo."))
    _require(
        next_review_date > timezone.localdate(at),
        _("Ngày xem xét tiếp theo phải sau ngày xem xét (%(day)s).")
        % {"day": timezone.localdate(at).strftime("%d/%m/%Y")},
    )
    review = _save(
        RiskReview(
            risk=risk,
            reviewed_at=at,
            reviewed_by=actor,
            likelihood_before=risk.likelihood,
            impact_before=risk.impact,
            likelihood=likelihood,
            impact=impact,
            level=likelihood * impact,
            status=status,
            note=note,
            next_review_date=next_review_date,
        )
    )
    before = auditlog.snapshot(risk, fields=REVIEWED_FIELDS)
    risk.likelihood, risk.impact, risk.level = likelihood, impact, likelihood * impact
    risk.status, risk.review_date, risk.last_reviewed_at = status, next_review_date, at
    _save(risk, note)
    old, new = auditlog.changes(before, auditlog.snapshot(risk, fields=REVIEWED_FIELDS))
    auditlog.record(
        actor=actor,
        action=RISK_REVIEW,
        obj=risk,
        unit=risk.owner_unit,
        before=old,
        after={**new, "review": review.pk},
        reason=note,
    )
    return review


REVIEWED_FIELDS = ("likelihood", "impact", "level", "status", "review_date", "last_reviewed_at")


def _reminder_recipients(risks: list[RiskEntry]) -> dict[int, list[User]]:
    """Risk id → who is reminded: its owner, or else the heads of its owner unit, or else the
    quality managers (two queries for all the risks)."""
    heads: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        unit__in={r.owner_unit_id for r in risks if r.owner_id is None},
        role__in=[Role.UNIT_HEAD, Role.DIRECTOR],
        user__is_active=True,
    ).select_related("user"):
        heads.setdefault(membership.unit_id, []).append(membership.user)
    managers = list(User.objects.filter(groups__name=Role.QUALITY_MANAGER, is_active=True))
    result = {}
    for risk in risks:
        if risk.owner is not None and risk.owner.is_active:
            result[risk.pk] = [risk.owner]
        else:
            result[risk.pk] = heads.get(risk.owner_unit_id) or managers
    return result


def _reminder_text(risks: list[RiskEntry], on: dt.date) -> str:
    lines = [
        _("Các rủi ro, cơ hội sau đây đến hạn xem xét (ISO 9001:2015, điều 6.1):"),
        "",
    ]
    for risk in risks:
        overdue = risk.review_date < on
        lines.append(
            _("- #%(pk)s %(kind)s — %(process)s: %(text)s")
            % {
                "pk": risk.pk,
                "kind": risk.get_kind_display(),
                "process": risk.process_display,
                "text": risk.description[:200],
            }
        )
        lines.append(
            _("  Mức độ %(level)s (%(band)s); ngày xem xét %(day)s%(late)s.")
            % {
                "level": risk.level,
                "band": risk.get_band_display(),
                "day": risk.review_date.strftime("%d/%m/%Y"),
                "late": _(" — đã quá hạn") if overdue else "",
            }
        )
    lines += ["", _("Vào trang “Mục tiêu chất lượng” › “Rủi ro, cơ hội” để ghi kết quả xem xét.")]
    return "\n".join(lines)


@transaction.atomic
def risk_reminders_send(*, on: dt.date | None = None) -> int:
    """E-mail the owners of risks whose review date is past or within seven days. A risk is
    reminded at most once a day (a :class:`RiskReminder` row per risk and day), so running
    this again the same day sends nothing. Returns the number of risks reminded."""
    on = on or timezone.localdate()
    due = list(selectors.risks_due_for_review(on=on).exclude(reminders__day=on))
    recipients = _reminder_recipients(due)
    by_person: dict[int, tuple[User, list[RiskEntry]]] = {}
    reminded = 0
    for risk in due:
        people = recipients[risk.pk]
        try:
            with transaction.atomic():
                reminder = _save(
                    RiskReminder(
                        risk=risk,
                        day=on,
                        recipients=", ".join(u.email or u.username for u in people),
                        sent_at=timezone.now(),
                    )
                )
        except (IntegrityError, ValidationError):
            continue  # another run reminded this risk today
        auditlog.record(
            actor=None,
            action=RISK_REMIND,
            obj=risk,
            unit=risk.owner_unit,
            after={"day": on, "recipients": reminder.recipients},
        )
        reminded += 1
        for person in people:
            by_person.setdefault(person.pk, (person, []))[1].append(risk)
    for person, risks in by_person.values():
        # One notice per person and day for these risks: a retried run adds none.
        one = risks[0] if len(risks) == 1 else None
        notifications.notify(
            recipients=[person],
            kind=RISK_REVIEW_DUE,
            title=_("Nhắc xem xét %(count)s rủi ro, cơ hội") % {"count": len(risks)},
            body=_reminder_text(risks, on),
            url=reverse("planning:risk_detail", args=[one.pk])
            if one
            else reverse("planning:risks"),
            obj=one,
            key=notifications.key_for(
                "risk-review-due", on.isoformat(), *sorted(r.pk for r in risks)
            ),
        )
    return reminded
