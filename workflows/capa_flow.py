"""The corrective-action process of a nonconformity (ISO 9001 8.7 / 10.2)."""

from __future__ import annotations

import contextlib
import contextvars

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.split import SplitActivation

from audits import services
from audits.models import CorrectiveAction, EffectivenessCheck
from audits.selectors import nonconformities_visible_to, nonconformity_current_round
from qms.core.models import OrgUnit

from . import capa_views as views
from .locks import process_row_lock

LEAD_UNIT = services.LEAD_UNIT
QUALITY_MANAGER = services.QUALITY_MANAGER


def can_raise(user):
    """Every member of staff who works in a unit may record a nonconformity by hand
    (auditors and administrators, who work in none, may not)."""
    return (
        user.is_authenticated
        and get_objects_for_user(
            user, "core.work_in_unit", klass=OrgUnit, accept_global_perms=False
        ).exists()
    )


def nonconformity_unit(process):
    return process.artifact.unit


def action_of(task) -> CorrectiveAction:
    """The corrective action an implementation task carries out (its ``data``)."""
    return CorrectiveAction.objects.select_related("owner_user").get(pk=task.data["action"])


def action_deadline(activation):
    """``.OnTimeout`` delay of an implementation task: the end of its action's due date."""
    return action_of(activation.task.previous.first()).deadline


class ForEachActivation(SplitActivation):
    """Creates one task of each branch per item of the branch's data source, in parallel."""

    @Activation.status.super()
    def activate(self):
        for node, condition, data_source, _seed in self.flow_task._branches:
            if condition and not condition(self):
                continue
            items = data_source(self) if data_source else [None]
            self.next_tasks.extend((node, item) for item in items)
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class ForEach(flow.Split):
    """A parallel split into a number of tasks known only at run time.

    viewflow 2.4's open edition documents ``Split.Next(node, data_source=…)`` but drops the
    data source (dynamic multi-instance is in the PRO edition): this split keeps it. Each
    item becomes the ``task.data`` of one task of ``node``; the tasks carry split tokens, so
    the ``Join`` after them waits for every one.
    """

    activation_class = ForEachActivation

    def Next(self, node, case=None, data_source=None):
        self._activate_next.append((node, case, data_source))
        return self

    @property
    def _branches(self):
        # The four-item form viewflow reads to mark a node as multi-instance on the chart.
        return [(node, case, data_source, None) for node, case, data_source in self._activate_next]


