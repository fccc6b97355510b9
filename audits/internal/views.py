"""Pages of the internal audit cycle: programme and coverage, audit plan, checklist, findings,
report, follow-up, checklists.

Every write checks who may make it *before* reading the form (a refused user gets 403, or 404
for an audit they may not see): the quality manager plans and closes, a director approves, and
only the team of an audit records its answers, findings and report while it is in progress.
Then the form is validated and one service is called; bad input is shown on the page (400)
and nothing is written.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from qms.core.pdf import render_pdf
from qms.core.selectors import agency_current

from . import forms, selectors, services
from .models import Audit, AuditChecklistAnswer, AuditProgramme, AuditReport, Checklist, Finding

NS = "internal-audits"


def url(name: str, **kwargs) -> str:
    return reverse(f"{NS}:{name}", kwargs=kwargs)


def form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where the form has that field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for message in errors:
                text = " ".join(message.messages)
                form.add_error(field if field in form.fields else None, text)
    else:
        for message in error.messages:
            form.add_error(None, message)


#: The corrective-action page of a nonconformity (workflow layer, which this one may not import).
NONCONFORMITY_PAGES = (
    "workflow:flows:capa:nonconformity_detail",
    "workflow:capa:nonconformity_detail",
)


def nonconformity_url(pk) -> str:
    for name in NONCONFORMITY_PAGES:
        try:
            return reverse(name, args=[pk])
        except NoReverseMatch:
            continue
    return ""


def with_nonconformity_links(findings):
    """Each finding with the page of its nonconformity's corrective action (``nc_url``)."""
    for finding in findings:
        finding.nc_url = (
            nonconformity_url(finding.nonconformity_id) if finding.nonconformity_id else ""
        )
    return findings


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def visible_audit(request, pk) -> Audit:
    """The audit if the user may see it; 404 otherwise."""
    return get_object_or_404(selectors.audits_visible_to(request.user), pk=pk)


def whole_audit(request, pk) -> Audit:
    """The audit with every unit's records (answers, findings, report): leaders, the quality
    manager, auditors and the audit's team."""
    audit = visible_audit(request, pk)
    if not selectors.sees_whole_audit(request.user, audit):
        raise PermissionDenied(
            _("Chỉ đoàn đánh giá, Thư ký ISO và Lãnh đạo Sở xem được toàn bộ hồ sơ cuộc đánh giá.")
        )
    return audit


def team_gate(request, pk) -> Audit:
    """The audit whose records the user may write now: on its team, audit in progress."""
    audit = visible_audit(request, pk)
    services.require_team(request.user, audit)
    return audit


def lead_gate(request, pk, status) -> Audit:
    audit = visible_audit(request, pk)
    services.require_lead(request.user, audit)
    if audit.status != status:
        raise PermissionDenied(
            _("Cuộc đánh giá %(code)s đang ở trạng thái “%(status)s”.")
            % {"code": audit.code, "status": audit.get_status_display()}
        )
    return audit


def quality_manager_gate(request) -> None:
    services.require_quality_manager(request.user)


class Page(LoginRequiredMixin, generic.TemplateView):
    http_method_names = ["get", "head", "options"]


class FormPage(LoginRequiredMixin, generic.TemplateView):
    """GET shows the form, POST validates it and calls one service. ``gate`` runs first for
    both methods and raises PermissionDenied / Http404 for those who may not write."""

    http_method_names = ["get", "post", "head", "options"]
    form_class = None

    def gate(self):
        raise NotImplementedError

    def get_form(self, data=None):
        return self.form_class(data)

    def get(self, request, *args, **kwargs):
        self.gate()
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        self.gate()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                response = self.perform(form)
            except ValidationError as error:
                form_errors(form, error)
            else:
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def perform(self, form):
        raise NotImplementedError


# Programme -------------------------------------------------------------------------------------


class ProgrammeListView(Page):
    template_name = "internal_audits/programme_list.html"

    def get_context_data(self, **kwargs):
        programmes = AuditProgramme.objects.annotate(audit_count=Count("audits")).order_by("-year")
        return super().get_context_data(
            programmes=programmes,
            can_plan=selectors.is_quality_manager(self.request.user),
            **kwargs,
        )


