"""The user's own work across every flow: inbox, unit queue, archive (scoped by selectors)."""

from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.workflow.flow.views import list as flow_lists

from procedures.models import Dossier

from . import selectors


class DossierColumnsMixin:
    """Task lists show the dossier (code, applicant) of each task, loaded for the whole page
    in one query instead of one per row."""

    columns = ("task_id", "flow_task", "process_brief", "created")
    _dossiers: dict = {}
    _dossier_type = None

    def get_page_data(self, page):
        tasks = list(getattr(page, "object_list", page))
        dossier_type = ContentType.objects.get_for_model(Dossier).pk
        ids = {
            task.process.artifact_object_id
            for task in tasks
            if task.process.artifact_content_type_id == dossier_type
        }
        self._dossier_type = dossier_type
        self._dossiers = Dossier.objects.in_bulk([pk for pk in ids if pk])
        return super().get_page_data(page)

    def process_brief(self, task):
        url = task.flow_task.flow_class.instance.reverse("process_detail", args=[task.process_id])
        if task.process.artifact_content_type_id != self._dossier_type:
            # Another flow's record (a nonconformity, a document): the process says what it is.
            return format_html('<a href="{}">{}</a>', url, task.process.brief)
        dossier = self._dossiers.get(task.process.artifact_object_id)
        if dossier is None:
            return format_html('<a href="{}">#{}</a>', url, task.process_id)
        return format_html(
            '<a href="{}">{}</a><br><small>{}</small>',
            url,
            dossier.code or _("Chưa tiếp nhận"),
            dossier.applicant_name,
        )

    process_brief.short_description = _("Hồ sơ")

    def created(self, task):
        return _("%(time)s trước") % {"time": timesince(task.created)}

    created.short_description = _("Giao đến")


class InboxView(DossierColumnsMixin, flow_lists.WorkflowInboxListView):
    title = _("Việc của tôi")
    bulk_actions = ()

    @viewprop
    def queryset(self):
        return selectors.task_inbox(user=self.request.user)


class QueueView(DossierColumnsMixin, flow_lists.WorkflowQueueListView):
    title = _("Việc chờ nhận của đơn vị")
    bulk_actions = ()

    @viewprop
    def queryset(self):
        return selectors.task_queue(user=self.request.user)


class ArchiveView(DossierColumnsMixin, flow_lists.WorkflowArchiveListView):
    title = _("Việc đã xử lý")
    columns = ("task_id", "flow_task", "process_brief", "finished")

    @viewprop
    def queryset(self):
        return selectors.task_archive(user=self.request.user)
