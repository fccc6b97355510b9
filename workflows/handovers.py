"""Mẫu 05 from the real task history: every hand-over of the dossier between units, who gave,
who received, when, and whether the giver's step finished early, on time or late."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from procedures.models import Dossier

from .deadlines import NODE_STEP, dossier_step, task_due_at
from .models import DossierProcess

LABELS = {"early": _("Trước hạn"), "on_time": _("Đúng hạn"), "late": _("Quá hạn")}


@dataclass
class Handover:
    giver_unit: object
    giver: object
    receiver_unit: object
    receiver: object
    at: object
    due: object
    result: str
    note: str

    @property
    def result_label(self):
        return LABELS.get(self.result, "")


def dossier_process(dossier: Dossier) -> DossierProcess | None:
    return DossierProcess.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(Dossier),
        artifact_object_id=dossier.pk,
    ).first()


def _unit(dossier, task):
    kind = NODE_STEP.get(task.flow_task.name)
    return dossier_step(dossier, kind).unit if kind else dossier.handling_unit


def _timeliness(finished, due) -> str:
    if due is None or finished is None:
        return "on_time"
    finished, due = timezone.localtime(finished), timezone.localtime(due)
    if finished > due:
        return "late"
    return "early" if finished.date() < due.date() else "on_time"


def dossier_handovers(dossier: Dossier) -> list[Handover]:
    process = dossier_process(dossier)
    if process is None or dossier.received_at is None:
        return []
    tasks = list(
        Task.objects.filter(process=process, flow_task_type__in=["HUMAN", "HUMAN_START"])
        .select_related("owner")
        .order_by("created", "pk")
    )
    opinions = {o.task_id: o for o in dossier.opinions.exclude(task_id=None)}
    rows = []
    for giver, receiver in zip(tasks, tasks[1:], strict=False):
        if giver.finished is None:
            break
        due = task_due_at(giver)
        opinion = opinions.get(giver.pk)
        rows.append(
            Handover(
                giver_unit=_unit(dossier, giver),
                giver=giver.owner,
                receiver_unit=_unit(dossier, receiver),
                receiver=receiver.owner,
                at=giver.finished,
                due=due,
                result=_timeliness(giver.finished, due),
                note=opinion.comment if opinion else "",
            )
        )
    return rows
