"""Pages of the management review. The ISO secretary prepares a review, compiles its inputs,
records the meeting and its actions and asks for the report; a leader signs it; auditors
and leaders read everything; an action's owner records its result."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from qms.core.models import OrgUnit, Role

from . import forms, services
from .models import ManagementReview, ReviewAction, ReviewReport
from .report import render_report, review_signatures

VIEW = "reviews.view_managementreview"
MANAGE = "reviews.change_managementreview"


def _is_leader(user) -> bool:
    return user.groups.filter(name=Role.DIRECTOR).exists()


def _fail(request, error: ValidationError):
    for message in error.messages:
        messages.error(request, message)


class ReviewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = VIEW

    def get_review(self):
        return get_object_or_404(ManagementReview, pk=self.kwargs["pk"])


class ReviewListView(ReviewMixin, generic.TemplateView):
    template_name = "reviews/list.html"
    http_method_names = ["get", "head"]

    def handle_no_permission(self):
        # Staff without the review permission land on the actions given to them.
        if self.request.user.is_authenticated:
            return redirect("reviews:assigned")
        return super().handle_no_permission()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            reviews=ManagementReview.objects.select_related("chair"),
            open_actions=ReviewAction.objects.filter(status=ReviewAction.Status.OPEN)
            .select_related("review", "owner_unit", "owner")
            .order_by("due_date"),
            can_manage=self.request.user.has_perm(MANAGE),
            **kwargs,
        )


class ReviewCreateView(ReviewMixin, generic.FormView):
    permission_required = MANAGE
    template_name = "reviews/create.html"
    form_class = forms.ReviewCreateForm

    def form_valid(self, form):
        try:
            review = services.review_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, _("Đã lập cuộc xem xét “%(t)s”.") % {"t": review.title})
        return redirect("reviews:detail", pk=review.pk)


class ReviewDetailView(ReviewMixin, generic.TemplateView):
    template_name = "reviews/detail.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        review = self.get_review()
        user = self.request.user
        can_manage = user.has_perm(MANAGE) and review.status != ManagementReview.Status.CLOSED
        return super().get_context_data(
            review=review,
            inputs=review.inputs or {},
            actions=review.actions.select_related("owner_unit", "owner"),
            reports=review.reports.select_related("job").order_by("-generated_at"),
            signatures=review_signatures(review),
            can_manage=can_manage,
            can_sign=_is_leader(user) and review.status == ManagementReview.Status.HELD,
            meeting_form=forms.MeetingForm(
                initial={
                    "meeting_date": review.meeting_date,
                    "participants": review.participants,
                    "external_issues": review.external_issues,
                    "resources": review.resources,
                    "minutes": review.minutes,
                }
            ),
            action_form=forms.ActionForm(),
            done_form=forms.ActionDoneForm(),
            sign_form=forms.SignForm(),
            **kwargs,
        )


class ReviewPostView(ReviewMixin, generic.View):
    """Base of the review's POST actions: one service each, message, back to the page."""

    http_method_names = ["post"]
    permission_required = MANAGE
    form_class = None

    def post(self, request, pk, **kwargs):
        review = self.get_review()
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect("reviews:detail", pk=review.pk)
        try:
            text = self.perform(review, form)
        except ValidationError as error:
            _fail(request, error)
        else:
            if isinstance(text, HttpResponse):
                return text
            messages.success(request, text)
        return redirect("reviews:detail", pk=review.pk)


class CompileView(ReviewPostView):
    def perform(self, review, form):
        services.review_compile_inputs(actor=self.request.user, review=review)
        return _("Đã tổng hợp đầu vào từ dữ liệu của kỳ xem xét.")


class MeetingView(ReviewPostView):
    form_class = forms.MeetingForm

    def perform(self, review, form):
        services.review_record_meeting(actor=self.request.user, review=review, **form.cleaned_data)
        return _("Đã lưu biên bản cuộc họp.")


class ActionAddView(ReviewPostView):
    form_class = forms.ActionForm

    def perform(self, review, form):
        services.review_action_add(actor=self.request.user, review=review, **form.cleaned_data)
        return _("Đã giao hành động.")


def actions_assigned_to(user):
    """The review actions a user answers for: their own, and those of the units they lead.
    Unit heads need no access to the review itself to report on what it gave them."""
    from guardian.shortcuts import get_objects_for_user

    led = get_objects_for_user(user, "core.lead_unit", klass=OrgUnit, accept_global_perms=False)
    return (
        ReviewAction.objects.filter(Q(owner=user) | Q(owner_unit__in=led))
        .select_related("review", "owner_unit", "owner")
        .order_by("status", "due_date", "pk")
    )


