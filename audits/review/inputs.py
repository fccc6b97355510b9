"""The inputs of a management review (ISO 9001:2015 9.3.2 a–f), compiled from the data of
the period. Every figure comes from the records; the only typed inputs are the review's own
texts (changes in issues, resources). The result is plain JSON kept on the review, so the
report shows what the meeting saw even if the data change later.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import indicators
from audits.models import Nonconformity
from procedures.models import Dossier

from .models import ManagementReview, ReviewAction

#: The indicators shown as monitoring and measurement results (9.1 → 9.3.2 c 5).
MONITORING = [
    "on_time_rate",
    "late_count",
    "avg_handling_days",
    "online_rate",
    "paid_online_rate",
    "digitised_rate",
    "satisfaction_rate",
]


def _value(v: indicators.IndicatorValue) -> dict:
    return {
        "code": v.code,
        "name": str(v.indicator.name),
        "value": v.value,
        "display": str(v),
        "numerator": v.numerator,
        "denominator": v.denominator,
        "parts": dict(v.parts),
    }


def _period(review):
    return {"date_from": review.period_from, "date_to": review.period_to}


def previous_actions(review: ManagementReview) -> dict:
    """a) the status of actions from previous management reviews."""
    actions = (
        ReviewAction.objects.filter(review__period_to__lt=review.period_from)
        .select_related("review", "owner_unit")
        .order_by("due_date", "pk")
    )
    rows = [
        {
            "review": a.review.title,
            "description": a.description,
            "unit": a.owner_unit.name,
            "due": a.due_date.strftime("%d/%m/%Y"),
            "status": a.status,
            "status_display": str(a.get_status_display()),
            "overdue": a.status == ReviewAction.Status.OPEN and a.due_date < review.period_to,
            "result": a.result,
        }
        for a in actions
    ]
    return {
        "total": len(rows),
        "done": sum(1 for r in rows if r["status"] == ReviewAction.Status.DONE),
        "open": sum(1 for r in rows if r["status"] == ReviewAction.Status.OPEN),
        "rows": rows,
    }


def satisfaction(review) -> dict:
    """c 1) citizens' satisfaction and complaints."""
    rated = Dossier.objects.filter(
        rated_at__date__gte=review.period_from, rated_at__date__lte=review.period_to
    )
    by_level = dict(rated.values_list("rating").annotate(n=Count("pk")))
    levels = [
        {"rating": value, "label": str(label), "count": by_level.get(value, 0)}
        for value, label in Dossier.Rating.choices
    ]
    complaints = Nonconformity.objects.filter(
        source=Nonconformity.Source.COMPLAINT,
        raised_at__date__gte=review.period_from,
        raised_at__date__lte=review.period_to,
    ).count()
    return {
        "rate": _value(indicators.compute("satisfaction_rate", **_period(review))),
        "ratings": levels,
        "rated": sum(level["count"] for level in levels),
        "complaints": complaints,
    }


def process_performance(review) -> dict:
    """c 3) process performance: on-time rate and handling time per unit and per procedure."""
    period = _period(review)
    return {
        "overall": _value(indicators.compute("on_time_rate", **period)),
        "by_unit": [
            {"label": row.label, **_value(row.value)}
            for row in indicators.breakdown("on_time_rate", "unit", **period)
        ],
        "by_procedure": [
            {"label": row.label, **_value(row.value)}
            for row in indicators.breakdown("on_time_rate", "procedure", **period)
        ],
        "days_by_procedure": [
            {"label": row.label, **_value(row.value)}
            for row in indicators.breakdown("avg_handling_days", "procedure", **period)
        ],
    }


def nonconformities(review) -> dict:
    """c 4) nonconformities and corrective actions."""
    raised = Nonconformity.objects.filter(
        raised_at__date__gte=review.period_from, raised_at__date__lte=review.period_to
    )
    by_source = dict(raised.values_list("source").annotate(n=Count("pk")))
    by_status = dict(raised.values_list("status").annotate(n=Count("pk")))
    still_open = (
        Nonconformity.objects.filter(raised_at__date__lte=review.period_to)
        .exclude(status=Nonconformity.Status.CLOSED)
        .select_related("unit")
        .order_by("raised_at")
    )
    return {
        "raised": raised.count(),
        "by_source": [
            {"source": v, "label": str(label), "count": by_source.get(v, 0)}
            for v, label in Nonconformity.Source.choices
        ],
        "by_status": [
            {"status": v, "label": str(label), "count": by_status.get(v, 0)}
            for v, label in Nonconformity.Status.choices
        ],
        "open": [
            {
                "title": n.title,
                "unit": n.unit.name,
                "raised": timezone.localtime(n.raised_at).strftime("%d/%m/%Y"),
                "status": str(n.get_status_display()),
            }
            for n in still_open[:100]
        ],
        "open_count": still_open.count(),
    }


def monitoring(review) -> list[dict]:
    """c 5) monitoring and measurement results (the 766 indicators the system computes)."""
    return [_value(indicators.compute(code, **_period(review))) for code in MONITORING]


