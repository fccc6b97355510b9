"""Task views of the dossier flow: validate the form, call one service, let viewflow advance.

A service refusal (``ValidationError``) rolls back everything the step did, the task stays
where it was and the message is shown on the form.
"""

import copy

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from viewflow.workflow.flow.views import mixins as flow_mixins

from procedures import signing
from procedures.models import DossierOpinion, ProcessStep
from procedures.services import dossier as services
from procedures.services.dossier import last_proposal
from qms.core.signatures import check_password, signature_sign

from . import forms
from .deadlines import task_due_at

D = DossierOpinion.Decision


def dossier_context(dossier):
    return {
        "dossier": dossier,
        "documents": dossier.documents.select_related("component"),
        "opinions": dossier.opinions.select_related("author", "unit"),
        "supplements": dossier.supplements.all(),
        "proposal": last_proposal(dossier),
    }


class DossierTaskView(
    flow_mixins.TaskSuccessUrlMixin, flow_mixins.TaskViewTemplateNames, generic.FormView
):
    """Base of every human step of the dossier flow."""

    template_filename = "task.html"
    success_text = gettext_lazy("Đã hoàn thành bước “%(task)s” của hồ sơ %(dossier)s.")

    @property
    def activation(self):
        return self.request.activation

    @property
    def dossier(self):
        return self.activation.process.artifact

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "dossier": self.dossier}

    def get_context_data(self, **kwargs):
        task = self.activation.task
        return super().get_context_data(
            activation=self.activation,
            task=task,
            process=self.activation.process,
            due=task_due_at(task) if task.pk else None,
            **dossier_context(self.dossier),
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
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            self.success_text % {"task": self.activation.task.title, "dossier": self.dossier},
        )
        return HttpResponseRedirect(self.get_success_url())


class ReceiveView(
    flow_mixins.TaskSuccessUrlMixin, flow_mixins.TaskViewTemplateNames, generic.FormView
):
    """Start: the one-stop officer picks the procedure, then checks the dossier."""

    template_filename = "start.html"

    def get_procedure_form(self):
        return forms.ProcedureChoiceForm(self.request.GET or None)

    def get_version(self):
        from django.utils import timezone

        from procedures.selectors import procedure_version_in_force

        form = self.get_procedure_form()
        if not form.is_bound or not form.is_valid():
            return None, None
        procedure = form.cleaned_data["procedure"]
        return procedure, procedure_version_in_force(procedure=procedure, on=timezone.localdate())

    def get_form(self, form_class=None):
        procedure, version = self.get_version()
        if version is None:
            return None
        self.procedure = procedure
        return forms.ReceiveForm(version=version, **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            procedure_form=self.get_procedure_form(),
            activation=self.request.activation,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form is None:
            return self.get(request, *args, **kwargs)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                dossier = services.dossier_receive(
                    actor=self.request.user,
                    procedure=self.procedure,
                    decision=form.cleaned_data["decision"],
                    applicant=form.applicant(),
                    documents=form.documents(),
                    channel=form.cleaned_data["channel"],
                    delivery=form.cleaned_data["delivery"],
                    reason=form.cleaned_data["reason"],
                )
                self.request.activation.process.artifact = dossier
                self.request.activation.execute()
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            {
                D.RECEIVED: _("Đã tiếp nhận hồ sơ %(code)s. In Giấy tiếp nhận và hẹn trả kết quả."),
                D.INCOMPLETE: _("Đã lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."),
                D.REFUSED_AT_RECEIPT: _("Đã lập Phiếu từ chối tiếp nhận hồ sơ."),
            }[form.cleaned_data["decision"]]
            % {"code": dossier.code},
        )
        from django.shortcuts import redirect

        return redirect("workflow:dossier_detail", pk=dossier.pk)


class ReceiveOnlineForm(django_forms.Form):
    """The receipt check of a dossier submitted online: the receipt form's decision and
    reason, and for each component whether its file is acceptable."""

    decision = copy.deepcopy(forms.ReceiveForm.base_fields["decision"])
    reason = copy.deepcopy(forms.ReceiveForm.base_fields["reason"])

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier_documents = list(dossier.documents.select_related("component"))
        for document in self.dossier_documents:
            self.fields[f"doc_{document.pk}_accepted"] = django_forms.BooleanField(
                label=document.name,
                required=False,
                initial=document.present,
                disabled=not document.scan,
            )

    def main_fields(self):
        return [self["decision"], self["reason"]]

    def document_rows(self):
        return [
            {"document": d, "accepted": self[f"doc_{d.pk}_accepted"]}
            for d in self.dossier_documents
        ]

    def documents_checked(self) -> dict[int, bool]:
        return {
            d.pk: bool(self.cleaned_data.get(f"doc_{d.pk}_accepted"))
            for d in self.dossier_documents
            if d.scan
        }


