"""Mẫu 06 on the site: the register of dossiers the user may see, filtered, on a page and as
a spreadsheet. Both start from ``dossiers_visible_to`` and share one filter form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from procedures.models import Dossier, FormTemplate, Procedure
from procedures.printing import VIETNAM_TZ
from procedures.register import (
    TIMELINESS_LABELS,
    register_filter_timeliness,
    register_pdf,
    register_queryset,
    register_row,
    register_xlsx,
)
from procedures.selectors import dossiers_visible_to, regime_in_force
from qms.core import jobs
from qms.core.models import OrgUnit
from qms.core.selectors import agency_current

PAGE_SIZE = 50
YEARS = (1900, 2100)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = gettext_lazy("ngày phải viết theo dạng ngày/tháng/năm, ví dụ 26/04/2024.")
CHOICE_ERROR = gettext_lazy("giá trị này không có trong danh sách.")


class RegisterFilterForm(forms.Form):
    """The filters of the register, all optional; each invalid one is reported and skipped."""

    date_from = forms.DateField(
        label=gettext_lazy("Tiếp nhận từ ngày"),
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
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị giải quyết"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tất cả đơn vị"),
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    procedure = forms.ModelChoiceField(
        label=gettext_lazy("Thủ tục"),
        queryset=Procedure.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tất cả thủ tục"),
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Trạng thái"),
        required=False,
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    timeliness = forms.ChoiceField(
        label=gettext_lazy("Tiến độ"),
        required=False,
        error_messages={"invalid_choice": CHOICE_ERROR},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The GET parameters are ``from`` and ``to``: a keyword cannot name a declared field.
        renamed = {"date_from": "from", "date_to": "to"}
        self.fields = {renamed.get(name, name): field for name, field in self.fields.items()}
        self.fields["unit"].queryset = (
            OrgUnit.objects.filter(
                Q(kind=OrgUnit.Kind.SPECIALIST, is_active=True) | Q(dossiers__isnull=False)
            )
            .distinct()
            .order_by("order", "name")
        )
        self.fields["procedure"].queryset = Procedure.objects.order_by("name")
        self.fields["status"].choices = [("", _("Tất cả trạng thái")), *Dossier.Status.choices]
        self.fields["timeliness"].choices = [
            ("", _("Tất cả")),
            *((key, label) for key, label in TIMELINESS_LABELS.items()),
        ]

    def clean(self):
        cleaned = super().clean()
        for name in ("from", "to"):
            day = cleaned.get(name)
            # Days at the ends of the calendar overflow when turned into UTC bounds.
            if day and not YEARS[0] <= day.year <= YEARS[1]:
                self.add_error(
                    name,
                    _("năm phải trong khoảng %(first)s–%(last)s.")
                    % {"first": YEARS[0], "last": YEARS[1]},
                )
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", _("ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
        return cleaned

    def problems(self) -> list[str]:
        """One Vietnamese sentence per invalid filter; those filters are not applied."""
        self.is_valid()
        return [
            _("Bộ lọc “%(label)s” không hợp lệ: %(error)s Bộ lọc này không được áp dụng.")
            % {"label": self.fields[field].label, "error": " ".join(errors)}
            for field, errors in self.errors.items()
        ]

    def value(self, field):
        """The cleaned value of ``field``, or None when it is empty or invalid."""
        self.is_valid()
        return self.cleaned_data.get(field) or None

    def period_text(self) -> str:
        start, end = self.value("from"), self.value("to")
        if start and end:
            return _("Từ ngày %(start)s đến ngày %(end)s") % {
                "start": f"{start:%d/%m/%Y}",
                "end": f"{end:%d/%m/%Y}",
            }
        if start:
            return _("Từ ngày %(start)s") % {"start": f"{start:%d/%m/%Y}"}
        if end:
            return _("Đến ngày %(end)s") % {"end": f"{end:%d/%m/%Y}"}
        return ""


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), VIETNAM_TZ)


def register_filtered(user, form: RegisterFilterForm):
    """The visible received dossiers that pass the valid filters of ``form``."""
    queryset = register_queryset(dossiers_visible_to(user=user))
    if start := form.value("from"):
        queryset = queryset.filter(received_at__gte=_day_start(start))
    if end := form.value("to"):
        queryset = queryset.filter(received_at__lt=_day_start(end + dt.timedelta(days=1)))
    if unit := form.value("unit"):
        queryset = queryset.filter(handling_unit=unit)
    if procedure := form.value("procedure"):
        queryset = queryset.filter(procedure_version__procedure=procedure)
    if status := form.value("status"):
        queryset = queryset.filter(status=status)
    if timeliness := form.value("timeliness"):
        queryset = register_filter_timeliness(queryset, timeliness)
    return queryset


def register_form_template(form: RegisterFilterForm) -> FormTemplate | None:
    """Mẫu 06 of the regime in force at the end of the period (today by default)."""
    regime = regime_in_force(on=form.value("to") or timezone.localdate())
    if regime is None:
        return None
    return FormTemplate.objects.filter(regime=regime, kind=FormTemplate.Kind.REGISTER).first()


class RegisterView(generic.TemplateView):
    template_name = "workflows/dossier/register.html"

    def get_context_data(self, **kwargs):
        form = RegisterFilterForm(self.request.GET)
        queryset = register_filtered(self.request.user, form)
        page = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        start = page.start_index() if page.paginator.count else 1
        rows = [register_row(dossier, number) for number, dossier in enumerate(page, start)]
        export_query = self.request.GET.copy()
        export_query.pop("page", None)
        return super().get_context_data(
            filter_form=form,
            filter_problems=form.problems(),
            form_template=register_form_template(form),
            period=form.period_text(),
            page_obj=page,
            rows=rows,
            export_query=export_query,
            **kwargs,
        )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_JOB = "register_export"
EXPORT_FORMATS = ("xlsx", "pdf")


def register_filters(query) -> dict[str, str]:
    """The register's filters of a query (``request.GET``), as the job keeps them."""
    names = RegisterFilterForm().fields
    return {name: str(query.get(name)) for name in names if query.get(name) not in (None, "")}


