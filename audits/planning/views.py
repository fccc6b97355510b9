"""Pages of quality planning: the quality policy, the yearly objectives with their live
achievement, the risk and opportunity register, the computed indicators.

Everybody reads within their scope (selectors); only the quality manager and the directors
open the forms that write, and each form makes one service call. Auditors read everything and
are refused every write (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from audits import indicators
from procedures.models import Procedure
from qms.core.selectors import units_visible_to, user_sees_all_units
from qms.core.signatures import signature_valid, signatures_of

from . import forms, selectors, services
from .models import QualityObjective, QualityPolicy, RiskEntry

READ_ONLY = ["get", "head", "options"]


def form_errors_from(form, error: ValidationError):
    """Put a service's ValidationError onto the form, by field where the form has it."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def flash_errors(request, form=None, error: ValidationError | None = None):
    """For the small POST forms on a detail page: the errors go to the page as messages."""
    if form is not None:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
    if error is not None:
        for message in error.messages:
            messages.error(request, message)


class ManagerRequiredMixin:
    """The quality manager and the directors; everybody else (auditors first) gets 403,
    before any record is looked up (:meth:`load`)."""

    def dispatch(self, request, *args, **kwargs):
        if not selectors.can_manage(request.user):
            raise PermissionDenied
        self.load(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, **kwargs):
        """Look up the record the view works on."""