class ReceiveOnlineView(DossierTaskView):
    """The one-stop officer opens the files the portal sent, then receives the dossier (Mẫu
    01), asks for completion (Mẫu 02) or refuses it (Mẫu 03)."""

    form_class = ReceiveOnlineForm
    template_name = "workflows/dossier/receive_online.html"

    def get(self, request, *args, **kwargs):
        if "document" in request.GET:
            return self.document_file(request.GET["document"])
        return super().get(request, *args, **kwargs)

    def document_file(self, pk):
        """A submitted file, opened in the browser (only PDF, PNG, JPEG were accepted)."""
        from qms.core.uploads import sniff

        document = get_object_or_404(self.dossier.documents.exclude(scan=""), pk=pk)
        handle = document.scan.open("rb")
        kind = sniff(handle)
        return FileResponse(
            handle,
            content_type=kind[1] if kind else "application/octet-stream",
            filename=f"{document.name[:80]}.{kind[0] if kind else 'bin'}",
        )

    messages_by_decision = {
        D.RECEIVED: gettext_lazy(
            "Đã tiếp nhận hồ sơ %(dossier)s. In Giấy tiếp nhận và hẹn trả kết quả."
        ),
        D.INCOMPLETE: gettext_lazy("Đã lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."),
        D.REFUSED_AT_RECEIPT: gettext_lazy("Đã lập Phiếu từ chối tiếp nhận hồ sơ."),
    }

    @property
    def success_text(self):
        return self.messages_by_decision[self.decision]

    def perform(self, form):
        self.decision = form.cleaned_data["decision"]
        services.dossier_receive_online(
            actor=self.request.user,
            dossier=self.dossier,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            documents_checked=form.documents_checked(),
            task_id=self.activation.task.pk,
        )

    def get_success_url(self):
        return reverse("workflow:dossier_detail", kwargs={"pk": self.dossier.pk})


class CompleteAtDeskView(DossierTaskView):
    form_class = forms.CompleteAtDeskForm

    def perform(self, form):
        if form.cleaned_data["action"] == "cancel":
            services.dossier_cancel(
                actor=self.request.user, dossier=self.dossier, reason=form.cleaned_data["reason"]
            )
        else:
            services.dossier_complete_at_desk(
                actor=self.request.user, dossier=self.dossier, documents=form.documents()
            )


class TransferView(DossierTaskView):
    form_class = forms.NoteForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("dossier")
        return kwargs

    def perform(self, form):
        services.dossier_transfer(
            actor=self.request.user, dossier=self.dossier, task_id=self.activation.task.pk
        )


class AssignView(DossierTaskView):
    form_class = forms.AssignForm

    def perform(self, form):
        services.dossier_assign(
            actor=self.request.user,
            dossier=self.dossier,
            handler=form.cleaned_data["handler"],
            comment=form.cleaned_data["comment"],
            task_id=self.activation.task.pk,
        )


class AppraiseView(DossierTaskView):
    form_class = forms.AppraiseForm

    def perform(self, form):
        services.dossier_appraise(
            actor=self.request.user,
            dossier=self.dossier,
            decision=form.cleaned_data["decision"],
            opinion=form.cleaned_data["opinion"],
            missing=form.missing_lines(),
            task_id=self.activation.task.pk,
        )


class SupplementView(TransferView):
    def perform(self, form):
        services.dossier_supplement_received(
            actor=self.request.user,
            dossier=self.dossier,
            note=form.cleaned_data["note"],
            task_id=self.activation.task.pk,
        )


class ReviewView(TransferView):
    form_class = forms.ReviewForm

    def perform(self, form):
        services.dossier_review(
            actor=self.request.user,
            dossier=self.dossier,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            task_id=self.activation.task.pk,
        )


class ApproveView(TransferView):
    form_class = forms.ApproveForm

    def perform(self, form):
        decision = form.cleaned_data["decision"]
        if decision in signing.MEANINGS:
            check_password(self.request.user, form.cleaned_data["password"])
        dossier = services.dossier_decide(
            actor=self.request.user,
            dossier=self.dossier,
            decision=decision,
            comment=form.cleaned_data["comment"],
            task_id=self.activation.task.pk,
        )
        if decision in signing.MEANINGS:
            opinion = dossier.opinions.filter(step=ProcessStep.Kind.APPROVE).order_by(
                "-created_at", "-id"
            )[0]
            signature_sign(
                user=self.request.user,
                password=form.cleaned_data["password"],
                obj=dossier,
                purpose=signing.PURPOSE_DECISION,
                meaning=signing.MEANINGS[decision],
                content=signing.dossier_decision_content(dossier, opinion),
                unit=dossier.handling_unit,
            )


class IssueView(TransferView):
    form_class = forms.IssueForm

    def perform(self, form):
        from audits.services import nonconformity_raise_for_late_dossier

        dossier = services.dossier_issue_result(
            actor=self.request.user,
            dossier=self.dossier,
            number=form.cleaned_data["number"],
            date=form.cleaned_data["date"],
            file=form.cleaned_data["file"],
            task_id=self.activation.task.pk,
        )
        if dossier.is_late:
            nonconformity_raise_for_late_dossier(dossier=dossier)


class ReturnView(TransferView):
    def perform(self, form):
        services.dossier_return(
            actor=self.request.user,
            dossier=self.dossier,
            note=form.cleaned_data["note"],
            task_id=self.activation.task.pk,
        )
