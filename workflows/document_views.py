"""Pages of the document approval flow: the two ways to start a draft, the steps (validate the
form, call one service, let viewflow advance, all in one transaction) and viewflow's stock
flow pages scoped to the versions the user may see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.utils import viewprop
from viewflow.workflow import chart
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.views import mixins as flow_mixins
from viewflow.workflow.flow.viewset import FlowViewset
from viewflow.workflow.models import Process, Task

from audits.documents import forms, selectors, services
from audits.documents.models import DocumentVersion
from audits.documents.views import version_context

from .flow_pages import ProcessColumns, TaskColumns, UnpagedFilterMixin


def add_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form, on the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            for message in messages_:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def version_page(version: DocumentVersion) -> str:
    return reverse("documents:version", kwargs={"pk": version.pk})


# --- starting a draft -------------------------------------------------------------------------


class DraftStartView(flow_mixins.TaskSuccessUrlMixin, generic.FormView):
    """Start: the owner unit drafts a version and sends it for review in one step."""

    template_name = "documents/start.html"
    success_text = gettext_lazy("Đã trình dự thảo %(version)s để lãnh đạo đơn vị xem xét.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(activation=self.request.activation, **kwargs)

    def create(self, form) -> DocumentVersion:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                version = self.create(form)
                self.request.activation.process.artifact = version
                self.request.activation.execute()
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_text % {"version": version})
        return HttpResponseRedirect(version_page(version))


class DraftNewView(DraftStartView):
    form_class = forms.DraftNewForm

    def create(self, form):
        return services.document_draft_new(
            actor=self.request.user,
            document=form.document(),
            content=form.content(),
            task_id=self.request.activation.task.pk,
        )


class DraftRevisionView(DraftStartView):
    form_class = forms.DraftRevisionForm

    def get_initial(self):
        """Opened from a document's page: that document, with its effective version's
        distribution and procedure link, so that a revision does not widen them silently."""
        initial = super().get_initial()
        document_id = self.request.GET.get("document", "")
        document = (
            selectors.documents_for_revision(self.request.user).filter(pk=document_id).first()
            if document_id.isdigit()
            else None
        )
        if document is not None:
            initial["document"] = document.pk
            effective = selectors.effective_version(document)
            if effective is not None:
                initial["distribution"] = list(effective.distribution.all())
                initial["procedure_version"] = effective.procedure_version_id
        return initial

    def create(self, form):
        return services.document_draft_revision(
            actor=self.request.user,
            document=form.cleaned_data["document"],
            content=form.content(),
            task_id=self.request.activation.task.pk,
        )


# --- the steps --------------------------------------------------------------------------------


class DocumentTaskView(flow_mixins.TaskSuccessUrlMixin, generic.FormView):
    """Base of the human steps: the draft and its history beside the step's form."""

    template_name = "documents/task.html"
    success_text = gettext_lazy("Đã hoàn thành bước “%(task)s” của %(version)s.")

    @property
    def activation(self):
        return self.request.activation

    @property
    def version(self) -> DocumentVersion:
        return self.activation.process.artifact

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            activation=self.activation,
            task=self.activation.task,
            process=self.activation.process,
            **version_context(self.request.user, self.version),
            **kwargs,
        )

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.perform(form)
                self.activation.execute()
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            self.success_text % {"task": self.activation.task.title, "version": self.version},
        )
        return HttpResponseRedirect(self.get_success_url())


class ReviewDraftView(DocumentTaskView):
    form_class = forms.ReviewForm

    def perform(self, form):
        services.document_version_review(
            actor=self.request.user,
            version=self.version,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            task_id=self.activation.task.pk,
        )


class ReviseDraftView(DocumentTaskView):
    form_class = forms.ReviseForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "version": self.version}

    def perform(self, form):
        if form.cleaned_data["action"] == "abandon":
            services.document_version_abandon(
                actor=self.request.user,
                version=self.version,
                reason=form.cleaned_data["comment"],
                task_id=self.activation.task.pk,
            )
        else:
            services.document_version_revise(
                actor=self.request.user,
                version=self.version,
                content=form.content(),
                comment=form.cleaned_data["comment"],
                task_id=self.activation.task.pk,
            )


class ApproveVersionView(DocumentTaskView):
    form_class = forms.ApproveForm

    def perform(self, form):
        data = form.cleaned_data
        services.document_version_approve(
            actor=self.request.user,
            version=self.version,
            decision=data["decision"],
            password=data["password"],
            effective_from=data["effective_from"],
            comment=data["comment"],
            task_id=self.activation.task.pk,
        )


# --- viewflow's stock pages, scoped -----------------------------------------------------------


def document_processes_visible_to(*, user):
    """Processes of the document flow whose version ``user`` may see."""
    return Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(DocumentVersion),
        artifact_object_id__in=selectors.versions_visible_to(user=user).values("pk"),
    )


def document_tasks_visible_to(*, user):
    return Task.objects.filter(process__in=document_processes_visible_to(user=user).values("pk"))


class DashboardView(flow_views.DashboardView):
    def get_context_data(self, **kwargs):
        sorted_nodes, _unused = chart.topsort(self.flow_class)
        tasks = document_tasks_visible_to(user=self.request.user).select_related("process", "owner")
        end_nodes = [node for node in sorted_nodes if node.task_type == "END"]
        columns = [
            {
                "node": node,
                "node_ref": get_task_ref(node),
                "tasks": tasks.filter(Q(finished__isnull=True), flow_task=node)[: self.MAX_ROWS],
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


class ProcessListView(ProcessColumns, UnpagedFilterMixin, flow_views.DashboardProcessListView):
    def get_queryset(self):
        visible = document_processes_visible_to(user=self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible).order_by("-created")


class TaskListView(TaskColumns, UnpagedFilterMixin, flow_views.DashboardTaskListView):
    @viewprop
    def queryset(self):
        return (
            document_tasks_visible_to(user=self.request.user)
            .filter(process__flow_class=self.flow_class)
            .select_related("process", "owner")
        )


class ProcessDetailView(flow_views.DetailProcessView):
    def get_object(self, queryset=None):
        if not hasattr(self, "_object_cache"):
            self._object_cache = get_object_or_404(
                document_processes_visible_to(user=self.request.user).filter(
                    flow_class=self.flow_class
                ),
                pk=self.kwargs["process_pk"],
            )
        return self._object_cache


class ProcessChartView(flow_views.FlowChartView):
    def get(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            get_object_or_404(
                document_processes_visible_to(user=request.user).filter(flow_class=self.flow_class),
                pk=process_pk,
            )
        return super().get(request, *args, **kwargs)


class DocumentFlowViewset(FlowViewset):
    dashboard_view_class = DashboardView
    process_detail_view_class = ProcessDetailView
    chart_view_class = ProcessChartView
    process_list_view_class = ProcessListView
    task_list_view_class = TaskListView
