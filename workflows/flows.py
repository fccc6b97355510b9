"""The dossier workflow: one viewflow process per administrative-procedure dossier."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from procedures.models import Dossier, DossierOpinion, ProcessStep
from procedures.selectors import dossiers_visible_to
from procedures.services.dossier import dossier_submit_online
from qms.core.roles import act_permission

from . import dossier_views as views
from .deadlines import step_permission, step_unit, timeout_of
from .locks import process_row_lock
from .models import DossierProcess

S = Dossier.Status
D = DossierOpinion.Decision
K = ProcessStep.Kind


def can_receive(user):
    """Anyone who holds the one-stop officer's right in some unit may receive dossiers."""
    from guardian.shortcuts import get_objects_for_user

    from qms.core.models import OrgUnit

    return (
        user.is_authenticated
        and get_objects_for_user(
            user, act_permission("one_stop_officer"), klass=OrgUnit, accept_global_perms=False
        ).exists()
    )


def last_opinion(process, step):
    return process.artifact.opinions.filter(step=step).order_by("-created_at", "-id").first()


class DossierFlow(flow.Flow):
    """Receipt at the one-stop desk → transfer → assignment → appraisal (one supplement
    request at most, through the desk) → review by the unit head → the leader's decision →
    issue by the clerk → return to the applicant.

    Who may take each step, and by when, comes from the internal process of the procedure
    version the dossier froze at receipt: the step's role gives the ``core.act_<role>``
    permission, checked on the step's unit; its allotted time becomes a non-interrupting
    timeout that records the step as overdue without stopping it.
    """

    process_class = DossierProcess
    # Twenty people completing the same step at once: one succeeds, the others are refused.
    lock_impl = process_row_lock
    process_title = _("Hồ sơ thủ tục hành chính")
    process_description = _("Giải quyết hồ sơ TTHC theo quy trình nội bộ")
    process_summary_template = "{{ process.artifact }} — {{ process.artifact.applicant_name }}"

    receive = (
        flow.Start(views.ReceiveView.as_view())
        .Annotation(title=_("Tiếp nhận hồ sơ"))
        .Available(can_receive)
        .Next(this.check_receipt)
    )
    # Submitted on the public-service portal (integration API): the one-stop officer of the
    # receiving unit still checks the files and receives, asks for completion or refuses.
    submit_online = (
        flow.StartHandle(this.start_online)
        .Annotation(title=_("Nộp hồ sơ trực tuyến qua Cổng dịch vụ công"))
        .Next(this.receive_online)
    )
    receive_online = (
        flow.View(views.ReceiveOnlineView.as_view())
        .Annotation(title=_("Kiểm tra, tiếp nhận hồ sơ nộp trực tuyến"))
        .Permission(step_permission(K.RECEIVE), obj=step_unit(K.RECEIVE))
        .Next(this.check_receipt)
    )
    check_receipt = (
        flow.Switch()
        .Annotation(title=_("Kết quả tiếp nhận"))
        .Case(this.transfer, lambda act: act.process.artifact.status == S.RECEIVED)
        .Case(this.complete_at_desk, lambda act: act.process.artifact.status == S.INCOMPLETE)
        .Default(this.not_received)
    )
    complete_at_desk = (
        flow.View(views.CompleteAtDeskView.as_view())
        .Annotation(title=_("Nhận bổ sung, hoàn thiện hồ sơ tại Bộ phận Một cửa"))
        .Permission(step_permission(K.RECEIVE), obj=step_unit(K.RECEIVE))
        .Next(this.check_receipt)
    )
    transfer = (
        flow.View(views.TransferView.as_view())
        .Annotation(title=_("Chuyển hồ sơ đến đơn vị giải quyết"))
        .Permission(step_permission(K.TRANSFER), obj=step_unit(K.TRANSFER))
        .OnTimeout(
            timeout_of(K.TRANSFER),
            this.step_overdue,
            interrupting=False,
            title=_("Hạn chuyển hồ sơ"),
        )
        .Next(this.assign)
    )
    assign = (
        flow.View(views.AssignView.as_view())
        .Annotation(title=_("Phân công chuyên viên thụ lý"))
        .Permission(step_permission(K.ASSIGN), obj=step_unit(K.ASSIGN))
        .OnTimeout(
            timeout_of(K.ASSIGN), this.step_overdue, interrupting=False, title=_("Hạn phân công")
        )
        .Next(this.appraise)
    )
    appraise = (
        flow.View(views.AppraiseView.as_view())
        .Annotation(title=_("Thẩm định hồ sơ"))
        .Permission(step_permission(K.APPRAISE), obj=step_unit(K.APPRAISE))
        .Assign(lambda act: act.process.artifact.handler)
        .OnTimeout(
            timeout_of(K.APPRAISE), this.step_overdue, interrupting=False, title=_("Hạn thẩm định")
        )
        .Next(this.after_appraisal)
    )
    after_appraisal = (
        flow.If(lambda act: act.process.artifact.status == S.SUPPLEMENT)
        .Annotation(title=_("Cần bổ sung hồ sơ?"))
        .Then(this.supplement)
        .Else(this.review)
    )
    supplement = (
        flow.View(views.SupplementView.as_view())
        .Annotation(title=_("Gửi yêu cầu bổ sung và nhận hồ sơ bổ sung (Mẫu 02)"))
        .Permission(step_permission(K.RETURN), obj=step_unit(K.RETURN))
        .Next(this.appraise)
    )
    review = (
        flow.View(views.ReviewView.as_view())
        .Annotation(title=_("Lãnh đạo phòng xem xét"))
        .Permission(step_permission(K.REVIEW), obj=step_unit(K.REVIEW))
        .OnTimeout(
            timeout_of(K.REVIEW),
            this.step_overdue,
            interrupting=False,
            title=_("Hạn xem xét của lãnh đạo phòng"),
        )
        .Next(this.after_review)
    )
    after_review = (
        flow.If(lambda act: last_opinion(act.process, K.REVIEW).decision == D.AGREE)
        .Annotation(title=_("Đồng ý trình?"))
        .Then(this.approve)
        .Else(this.appraise)
    )
    approve = (
        flow.View(views.ApproveView.as_view())
        .Annotation(title=_("Lãnh đạo Sở phê duyệt"))
        .Permission(step_permission(K.APPROVE), obj=step_unit(K.APPROVE))
        .OnTimeout(
            timeout_of(K.APPROVE), this.step_overdue, interrupting=False, title=_("Hạn phê duyệt")
        )
        .Next(this.after_approval)
    )
    after_approval = (
        flow.If(lambda act: act.process.artifact.status in (S.APPROVED, S.REFUSED))
        .Annotation(title=_("Đã quyết định?"))
        .Then(this.issue)
        .Else(this.review)
    )
    issue = (
        flow.View(views.IssueView.as_view())
        .Annotation(title=_("Vào số, phát hành kết quả"))
        .Permission(step_permission(K.ISSUE), obj=step_unit(K.ISSUE))
        .OnTimeout(
            timeout_of(K.ISSUE),
            this.step_overdue,
            interrupting=False,
            title=_("Hạn phát hành kết quả"),
        )
        .Next(this.return_result)
    )
    return_result = (
        flow.View(views.ReturnView.as_view())
        .Annotation(title=_("Trả kết quả cho người nộp"))
        .Permission(step_permission(K.RETURN), obj=step_unit(K.RETURN))
        .Next(this.end)
    )
    step_overdue = (
        flow.Function(this.record_step_overdue)
        .Annotation(title=_("Ghi nhận bước quá hạn"))
        .Next(this.overdue_noted)
    )
    overdue_noted = flow.End().Annotation(title=_("Đã ghi nhận quá hạn"))
    not_received = flow.End().Annotation(title=_("Không tiếp nhận"))
    end = flow.End().Annotation(title=_("Đã trả kết quả"))

    def record_step_overdue(self, activation):
        """Keep which step ran over its allotted time on the process (reminders and
        escalation read it); the step itself goes on."""
        # step_overdue ← the timeout timer ← the human step that ran over its time.
        host = activation.task.previous.first()
        while host is not None and host.flow_task_type != "HUMAN":
            host = host.previous.first()
        overdue = activation.process.data.get("overdue_tasks", [])
        if host and host.pk not in overdue:
            activation.process.data["overdue_tasks"] = [*overdue, host.pk]
            activation.process.save(update_fields=["data"])
        if host is not None:
            # Escalate at once to the heads of the step's unit (once per step: keyed).
            from .reminders import step_overdue_escalate

            step_overdue_escalate(task=host)

    def has_view_permission(self, user, obj=None):
        """One visibility rule for every page of the flow: a process (or its task) is visible
        when its dossier is (``dossiers_visible_to``); the flow itself to any member of staff
        who may see some dossier."""
        if not user.is_authenticated:
            return False
        if obj is None:
            return True
        process = getattr(obj, "process", obj)
        dossier_id = process.artifact_object_id
        if dossier_id is None:
            return user.is_superuser
        if not dossiers_visible_to(user=user).filter(pk=dossier_id).exists():
            # Another unit's process or task does not exist for this user (404, not 403):
            # viewflow's task views turn a refusal into 403, which would confirm it exists.
            raise Http404(_("Không tìm thấy hồ sơ."))
        return True

    def has_manage_permission(self, user, obj=None):
        # Cancelling or undoing steps is for administrators only.
        return user.is_authenticated and user.is_superuser

    def start_online(self, activation, **submission):
        """``submit_online``: the dossier the portal sent becomes the process's artifact
        (``dossier_submit_online``'s arguments). A reference already submitted starts nothing:
        callers look the dossier up first (``workflows.api.services``)."""
        dossier, created = dossier_submit_online(**submission)
        if not created:
            raise ValidationError(
                _("Hồ sơ “%(reference)s” đã được nộp trên Cổng dịch vụ công.")
                % {"reference": dossier.portal_reference},
                code="duplicate",
            )
        activation.process.artifact = dossier
        return activation.process
