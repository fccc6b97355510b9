"""Deadlines of the dossier workflow's steps, from the frozen internal process."""

from __future__ import annotations

import math

from django.utils import timezone

from procedures.models import Dossier, ProcessStep
from procedures.services.dossier import transfer_deadline
from qms.core.calendar import LimitUnit, WorkingCalendar
from qms.core.roles import act_permission

#: Workflow node name → internal-process step kind.
NODE_STEP = {
    "receive": ProcessStep.Kind.RECEIVE,
    "receive_online": ProcessStep.Kind.RECEIVE,
    "complete_at_desk": ProcessStep.Kind.RECEIVE,
    "transfer": ProcessStep.Kind.TRANSFER,
    "assign": ProcessStep.Kind.ASSIGN,
    "appraise": ProcessStep.Kind.APPRAISE,
    "supplement": ProcessStep.Kind.RETURN,
    "review": ProcessStep.Kind.REVIEW,
    "approve": ProcessStep.Kind.APPROVE,
    "issue": ProcessStep.Kind.ISSUE,
    "return_result": ProcessStep.Kind.RETURN,
}


def dossier_step(dossier: Dossier, kind: str) -> ProcessStep:
    steps = getattr(dossier, "_steps_by_kind", None)
    if steps is None:
        steps = {
            s.kind: s for s in dossier.procedure_version.steps.select_related("responsible_unit")
        }
        dossier._steps_by_kind = steps
    return steps[kind]


def step_due_at(
    dossier: Dossier, kind: str, started, calendar: WorkingCalendar | None = None
) -> timezone.datetime:
    """When a step begun at ``started`` must be done: office hours for working-day and hour
    allotments (half a day is four hours), whole days for calendar-day ones; a transfer follows
    the same-day rule. Pass ``calendar`` to reuse one loaded calendar over many steps."""
    calendar = calendar or WorkingCalendar.load()
    if kind == ProcessStep.Kind.TRANSFER:
        return transfer_deadline(dossier.received_at or started, calendar)
    step = dossier_step(dossier, kind)
    if step.time_unit == LimitUnit.CALENDAR_DAYS:
        return calendar.due_at(started, math.ceil(step.time_value), LimitUnit.CALENDAR_DAYS)
    hours = float(step.time_value) * (8 if step.time_unit == LimitUnit.WORKING_DAYS else 1)
    return calendar.add_office_hours(started, hours)


def task_due_at(task, calendar: WorkingCalendar | None = None) -> timezone.datetime | None:
    """The deadline of a human task of the dossier flow (None for other tasks)."""
    kind = NODE_STEP.get(task.flow_task.name) if task.flow_task else None
    dossier = task.process.artifact
    if kind is None or dossier is None or kind == ProcessStep.Kind.RECEIVE:
        return None
    return step_due_at(dossier, kind, task.created, calendar)


def step_permission(kind: str):
    """``.Permission`` callable: the act_<role> permission of the step's responsible role."""

    def permission(activation):
        return act_permission(dossier_step(activation.process.artifact, kind).responsible_role)

    return permission


def step_unit(kind: str):
    """``.Permission(obj=…)`` callable: the unit the step's permission is checked on."""

    def unit(process):
        return dossier_step(process.artifact, kind).unit

    return unit


def timeout_of(kind: str):
    """``.OnTimeout`` delay: the step deadline, measured from its host task's creation."""

    def delay(activation):
        host = activation.task.previous.first()
        return step_due_at(activation.process.artifact, kind, host.created)

    return delay
