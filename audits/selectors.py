"""Reads of the audits app: which nonconformities a user may see (the one visibility rule for
every list, page, PDF and workflow page of the corrective-action process), their rounds, what
the closing signature covers and whether it still holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from viewflow.workflow.models import Process, Task

from qms.core.models import User
from qms.core.selectors import units_visible_to, user_sees_all_units
from qms.core.signatures import changed_fields, signature_valid, signatures_of

from .models import (
    CorrectiveAction,
    EffectivenessCheck,
    Nonconformity,
    RootCauseAnalysis,
    overdue_due_dates_until,
)

#: The purpose under which the quality manager's closing signature is stored.
PURPOSE_CLOSE = "nonconformity.close"


def nonconformities_visible_to(*, user: User) -> QuerySet[Nonconformity]:
    """Leaders, the quality manager and auditors see every nonconformity; others those of
    their units, those they raised, and those with an action owned by them or their unit."""
    queryset = Nonconformity.objects.all()
    if not user.is_authenticated:
        return queryset.none()
    if user_sees_all_units(user):
        return queryset
    units = units_visible_to(user).values("pk")
    owned = CorrectiveAction.objects.filter(nonconformity=OuterRef("pk")).filter(
        Q(owner_user=user) | Q(owner_unit__in=units)
    )
    return queryset.filter(Q(unit__in=units) | Q(raised_by=user) | Exists(owned))


def capa_processes_visible_to(*, user: User) -> QuerySet[Process]:
    """Corrective-action processes whose nonconformity ``user`` may see."""
    return Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(Nonconformity),
        artifact_object_id__in=nonconformities_visible_to(user=user).values("pk"),
    )


def capa_tasks_visible_to(*, user: User) -> QuerySet[Task]:
    return Task.objects.filter(process__in=capa_processes_visible_to(user=user).values("pk"))


def nonconformity_process(nonconformity: Nonconformity) -> Process | None:
    return Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(Nonconformity),
        artifact_object_id=nonconformity.pk,
    ).first()


def nonconformity_current_round(nonconformity: Nonconformity) -> RootCauseAnalysis | None:
    """The latest analysis round (None before the first analysis)."""
    return nonconformity.analyses.order_by("-number").first()


def corrective_actions_overdue(*, user: User) -> QuerySet[CorrectiveAction]:
    """Open actions past their due date on nonconformities ``user`` may see, oldest first
    (an action is late after the office hours of its due date)."""
    return (
        CorrectiveAction.objects.filter(
            status=CorrectiveAction.Status.PLANNED,
            due_date__lte=overdue_due_dates_until(),
            nonconformity__in=nonconformities_visible_to(user=user).values("pk"),
        )
        .select_related("nonconformity", "owner_unit", "owner_user")
        .order_by("due_date", "pk")
    )


@dataclass
class Round:
    """One analysis round with what belongs to it, for pages and the printed sheet."""

    analysis: RootCauseAnalysis
    whys: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    check: EffectivenessCheck | None = None


def nonconformity_rounds(nonconformity: Nonconformity) -> list[Round]:
    """Every round in order with its whys, actions and check: four queries in all."""
    analyses = list(
        nonconformity.analyses.select_related("analysed_by")
        .prefetch_related("whys")
        .order_by("number")
    )
    rounds = {a.pk: Round(analysis=a, whys=list(a.whys.all())) for a in analyses}
    actions = nonconformity.actions.select_related("owner_unit", "owner_user").order_by(
        "analysis__number", "order"
    )
    for action in actions:
        rounds[action.analysis_id].actions.append(action)
    for check in nonconformity.checks.select_related("checked_by"):
        rounds[check.analysis_id].check = check
    return list(rounds.values())


def nonconformity_closure_content(nonconformity: Nonconformity, rounds=None) -> dict:
    """What the quality manager's closing signature vouches for: the title, the root cause of
    every round, every action with the hash of its evidence, and the effectiveness checks."""
    rounds = nonconformity_rounds(nonconformity) if rounds is None else rounds
    return {
        "nonconformity": nonconformity.pk,
        "code": nonconformity.code,
        "title": nonconformity.title,
        "root_causes": [
            {"round": r.analysis.number, "root_cause": r.analysis.root_cause} for r in rounds
        ],
        "actions": [
            {
                "round": r.analysis.number,
                "description": a.description,
                "owner": a.owner_user_id,
                "due_date": a.due_date,
                "status": a.status,
                "evidence_sha256": a.evidence_sha256,
            }
            for r in rounds
            for a in r.actions
        ],
        "effectiveness": [
            {
                "round": r.analysis.number,
                "result": r.check.result,
                "evidence": r.check.evidence,
                "checked_by": r.check.checked_by_id,
            }
            for r in rounds
            if r.check is not None
        ],
    }


def nonconformity_signatures(nonconformity: Nonconformity, rounds=None) -> list[dict]:
    """The closing signature(s) and whether each still holds: the current content is hashed
    again and compared with what was signed; if they differ, which parts changed."""
    signatures = list(signatures_of(nonconformity).filter(purpose=PURPOSE_CLOSE))
    if not signatures:
        return []
    current = nonconformity_closure_content(nonconformity, rounds)
    return [
        {
            "signature": signature,
            "valid": signature_valid(signature, current),
            "changed": changed_fields(signature, current),
        }
        for signature in signatures
    ]
