"""Forms of the internal audit pages. They validate input; the services decide (the plan form
also shows the services' independence rule next to the fields that break it)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import ProcedureField
from qms.core.models import OrgUnit, User

from . import services
from .models import (
    AuditChecklistAnswer,
    Checklist,
    Finding,
    InternalProcess,
    validate_clause,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = gettext_lazy("Ngày phải viết theo dạng ngày/tháng/năm, ví dụ 15/05/2024.")


def _date_field(label):
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR, "required": gettext_lazy("Phải nhập ngày.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return (
            f"{obj.get_full_name() or obj.username} ({obj.position})" if obj.position else str(obj)
        )


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return (
            f"{obj.get_full_name() or obj.username} ({obj.position})" if obj.position else str(obj)
        )


class ProgrammeForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Năm"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=gettext_lazy("Tên chương trình"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Để trống: “Chương trình đánh giá nội bộ năm …”."),
    )
    objectives = forms.CharField(
        label=gettext_lazy("Mục tiêu"), widget=TEXTAREA, max_length=services.TEXT_LIMIT
    )


class ProgrammeEditForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên chương trình"), max_length=255)
    objectives = forms.CharField(
        label=gettext_lazy("Mục tiêu"), widget=TEXTAREA, max_length=services.TEXT_LIMIT
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Mật khẩu của bạn (ký điện tử)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": gettext_lazy("Nhập mật khẩu của bạn để ký.")},
    )


class AuditPlanForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên cuộc đánh giá"), max_length=255)
    scope = forms.CharField(
        label=gettext_lazy("Phạm vi đánh giá"), widget=TEXTAREA, max_length=services.TEXT_LIMIT
    )
    clauses = forms.CharField(
        label=gettext_lazy("Điều khoản ISO 9001:2015"),
        max_length=255,
        help_text=gettext_lazy("Cách nhau bởi dấu phẩy, ví dụ 7.5, 8.5, 8.7, 9.1, 10.2."),
    )
    criteria = forms.CharField(
        label=gettext_lazy("Chuẩn mực đánh giá (quy trình nội bộ, căn cứ pháp lý)"),
        widget=TEXTAREA,
        max_length=services.TEXT_LIMIT,
    )
    planned_start = _date_field(gettext_lazy("Ngày bắt đầu"))
    planned_end = _date_field(gettext_lazy("Ngày kết thúc"))
    lead_auditor = UserChoiceField(
        label=gettext_lazy("Trưởng đoàn đánh giá"), queryset=User.objects.none()
    )
    members = UserMultipleChoiceField(
        label=gettext_lazy("Thành viên đoàn"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Đơn vị được đánh giá"),
        queryset=OrgUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Phải chọn ít nhất một đơn vị được đánh giá.")},
    )
    procedure_fields = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Lĩnh vực thủ tục hành chính"),
        queryset=ProcedureField.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    processes = forms.MultipleChoiceField(
        label=gettext_lazy("Quá trình nội bộ"),
        choices=InternalProcess.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    checklists = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Danh mục kiểm tra sử dụng"),
        queryset=Checklist.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("last_name", "first_name")
        self.fields["lead_auditor"].queryset = people
        self.fields["members"].queryset = people
        self.fields["units"].queryset = OrgUnit.objects.filter(is_active=True).order_by(
            "order", "name"
        )
        self.fields["procedure_fields"].queryset = ProcedureField.objects.order_by("name")
        self.fields["checklists"].queryset = Checklist.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        units = data.get("units") or []
        if units:
            errors = services.independence_errors(
                lead_auditor=data.get("lead_auditor"),
                members=list(data.get("members") or []),
                units=list(units),
            )
            for field, messages in errors.items():
                for message in messages:
                    self.add_error(field, message)
        return data

    def plan(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "scope": data["scope"],
            "clauses": data["clauses"],
            "criteria": data["criteria"],
            "planned_start": data["planned_start"],
            "planned_end": data["planned_end"],
            "lead_auditor": data["lead_auditor"],
            "members": list(data["members"]),
            "units": list(data["units"]),
            "fields": list(data["procedure_fields"]),
            "processes": list(data["processes"]),
            "checklists": list(data["checklists"]),
        }


class AnswersForm(forms.Form):
    """One result and one note per checklist question of the audit, for one unit."""

    def __init__(self, *args, items, answers, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        self.existing = answers
        results = [("", _("— chưa kiểm tra —")), *AuditChecklistAnswer.Result.choices]
        for item in items:
            existing = answers.get(item.pk)
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(
                label=item.question,
                choices=results,
                required=False,
                initial=existing.result if existing else "",
            )
            self.fields[f"notes_{item.pk}"] = forms.CharField(
                label=_("Bằng chứng, ghi chép"),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=services.TEXT_LIMIT,
                initial=existing.evidence_notes if existing else "",
            )

    def rows(self):
        return [
            {
                "item": item,
                "answer": self.existing.get(item.pk),
                "result": self[f"result_{item.pk}"],
                "notes": self[f"notes_{item.pk}"],
            }
            for item in self.items
        ]

    def answers(self) -> list:
        return [
            services.AnswerInput(
                item=item,
                result=self.cleaned_data.get(f"result_{item.pk}") or "",
                evidence_notes=self.cleaned_data.get(f"notes_{item.pk}") or "",
            )
            for item in self.items
        ]


class FindingForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Đơn vị"), queryset=OrgUnit.objects.none())
    clause = forms.CharField(
        label=gettext_lazy("Điều khoản"),
        max_length=16,
        help_text=gettext_lazy("Ví dụ 8.5.1"),
        validators=[validate_clause],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Loại phát hiện"), choices=Finding.Kind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=gettext_lazy("Nội dung phát hiện"), widget=TEXTAREA, max_length=services.TEXT_LIMIT
    )
    evidence = forms.CharField(
        label=gettext_lazy("Bằng chứng khách quan"),
        widget=TEXTAREA,
        required=False,
        max_length=services.TEXT_LIMIT,
        help_text=gettext_lazy("Bắt buộc với phát hiện không phù hợp."),
    )
    answer = forms.ModelChoiceField(
        label=gettext_lazy("Câu hỏi kiểm tra liên quan"),
        queryset=AuditChecklistAnswer.objects.none(),
        required=False,
    )

    def __init__(self, *args, audit, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units])
        self.fields["answer"].queryset = audit.answers.select_related("unit")
        self.fields["answer"].label_from_instance = lambda a: (
            f"{a.unit} — {a.clause}: {a.question[:90]} ({a.get_result_display()})"
        )


class ReportForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("Tóm tắt quá trình đánh giá"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=services.TEXT_LIMIT,
    )
    conclusions = forms.CharField(
        label=gettext_lazy("Kết luận"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=services.TEXT_LIMIT,
    )
    recommendations = forms.CharField(
        label=gettext_lazy("Kiến nghị"),
        widget=TEXTAREA,
        required=False,
        max_length=services.TEXT_LIMIT,
    )


class ChecklistForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tên danh mục"), max_length=255)
    clause = forms.CharField(
        label=gettext_lazy("Điều khoản"), max_length=16, validators=[validate_clause]
    )
    internal_process = forms.ChoiceField(
        label=gettext_lazy("Quá trình nội bộ"),
        choices=[("", "—"), *InternalProcess.choices],
        required=False,
    )
    field = forms.ModelChoiceField(
        label=gettext_lazy("Lĩnh vực thủ tục hành chính"),
        queryset=ProcedureField.objects.order_by("name"),
        required=False,
    )
    items = forms.CharField(
        label=gettext_lazy("Câu hỏi"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
        help_text=gettext_lazy(
            "Mỗi dòng một câu hỏi: điều khoản | câu hỏi | bằng chứng cần xem, "
            "ví dụ: 7.5.3 | Tài liệu lỗi thời có được thu hồi không? | Sổ theo dõi thu hồi"
        ),
    )

    def clean_items(self):
        rows = []
        for n, line in enumerate((self.cleaned_data.get("items") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 2 or len(parts) > 3:
                raise forms.ValidationError(
                    _("Dòng %(n)s: viết “điều khoản | câu hỏi | bằng chứng cần xem”.") % {"n": n}
                )
            rows.append((parts[0], parts[1], parts[2] if len(parts) == 3 else ""))
        return rows


class ChecklistItemForm(forms.Form):
    clause = forms.CharField(
        label=gettext_lazy("Điều khoản"), max_length=16, validators=[validate_clause]
    )
    question = forms.CharField(
        label=gettext_lazy("Câu hỏi"), widget=TEXTAREA, max_length=services.TEXT_LIMIT
    )
    evidence_expected = forms.CharField(
        label=gettext_lazy("Bằng chứng cần xem"),
        widget=TEXTAREA,
        required=False,
        max_length=services.TEXT_LIMIT,
    )


class FollowUpFilterForm(forms.Form):
    open_only = forms.BooleanField(label=gettext_lazy("Chỉ phát hiện chưa đóng"), required=False)
