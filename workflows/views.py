"""The user's own work across every flow: inbox, unit queue, archive (scoped by selectors)."""

from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.workflow.flow.views import list as flow_lists

from . import selectors


class InboxView(flow_lists.WorkflowInboxListView):
    title = _("Việc của tôi")
    bulk_actions = ()

    @viewprop
    def queryset(self):
        return selectors.task_inbox(user=self.request.user)


class QueueView(flow_lists.WorkflowQueueListView):
    title = _("Việc chờ nhận của đơn vị")
    bulk_actions = ()

    @viewprop
    def queryset(self):
        return selectors.task_queue(user=self.request.user)


class ArchiveView(flow_lists.WorkflowArchiveListView):
    title = _("Việc đã xử lý")

    @viewprop
    def queryset(self):
        return selectors.task_archive(user=self.request.user)
