"""The web site: viewflow's Site at ``/`` with the staff's work and the department's pages."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.urls import Site
from viewflow.workflow.flow.viewset import WorkflowAppViewset

from audits.documents.viewsets import DocumentsApp
from audits.internal.viewsets import InternalAuditApp
from audits.planning.viewsets import PlanningApp
from audits.review.viewsets import ReviewApp
from audits.viewsets import AuditApp
from qms.core.viewsets import NotificationsApp, OrganisationApp

from . import dossier_pages, register, selectors, views
from .capa_flow import CapaFlow
from .capa_views import CapaFlowViewset
from .document_flow import DocumentFlow
from .document_views import DocumentFlowViewset
from .flow_pages import DossierFlowViewset
from .flows import DossierFlow


class WorkApp(WorkflowAppViewset):
    """Inbox, queue and archive across every flow, scoped to the user's units."""

    title = _("Công việc")
    icon = "assignment"
    menu_template_name = "workflows/menu.html"
    inbox_view_class = views.InboxView
    queue_view_class = views.QueueView
    archive_view_class = views.ArchiveView
    # Bulk (un)assignment is not offered: every take of a task goes through its own page.
    tasks_assign_path = None
    tasks_unassign_path = None

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    dossier_detail_path = path(
        "dossiers/<int:pk>/", dossier_pages.DossierDetailView.as_view(), name="dossier_detail"
    )
    dossier_form_path = path(
        "dossiers/<int:pk>/forms/<slug:kind>.pdf",
        dossier_pages.DossierFormPdfView.as_view(),
        name="dossier_form",
    )
    dossier_result_path = path(
        "dossiers/<int:pk>/result/",
        dossier_pages.DossierResultFileView.as_view(),
        name="dossier_result",
    )
    dossier_apology_path = path(
        "dossiers/<int:pk>/apology/",
        dossier_pages.DossierApologyView.as_view(),
        name="dossier_apology",
    )
    dossier_fee_pay_path = path(
        "dossiers/<int:pk>/fees/<int:fee_pk>/pay/",
        dossier_pages.DossierFeePayView.as_view(),
        name="dossier_fee_pay",
    )
    dossier_fee_waive_path = path(
        "dossiers/<int:pk>/fees/<int:fee_pk>/waive/",
        dossier_pages.DossierFeeWaiveView.as_view(),
        name="dossier_fee_waive",
    )
    dossier_fee_adjust_path = path(
        "dossiers/<int:pk>/fees/<int:fee_pk>/adjust/",
        dossier_pages.DossierFeeAdjustView.as_view(),
        name="dossier_fee_adjust",
    )
    dossier_rate_path = path(
        "dossiers/<int:pk>/rating/",
        dossier_pages.DossierRateView.as_view(),
        name="dossier_rate",
    )

    # The first page of the work app is always the user's own inbox.
    index_path = path("", RedirectView.as_view(pattern_name="workflow:inbox"), name="index")
    register_path = path("dossiers/", register.RegisterView.as_view(), name="register")
    register_export_path = path(
        "dossiers/register.xlsx", register.RegisterExportView.as_view(), name="register_export"
    )
    register_pdf_path = path(
        "dossiers/register.pdf",
        register.RegisterExportView.as_view(export_format="pdf"),
        name="register_pdf",
    )

    def get_context_data(self, request):
        return {
            "user_inbox": selectors.task_inbox(user=request.user),
            "user_queue": selectors.task_queue(user=request.user),
        }


FLOW_VIEWSETS = [
    DossierFlowViewset(DossierFlow, icon="folder_shared"),
    DocumentFlowViewset(DocumentFlow, icon="description"),
    CapaFlowViewset(CapaFlow, icon="report_problem"),
]

site = Site(
    title=_("ISO điện tử"),
    primary_color="#0d47a1",
    secondary_color="#c62828",
    viewsets=[
        WorkApp(flow_viewsets=FLOW_VIEWSETS),
        OrganisationApp(),
        NotificationsApp(),
        DocumentsApp(),
        PlanningApp(),
        ReviewApp(),
        InternalAuditApp(),
        AuditApp(),
    ],
)
