"""Pages of the corrective-action process: the start form, one view per step (validate the
form, call one service, let viewflow advance, all in one transaction), and the scoped pages
around it: the list with overdue actions, a nonconformity's record, its printed follow-up sheet
and the evidence files. Every read goes through ``nonconformities_visible_to``."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.workflow.flow import views as flow_views
from viewflow.workflow.flow.viewset import FlowViewset
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audits import services
from audits.internal.selectors import audits_visible_to
from audits.models import CorrectiveAction, Nonconformity, overdue_due_dates_until
from audits.selectors import (
    capa_processes_visible_to,
    corrective_actions_overdue,
    nonconformities_visible_to,
    nonconformity_process,
    nonconformity_rounds,
    nonconformity_signatures,
)
from qms.core.models import OrgUnit
from qms.core.pdf import render_pdf
from qms.core.selectors import agency_current

from . import capa_forms as forms
from .templatetags.qms_display import TECHNICAL_REF

PAGE_SIZE = 50
OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def visible_nonconformity(request, pk) -> Nonconformity:
    """The nonconformity if the user may see it; 404 otherwise (never a hint it exists)."""
    return get_object_or_404(
        nonconformities_visible_to(user=request.user).select_related(
            "unit", "dossier", "raised_by", "corrected_by", "analyst", "closed_by"
        ),
        pk=pk,
    )


def detail_url(nonconformity) -> str:
    return reverse("workflow:flows:capa:nonconformity_detail", args=[nonconformity.pk])


def nonconformity_context(nonconformity, *, user=None) -> dict:
    rounds = nonconformity_rounds(nonconformity)
    return {
        "nonconformity": nonconformity,
        "rounds": rounds,
        "signatures": nonconformity_signatures(nonconformity, rounds),
        "can_read_trail": user is not None and user.has_perm("core.view_auditevent"),
        "findings": audit_findings(nonconformity, user=user),
        # A reference typed by hand on the start page; the one an audit finding leaves
        # ("internal_audits.finding:28") is shown as the finding itself.
        "finding_ref": (
            "" if TECHNICAL_REF.fullmatch(nonconformity.finding_ref) else nonconformity.finding_ref
        ),
    }


def audit_findings(nonconformity, *, user=None) -> list[tuple]:
    """The internal-audit findings that raised the nonconformity, each with the page of its
    audit when ``user`` may see that audit (no link otherwise, and none in print)."""
    findings = list(nonconformity.internal_audit_findings.select_related("audit__programme"))
    visible = (
        set(
            audits_visible_to(user)
            .filter(pk__in=[finding.audit_id for finding in findings])
            .values_list("pk", flat=True)
        )
        if user is not None and findings
        else set()
    )
    return [
        (
            finding,
            reverse("internal-audits:audit", args=[finding.audit_id]) + "#phat-hien"
            if finding.audit_id in visible
            else "",
        )
        for finding in findings
    ]


# The start form and the steps -------------------------------------------------------------------


class RaiseView(generic.FormView):
    """Start: any member of staff records a nonconformity; its process is the form's own."""

    template_name = "capa/start.html"
    form_class = forms.RaiseForm

    def form_valid(self, form):
        from .capa_flow import raised_on_start_form

        data = form.cleaned_data
        try:
            with transaction.atomic(), raised_on_start_form(self.request.activation):
                nonconformity = services.nonconformity_raise(
                    actor=self.request.user,
                    source=data["source"],
                    unit=data["unit"],
                    title=data["title"],
                    description=data["description"],
                    severity=data["severity"],
                    finding_ref=data["finding_ref"],
                    complaint_ref=data["complaint_ref"],
                )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Đã ghi nhận sự không phù hợp %(code)s; chuyển %(unit)s khắc phục.")
            % {"code": nonconformity.code, "unit": nonconformity.unit},
        )
        return HttpResponseRedirect(detail_url(nonconformity))


class CapaTaskView(generic.FormView):
    """Base of every human step: the form, one service call, then viewflow advances; a
    refusal rolls everything back and is shown on the form."""

    template_name = "capa/task.html"
    success_text = gettext_lazy("Đã hoàn thành bước “%(task)s” của sự không phù hợp %(code)s.")

    @property
    def activation(self):
        return self.request.activation

    @property
    def nonconformity(self) -> Nonconformity:
        return self.activation.process.artifact

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            activation=self.activation,
            task=self.activation.task,
            process=self.activation.process,
            **nonconformity_context(self.nonconformity, user=self.request.user),
            **kwargs,
        )

    def perform(self, form):
        raise NotImplementedError

    def refuse(self, form, error: ValidationError):
        for message in error.messages:
            form.add_error(None, message)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.perform(form)
                self.activation.execute()
        except ValidationError as error:
            self.refuse(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            self.success_text
            % {"task": self.activation.task.title, "code": self.nonconformity.code},
        )
        return HttpResponseRedirect(detail_url(self.nonconformity))