class ProgrammeCreateView(FormPage):
    template_name = "internal_audits/programme_form.html"
    form_class = forms.ProgrammeForm

    def gate(self):
        quality_manager_gate(self.request)

    def get_form(self, data=None):
        return forms.ProgrammeForm(data, initial={"year": timezone.localdate().year})

    def perform(self, form):
        programme = services.programme_create(actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Đã lập chương trình đánh giá nội bộ."))
        return redirect(url("programme", pk=programme.pk))


class ProgrammeEditView(FormPage):
    template_name = "internal_audits/programme_form.html"

    def gate(self):
        quality_manager_gate(self.request)
        self.programme = get_object_or_404(AuditProgramme, pk=self.kwargs["pk"])

    def get_form(self, data=None):
        return forms.ProgrammeEditForm(
            data,
            initial={"title": self.programme.title, "objectives": self.programme.objectives},
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=self.programme, **kwargs)

    def perform(self, form):
        services.programme_update(
            actor=self.request.user, programme=self.programme, **form.cleaned_data
        )
        messages.success(self.request, _("Đã lưu chương trình."))
        return redirect(url("programme", pk=self.programme.pk))


def coverage_sections(coverage) -> list:
    return [
        (_("Đơn vị"), coverage["units"]),
        (_("Lĩnh vực thủ tục hành chính"), coverage["fields"]),
        (_("Quá trình nội bộ"), coverage["processes"]),
    ]


def programme_context(request, programme, approve_form=None) -> dict:
    user = request.user
    signatures = selectors.programme_signatures(programme)
    approval_valid = selectors.programme_approval_valid(programme)
    audits = list(programme.audits.select_related("lead_auditor").prefetch_related("items__unit"))
    visible = set(
        selectors.audits_visible_to(user).filter(programme=programme).values_list("pk", flat=True)
    )
    coverage = selectors.programme_coverage(programme)
    return {
        "programme": programme,
        "audits": [(a, a.pk in visible) for a in audits],
        "coverage": coverage,
        "coverage_sections": coverage_sections(coverage),
        "signatures": signatures,
        "approval_valid": approval_valid,
        "can_plan": selectors.is_quality_manager(user),
        "approve_form": (
            approve_form or forms.PasswordForm()
            if selectors.is_director(user) and not approval_valid
            else None
        ),
    }


class ProgrammeDetailView(Page):
    """The programme, its audits and the coverage matrix (every unit, field and internal
    process: audited, planned or not covered). The yearly programme is communicated to every
    unit, so every signed-in user sees it; the audits' records stay scoped."""

    template_name = "internal_audits/programme_detail.html"

    def get_context_data(self, **kwargs):
        programme = get_object_or_404(AuditProgramme, pk=kwargs["pk"])
        return super().get_context_data(**programme_context(self.request, programme), **kwargs)


class ProgrammeApproveView(LoginRequiredMixin, generic.TemplateView):
    template_name = "internal_audits/programme_detail.html"
    http_method_names = ["post"]

    def post(self, request, pk):
        if not selectors.is_director(request.user):
            raise PermissionDenied(_("Chỉ Lãnh đạo Sở được phê duyệt chương trình."))
        programme = get_object_or_404(AuditProgramme, pk=pk)
        form = forms.PasswordForm(request.POST)
        if form.is_valid():
            try:
                services.programme_approve(
                    actor=request.user, programme=programme, password=form.cleaned_data["password"]
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("Đã phê duyệt và ký chương trình đánh giá nội bộ."))
                return redirect(url("programme", pk=programme.pk))
        context = programme_context(request, programme, approve_form=form)
        return self.render_to_response(self.get_context_data(**context), status=400)


class ProgrammePdfView(LoginRequiredMixin, generic.View):
    def get(self, request, pk):
        programme = get_object_or_404(AuditProgramme, pk=pk)
        audits = list(programme.audits.select_related("lead_auditor").order_by("number"))
        coverage = selectors.programme_coverage(programme)
        pdf = render_pdf(
            "internal_audits/pdf/programme.html",
            {
                "programme": programme,
                "rows": [(a, selectors.audit_scope(a), selectors.audit_team(a)) for a in audits],
                "coverage": coverage,
                "coverage_sections": coverage_sections(coverage),
                "signatures": selectors.programme_signatures(programme),
                "agency": agency_current(on=dt.date(programme.year, 1, 1)) or agency_current(),
                "printed_at": timezone.localtime(),
            },
        )
        return pdf_response(pdf, f"chuong-trinh-danh-gia-noi-bo-{programme.year}.pdf")


# Audit plan ------------------------------------------------------------------------------------


class AuditCreateView(FormPage):
    template_name = "internal_audits/audit_form.html"
    form_class = forms.AuditPlanForm

    def gate(self):
        quality_manager_gate(self.request)
        self.programme = get_object_or_404(AuditProgramme, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=self.programme, **kwargs)

    def perform(self, form):
        audit = services.audit_plan(
            actor=self.request.user, programme=self.programme, **form.plan()
        )
        messages.success(
            self.request, _("Đã lập kế hoạch cuộc đánh giá %(code)s.") % {"code": audit.code}
        )
        return redirect(url("audit", pk=audit.pk))


class AuditEditView(FormPage):
    template_name = "internal_audits/audit_form.html"

    def gate(self):
        quality_manager_gate(self.request)
        self.audit = visible_audit(self.request, self.kwargs["pk"])
        if self.audit.status != Audit.Status.PLANNED:
            raise PermissionDenied(_("Cuộc đánh giá đã bắt đầu: không sửa kế hoạch được nữa."))

    def get_form(self, data=None):
        audit = self.audit
        scope = selectors.audit_scope(audit)
        initial = {
            "title": audit.title,
            "scope": audit.scope,
            "clauses": audit.clauses,
            "criteria": audit.criteria,
            "planned_start": audit.planned_start,
            "planned_end": audit.planned_end,
            "lead_auditor": audit.lead_auditor,
            "members": [m.user for m in audit.members.select_related("user")],
            "units": scope["units"],
            "procedure_fields": scope["fields"],
            "processes": list(
                audit.items.exclude(internal_process="").values_list("internal_process", flat=True)
            ),
            "checklists": [c.checklist for c in audit.checklists.select_related("checklist")],
        }
        return forms.AuditPlanForm(data, initial=initial)

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=self.audit.programme, audit=self.audit, **kwargs)

    def perform(self, form):
        services.audit_update_plan(actor=self.request.user, audit=self.audit, **form.plan())
        messages.success(self.request, _("Đã lưu kế hoạch."))
        return redirect(url("audit", pk=self.audit.pk))


