from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import views


class ReviewApp(Application):
    title = _("Xem xét của lãnh đạo")
    icon = "insights"
    app_name = "reviews"
    menu_template_name = "reviews/menu.html"

    def has_view_permission(self, user, obj=None):
        # Unit heads reach their assigned actions (``my-actions/``); the reviews themselves
        # check the review permission on every page.
        return user.is_authenticated

    index_path = path("", views.ReviewListView.as_view(), name="index")
    create_path = path("new/", views.ReviewCreateView.as_view(), name="create")
    assigned_path = path("my-actions/", views.AssignedActionsView.as_view(), name="assigned")
    detail_path = path("<int:pk>/", views.ReviewDetailView.as_view(), name="detail")
    compile_path = path("<int:pk>/compile/", views.CompileView.as_view(), name="compile")
    meeting_path = path("<int:pk>/meeting/", views.MeetingView.as_view(), name="meeting")
    action_add_path = path("<int:pk>/actions/", views.ActionAddView.as_view(), name="action_add")
    action_done_path = path(
        "<int:pk>/actions/<int:action_pk>/done/", views.ActionDoneView.as_view(), name="action_done"
    )
    report_request_path = path(
        "<int:pk>/report/", views.ReportRequestView.as_view(), name="report_request"
    )
    report_file_path = path(
        "<int:pk>/reports/<int:report_pk>.pdf", views.ReportFileView.as_view(), name="report_file"
    )
    signed_report_path = path(
        "<int:pk>/report.pdf", views.SignedReportView.as_view(), name="signed_report"
    )
    sign_path = path(
        "<int:pk>/reports/<int:report_pk>/sign/", views.SignView.as_view(), name="sign"
    )
    conformity_path = path("conformity/", views.ConformityView.as_view(), name="conformity")
    conformity_create_path = path(
        "conformity/new/", views.ConformityCreateView.as_view(), name="conformity_create"
    )
    annual_report_path = path(
        "conformity/report-<int:year>.pdf", views.AnnualReportView.as_view(), name="annual_report"
    )