class ServiceFormView(generic.FormView):
    """GET shows the form; POST validates it and calls :meth:`perform` (one service): its
    ValidationError goes back onto the form, nothing is written."""

    template_name = "planning/form.html"
    success_message = ""
    page_title = ""
    cancel_url = None

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            obj = self.perform(form)
        except ValidationError as error:
            form_errors_from(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return redirect(self.success(obj))

    def success(self, obj):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        kwargs.setdefault("page_title", self.page_title)
        kwargs.setdefault("cancel_url", self.cancel_url)
        return super().get_context_data(**kwargs)


# --- Quality objectives ----------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


class ObjectiveListView(generic.TemplateView):
    """The objectives of a year the user may see, each with its achievement computed now."""

    template_name = "planning/objective_list.html"
    http_method_names = READ_ONLY

    def get_context_data(self, **kwargs):
        user = self.request.user
        year = _year(self.request)
        visible = selectors.objectives_visible_to(user=user)
        objectives = visible.filter(year=year).order_by("status", "unit__order", "indicator", "id")
        years = sorted(
            {*visible.values_list("year", flat=True).distinct(), timezone.localdate().year},
            reverse=True,
        )
        results = [
            selectors.objective_achievement(o)
            if o.status == QualityObjective.Status.ACTIVE
            else None
            for o in objectives
        ]
        return super().get_context_data(
            year=year,
            years=years,
            rows=list(zip(objectives, results, strict=True)),
            period=selectors.objective_period(year),
            policy=selectors.quality_policy_effective(),
            can_manage=selectors.can_manage(user),
            **kwargs,
        )


def _objective(request, pk) -> QualityObjective:
    return get_object_or_404(selectors.objectives_visible_to(user=request.user), pk=pk)


class ObjectiveDetailView(generic.TemplateView):
    template_name = "planning/objective_detail.html"
    http_method_names = READ_ONLY

    def get_context_data(self, **kwargs):
        user = self.request.user
        objective = _objective(self.request, self.kwargs["pk"])
        result = None
        if objective.status == QualityObjective.Status.ACTIVE:
            result = selectors.objective_achievement(
                objective,
                per_unit=True,
                units=None if user_sees_all_units(user) else units_visible_to(user),
            )
        return super().get_context_data(
            objective=objective,
            result=result,
            indicator=objective.indicator_definition,
            can_manage=selectors.can_manage(user),
            withdraw_form=forms.WithdrawForm(),
            **kwargs,
        )


def _objective_fields(data) -> dict:
    return {name: data[name] for name in services.OBJECTIVE_FIELDS}


class ObjectiveCreateView(ManagerRequiredMixin, ServiceFormView):
    form_class = forms.ObjectiveForm
    success_message = gettext_lazy("Đã lập mục tiêu chất lượng.")

    def get_initial(self):
        return {"year": timezone.localdate().year, "comparison": "gte"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title=_("Lập mục tiêu chất lượng"), **kwargs)

    def perform(self, form):
        return services.quality_objective_create(
            actor=self.request.user, **_objective_fields(form.cleaned_data)
        )

    def success(self, obj):
        return reverse("planning:objective_detail", args=[obj.pk])


class ObjectiveUpdateView(ManagerRequiredMixin, ServiceFormView):
    form_class = forms.ObjectiveForm
    success_message = gettext_lazy("Đã sửa mục tiêu chất lượng.")

    def load(self, pk):
        self.objective = get_object_or_404(QualityObjective, pk=pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "changing": True}

    def get_initial(self):
        return {name: getattr(self.objective, name) for name in services.OBJECTIVE_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Sửa mục tiêu chất lượng"),
            cancel_url=reverse("planning:objective_detail", args=[self.objective.pk]),
            **kwargs,
        )

    def perform(self, form):
        return services.quality_objective_change(
            actor=self.request.user,
            objective=self.objective,
            reason=form.cleaned_data["reason"],
            **_objective_fields(form.cleaned_data),
        )

    def success(self, obj):
        return reverse("planning:objective_detail", args=[obj.pk])


class ObjectiveWithdrawView(ManagerRequiredMixin, generic.View):
    http_method_names = ["post"]

    def post(self, request, pk):
        objective = get_object_or_404(QualityObjective, pk=pk)
        form = forms.WithdrawForm(request.POST)
        if not form.is_valid():
            flash_errors(request, form)
        else:
            try:
                services.quality_objective_withdraw(
                    actor=request.user, objective=objective, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                flash_errors(request, error=error)
            else:
                messages.success(request, _("Đã hủy bỏ mục tiêu chất lượng."))
        return redirect("planning:objective_detail", pk=pk)


# --- Quality policy --------------------------------------------------------------------------


class PolicyListView(generic.TemplateView):
    """The policy in force, and every version with its state."""

    template_name = "planning/policy_list.html"
    http_method_names = READ_ONLY

    def get_context_data(self, **kwargs):
        effective = selectors.quality_policy_effective()
        policies = list(selectors.quality_policies())
        return super().get_context_data(
            effective=effective,
            rows=[
                (p, selectors.POLICY_STATES[selectors.policy_state(p, effective)]) for p in policies
            ],
            can_manage=selectors.can_manage(self.request.user),
            **kwargs,
        )


class PolicyDetailView(generic.TemplateView):
    template_name = "planning/policy_detail.html"
    http_method_names = READ_ONLY

    def get_context_data(self, **kwargs):
        policy = get_object_or_404(QualityPolicy, pk=self.kwargs["pk"])
        user = self.request.user
        content = services.policy_content(policy)
        signatures = [
            {"signature": s, "valid": signature_valid(s, content)}
            for s in signatures_of(policy).filter(purpose=services.PURPOSE_POLICY)
        ]
        state = selectors.policy_state(policy, selectors.quality_policy_effective())
        is_draft = policy.status == QualityPolicy.Status.DRAFT
        return super().get_context_data(
            policy=policy,
            state=selectors.POLICY_STATES[state],
            signatures=signatures,
            can_edit=is_draft and selectors.can_manage(user),
            approve_form=forms.PolicyApproveForm()
            if is_draft and selectors.can_approve_policy(user)
            else None,
            **kwargs,
        )


class PolicyCreateView(ManagerRequiredMixin, ServiceFormView):
    form_class = forms.PolicyForm
    success_message = gettext_lazy("Đã lưu dự thảo chính sách chất lượng.")

    def get_initial(self):
        effective = selectors.quality_policy_effective()
        if effective is None:
            return {"title": _("Chính sách chất lượng")}
        return {"title": effective.title, "text": effective.text}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Soạn thảo chính sách chất lượng"),
            cancel_url=reverse("planning:policy"),
            **kwargs,
        )

    def perform(self, form):
        return services.quality_policy_save(actor=self.request.user, **form.cleaned_data)

    def success(self, obj):
        return reverse("planning:policy_detail", args=[obj.pk])


class PolicyUpdateView(PolicyCreateView):
    def load(self, pk):
        self.policy = get_object_or_404(QualityPolicy, pk=pk)

    def get(self, request, *args, **kwargs):
        if self.policy.status != QualityPolicy.Status.DRAFT:
            messages.error(request, _("Chính sách đã phê duyệt không sửa được."))
            return redirect("planning:policy_detail", pk=self.policy.pk)
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        p = self.policy
        return {"title": p.title, "text": p.text, "effective_from": p.effective_from}

    def perform(self, form):
        return services.quality_policy_save(
            actor=self.request.user, policy=self.policy, **form.cleaned_data
        )


class PolicyApproveView(generic.View):
    http_method_names = ["post"]

    def post(self, request, pk):
        if not selectors.can_approve_policy(request.user):
            raise PermissionDenied
        policy = get_object_or_404(QualityPolicy, pk=pk)
        form = forms.PolicyApproveForm(request.POST)
        if not form.is_valid():
            flash_errors(request, form)
        else:
            try:
                services.quality_policy_approve(
                    actor=request.user, policy=policy, password=form.cleaned_data["password"]
                )
            except ValidationError as error:
                flash_errors(request, error=error)
            else:
                messages.success(request, _("Đã phê duyệt và ký chính sách chất lượng."))
        return redirect("planning:policy_detail", pk=pk)


# --- Risks and opportunities -----------------------------------------------------------------


class RiskListView(generic.TemplateView):
    template_name = "planning/risk_list.html"
    http_method_names = READ_ONLY

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = forms.RiskFilterForm(self.request.GET or None)
        risks = selectors.risks_visible_to(user=user)
        if form.is_bound and form.is_valid():
            risks = _filter_risks(risks, form.cleaned_data)
        today = timezone.localdate()
        return super().get_context_data(
            form=form,
            rows=[(r, selectors.risk_is_due(r, on=today)) for r in risks],
            today=today,
            can_manage=selectors.can_manage(user),
            **kwargs,
        )


def _filter_risks(risks, data):
    from django.db.models import Q

    if data.get("kind"):
        risks = risks.filter(kind=data["kind"])
    if data.get("status"):
        risks = risks.filter(status=data["status"])
    if data.get("band"):
        low = 1
        for limit, band in RiskEntry.BAND_LIMITS:
            if band == data["band"]:
                risks = risks.filter(level__gte=low, level__lte=limit)
            low = limit + 1
    if data.get("owner_unit"):
        risks = risks.filter(owner_unit=data["owner_unit"])
    if data.get("text"):
        text = data["text"]
        risks = risks.filter(
            Q(description__icontains=text)
            | Q(process_name__icontains=text)
            | Q(procedure__name__icontains=text)
            | Q(cause__icontains=text)
        )
    return risks


def _risk(request, pk) -> RiskEntry:
    return get_object_or_404(selectors.risks_visible_to(user=request.user), pk=pk)


class RiskDetailView(generic.TemplateView):
    template_name = "planning/risk_detail.html"
    http_method_names = READ_ONLY

    def get_context_data(self, **kwargs):
        risk = _risk(self.request, self.kwargs["pk"])
        user = self.request.user
        can_review = selectors.can_review_risk(user, risk)
        review_form = None
        if can_review and risk.status != RiskEntry.Status.CLOSED:
            review_form = forms.RiskReviewForm(
                initial={
                    "likelihood": risk.likelihood,
                    "impact": risk.impact,
                    "status": risk.status,
                }
            )
        return super().get_context_data(
            risk=risk,
            reviews=risk.reviews.select_related("reviewed_by"),
            reminders=risk.reminders.all()[:10],
            due=selectors.risk_is_due(risk),
            can_manage=selectors.can_manage(user),
            review_form=review_form,
            **kwargs,
        )


def _risk_fields(data) -> dict:
    return {name: data[name] for name in services.RISK_FIELDS}


class RiskCreateView(ManagerRequiredMixin, ServiceFormView):
    form_class = forms.RiskForm
    success_message = gettext_lazy("Đã ghi nhận rủi ro, cơ hội.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Ghi nhận rủi ro, cơ hội"), cancel_url=reverse("planning:risks"), **kwargs
        )

    def perform(self, form):
        return services.risk_create(actor=self.request.user, **_risk_fields(form.cleaned_data))

    def success(self, obj):
        return reverse("planning:risk_detail", args=[obj.pk])