class CapaFlow(flow.Flow):
    """Raised (by hand, from an audit, a complaint or a late dossier) → immediate correction by
    the unit's leader → root-cause analysis (five whys), by the leader or the member they
    name → action plan (several actions, each with an owner and a due date) → every action
    carried out in parallel by its owner → effectiveness check by the quality manager ("not
    effective" opens a new analysis round) → closure signed by the quality manager.

    An implementation task's deadline is its action's due date: a non-interrupting timeout
    records the action as overdue and reminds its owner, and the task goes on.
    """

    # Parallel implementation tasks finish concurrently into one Join: lock the process row.
    lock_impl = process_row_lock
    process_title = _("Sự không phù hợp và hành động khắc phục")
    process_description = _("Khắc phục sự không phù hợp (TCVN ISO 9001:2015, 8.7 và 10.2)")
    process_summary_template = "{{ process.artifact.code }} — {{ process.artifact.title }}"

    raise_by_hand = (
        flow.Start(views.RaiseView.as_view())
        .Annotation(title=_("Ghi nhận sự không phù hợp"))
        .Available(can_raise)
        .Next(this.correct)
    )
    raise_automatically = (
        flow.StartHandle(this.start_for)
        .Annotation(title=_("Ghi nhận sự không phù hợp (tự động, từ nghiệp vụ khác)"))
        .Next(this.correct)
    )
    correct = (
        flow.View(views.CorrectView.as_view())
        .Annotation(title=_("Khắc phục tức thời"))
        .Permission(LEAD_UNIT, obj=nonconformity_unit)
        .Next(this.analyse)
    )
    analyse = (
        flow.View(views.AnalyseView.as_view())
        .Annotation(title=_("Phân tích nguyên nhân gốc (5 tại sao)"))
        .Permission(LEAD_UNIT, obj=nonconformity_unit)
        .Assign(lambda activation: activation.process.artifact.analyst)
        .Next(this.plan)
    )
    plan = (
        flow.View(views.PlanView.as_view())
        .Annotation(title=_("Lập kế hoạch hành động khắc phục"))
        .Permission(LEAD_UNIT, obj=nonconformity_unit)
        .Next(this.dispatch_actions)
    )
    dispatch_actions = (
        ForEach()
        .Annotation(title=_("Giao từng hành động cho người thực hiện"))
        .Next(this.implement, data_source=this.current_actions)
    )
    implement = (
        flow.View(views.ImplementView.as_view())
        .Annotation(title=_("Thực hiện hành động khắc phục"))
        .Permission(LEAD_UNIT, obj=nonconformity_unit)
        .Assign(lambda activation: action_of(activation.task).owner_user)
        .OnTimeout(
            action_deadline,
            this.action_overdue,
            interrupting=False,
            title=_("Hạn hoàn thành hành động"),
        )
        .Next(this.actions_done)
    )
    actions_done = flow.Join().Annotation(title=_("Mọi hành động đã thực hiện")).Next(this.verify)
    verify = (
        flow.View(views.VerifyView.as_view())
        .Annotation(title=_("Kiểm tra hiệu lực của hành động khắc phục"))
        .Permission(QUALITY_MANAGER)
        .Next(this.after_verification)
    )
    after_verification = (
        flow.If(this.is_effective)
        .Annotation(title=_("Có hiệu lực?"))
        .Then(this.close)
        .Else(this.analyse)
    )
    close = (
        flow.View(views.CloseView.as_view())
        .Annotation(title=_("Đóng sự không phù hợp và ký xác nhận"))
        .Permission(QUALITY_MANAGER)
        .Next(this.end)
    )
    action_overdue = (
        flow.Function(this.record_action_overdue)
        .Annotation(title=_("Ghi nhận hành động quá hạn"))
        .Next(this.overdue_noted)
    )
    overdue_noted = flow.End().Annotation(title=_("Đã nhắc hành động quá hạn"))
    end = flow.End().Annotation(title=_("Đã đóng"))

    def start_for(self, activation, nonconformity):
        activation.process.artifact = nonconformity
        return activation.process

    def current_actions(self, activation):
        """The actions of the round just planned, one implementation task each."""
        analysis = nonconformity_current_round(activation.process.artifact)
        actions = analysis.actions.order_by("order").values_list("pk", flat=True)
        return [{"action": pk} for pk in actions]

    def is_effective(self, activation):
        check = nonconformity_current_round(activation.process.artifact).checks.first()
        return check is not None and check.result == EffectivenessCheck.Result.EFFECTIVE

    def record_action_overdue(self, activation):
        # action_overdue ← the timeout timer ← the implementation task that ran over.
        timer = activation.task.previous.first()
        services.corrective_action_overdue(action=action_of(timer.previous.first()))

    def has_view_permission(self, user, obj=None):
        """A process (or its task) is visible when its nonconformity is
        (``nonconformities_visible_to``); another unit's is not found, not forbidden."""
        if not user.is_authenticated:
            return False
        if obj is None:
            return True
        process = getattr(obj, "process", obj)
        if process.artifact_object_id is None:
            return user.is_superuser
        visible = nonconformities_visible_to(user=user)
        if not visible.filter(pk=process.artifact_object_id).exists():
            raise Http404(_("Không tìm thấy sự không phù hợp."))
        return True

    def has_manage_permission(self, user, obj=None):
        # Cancelling or undoing steps is for administrators only.
        return user.is_authenticated and user.is_superuser


# Starting the process when a nonconformity is raised --------------------------------------------

_start_form = contextvars.ContextVar("capa_start_form", default=None)


@contextlib.contextmanager
def raised_on_start_form(activation):
    """Inside the block, a nonconformity raised starts the process of the start form's
    activation (so the hand-raised process records who raised it) instead of a new one."""
    token = _start_form.set(activation)
    try:
        yield
    finally:
        _start_form.reset(token)


@services.nonconformity_process_starter
def start_process(nonconformity):
    activation = _start_form.get()
    if activation is None:
        return CapaFlow.raise_automatically.run(nonconformity=nonconformity)
    _start_form.set(None)  # one start form, one process
    activation.process.artifact = nonconformity
    activation.execute()
    return activation.process
