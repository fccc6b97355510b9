"""The approval of a controlled document (ISO 9001:2015 clause 7.5): one viewflow process per
document version, the version being the process's artifact."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from audits.documents import selectors
from audits.documents.models import DocumentVersion

from . import document_views as views
from .locks import process_row_lock

S = DocumentVersion.Status
#: What a task of the flow shows on the kanban and in task lists: the version it is about.
SUMMARY = "{{ process.artifact }} — {{ process.artifact.title }}"


def owner_unit(process):
    return process.artifact.document.owner_unit


def review_unit(process):
    """The owner unit, or its parent when it has no head on record (e.g. the office)."""
    return selectors.review_unit_for(process.artifact.document.owner_unit)


def leadership_unit(process):
    return selectors.leadership_unit_for(process.artifact.document.owner_unit)


def reviewed(activation) -> bool:
    version = activation.process.artifact
    return version.status == S.IN_REVIEW and version.reviewer_id is not None


class SeparatedView(flow.View):
    """A human step that the draft's author, and the director's step that its reviewer too,
    may not take: separation of duties, checked again by the services."""

    def can_assign(self, user, task):
        version = task.process.artifact
        return super().can_assign(user, task) and user.pk not in (
            version.author_id,
            version.reviewer_id,
        )


class DocumentFlow(flow.Flow):
    """The owner unit drafts (a new document or a new version) → the head of the owner unit
    reviews (agrees, or sends back to the author, who revises or gives the draft up) → a
    director approves and signs with the password re-entered, choosing the effective date (or
    sends back) → on that date the version is effective and the previous one superseded.

    Reviewing is checked as ``core.lead_unit`` on the owner unit (or the unit that leads it),
    approving as ``core.act_director`` on the leadership unit; the revision goes back to its
    author. Withdrawing an effective document is the quality manager's action on the document
    page, outside this flow.
    """

    lock_impl = process_row_lock
    process_title = _("Ban hành tài liệu được kiểm soát")
    process_description = _(
        "Soạn thảo, xem xét, phê duyệt và ban hành tài liệu của hệ thống quản lý chất lượng"
    )
    process_summary_template = "{{ process.artifact }} — {{ process.artifact.title }}"

    draft_new = (
        flow.Start(views.DraftNewView.as_view())
        .Annotation(title=_("Soạn thảo tài liệu mới"), summary_template=SUMMARY)
        .Available(selectors.can_draft)
        .Next(this.review_draft)
    )
    draft_revision = (
        flow.Start(views.DraftRevisionView.as_view())
        .Annotation(title=_("Soạn thảo sửa đổi tài liệu"), summary_template=SUMMARY)
        .Available(selectors.can_draft)
        .Next(this.review_draft)
    )
    review_draft = (
        SeparatedView(views.ReviewDraftView.as_view())
        .Annotation(title=_("Lãnh đạo đơn vị xem xét dự thảo"), summary_template=SUMMARY)
        .Permission(selectors.REVIEW_PERMISSION, obj=review_unit)
        .Next(this.after_review)
    )
    after_review = (
        flow.If(reviewed)
        .Annotation(title=_("Đồng ý trình phê duyệt?"))
        .Then(this.approve_version)
        .Else(this.revise_draft)
    )
    revise_draft = (
        flow.View(views.ReviseDraftView.as_view())
        .Annotation(title=_("Sửa dự thảo theo ý kiến"), summary_template=SUMMARY)
        .Permission(selectors.WORK_PERMISSION, obj=owner_unit)
        .Assign(lambda activation: activation.process.artifact.author)
        .Next(this.after_revision)
    )
    after_revision = (
        flow.If(lambda activation: activation.process.artifact.status == S.WITHDRAWN)
        .Annotation(title=_("Huỷ dự thảo?"))
        .Then(this.abandoned)
        .Else(this.review_draft)
    )
    approve_version = (
        SeparatedView(views.ApproveVersionView.as_view())
        .Annotation(title=_("Lãnh đạo Sở phê duyệt, ký ban hành"), summary_template=SUMMARY)
        .Permission(selectors.APPROVE_PERMISSION, obj=leadership_unit)
        .Next(this.after_approval)
    )
    after_approval = (
        flow.If(lambda activation: activation.process.artifact.status in (S.APPROVED, S.EFFECTIVE))
        .Annotation(title=_("Đã phê duyệt?"))
        .Then(this.issued)
        .Else(this.revise_draft)
    )
    issued = flow.End().Annotation(title=_("Đã phê duyệt, ban hành"), summary_template=SUMMARY)
    abandoned = flow.End().Annotation(title=_("Đã huỷ dự thảo"), summary_template=SUMMARY)

    def has_view_permission(self, user, obj=None):
        """A process (or its task) is visible with its version: to the owner unit's staff
        while in work, and to the quality manager, leaders and auditors always; otherwise it
        does not exist (404)."""
        if not user.is_authenticated:
            return False
        if obj is None:
            return True
        process = getattr(obj, "process", obj)
        version_id = process.artifact_object_id
        if version_id is None:
            return user.is_superuser
        if not selectors.versions_visible_to(user=user).filter(pk=version_id).exists():
            raise Http404(_("Không tìm thấy tài liệu."))
        return True

    def has_manage_permission(self, user, obj=None):
        return user.is_authenticated and user.is_superuser