class RiskUpdateView(ManagerRequiredMixin, ServiceFormView):
    form_class = forms.RiskForm
    success_message = gettext_lazy("Đã sửa rủi ro, cơ hội.")

    def load(self, pk):
        self.risk = get_object_or_404(RiskEntry, pk=pk)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "changing": True}

    def get_initial(self):
        return {name: getattr(self.risk, name) for name in (*services.RISK_FIELDS, "status")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Sửa rủi ro, cơ hội"),
            cancel_url=reverse("planning:risk_detail", args=[self.risk.pk]),
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        return services.risk_change(
            actor=self.request.user,
            risk=self.risk,
            reason=data["reason"],
            status=data["status"],
            **_risk_fields(data),
        )

    def success(self, obj):
        return reverse("planning:risk_detail", args=[obj.pk])


class RiskReviewView(generic.View):
    http_method_names = ["post"]

    def post(self, request, pk):
        risk = _risk(request, pk)
        if not selectors.can_review_risk(request.user, risk):
            raise PermissionDenied
        form = forms.RiskReviewForm(request.POST)
        if not form.is_valid():
            flash_errors(request, form)
        else:
            try:
                services.risk_review(actor=request.user, risk=risk, **form.cleaned_data)
            except ValidationError as error:
                flash_errors(request, error=error)
            else:
                messages.success(request, _("Đã ghi kết quả xem xét rủi ro, cơ hội."))
        return redirect("planning:risk_detail", pk=pk)


# --- Indicators ------------------------------------------------------------------------------


def _allowed_keys(by: str, units) -> set:
    """The groups of a breakdown a member of ``units`` may see: those units, or the
    procedures those units handle."""
    if by == "unit":
        return set(units.values_list("pk", flat=True))
    return set(
        Procedure.objects.filter(versions__handling_unit__in=units).values_list("pk", flat=True)
    )


#: How many nightly snapshots the "trend by day" table shows.
SNAPSHOT_DAYS = 30


def _snapshot_trend(days: int = SNAPSHOT_DAYS) -> list[tuple]:
    """The department-wide figures of the last ``days`` nightly snapshots, newest first: one
    ``(day, [snapshot or None for each indicator in the registry's order])`` per day. The
    figures are the stored ones (:class:`~audits.models.IndicatorSnapshot`), as they stood
    that night."""
    from audits.models import IndicatorSnapshot

    department = IndicatorSnapshot.objects.filter(unit__isnull=True)
    recent = list(department.order_by("-day").values_list("day", flat=True).distinct()[:days])
    kept = {(s.day, s.code): s for s in department.filter(day__in=recent)}
    return [(day, [kept.get((day, code)) for code in indicators.INDICATORS]) for day in recent]


class IndicatorsView(generic.TemplateView):
    """Every indicator for a period and scope, and one indicator broken down by unit or by
    procedure. Unit staff choose among their units; their breakdown shows only their units."""

    template_name = "planning/indicators.html"
    http_method_names = READ_ONLY

    def get_context_data(self, **kwargs):
        user = self.request.user
        sees_all = user_sees_all_units(user)
        units = None if sees_all else units_visible_to(user)
        form = forms.IndicatorPeriodForm(self.request.GET, units=units)
        values, rows, selected = [], [], None
        if form.is_valid():
            data = form.cleaned_data
            scope = {
                "date_from": data["date_from"],
                "date_to": data["date_to"],
                "unit": data["unit"],
                "procedure": data["procedure"],
            }
            values = [
                (item, indicators.compute(code, **scope))
                for code, item in indicators.INDICATORS.items()
            ]
            selected = indicators.indicator(data["code"])
            rows = indicators.breakdown(data["code"], by=data["by"], **scope)
            if units is not None:
                allowed = _allowed_keys(data["by"], units)
                rows = [row for row in rows if row.key in allowed]
        return super().get_context_data(
            form=form,
            values=values,
            rows=rows,
            selected=selected,
            indicator_list=list(indicators.INDICATORS.values()),
            trend=_snapshot_trend(),
            trend_days=SNAPSHOT_DAYS,
            **kwargs,
        )