class CorrectView(CapaTaskView):
    form_class = forms.CorrectForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "nonconformity": self.nonconformity}

    def perform(self, form):
        services.nonconformity_correct(
            actor=self.request.user,
            nonconformity=self.nonconformity,
            correction=form.cleaned_data["correction"],
            analyst=form.cleaned_data["analyst"],
        )


class AnalyseView(CapaTaskView):
    form_class = forms.AnalyseForm

    def perform(self, form):
        services.nonconformity_analyse(
            actor=self.request.user,
            nonconformity=self.nonconformity,
            whys=form.whys(),
            root_cause=form.cleaned_data["root_cause"],
        )


class PlanView(CapaTaskView):
    """The plan is a set of action lines; the empty ones are left out."""

    form_class = forms.ActionFormSet

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("initial", None)
        return {**kwargs, "prefix": "actions"}

    def perform(self, form):
        services.nonconformity_plan(
            actor=self.request.user,
            nonconformity=self.nonconformity,
            actions=[line.action() for line in form if line.has_changed()],
        )

    def refuse(self, form, error: ValidationError):
        form.non_form_errors().extend(error.messages)


class ImplementView(CapaTaskView):
    form_class = forms.ImplementForm

    @property
    def action(self) -> CorrectiveAction:
        from .capa_flow import action_of

        return action_of(self.activation.task)

    def get_context_data(self, **kwargs):
        return super().get_context_data(action=self.action, **kwargs)

    def perform(self, form):
        services.corrective_action_complete(
            actor=self.request.user,
            action=self.action,
            note=form.cleaned_data["note"],
            evidence=form.cleaned_data["evidence"],
        )


class VerifyView(CapaTaskView):
    form_class = forms.VerifyForm

    def perform(self, form):
        services.nonconformity_check(
            actor=self.request.user,
            nonconformity=self.nonconformity,
            result=form.cleaned_data["result"],
            evidence=form.cleaned_data["evidence"],
            comment=form.cleaned_data["comment"],
        )


class CloseView(CapaTaskView):
    form_class = forms.CloseForm
    success_text = gettext_lazy("Đã đóng và ký xác nhận sự không phù hợp %(code)s.")

    def perform(self, form):
        services.nonconformity_close(
            actor=self.request.user,
            nonconformity=self.nonconformity,
            password=form.cleaned_data["password"],
        )


# Pages around the process -----------------------------------------------------------------------


