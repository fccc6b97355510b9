"""The internal auditor's workspace: search of the audit log, a record's whole trail, the
difference between two versions, certified copies (PDF) and Excel exports, the login trail,
and a check of the chain. Every page only reads; the role that opens them can change nothing.
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from procedures.models import Dossier
from procedures.signing import dossier_signatures
from qms.core import auditlog
from qms.core.models import AuditChainHead, OrgUnit, User
from qms.core.signatures import signatures_of

from . import exports
from . import trail as trails

PAGE_SIZE = 50
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = gettext_lazy("ngày phải viết theo dạng ngày/tháng/năm, ví dụ 26/04/2024.")
PERMISSION = exports.PERMISSION


class AuditorMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Internal auditors, the quality manager and the department's leaders."""

    permission_required = PERMISSION
    http_method_names = ["get", "head", "options"]


class SearchForm(forms.Form):
    actor = forms.ModelChoiceField(
        label=gettext_lazy("Người thực hiện"),
        queryset=User.objects.order_by("last_name", "first_name"),
        required=False,
        empty_label=gettext_lazy("Mọi người"),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị"),
        queryset=OrgUnit.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Mọi đơn vị"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("Từ ngày"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Đến ngày"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    object_type = forms.ChoiceField(label=gettext_lazy("Loại bản ghi"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Thao tác"), required=False)
    text = forms.CharField(label=gettext_lazy("Tên, mã bản ghi"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("Mọi loại")), *trails.record_types()]
        actions = sorted(
            ((code, str(label)) for code, label in auditlog.ACTIONS.items()),
            key=lambda item: item[1],
        )
        self.fields["action"].choices = [("", _("Mọi thao tác")), *actions]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("“Từ ngày” phải trước hoặc bằng “Đến ngày”."))
        return data


def _search(request):
    form = SearchForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    return form, trails.events_search(**filters)


class SearchView(AuditorMixin, generic.TemplateView):
    template_name = "audits/search.html"

    def get_context_data(self, **kwargs):
        form, events = _search(self.request)
        page = Paginator(events, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form,
            page_obj=page,
            events=[(e, auditlog.ACTIONS.get(e.action, e.action)) for e in page.object_list],
            query=query.urlencode(),
            head=AuditChainHead.objects.filter(pk=1).first(),
            **kwargs,
        )


class ExportMixin(AuditorMixin):
    """GET answers with the file at once; POST (the page's button) hands it to a worker and
    shows the job's progress. The job works as the requester, who must keep the permission."""

    http_method_names = ["get", "head", "options", "post"]

    def submit(self):
        raise NotImplementedError

    def back_url(self) -> str:
        query = self.request.GET.urlencode()
        return reverse("audits:index") + (f"?{query}" if query else "")

    def post(self, request, *args, **kwargs):
        try:
            job = self.submit()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.back_url())
        return redirect("organisation:job", pk=job.pk)


class SearchExportView(ExportMixin, generic.View):
    """The search result as a spreadsheet (at most 50,000 events)."""

    LIMIT = exports.SEARCH_LIMIT

    def get(self, request):
        _form, events = _search(request)
        return _file_response("nhat-ky-kiem-tra.xlsx", XLSX_TYPE, exports.search_xlsx(events))

    def submit(self):
        filters = exports.search_filters(self.request.GET)
        return exports.search_export_request(actor=self.request.user, filters=filters)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file_response(name, content_type, content, *, inline=False):
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


class TrailMixin(AuditorMixin):
    def get_trail(self):
        return trails.record_trail(self.kwargs["object_type"], str(self.kwargs["object_id"]))


def record_signatures(obj) -> list[dict]:
    """The record's electronic signatures and whether each still holds (dossiers know what
    their signature covers; for other records the stored hash is shown as recorded)."""
    if obj is None:
        return []
    if isinstance(obj, Dossier):
        return dossier_signatures(obj)
    from audits.documents.models import DocumentVersion

    if isinstance(obj, DocumentVersion):
        from audits.documents.signing import version_signatures

        return version_signatures(obj)
    from audits.review.models import ManagementReview

    if isinstance(obj, ManagementReview):
        from audits.review.report import review_signatures

        return review_signatures(obj)
    from audits.models import Nonconformity

    if isinstance(obj, Nonconformity):
        from audits.selectors import nonconformity_signatures

        return nonconformity_signatures(obj)
    return [{"signature": s, "valid": None, "changed": []} for s in signatures_of(obj)]


class TrailView(TrailMixin, generic.TemplateView):
    template_name = "audits/trail.html"

    def get_context_data(self, **kwargs):
        trail = self.get_trail()
        return super().get_context_data(
            trail=trail, signatures=record_signatures(trail.obj), **kwargs
        )


class DiffView(TrailMixin, generic.TemplateView):
    template_name = "audits/diff.html"

    def get_context_data(self, **kwargs):
        model = trails.model_for(self.kwargs["object_type"])
        if not hasattr(model, "history"):
            raise Http404(_("Loại bản ghi này không có lịch sử phiên bản."))
        try:
            first = int(self.request.GET.get("from", ""))
            second = int(self.request.GET.get("to", ""))
        except ValueError as error:
            raise Http404(_("Chọn hai phiên bản để so sánh.")) from error
        old, new, changes = trails.version_diff(model, self.kwargs["object_id"], first, second)
        return super().get_context_data(
            model_name=str(model._meta.verbose_name).capitalize(),
            old=old,
            new=new,
            changes=changes,
            title=str(new.instance) if new.history_type != "-" else str(new.id),
            **kwargs,
        )


class TrailPdfView(ExportMixin, TrailMixin, generic.View):
    """A certified copy of a record's trail: every entry, and each log event re-hashed and
    linked to its predecessor, with the chain head at the time of printing."""

    export_format = "pdf"

    def get(self, request, object_type, object_id):
        name, content_type, content = exports.trail_file(
            self.get_trail(), self.export_format, printed_by=request.user
        )
        return _file_response(name, content_type, content, inline=self.export_format == "pdf")

    def back_url(self) -> str:
        return trail_url(self.kwargs["object_type"], self.kwargs["object_id"])

    def submit(self):
        return exports.trail_export_request(
            actor=self.request.user,
            object_type=self.kwargs["object_type"],
            object_id=self.kwargs["object_id"],
            export_format=self.export_format,
        )


class TrailExportView(TrailPdfView):
    """A record's trail as a spreadsheet."""

    export_format = "xlsx"


class LoginTrailView(AuditorMixin, generic.TemplateView):
    """Logins and logouts (django-axes AccessLog), failed attempts (AccessFailureLog) and the
    accounts locked right now (AccessAttempt)."""

    template_name = "audits/logins.html"

    def get_context_data(self, **kwargs):
        username = self.request.GET.get("username", "").strip()[:150]
        logs = AccessLog.objects.order_by("-attempt_time")
        failures = AccessFailureLog.objects.order_by("-attempt_time")
        if username:
            logs = logs.filter(username__iexact=username)
            failures = failures.filter(username__iexact=username)
        return super().get_context_data(
            username=username,
            logs=Paginator(logs, PAGE_SIZE).get_page(self.request.GET.get("page")),
            failures=failures[:PAGE_SIZE],
            locked=AccessAttempt.objects.order_by("-attempt_time")[:PAGE_SIZE],
            **kwargs,
        )


class VerifyView(AuditorMixin, generic.TemplateView):
    """Walk the chain now and show the result (what the nightly check does)."""

    template_name = "audits/verify.html"

    def get_context_data(self, **kwargs):
        started = timezone.now()
        result = auditlog.verify()
        elapsed = (timezone.now() - started).total_seconds()
        return super().get_context_data(result=result, elapsed=elapsed, **kwargs)


def trail_url(object_type: str, object_id) -> str:
    from django.urls import reverse

    return reverse("audits:trail", args=[object_type, object_id])
