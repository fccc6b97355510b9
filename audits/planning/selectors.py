"""Reads of quality planning: who may do what, what each user sees, and the live achievement of
the quality objectives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits import indicators
from qms.core.models import OrgUnit, User
from qms.core.selectors import units_visible_to, user_sees_all_units

from .models import QualityObjective, QualityPolicy, RiskEntry

MANAGE = "planning.manage_quality_planning"
APPROVE_POLICY = "planning.approve_qualitypolicy"
#: A risk is due for review (and its owner reminded) this many days ahead of its date.
REVIEW_NOTICE_DAYS = 7


def can_manage(user: User) -> bool:
    """The quality manager and the directors create and change policy drafts, objectives and
    risks; auditors and everybody else only read."""
    return user.is_authenticated and user.is_active and user.has_perm(MANAGE)


def can_approve_policy(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(APPROVE_POLICY)


def can_review_risk(user: User, risk: RiskEntry) -> bool:
    """Reviewing is the risk owner's job (ISO 9001 6.1); the quality manager and the directors
    may record a review too."""
    return can_manage(user) or (user.is_active and risk.owner_id == user.pk)


# --- Quality policy -------------------------------------------------------------------------


def quality_policy_effective(*, on: dt.date | None = None) -> QualityPolicy | None:
    """The approved version in force on ``on`` (today by default)."""
    day = on or timezone.localdate()
    return (
        QualityPolicy.objects.filter(status=QualityPolicy.Status.APPROVED, effective_from__lte=day)
        .order_by("-effective_from")
        .select_related("approved_by", "drafted_by")
        .first()
    )


def quality_policies() -> QuerySet[QualityPolicy]:
    """Every version (the policy is published to all staff)."""
    return QualityPolicy.objects.select_related("approved_by", "drafted_by").order_by("-version")


def policy_state(policy: QualityPolicy, effective: QualityPolicy | None) -> str:
    """``draft``, ``effective``, ``upcoming`` (approved, not yet in force) or ``superseded``."""
    if policy.status == QualityPolicy.Status.DRAFT:
        return "draft"
    if effective is not None and policy.pk == effective.pk:
        return "effective"
    if effective is None or policy.effective_from > effective.effective_from:
        return "upcoming"
    return "superseded"


POLICY_STATES = {
    "draft": _("Dự thảo"),
    "effective": _("Đang có hiệu lực"),
    "upcoming": _("Đã phê duyệt, chưa đến ngày hiệu lực"),
    "superseded": _("Đã được thay thế"),
}


# --- Scoping --------------------------------------------------------------------------------


def _unit_scope(user: User, *fields: str) -> Q:
    """Department-wide records (``unit`` empty) and those of the user's units."""
    units = units_visible_to(user).values("pk")
    q = Q(unit__isnull=True)
    for name in fields:
        q |= Q(**{f"{name}__in": units})
    return q


def objectives_visible_to(*, user: User) -> QuerySet[QualityObjective]:
    """All objectives for leaders, the quality manager and auditors; for unit staff the
    department's objectives and those of (or owned by) their units."""
    objectives = QualityObjective.objects.select_related("unit", "procedure", "owner_unit")
    if not user.is_authenticated:
        return objectives.none()
    if user_sees_all_units(user):
        return objectives
    return objectives.filter(_unit_scope(user, "unit", "owner_unit"))


def risks_visible_to(*, user: User) -> QuerySet[RiskEntry]:
    """All risks for leaders, the quality manager and auditors; for unit staff the
    department-wide ones, those of (or owned by) their units and those they own."""
    risks = RiskEntry.objects.select_related("procedure", "unit", "owner_unit", "owner")
    if not user.is_authenticated:
        return risks.none()
    if user_sees_all_units(user):
        return risks
    return risks.filter(_unit_scope(user, "unit", "owner_unit") | Q(owner=user))