class ListFilterForm(django_forms.Form):
    status = django_forms.ChoiceField(
        label=gettext_lazy("Trạng thái"),
        required=False,
        choices=[("", gettext_lazy("Tất cả")), ("not_closed", gettext_lazy("Chưa đóng"))]
        + list(Nonconformity.Status.choices),
    )
    unit = django_forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tất cả đơn vị"),
    )
    source = django_forms.ChoiceField(
        label=gettext_lazy("Nguồn"),
        required=False,
        choices=[("", gettext_lazy("Tất cả"))] + list(Nonconformity.Source.choices),
    )
    overdue = django_forms.BooleanField(label=gettext_lazy("Có hành động quá hạn"), required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class NonconformityListView(generic.TemplateView):
    """The nonconformities the user may see, with their open and overdue actions, and the
    overdue actions themselves on top."""

    template_name = "capa/list.html"

    def get_context_data(self, **kwargs):
        from .capa_flow import CapaFlow

        user = self.request.user
        visible = nonconformities_visible_to(user=user)
        form = ListFilterForm(
            self.request.GET or None,
            units=OrgUnit.objects.filter(pk__in=visible.values("unit")).order_by("name"),
        )
        planned = Q(actions__status=CorrectiveAction.Status.PLANNED)
        late = Q(actions__due_date__lte=overdue_due_dates_until())
        rows = visible.select_related("unit").annotate(
            open_actions=Count("actions", filter=planned),
            overdue_actions=Count("actions", filter=planned & late),
        )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            if data["status"] == "not_closed":
                rows = rows.exclude(status=Nonconformity.Status.CLOSED)
            elif data["status"]:
                rows = rows.filter(status=data["status"])
            if data["unit"]:
                rows = rows.filter(unit=data["unit"])
            if data["source"]:
                rows = rows.filter(source=data["source"])
            if data["overdue"]:
                rows = rows.filter(overdue_actions__gt=0)
        page = Paginator(rows.order_by("-raised_at", "-pk"), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        start = CapaFlow.raise_by_hand
        return super().get_context_data(
            form=form,
            page_obj=page,
            query=query.urlencode(),
            overdue=corrective_actions_overdue(user=user)[:PAGE_SIZE],
            can_raise=start.can_execute(user),
            raise_url=start.reverse("execute"),
            **kwargs,
        )


class NonconformityDetailView(generic.TemplateView):
    template_name = "capa/detail.html"

    def get_context_data(self, **kwargs):
        nonconformity = visible_nonconformity(self.request, kwargs["pk"])
        process = nonconformity_process(nonconformity)
        open_tasks = (
            Task.objects.filter(process=process, flow_task_type="HUMAN", status__in=OPEN_TASK)
            .select_related("owner")
            .order_by("pk")
            if process
            else []
        )
        return super().get_context_data(
            **nonconformity_context(nonconformity, user=self.request.user),
            process=process,
            open_tasks=[(task, _task_url(task, self.request.user)) for task in open_tasks],
            trail_url=reverse("audits:trail", args=["audits.nonconformity", nonconformity.pk]),
            **kwargs,
        )


def _task_url(task, user) -> str | None:
    """Where the user goes for an open task: its page if they may act on it."""
    node = task.flow_task
    if task.owner_id == user.pk or (task.owner_id is None and node.can_assign(user, task)):
        return node.reverse("index", args=[task.process_id, task.pk])
    return None


class NonconformityPdfView(generic.View):
    """Phiếu theo dõi sự không phù hợp và hành động khắc phục, with the closing signature."""

    def get(self, request, pk):
        nonconformity = visible_nonconformity(request, pk)
        pdf = render_pdf(
            "capa/sheet_pdf.html",
            {
                **nonconformity_context(nonconformity),
                "agency": agency_current(),
                "printed_at": timezone.localtime(),
                "printed_by": request.user,
            },
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{nonconformity.code}.pdf"'
        return response


class EvidenceView(generic.View):
    """The evidence file of an action, for whoever may see its nonconformity."""

    def get(self, request, pk):
        action = get_object_or_404(
            CorrectiveAction.objects.filter(
                nonconformity__in=nonconformities_visible_to(user=request.user).values("pk")
            ),
            pk=pk,
        )
        if not action.evidence:
            raise Http404(_("Hành động này chưa có bằng chứng."))
        extension = action.evidence.name.rsplit(".", 1)[-1]
        return FileResponse(
            action.evidence.open("rb"),
            filename=f"bang-chung-{action.nonconformity.code}-{action.pk}.{extension}",
        )


class ProcessDetailView(flow_views.DetailProcessView):
    """Another unit's process is not found (404), not forbidden."""

    def get_object(self, queryset=None):
        if not hasattr(self, "_object_cache"):
            self._object_cache = get_object_or_404(
                capa_processes_visible_to(user=self.request.user).filter(
                    flow_class=self.flow_class
                ),
                pk=self.kwargs["process_pk"],
            )
        return self._object_cache


class ProcessChartView(flow_views.FlowChartView):
    """The flow's chart; for one process only when the user may see that process."""

    def get(self, request, *args, **kwargs):
        if kwargs.get("process_pk") is not None:
            get_object_or_404(
                capa_processes_visible_to(user=request.user).filter(flow_class=self.flow_class),
                pk=kwargs["process_pk"],
            )
        return super().get(request, *args, **kwargs)


class CapaFlowViewset(FlowViewset):
    """The corrective-action pages in the work app. The list of nonconformities replaces
    viewflow's kanban, process and task lists, which would show every unit's processes."""

    process_detail_view_class = ProcessDetailView
    chart_view_class = ProcessChartView
    process_list_path = None
    task_list_path = None

    index_path = path("", NonconformityListView.as_view(), name="index")
    nonconformity_detail_path = path(
        "nonconformities/<int:pk>/",
        NonconformityDetailView.as_view(),
        name="nonconformity_detail",
    )
    nonconformity_pdf_path = path(
        "nonconformities/<int:pk>/phieu-theo-doi.pdf",
        NonconformityPdfView.as_view(),
        name="nonconformity_pdf",
    )
    action_evidence_path = path(
        "actions/<int:pk>/evidence/", EvidenceView.as_view(), name="action_evidence"
    )