def audit_context(request, audit) -> dict:
    user = request.user
    whole = selectors.sees_whole_audit(user, audit)
    findings = with_nonconformity_links(list(selectors.audit_findings_for(user, audit)))
    on_team = selectors.is_on_team(user, audit)
    return {
        "audit": audit,
        "programme": audit.programme,
        **selectors.audit_scope(audit),
        "team": selectors.audit_team(audit),
        "checklists": [c.checklist for c in audit.checklists.select_related("checklist")],
        "findings": findings,
        "sees_whole": whole,
        "on_team": on_team,
        "can_edit": selectors.is_quality_manager(user) and audit.status == Audit.Status.PLANNED,
        "can_start": audit.lead_auditor_id == user.pk and audit.status == Audit.Status.PLANNED,
        "can_record": on_team and audit.status == Audit.Status.IN_PROGRESS,
        "can_close": selectors.is_quality_manager(user) and audit.status == Audit.Status.REPORTED,
        "open_findings": [f for f in findings if not f.is_closed],
        "has_report": AuditReport.objects.filter(audit=audit).exists(),
        "approval_valid": selectors.programme_approval_valid(audit.programme),
    }


class AuditDetailView(Page):
    template_name = "internal_audits/audit_detail.html"

    def get_context_data(self, **kwargs):
        audit = visible_audit(self.request, kwargs["pk"])
        return super().get_context_data(**audit_context(self.request, audit), **kwargs)