def risks_due_for_review(*, on: dt.date | None = None) -> QuerySet[RiskEntry]:
    """Open or treated risks whose review date is past or within the notice period."""
    day = on or timezone.localdate()
    return (
        RiskEntry.objects.exclude(status=RiskEntry.Status.CLOSED)
        .filter(review_date__lte=day + dt.timedelta(days=REVIEW_NOTICE_DAYS))
        .select_related("owner", "owner_unit", "procedure")
        .order_by("review_date", "pk")
    )


def risk_is_due(risk: RiskEntry, *, on: dt.date | None = None) -> bool:
    day = on or timezone.localdate()
    return risk.status != RiskEntry.Status.CLOSED and risk.review_date <= day + dt.timedelta(
        days=REVIEW_NOTICE_DAYS
    )


# --- Achievement of the objectives ----------------------------------------------------------


class Achievement:
    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"
    NO_DATA = "no_data"
    LABELS = {
        ACHIEVED: _("Đạt"),
        NOT_ACHIEVED: _("Không đạt"),
        NO_DATA: _("Chưa có dữ liệu"),
    }


@dataclass(frozen=True)
class ObjectivePeriod:
    date_from: dt.date
    date_to: dt.date
    full_year: bool

    @property
    def label(self) -> str:
        if self.full_year:
            return str(_("Cả năm %(year)s") % {"year": self.date_from.year})
        return str(
            _("Lũy kế từ %(start)s đến %(end)s")
            % {
                "start": self.date_from.strftime("%d/%m/%Y"),
                "end": self.date_to.strftime("%d/%m/%Y"),
            }
        )


def objective_period(year: int, *, today: dt.date | None = None) -> ObjectivePeriod | None:
    """The year to date (the full year once it is over); None for a year not yet begun."""
    today = today or timezone.localdate()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if today < first:
        return None
    return ObjectivePeriod(first, min(today, last), full_year=today > last)


@dataclass(frozen=True)
class UnitResult:
    unit: OrgUnit | None
    label: str
    value: indicators.IndicatorValue
    status: str

    @property
    def status_label(self):
        return Achievement.LABELS[self.status]


@dataclass(frozen=True)
class ObjectiveResult:
    objective: QualityObjective
    period: ObjectivePeriod | None
    value: indicators.IndicatorValue | None
    status: str
    units: list[UnitResult]

    @property
    def status_label(self):
        return Achievement.LABELS[self.status]


def _status(objective: QualityObjective, value: indicators.IndicatorValue | None) -> str:
    if value is None or not value.has_data:
        return Achievement.NO_DATA
    return Achievement.ACHIEVED if objective.is_met(value.value) else Achievement.NOT_ACHIEVED


def objective_achievement(
    objective: QualityObjective,
    *,
    today: dt.date | None = None,
    per_unit: bool = False,
    units: QuerySet[OrgUnit] | None = None,
) -> ObjectiveResult:
    """Whether ``objective`` is met, computed now from its indicator over its year to date
    (overall for its scope). ``per_unit`` adds each handling unit's own value against the same
    target (for a department-wide objective), limited to ``units`` when given."""
    period = objective_period(objective.year, today=today)
    if period is None:
        return ObjectiveResult(objective, None, None, Achievement.NO_DATA, [])
    scope = {
        "date_from": period.date_from,
        "date_to": period.date_to,
        "unit": objective.unit_id,
        "procedure": objective.procedure_id,
    }
    value = indicators.compute(objective.indicator, **scope)
    rows = []
    if per_unit and objective.unit_id is None:
        allowed = None if units is None else set(units.values_list("pk", flat=True))
        for row in indicators.breakdown(objective.indicator, by="unit", **scope):
            if allowed is None or row.key in allowed:
                rows.append(
                    UnitResult(row.obj, row.label, row.value, _status(objective, row.value))
                )
    return ObjectiveResult(objective, period, value, _status(objective, value), rows)
