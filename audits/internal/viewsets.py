"""The internal audit application inside viewflow's Site (“Đánh giá nội bộ”)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import views


class InternalAuditApp(Application):
    """Every signed-in user opens it: the programme is communicated to every unit; what each
    page shows and who may write is decided per page (``views``)."""

    title = _("Đánh giá nội bộ")
    icon = "fact_check"
    app_name = views.NS
    menu_template_name = "internal_audits/menu.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    index_path = path("", views.ProgrammeListView.as_view(), name="index")
    programme_create_path = path(
        "programmes/new/", views.ProgrammeCreateView.as_view(), name="programme_create"
    )
    programme_path = path(
        "programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme"
    )
    programme_edit_path = path(
        "programmes/<int:pk>/edit/", views.ProgrammeEditView.as_view(), name="programme_edit"
    )
    programme_approve_path = path(
        "programmes/<int:pk>/approve/",
        views.ProgrammeApproveView.as_view(),
        name="programme_approve",
    )
    programme_pdf_path = path(
        "programmes/<int:pk>/programme.pdf",
        views.ProgrammePdfView.as_view(),
        name="programme_pdf",
    )
    audit_create_path = path(
        "programmes/<int:pk>/audits/new/", views.AuditCreateView.as_view(), name="audit_create"
    )
    audit_path = path("audits/<int:pk>/", views.AuditDetailView.as_view(), name="audit")
    audit_edit_path = path(
        "audits/<int:pk>/edit/", views.AuditEditView.as_view(), name="audit_edit"
    )
    audit_plan_pdf_path = path(
        "audits/<int:pk>/plan.pdf", views.AuditPlanPdfView.as_view(), name="plan_pdf"
    )
    audit_start_path = path(
        "audits/<int:pk>/start/", views.AuditStartView.as_view(), name="audit_start"
    )
    audit_conduct_path = path(
        "audits/<int:pk>/checklist/", views.AuditConductView.as_view(), name="conduct"
    )
    finding_create_path = path(
        "audits/<int:pk>/findings/new/", views.FindingCreateView.as_view(), name="finding_create"
    )
    report_path = path("audits/<int:pk>/report/", views.AuditReportView.as_view(), name="report")
    report_sign_path = path(
        "audits/<int:pk>/report/sign/", views.ReportSignView.as_view(), name="report_sign"
    )
    report_pdf_path = path(
        "audits/<int:pk>/report.pdf", views.ReportPdfView.as_view(), name="report_pdf"
    )
    audit_close_path = path(
        "audits/<int:pk>/close/", views.AuditCloseView.as_view(), name="audit_close"
    )
    follow_up_path = path("follow-up/", views.FollowUpView.as_view(), name="follow_up")
    checklist_list_path = path("checklists/", views.ChecklistListView.as_view(), name="checklists")
    checklist_create_path = path(
        "checklists/new/", views.ChecklistCreateView.as_view(), name="checklist_create"
    )
    checklist_path = path(
        "checklists/<int:pk>/", views.ChecklistDetailView.as_view(), name="checklist"
    )
