"""Dossier pages outside the steps: the full record, its printed forms, the apology."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from procedures.models import Dossier, FormTemplate
from procedures.selectors import dossiers_visible_to
from procedures.services import dossier as services

from . import forms
from .dossier_views import dossier_context
from .handovers import dossier_handovers, dossier_process


def visible_dossier(request, pk) -> Dossier:
    """The dossier if the user may see it; 404 otherwise (never a hint that it exists)."""
    return get_object_or_404(
        dossiers_visible_to(user=request.user).select_related(
            "procedure_version__procedure", "handling_unit", "regime", "agency", "handler"
        ),
        pk=pk,
    )


def can_apologise(user, dossier) -> bool:
    return user.has_perm("core.lead_unit", dossier.handling_unit) or (dossier.handler_id == user.pk)


class DossierDetailView(generic.TemplateView):
    template_name = "workflows/dossier/detail.html"

    def get_context_data(self, **kwargs):
        dossier = visible_dossier(self.request, kwargs["pk"])
        process = dossier_process(dossier)
        forms_available = FormTemplate.objects.filter(regime=dossier.regime).exclude(
            kind=FormTemplate.Kind.REGISTER
        )
        return super().get_context_data(
            **dossier_context(dossier),
            process=process,
            handovers=dossier_handovers(dossier),
            forms_available=[f for f in forms_available if _form_applies(dossier, f.kind)],
            apology_form=forms.ApologyForm() if _apology_open(self.request.user, dossier) else None,
            apology_latest_day=(
                services.apology_latest_day(dossier)
                if dossier.due_at and not dossier.finished_at
                else None
            ),
            today=timezone.localdate(),
            **kwargs,
        )


def _apology_open(user, dossier):
    return (
        dossier.due_at is not None
        and dossier.finished_at is None
        and not hasattr(dossier, "apology")
        and can_apologise(user, dossier)
    )


def _form_applies(dossier, kind) -> bool:
    K = FormTemplate.Kind
    if kind == K.RECEIPT:
        return dossier.received_at is not None
    if kind == K.SUPPLEMENT:
        return dossier.supplements.exists()
    if kind == K.REFUSAL:
        return dossier.status == Dossier.Status.REFUSED_AT_RECEIPT
    if kind == K.APOLOGY:
        return hasattr(dossier, "apology")
    return kind == K.CONTROL and dossier.received_at is not None


class DossierFormPdfView(generic.View):
    def get(self, request, pk, kind):
        from procedures.printing import render_dossier_form

        dossier = visible_dossier(request, pk)
        if kind not in FormTemplate.Kind.values or not _form_applies(dossier, kind):
            raise Http404(_("Hồ sơ này không có phiếu này."))
        pdf = render_dossier_form(
            dossier, kind, handovers=dossier_handovers(dossier), printed_by=request.user
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{dossier.code or dossier.pk}-{kind}.pdf"'
        )
        return response


class DossierApologyView(generic.View):
    def post(self, request, pk):
        dossier = visible_dossier(request, pk)
        if not can_apologise(request.user, dossier):
            raise Http404
        form = forms.ApologyForm(request.POST)
        if form.is_valid():
            try:
                services.dossier_apologise(
                    actor=request.user,
                    dossier=dossier,
                    reason=form.cleaned_data["reason"],
                    new_due_date=form.cleaned_data["new_due_date"],
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Đã lập Phiếu xin lỗi và hẹn lại ngày trả kết quả."))
                if not dossier.apology.is_timely:
                    messages.warning(
                        request,
                        _(
                            "Phiếu xin lỗi được lập muộn: chậm nhất phải lập trước ngày hẹn trả "
                            "01 ngày làm việc."
                        ),
                    )
        else:
            for field_errors in form.errors.values():
                for message in field_errors:
                    messages.error(request, message)
        return redirect("workflow:dossier_detail", pk=dossier.pk)
