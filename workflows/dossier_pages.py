"""Dossier pages outside the steps: the full record, its printed forms, the apology, the fee
lines and the citizen's rating."""

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from procedures.models import Dossier, DossierFee, FormTemplate, ProcessStep
from procedures.selectors import dossiers_visible_to
from procedures.services import dossier as services
from procedures.signing import dossier_signatures
from qms.core.roles import act_permission

from . import forms
from .deadlines import dossier_step
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
            signatures=dossier_signatures(dossier),
            **_fee_context(self.request.user, dossier),
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


class DossierResultFileView(generic.View):
    """The result document (the scanned decision), for whoever may see the dossier."""

    def get(self, request, pk):
        dossier = visible_dossier(request, pk)
        if not dossier.result_file:
            raise Http404(_("Hồ sơ này chưa có tệp kết quả."))
        try:
            handle = dossier.result_file.open("rb")
        except OSError as error:
            raise Http404(_("Không tìm thấy tệp kết quả của hồ sơ này.")) from error
        extension = dossier.result_file.name.rsplit(".", 1)[-1].lower()
        return FileResponse(
            handle, filename=f"ket-qua-{dossier.code or dossier.pk}.{extension}".replace("/", "-")
        )


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


# Fees and charges, the citizen's rating --------------------------------------------------------

TEXTAREA = django_forms.Textarea(attrs={"rows": 2})


class FeePaymentForm(django_forms.Form):
    channel = django_forms.ChoiceField(
        label=gettext_lazy("Hình thức nộp"), choices=DossierFee.PaymentChannel.choices
    )
    receipt_number = django_forms.CharField(
        label=gettext_lazy("Số biên lai, chứng từ"), max_length=64
    )


class FeeWaiverForm(django_forms.Form):
    reason = django_forms.CharField(
        label=gettext_lazy("Lý do, căn cứ miễn"), widget=TEXTAREA, max_length=2000
    )


class FeeAdjustForm(django_forms.Form):
    amount = django_forms.IntegerField(
        label=gettext_lazy("Số tiền phải nộp (đồng)"), min_value=0, max_value=10**14 - 1
    )
    reason = django_forms.CharField(
        label=gettext_lazy("Lý do điều chỉnh"), widget=TEXTAREA, max_length=2000
    )


class RatingForm(django_forms.Form):
    rating = django_forms.TypedChoiceField(
        label=gettext_lazy("Mức độ hài lòng"),
        choices=Dossier.Rating.choices,
        coerce=int,
        widget=django_forms.RadioSelect,
    )
    channel = django_forms.ChoiceField(
        label=gettext_lazy("Kênh đánh giá"),
        choices=Dossier.RatingChannel.choices,
        initial=Dossier.RatingChannel.DESK,
    )
    comment = django_forms.CharField(
        label=gettext_lazy("Ý kiến của người dân"),
        required=False,
        widget=TEXTAREA,
        max_length=2000,
    )


def desk_unit(dossier):
    """The one-stop unit of the dossier: the unit of its internal process's receipt step."""
    try:
        return dossier_step(dossier, ProcessStep.Kind.RECEIVE).unit
    except KeyError:
        return dossier.handling_unit


def can_act_at_desk(user, dossier) -> bool:
    """Fees and ratings are recorded by the one-stop officers of the dossier's desk."""
    return user.has_perm(act_permission("one_stop_officer"), desk_unit(dossier))


def grouped(amount) -> str:
    """``6.000.000``: amounts in đồng grouped by dots, as Vietnamese writes them (Django's
    ``vi`` formats do not group thousands)."""
    return f"{amount:,.0f}".replace(",", ".")