def objectives(review) -> list[dict]:
    """c 2) the extent to which the quality objectives have been met, computed from their
    indicators up to the end of the period."""
    from audits.planning.models import QualityObjective
    from audits.planning.selectors import objective_achievement

    rows = []
    years = range(review.period_from.year, review.period_to.year + 1)
    for objective in QualityObjective.objects.filter(
        year__in=years, status=QualityObjective.Status.ACTIVE
    ).select_related("unit", "procedure"):
        result = objective_achievement(objective, today=review.period_to)
        rows.append(
            {
                "title": objective.title,
                "year": objective.year,
                "scope": objective.unit.name if objective.unit_id else "",
                "target": objective.target_display,
                "actual": str(result.value) if result.value is not None else "—",
                "status": str(result.status_label),
                "met": result.status == "achieved",
            }
        )
    return rows


def risks(review) -> dict:
    """e) the effectiveness of actions taken to address risks and opportunities: the register
    by band and status at the end of the period, and the reviews made during it."""
    from audits.planning.models import RiskEntry, RiskReview

    entries = RiskEntry.objects.filter(created_at__date__lte=review.period_to)
    counts = {}
    for level, status in entries.values_list("level", "status"):
        band = RiskEntry.band_of(level)
        counts[(band, status)] = counts.get((band, status), 0) + 1
    statuses = [{"status": v, "label": str(label)} for v, label in RiskEntry.Status.choices]
    return {
        "statuses": statuses,
        "rows": [
            {
                "band": band,
                "label": str(label),
                "counts": [counts.get((band, s["status"]), 0) for s in statuses],
            }
            for band, label in reversed(RiskEntry.Band.choices)
        ],
        "reviewed": RiskReview.objects.filter(
            reviewed_at__date__gte=review.period_from, reviewed_at__date__lte=review.period_to
        ).count(),
        "overdue_reviews": entries.exclude(status=RiskEntry.Status.CLOSED)
        .filter(review_date__lt=review.period_to)
        .count(),
    }


def improvements(review) -> list[dict]:
    """f) opportunities for improvement: open opportunities of the risk register and the
    audit findings of that kind raised in the period."""
    from audits.planning.models import RiskEntry

    rows = [
        {"text": r.description, "source": str(_("Sổ rủi ro, cơ hội"))}
        for r in RiskEntry.objects.filter(
            kind=RiskEntry.Kind.OPPORTUNITY, created_at__date__lte=review.period_to
        ).exclude(status=RiskEntry.Status.CLOSED)
    ]
    rows += _audit_opportunities(review)
    return rows


def _audit_opportunities(review) -> list[dict]:
    from audits.internal.models import Finding

    return [
        {
            "text": f"{f.description} ({f.unit.name}, {f.clause})",
            "source": str(_("Đánh giá nội bộ: %(audit)s") % {"audit": f.audit.title}),
        }
        for f in Finding.objects.filter(
            kind=Finding.Kind.IMPROVEMENT,
            audit__planned_start__lte=review.period_to,
            audit__planned_end__gte=review.period_from,
        ).select_related("audit", "unit")
    ]


def audit_results(review) -> dict:
    """c 6) audit results: the internal audits held in the period and their findings."""
    from audits.internal.models import Audit, Finding

    kinds = [{"kind": v, "label": str(label)} for v, label in Finding.Kind.choices]
    held = (
        Audit.objects.filter(
            planned_start__lte=review.period_to, planned_end__gte=review.period_from
        )
        .exclude(status=Audit.Status.PLANNED)
        .order_by("planned_start", "pk")
    )
    counts = {}
    for audit_id, kind in Finding.objects.filter(audit__in=held).values_list("audit", "kind"):
        counts[(audit_id, kind)] = counts.get((audit_id, kind), 0) + 1
    rows = [
        {
            "title": audit.title,
            "dates": f"{audit.planned_start:%d/%m/%Y} – {audit.planned_end:%d/%m/%Y}",
            "status": str(audit.get_status_display()),
            "counts": [counts.get((audit.pk, k["kind"]), 0) for k in kinds],
        }
        for audit in held
    ]
    return {"kinds": kinds, "rows": rows} if rows else {}


SECTIONS = [
    ("previous_actions", previous_actions),
    ("satisfaction", satisfaction),
    ("objectives", objectives),
    ("process_performance", process_performance),
    ("nonconformities", nonconformities),
    ("monitoring", monitoring),
    ("audits", audit_results),
    ("risks", risks),
    ("improvements", improvements),
]


def compile_inputs(review: ManagementReview, progress=None) -> dict:
    """Every input section, in the order of 9.3.2; ``progress(percent, message)`` if given."""
    result = {"period": [review.period_from, review.period_to], "compiled_for": review.pk}
    for index, (name, build) in enumerate(SECTIONS):
        if progress:
            progress(int(100 * index / len(SECTIONS)), name)
        result[name] = build(review)
    result["external_issues"] = review.external_issues
    result["resources"] = review.resources
    result["generated_on"] = dt.date.today()
    return result
