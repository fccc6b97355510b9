"""The department's own pages inside viewflow's Site."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import notification_views, views


class OrganisationApp(Application):
    title = _("Cơ quan")
    icon = "account_balance"
    app_name = "organisation"
    menu_template_name = "core/organisation_menu.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    index_path = path("", views.UnitListView.as_view(), name="index")
    unit_detail_path = path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail")
    calendar_path = path("calendar/", views.CalendarView.as_view(), name="calendar")
    calendar_year_path = path(
        "calendar/<int:year>/", views.CalendarView.as_view(), name="calendar_year"
    )
    calendar_pdf_path = path(
        "calendar/<int:year>/pdf/", views.CalendarPdfView.as_view(), name="calendar_pdf"
    )
    jobs_path = path("jobs/", views.JobListView.as_view(), name="jobs")
    job_path = path("jobs/<int:pk>/", views.JobView.as_view(), name="job")
    job_status_path = path(
        "jobs/<int:pk>/status.json", views.JobStatusView.as_view(), name="job_status"
    )
    job_download_path = path(
        "jobs/<int:pk>/download/", views.JobDownloadView.as_view(), name="job_download"
    )
    job_retry_path = path("jobs/<int:pk>/retry/", views.JobRetryView.as_view(), name="job_retry")


class NotificationsApp(Application):
    """The notification centre: one's own notifications and one's preferences."""

    title = _("Thông báo")
    icon = "notifications"
    app_name = "notifications"
    menu_template_name = "notifications/menu.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    index_path = path("", notification_views.NotificationListView.as_view(), name="index")
    open_path = path(
        "<int:pk>/open/", notification_views.NotificationOpenView.as_view(), name="open"
    )
    read_path = path(
        "<int:pk>/read/", notification_views.NotificationReadView.as_view(), name="read"
    )
    read_all_path = path(
        "read-all/", notification_views.NotificationReadAllView.as_view(), name="read_all"
    )
    preferences_path = path(
        "preferences/",
        notification_views.NotificationPreferencesView.as_view(),
        name="preferences",
    )