class AuditPlanPdfView(LoginRequiredMixin, generic.View):
    """“Kế hoạch đánh giá nội bộ”: the plan as sent to the audited units."""

    def get(self, request, pk):
        audit = visible_audit(request, pk)
        pdf = render_pdf(
            "internal_audits/pdf/plan.html",
            {
                "audit": audit,
                **selectors.audit_scope(audit),
                "team": selectors.audit_team(audit),
                "checklists": [c.checklist for c in audit.checklists.select_related("checklist")],
                "agency": agency_current(on=audit.planned_start) or agency_current(),
                "printed_at": timezone.localtime(),
            },
        )
        return pdf_response(
            pdf, f"ke-hoach-danh-gia-noi-bo-{audit.number:02d}-{audit.programme.year}.pdf"
        )


class ActionView(LoginRequiredMixin, generic.View):
    """A button: gate, one service; a refusal of the service is a message on the audit page."""

    http_method_names = ["post"]
    success_message = ""

    def post(self, request, pk):
        audit = self.gate(request, pk)
        try:
            self.perform(request, audit)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.success_message)
        return redirect(url("audit", pk=audit.pk))


class AuditStartView(ActionView):
    success_message = gettext_lazy("Đã bắt đầu cuộc đánh giá.")

    def gate(self, request, pk):
        return lead_gate(request, pk, Audit.Status.PLANNED)

    def perform(self, request, audit):
        services.audit_start(actor=request.user, audit=audit)


class AuditCloseView(ActionView):
    success_message = gettext_lazy("Đã kết thúc cuộc đánh giá.")

    def gate(self, request, pk):
        quality_manager_gate(request)
        audit = visible_audit(request, pk)
        if audit.status != Audit.Status.REPORTED:
            raise PermissionDenied(_("Chỉ kết thúc được cuộc đánh giá đã có báo cáo được ký."))
        return audit

    def perform(self, request, audit):
        services.audit_close(actor=request.user, audit=audit)


# Conducting ------------------------------------------------------------------------------------


