"""Controlled documents inside viewflow's Site ("Tài liệu")."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import views


class DocumentsApp(Application):
    title = _("Tài liệu")
    icon = "description"
    app_name = "documents"
    menu_template_name = "documents/menu.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    index_path = path("", views.DocumentListView.as_view(), name="index")
    detail_path = path("<int:pk>/", views.DocumentDetailView.as_view(), name="detail")
    download_path = path(
        "<int:pk>/download/", views.DocumentDownloadView.as_view(), name="download"
    )
    control_sheet_path = path(
        "<int:pk>/control-sheet.pdf", views.ControlSheetPdfView.as_view(), name="control_sheet"
    )
    withdraw_path = path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw")
    confirm_review_path = path(
        "<int:pk>/confirm-review/", views.ConfirmReviewView.as_view(), name="confirm_review"
    )
    version_path = path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version")
    version_download_path = path(
        "versions/<int:pk>/download/",
        views.VersionDownloadView.as_view(),
        name="version_download",
    )
