"""The auditor's workspace inside viewflow's Site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import views


class AuditApp(Application):
    title = _("Kiểm tra nội bộ")
    icon = "policy"
    app_name = "audits"
    menu_template_name = "audits/menu.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and user.has_perm(views.PERMISSION)

    index_path = path("", views.SearchView.as_view(), name="index")
    export_path = path("export.xlsx", views.SearchExportView.as_view(), name="export")
    logins_path = path("logins/", views.LoginTrailView.as_view(), name="logins")
    verify_path = path("verify/", views.VerifyView.as_view(), name="verify")
    trail_path = path(
        "records/<str:object_type>/<int:object_id>/", views.TrailView.as_view(), name="trail"
    )
    diff_path = path(
        "records/<str:object_type>/<int:object_id>/diff/", views.DiffView.as_view(), name="diff"
    )
    trail_pdf_path = path(
        "records/<str:object_type>/<int:object_id>/trail.pdf",
        views.TrailPdfView.as_view(),
        name="trail_pdf",
    )
    trail_xlsx_path = path(
        "records/<str:object_type>/<int:object_id>/trail.xlsx",
        views.TrailExportView.as_view(),
        name="trail_xlsx",
    )
