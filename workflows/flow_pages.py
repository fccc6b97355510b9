"""viewflow's stock flow pages (kanban, process list, task list), scoped to the dossiers the
user may see. Stock viewflow shows every process to any holder of the flow's view right."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from viewflow.utils import viewprop
from viewflow.workflow import chart
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.viewset import FlowViewset
from viewflow.workflow.status import STATUS

from .selectors import processes_visible_to, tasks_visible_to


class DashboardView(flow_views.DashboardView):
    def get_context_data(self, **kwargs):
        sorted_nodes, _ = chart.topsort(self.flow_class)
        tasks = tasks_visible_to(user=self.request.user).select_related("process", "owner")
        end_nodes = [node for node in sorted_nodes if node.task_type == "END"]
        columns = [
            {
                "node": node,
                "node_ref": get_task_ref(node),
                "tasks": tasks.filter(
                    Q(finished__isnull=True) | Q(status=STATUS.ERROR), flow_task=node
                )[: self.MAX_ROWS],
            }
            for node in sorted_nodes
            if node.task_type in ["HUMAN", "JOB", "SUBPROCESS"]
        ]
        return super(flow_views.DashboardView, self).get_context_data(
            columns=columns,
            start_nodes=[
                {"node": node, "can_execute": node.can_execute(self.request.user)}
                for node in self.flow_class.instance.get_start_nodes()
            ],
            end_nodes=end_nodes,
            finished=tasks.filter(finished__isnull=False, flow_task__in=end_nodes)[: self.MAX_ROWS],
            **kwargs,
        )


class UnpagedFilterMixin:
    """viewflow binds its filter form to any GET parameter, ``page`` included, and a bound
    form filters by its defaults (e.g. only unfinished tasks): page 2 of the unfiltered list
    would be a 404. The page number is not a filter."""

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = kwargs.get("data")
        if data is not None and "page" in data:
            data = data.copy()
            data.pop("page")
            kwargs["data"] = data or None
        return kwargs


class ProcessColumns:
    """Vietnamese column headings of viewflow's process list (its own are attribute names)."""

    columns = ("process_id", "brief", "created", "finished", "active_tasks")

    def process_id(self, process):
        return super().process_id(process)

    process_id.short_description = _("Số")

    def brief(self, process):
        return process.brief

    brief.short_description = _("Nội dung")

    def active_tasks(self, process):
        return process.active_tasks_count

    active_tasks.short_description = _("Việc đang mở")


class TaskColumns:
    """Vietnamese column headings of viewflow's task list."""

    def flow_task(self, task):
        return task.title

    flow_task.short_description = _("Bước")

    def process_summary(self, task):
        return task.process.coerced.brief

    process_summary.short_description = _("Nội dung")

    def owner(self, task):
        return task.owner.get_full_name() if task.owner_id else ""

    owner.short_description = _("Người xử lý")


class ProcessListView(ProcessColumns, UnpagedFilterMixin, flow_views.DashboardProcessListView):
    def get_queryset(self):
        visible = processes_visible_to(user=self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible).order_by("-created")


class TaskListView(TaskColumns, UnpagedFilterMixin, flow_views.DashboardTaskListView):
    @viewprop
    def queryset(self):
        return (
            tasks_visible_to(user=self.request.user)
            .filter(process__flow_class=self.flow_class)
            .select_related("process", "owner")
        )


class ProcessDetailView(flow_views.DetailProcessView):
    """Another unit's process is not found (404), not forbidden: its existence is not shown."""

    def get_object(self, queryset=None):
        if not hasattr(self, "_object_cache"):
            self._object_cache = get_object_or_404(
                processes_visible_to(user=self.request.user).filter(flow_class=self.flow_class),
                pk=self.kwargs["process_pk"],
            )
        return self._object_cache


class ProcessChartView(flow_views.FlowChartView):
    """The flow's chart; for one process only when the user may see that process."""

    def get(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            get_object_or_404(
                processes_visible_to(user=request.user).filter(flow_class=self.flow_class),
                pk=process_pk,
            )
        return super().get(request, *args, **kwargs)


class DossierFlowViewset(FlowViewset):
    dashboard_view_class = DashboardView
    process_detail_view_class = ProcessDetailView
    chart_view_class = ProcessChartView
    process_list_view_class = ProcessListView
    task_list_view_class = TaskListView