def _fee_context(user, dossier) -> dict:
    fees = list(dossier.fees.select_related("recorded_by"))
    acting = can_act_at_desk(user, dossier)
    open_for_fees = acting and dossier.status in services.FEE_OPEN_STATUSES
    rows = []
    for fee in fees:
        row = {
            "fee": fee,
            "amount": grouped(fee.amount),
            "listed_amount": grouped(fee.listed_amount) if fee.listed_amount is not None else "",
        }
        if open_for_fees and fee.status == DossierFee.Status.DUE:
            # One set of forms per line: field ids carry the line so labels stay unique.
            row.update(
                pay_form=FeePaymentForm(auto_id=f"id_fee{fee.pk}_pay_%s"),
                waive_form=FeeWaiverForm(auto_id=f"id_fee{fee.pk}_waive_%s"),
                adjust_form=FeeAdjustForm(
                    auto_id=f"id_fee{fee.pk}_adjust_%s", initial={"amount": int(fee.amount)}
                ),
            )
        rows.append(row)
    payable = [f for f in fees if f.is_payable]
    return {
        "fee_rows": rows,
        "fees_total": grouped(sum((f.amount for f in payable), 0)),
        "fees_outstanding": grouped(
            sum((f.amount for f in payable if f.status == f.Status.DUE), 0)
        ),
        "rating_open": dossier.status == Dossier.Status.RETURNED or dossier.rating is not None,
        "rating_form": (
            RatingForm()
            if acting and dossier.status == Dossier.Status.RETURNED and dossier.rating is None
            else None
        ),
    }


class DeskActionView(generic.View):
    """POST-only action of the one-stop desk on a dossier it can see: validate the form, call
    one service, report through messages and go back to the dossier. A refused action changes
    nothing (the service is atomic and validates before writing)."""

    form_class: type[django_forms.Form]
    success_message = ""
    anchor = ""

    def post(self, request, pk, **kwargs):
        dossier = visible_dossier(request, pk)  # another unit's dossier: 404
        if not can_act_at_desk(request.user, dossier):
            raise PermissionDenied(_("Chỉ công chức Bộ phận Một cửa của hồ sơ được thực hiện."))
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.perform(request, dossier, form.cleaned_data, **kwargs)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, self.success_message)
        else:
            for field, field_errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for message in field_errors:
                    messages.error(request, f"{label}: {message}" if label else message)
        url = reverse("workflow:dossier_detail", kwargs={"pk": dossier.pk})
        return redirect(f"{url}#{self.anchor}" if self.anchor else url)

    def perform(self, request, dossier, data, **kwargs):
        raise NotImplementedError


class FeeActionView(DeskActionView):
    anchor = "phi-le-phi"

    def perform(self, request, dossier, data, fee_pk):
        fee = get_object_or_404(dossier.fees, pk=fee_pk)
        self.act(request.user, fee, data)

    def act(self, user, fee, data):
        raise NotImplementedError


class DossierFeePayView(FeeActionView):
    form_class = FeePaymentForm
    success_message = gettext_lazy("Đã ghi nhận nộp phí, lệ phí.")

    def act(self, user, fee, data):
        services.dossier_fee_pay(
            actor=user, fee=fee, channel=data["channel"], receipt_number=data["receipt_number"]
        )


class DossierFeeWaiveView(FeeActionView):
    form_class = FeeWaiverForm
    success_message = gettext_lazy("Đã ghi nhận miễn phí, lệ phí.")

    def act(self, user, fee, data):
        services.dossier_fee_waive(actor=user, fee=fee, reason=data["reason"])


class DossierFeeAdjustView(FeeActionView):
    form_class = FeeAdjustForm
    success_message = gettext_lazy("Đã điều chỉnh số tiền phí, lệ phí.")

    def act(self, user, fee, data):
        services.dossier_fee_adjust(
            actor=user, fee=fee, amount=data["amount"], reason=data["reason"]
        )


class DossierRateView(DeskActionView):
    form_class = RatingForm
    success_message = gettext_lazy("Đã ghi nhận đánh giá của người dân.")
    anchor = "danh-gia"

    def perform(self, request, dossier, data):
        services.dossier_rate(
            actor=request.user,
            dossier=dossier,
            rating=data["rating"],
            channel=data["channel"],
            comment=data["comment"],
        )