class AuditConductView(LoginRequiredMixin, generic.TemplateView):
    """The checklist of the audit at one unit: every question with its result and notes."""

    template_name = "internal_audits/audit_conduct.html"
    http_method_names = ["get", "post", "head", "options"]

    def _unit(self, audit, value, *, strict=False):
        """The audited unit chosen by ``value``; the first one when nothing valid is chosen
        for reading, None when writing (answers are never filed under a unit by default)."""
        units = selectors.audit_units(audit)
        chosen = next((u for u in units if str(u.pk) == str(value)), None)
        if chosen is None and not strict:
            chosen = units[0] if units else None
        return units, chosen

    def _context(self, audit, unit, units, form=None):
        items = selectors.audit_checklist_items(audit)
        answers = selectors.audit_answers(audit, unit) if unit else {}
        can_record = selectors.is_on_team(self.request.user, audit) and (
            audit.status == Audit.Status.IN_PROGRESS
        )
        return self.get_context_data(
            audit=audit,
            units=units,
            unit=unit,
            answers=answers,
            form=form or forms.AnswersForm(items=items, answers=answers),
            can_record=can_record,
            rows_done=sum(1 for a in answers.values() if a.result),
            items_count=len(items),
        )

    def get(self, request, pk):
        audit = whole_audit(request, pk)
        units, unit = self._unit(audit, request.GET.get("unit"))
        return self.render_to_response(self._context(audit, unit, units))

    def post(self, request, pk):
        audit = team_gate(request, pk)
        units, unit = self._unit(audit, request.POST.get("unit"), strict=True)
        items = selectors.audit_checklist_items(audit)
        form = forms.AnswersForm(
            request.POST, items=items, answers=selectors.audit_answers(audit, unit) if unit else {}
        )
        if unit is None:
            form.is_valid()
            form.add_error(
                None,
                _("Đơn vị không thuộc phạm vi cuộc đánh giá %(code)s.") % {"code": audit.code},
            )
        elif form.is_valid():
            try:
                services.answers_record(
                    actor=request.user, audit=audit, unit=unit, answers=form.answers()
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(
                    request, _("Đã lưu kết quả kiểm tra tại %(unit)s.") % {"unit": unit}
                )
                return redirect(f"{url('conduct', pk=audit.pk)}?unit={unit.pk}")
        return self.render_to_response(self._context(audit, unit, units, form=form), status=400)


class FindingCreateView(FormPage):
    template_name = "internal_audits/finding_form.html"

    def gate(self):
        self.audit = team_gate(self.request, self.kwargs["pk"])

    def get_form(self, data=None):
        initial = {}
        answer = (
            AuditChecklistAnswer.objects.filter(
                audit=self.audit, pk=self.request.GET.get("answer")
            ).first()
            if str(self.request.GET.get("answer", "")).isdigit()
            else None
        )
        if answer:
            kind = {
                AuditChecklistAnswer.Result.NONCONFORM: Finding.Kind.MINOR_NC,
                AuditChecklistAnswer.Result.OBSERVATION: Finding.Kind.OBSERVATION,
            }.get(answer.result, Finding.Kind.CONFORMITY)
            initial = {
                "unit": answer.unit,
                "clause": answer.clause,
                "kind": kind,
                "evidence": answer.evidence_notes,
                "answer": answer,
            }
        return forms.FindingForm(
            data, initial=initial, audit=self.audit, units=selectors.audit_units(self.audit)
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(audit=self.audit, **kwargs)

    def perform(self, form):
        finding = services.finding_record(
            actor=self.request.user, audit=self.audit, **form.cleaned_data
        )
        if finding.nonconformity_id:
            messages.success(
                self.request,
                _("Đã ghi nhận phát hiện số %(n)s và mở sự không phù hợp để khắc phục.")
                % {"n": finding.number},
            )
        else:
            messages.success(
                self.request, _("Đã ghi nhận phát hiện số %(n)s.") % {"n": finding.number}
            )
        return redirect(url("audit", pk=self.audit.pk) + "#phat-hien")


# Report ----------------------------------------------------------------------------------------


def report_context(request, audit, report_form=None, sign_form=None) -> dict:
    user = request.user
    report = AuditReport.objects.filter(audit=audit).first()
    can_edit = selectors.is_on_team(user, audit) and audit.status == Audit.Status.IN_PROGRESS
    can_sign = (
        audit.lead_auditor_id == user.pk
        and audit.status == Audit.Status.IN_PROGRESS
        and report is not None
    )
    initial = (
        {
            "summary": report.summary,
            "conclusions": report.conclusions,
            "recommendations": report.recommendations,
        }
        if report
        else {}
    )
    return {
        "audit": audit,
        "report": report,
        **selectors.audit_scope(audit),
        "team": selectors.audit_team(audit),
        "findings": with_nonconformity_links(
            list(audit.findings.select_related("unit", "nonconformity"))
        ),
        "signatures": selectors.report_signatures(audit),
        "report_form": (report_form or forms.ReportForm(initial=initial)) if can_edit else None,
        "sign_form": (sign_form or forms.PasswordForm()) if can_sign else None,
    }


class AuditReportView(LoginRequiredMixin, generic.TemplateView):
    template_name = "internal_audits/audit_report.html"
    http_method_names = ["get", "post", "head", "options"]

    def get(self, request, pk):
        audit = whole_audit(request, pk)
        return self.render_to_response(self.get_context_data(**report_context(request, audit)))

    def post(self, request, pk):
        audit = team_gate(request, pk)
        form = forms.ReportForm(request.POST)
        if form.is_valid():
            try:
                services.report_save(actor=request.user, audit=audit, **form.cleaned_data)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("Đã lưu dự thảo báo cáo."))
                return redirect(url("report", pk=audit.pk))
        context = report_context(request, audit, report_form=form)
        return self.render_to_response(self.get_context_data(**context), status=400)


class ReportSignView(LoginRequiredMixin, generic.TemplateView):
    template_name = "internal_audits/audit_report.html"
    http_method_names = ["post"]

    def post(self, request, pk):
        audit = lead_gate(request, pk, Audit.Status.IN_PROGRESS)
        form = forms.PasswordForm(request.POST)
        if form.is_valid():
            try:
                services.report_sign(
                    actor=request.user, audit=audit, password=form.cleaned_data["password"]
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, _("Đã ký báo cáo đánh giá nội bộ."))
                return redirect(url("report", pk=audit.pk))
        context = report_context(request, audit, sign_form=form)
        return self.render_to_response(self.get_context_data(**context), status=400)


class ReportPdfView(LoginRequiredMixin, generic.View):
    """“Báo cáo đánh giá nội bộ” with the findings table and the signature as it stands."""

    def get(self, request, pk):
        audit = whole_audit(request, pk)
        report = get_object_or_404(AuditReport, audit=audit)
        pdf = render_pdf(
            "internal_audits/pdf/report.html",
            {
                **report_context(request, audit),
                "report": report,
                "agency": agency_current(on=audit.planned_start) or agency_current(),
                "printed_at": timezone.localtime(),
            },
        )
        return pdf_response(
            pdf, f"bao-cao-danh-gia-noi-bo-{audit.number:02d}-{audit.programme.year}.pdf"
        )


# Follow-up -------------------------------------------------------------------------------------


class FollowUpView(Page):
    """Every nonconformity finding the user may see, with its nonconformity's status, until
    all are closed."""

    template_name = "internal_audits/followup.html"

    def get_context_data(self, **kwargs):
        form = forms.FollowUpFilterForm(self.request.GET or None)
        open_only = form.is_valid() and form.cleaned_data["open_only"]
        findings = with_nonconformity_links(
            selectors.follow_up(
                selectors.findings_visible_to(self.request.user), open_only=open_only
            )
        )
        audits = {}
        for finding in findings:
            audits.setdefault(finding.audit, []).append(finding)
        return super().get_context_data(
            form=form,
            groups=[
                {
                    "audit": audit,
                    "findings": rows,
                    "open": sum(1 for f in rows if not f.is_closed),
                }
                for audit, rows in audits.items()
            ],
            total=len(findings),
            open_total=sum(1 for f in findings if not f.is_closed),
            **kwargs,
        )


# Checklists ------------------------------------------------------------------------------------


class ChecklistListView(Page):
    template_name = "internal_audits/checklist_list.html"

    def get_context_data(self, **kwargs):
        checklists = Checklist.objects.select_related("field").annotate(
            item_count=Count("items", distinct=True), use_count=Count("uses", distinct=True)
        )
        return super().get_context_data(
            checklists=checklists,
            can_edit=selectors.is_quality_manager(self.request.user),
            **kwargs,
        )


class ChecklistCreateView(FormPage):
    template_name = "internal_audits/checklist_form.html"
    form_class = forms.ChecklistForm

    def gate(self):
        quality_manager_gate(self.request)

    def perform(self, form):
        data = form.cleaned_data
        checklist = services.checklist_create(
            actor=self.request.user,
            title=data["title"],
            clause=data["clause"],
            internal_process=data["internal_process"],
            field=data["field"],
            items=data["items"],
        )
        messages.success(self.request, _("Đã lập danh mục kiểm tra."))
        return redirect(url("checklist", pk=checklist.pk))


class ChecklistDetailView(FormPage):
    """A checklist and the audits that used it; the quality manager adds questions here."""

    template_name = "internal_audits/checklist_detail.html"
    form_class = forms.ChecklistItemForm

    def gate(self):
        self.checklist = get_object_or_404(Checklist, pk=self.kwargs["pk"])
        if self.request.method == "POST":
            quality_manager_gate(self.request)

    def get_context_data(self, **kwargs):
        can_edit = selectors.is_quality_manager(self.request.user)
        if not can_edit:
            kwargs["form"] = None
        return super().get_context_data(
            checklist=self.checklist,
            items=self.checklist.items.order_by("order"),
            audits=selectors.audits_visible_to(self.request.user).filter(
                checklists__checklist=self.checklist
            ),
            **kwargs,
        )

    def perform(self, form):
        services.checklist_item_add(
            actor=self.request.user, checklist=self.checklist, **form.cleaned_data
        )
        messages.success(self.request, _("Đã thêm câu hỏi."))
        return redirect(url("checklist", pk=self.checklist.pk))