def register_export_file(user, form: RegisterFilterForm, export_format: str, progress=None):
    """The filtered register as ``(file name, content type, content)``: the printed PDF, or
    the .xlsx workbook (also when no Mẫu 06 is in force to print with). The rows are the
    dossiers ``user`` sees (``dossiers_visible_to``); ``progress(done, total)`` follows them."""
    queryset = register_filtered(user, form)
    template = register_form_template(form)
    agency = agency_current(on=form.value("to") or timezone.localdate())
    stamp = timezone.localdate(timezone=VIETNAM_TZ).strftime("%Y%m%d")
    if export_format == "pdf" and template is not None:
        content = register_pdf(
            queryset, form=template, agency=agency, subtitle=form.period_text(), progress=progress
        )
        return f"so-theo-doi-ho-so-{stamp}.pdf", "application/pdf", content
    title = template.title if template else str(FormTemplate.Kind.REGISTER.label).upper()
    content = register_xlsx(
        queryset,
        title=title,
        subtitle=form.period_text(),
        agency=agency,
        form_number=template.number if template else "",
        progress=progress,
    )
    return f"so-theo-doi-ho-so-{stamp}.xlsx", XLSX_TYPE, content


def register_export_request(*, actor, filters: dict, export_format: str):
    """Ask a worker for the register filtered by ``filters`` (bad filters are refused here, and
    checked again when the job runs, as its requester)."""
    if export_format not in EXPORT_FORMATS:
        raise ValidationError(_("Định dạng không được hỗ trợ: %(fmt)s.") % {"fmt": export_format})
    form = RegisterFilterForm(filters)
    if problems := form.problems():
        raise ValidationError(problems)
    kind = _("tệp PDF để in") if export_format == "pdf" else _("tệp Excel")
    title = _("Sổ theo dõi hồ sơ (Mẫu 06), %(kind)s") % {"kind": kind}
    if period := form.period_text():
        title = f"{title} — {period}"
    return jobs.job_submit(
        actor=actor,
        kind=EXPORT_JOB,
        title=title,
        params={"filters": filters, "format": export_format},
    )


@jobs.handler(EXPORT_JOB, label=gettext_lazy("Xuất sổ theo dõi hồ sơ (Mẫu 06)"))
def register_export_job(job, progress):
    """The register export as a job: filters validated again, rows re-scoped to the requester
    (the same selector as the page). It only reads: running it again gives the same file."""
    user = jobs.job_requester(job)
    form = RegisterFilterForm(job.params.get("filters") or {})
    if problems := form.problems():
        raise ValidationError(problems)
    progress(2, _("Lọc hồ sơ"))
    export_format = job.params.get("format", "xlsx")
    name, _content_type, content = register_export_file(
        user, form, export_format, progress=jobs.rows_progress(progress, end=90)
    )
    return name, content


class RegisterExportView(generic.View):
    """The filtered register as a download: .xlsx, or the printed PDF with
    ``as_view(export_format="pdf")``. GET answers at once; POST (the page's buttons) hands it
    to a worker and shows the job's progress. Invalid filters go back to the page that
    explains them."""

    export_format = "xlsx"
    http_method_names = ["get", "head", "post"]

    def _back(self, request):
        query = request.GET.urlencode()
        return redirect(f"{_register_url()}?{query}" if query else _register_url())

    def get(self, request):
        form = RegisterFilterForm(request.GET)
        if form.problems():
            return self._back(request)
        name, content_type, content = register_export_file(request.user, form, self.export_format)
        response = HttpResponse(content, content_type=content_type)
        disposition = "inline" if name.endswith(".pdf") else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{name}"'
        return response

    def post(self, request):
        try:
            job = register_export_request(
                actor=request.user,
                filters=register_filters(request.GET),
                export_format=self.export_format,
            )
        except ValidationError:
            return self._back(request)
        return redirect("organisation:job", pk=job.pk)


def _register_url():
    from django.urls import reverse

    return reverse("workflow:register")
