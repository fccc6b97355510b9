"""The web site: viewflow's Site at ``/`` with the staff's work and the department's pages."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site
from viewflow.workflow.flow.viewset import WorkflowAppViewset

from qms.core.viewsets import OrganisationApp

from . import selectors, views


class WorkApp(WorkflowAppViewset):
    """Inbox, queue and archive across every flow, scoped to the user's units."""

    title = _("Công việc")
    icon = "assignment"
    inbox_view_class = views.InboxView
    queue_view_class = views.QueueView
    archive_view_class = views.ArchiveView
    # Bulk (un)assignment is not offered: every take of a task goes through its own page.
    tasks_assign_path = None
    tasks_unassign_path = None

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    def get_context_data(self, request):
        return {
            "user_inbox": selectors.task_inbox(user=request.user),
            "user_queue": selectors.task_queue(user=request.user),
        }


#: Flow viewsets join this list as the flows land.
FLOW_VIEWSETS = []

site = Site(
    title=_("ISO điện tử"),
    primary_color="#0d47a1",
    secondary_color="#c62828",
    viewsets=[WorkApp(flow_viewsets=FLOW_VIEWSETS), OrganisationApp()],
)
