"""Pages of the organisation kernel: the unit directory, the working-day calendar, the profile."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from . import calendar, services
from .forms import DeadlineForm, LanguageForm
from .models import CalendarOverride, Membership, OrgUnit
from .pdf import render_pdf
from .selectors import agency_current

MIN_YEAR, MAX_YEAR = 2000, 2100


class UnitListView(LoginRequiredMixin, generic.TemplateView):
    """The department's units as a tree, with their people (a staff directory)."""

    template_name = "core/unit_list.html"

    def get_context_data(self, **kwargs):
        units = list(OrgUnit.objects.filter(is_active=True).select_related("agency", "parent"))
        members = {}
        for membership in Membership.objects.select_related("user").filter(
            unit__in=units, user__is_active=True
        ):
            members.setdefault(membership.unit_id, []).append(membership)
        children = {}
        for unit in units:
            children.setdefault(unit.parent_id, []).append(unit)

        def walk(parent_id, depth):
            for unit in children.get(parent_id, []):
                yield unit, depth, members.get(unit.pk, [])
                yield from walk(unit.pk, depth + 1)

        return super().get_context_data(agency=agency_current(), rows=list(walk(None, 0)), **kwargs)


class UnitDetailView(LoginRequiredMixin, generic.DetailView):
    template_name = "core/unit_detail.html"
    model = OrgUnit
    context_object_name = "unit"

    def get_queryset(self):
        return OrgUnit.objects.select_related("agency", "parent")

    def get_context_data(self, **kwargs):
        memberships = (
            self.object.memberships.select_related("user")
            .filter(user__is_active=True)
            .order_by("role", "user__last_name")
        )
        return super().get_context_data(memberships=memberships, **kwargs)


def _year_or_404(value) -> int:
    year = int(value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404(_("Năm ngoài phạm vi lịch (2000–2100)."))
    return year


def calendar_year_data(year: int) -> dict:
    """Days off, make-up working days and local corrections of ``year``, with month grids."""
    cal = calendar.WorkingCalendar.load()
    overrides = CalendarOverride.objects.filter(date__year=year)
    day = dt.date(year, 1, 1)
    months = []
    while day.year == year:
        month = {"number": day.month, "weeks": [], "working": 0}
        week = [None] * day.weekday()
        while day.month == month["number"]:
            working = cal.is_working_day(day)
            month["working"] += working
            week.append({"date": day, "working": working, "weekend": day.weekday() >= 5})
            if len(week) == 7:
                month["weeks"].append(week)
                week = []
            day += dt.timedelta(days=1)
        if week:
            month["weeks"].append(week + [None] * (7 - len(week)))
        months.append(month)
    return {
        "year": year,
        "holidays": calendar.national_holidays(year),
        "make_up_days": calendar.national_make_up_days(year),
        "overrides": overrides,
        "months": months,
        "working_total": sum(m["working"] for m in months),
    }


class CalendarView(LoginRequiredMixin, generic.TemplateView):
    """A year of working days, and the desk's deadline calculator."""

    template_name = "core/calendar.html"

    def get_context_data(self, **kwargs):
        year = _year_or_404(kwargs.pop("year", None) or timezone.localdate().year)
        form = DeadlineForm(self.request.GET or None)
        due = None
        if form.is_bound and form.is_valid():
            try:
                due = calendar.due_at(
                    form.cleaned_data["received_at"],
                    form.cleaned_data["value"],
                    form.cleaned_data["unit"],
                )
            except ValueError as error:
                form.add_error(None, str(error))
        return super().get_context_data(
            form=form, due=due, agency=agency_current(), **calendar_year_data(year), **kwargs
        )


class CalendarPdfView(LoginRequiredMixin, generic.View):
    def get(self, request, year):
        year = _year_or_404(year)
        pdf = render_pdf(
            "core/calendar_pdf.html",
            {
                "agency": agency_current(),
                "printed_at": timezone.localtime(),
                **calendar_year_data(year),
            },
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="lich-lam-viec-{year}.pdf"'
        return response


class ProfileView(LoginRequiredMixin, generic.TemplateView):
    """Who I am, where I work, and the language of my pages."""

    template_name = "core/profile.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            form=kwargs.pop("form", None) or LanguageForm(instance=user),
            memberships=user.memberships.select_related("unit"),
            **kwargs,
        )

    def post(self, request):
        form = LanguageForm(request.POST, instance=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            services.user_set_language(
                actor=request.user, user=request.user, language=form.cleaned_data["language"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, _("Đã lưu ngôn ngữ giao diện."))
        return redirect("profile")


class JobMixin(LoginRequiredMixin):
    def get_job(self):
        from .jobs import job_visible
        from .models import Job

        job = Job.objects.filter(pk=self.kwargs["pk"]).first()
        if job is None or not job_visible(self.request.user, job):
            raise Http404(_("Không tìm thấy công việc."))
        return job


class JobListView(LoginRequiredMixin, generic.ListView):
    """“Công việc của tôi”: the user's long jobs, newest first (every job, with its requester,
    for administrators). Jobs are never deleted here: a failed one keeps its reason and can be
    retried."""

    template_name = "core/job_list.html"
    context_object_name = "jobs"
    paginate_by = 25
    http_method_names = ["get", "head"]

    def get_queryset(self):
        from .jobs import jobs_visible_to

        return jobs_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        from .jobs import kind_label

        context = super().get_context_data(**kwargs)
        context["rows"] = [(job, kind_label(job.kind)) for job in context["jobs"]]
        context["show_requester"] = self.request.user.is_superuser
        return context


class JobView(JobMixin, generic.TemplateView):
    """A long job's progress; the page polls its status and offers the download when done."""

    template_name = "core/job.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(job=self.get_job(), **kwargs)


class JobStatusView(JobMixin, generic.View):
    http_method_names = ["get", "head"]

    def get(self, request, pk):
        from django.http import JsonResponse
        from django.urls import reverse

        job = self.get_job()
        return JsonResponse(
            {
                "status": job.status,
                "status_display": job.get_status_display(),
                "progress": job.progress,
                "message": job.message,
                "error": job.error,
                "download": reverse("organisation:job_download", args=[job.pk])
                if job.status == job.Status.DONE
                else "",
            }
        )


class JobDownloadView(JobMixin, generic.View):
    http_method_names = ["get", "head"]

    def get(self, request, pk):
        from django.http import FileResponse

        job = self.get_job()
        if job.status != job.Status.DONE or not job.result:
            raise Http404(_("Công việc chưa có kết quả."))
        return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name)


class JobRetryView(JobMixin, generic.View):
    http_method_names = ["post"]

    def post(self, request, pk):
        from .jobs import job_retry

        job = self.get_job()
        try:
            job_retry(actor=request.user, job=job)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Đã gửi chạy lại công việc."))
        return redirect("organisation:job", pk=job.pk)