def _may_complete(user, action) -> bool:
    return user.has_perm(MANAGE) or actions_assigned_to(user).filter(pk=action.pk).exists()


class AssignedActionsView(LoginRequiredMixin, generic.TemplateView):
    """Actions decided by management reviews for the user or the units they lead."""

    template_name = "reviews/assigned.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            actions=actions_assigned_to(self.request.user),
            done_form=forms.ActionDoneForm(),
            today=timezone.localdate(),
            **kwargs,
        )


class ActionDoneView(LoginRequiredMixin, generic.View):
    """The owner of an action (the head of its unit, or the ISO secretary) records its
    result; anyone else: 404."""

    http_method_names = ["post"]

    def post(self, request, pk, action_pk):
        action = get_object_or_404(ReviewAction, pk=action_pk, review_id=pk)
        if not _may_complete(request.user, action):
            raise Http404(_("Không tìm thấy hành động."))
        form = forms.ActionDoneForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Phải ghi kết quả thực hiện."))
        else:
            try:
                services.review_action_complete(
                    actor=request.user, action=action, **form.cleaned_data
                )
            except ValidationError as error:
                _fail(request, error)
            else:
                messages.success(request, _("Đã ghi nhận kết quả thực hiện."))
        if request.user.has_perm(VIEW):
            return redirect("reviews:detail", pk=pk)
        return redirect("reviews:assigned")


class ReportRequestView(ReviewPostView):
    def perform(self, review, form):
        job = services.review_report_request(actor=self.request.user, review=review)
        return redirect("organisation:job", pk=job.pk)


class SignView(ReviewPostView):
    form_class = forms.SignForm
    permission_required = VIEW

    def perform(self, review, form):
        if not _is_leader(self.request.user):
            raise PermissionDenied
        report = get_object_or_404(ReviewReport, pk=self.kwargs["report_pk"], review=review)
        services.review_report_sign(
            actor=self.request.user, password=form.cleaned_data["password"], report=report
        )
        return _("Đã ký báo cáo xem xét của lãnh đạo.")


class ReportFileView(ReviewMixin, generic.View):
    """A generated report as it was generated (the file and its hash are kept)."""

    http_method_names = ["get", "head"]

    def get(self, request, pk, report_pk):
        report = get_object_or_404(ReviewReport, pk=report_pk, review_id=pk)
        return FileResponse(
            report.file.open("rb"),
            filename=report.file.name.rsplit("/", 1)[-1],
            content_type="application/pdf",
        )


class SignedReportView(ReviewMixin, generic.View):
    """The report with the signature manifestation (valid, or no longer valid if the review
    changed after signing)."""

    http_method_names = ["get", "head"]

    def get(self, request, pk):
        review = self.get_review()
        if not review.reports.exists():
            raise Http404(_("Chưa lập báo cáo."))
        response = HttpResponse(render_report(review), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bao-cao-xem-xet-{review.pk}.pdf"'
        return response


class ConformityView(ReviewMixin, generic.TemplateView):
    """The announcement decisions (first and re-announcements) and the yearly report."""

    template_name = "reviews/conformity.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        from .models import ConformityAnnouncement

        today = timezone.localdate()
        return super().get_context_data(
            announcements=ConformityAnnouncement.objects.select_related("replaces"),
            form=forms.ConformityForm() if self.request.user.has_perm(MANAGE) else None,
            years=list(range(today.year, today.year - 6, -1)),
            **kwargs,
        )


class ConformityCreateView(LoginRequiredMixin, PermissionRequiredMixin, generic.View):
    permission_required = MANAGE
    http_method_names = ["post"]

    def post(self, request):
        form = forms.ConformityForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect("reviews:conformity")
        try:
            services.conformity_announce(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Đã ghi nhận quyết định công bố."))
        return redirect("reviews:conformity")


class AnnualReportView(ReviewMixin, generic.View):
    http_method_names = ["get", "head"]

    def get(self, request, year):
        from .annual import render_annual_report

        if not 2000 <= year <= timezone.localdate().year:
            raise Http404(_("Năm báo cáo không hợp lệ."))
        response = HttpResponse(render_annual_report(year), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bao-cao-iso-{year}.pdf"'
        return response
