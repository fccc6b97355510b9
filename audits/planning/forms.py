"""Forms of the planning pages: they only parse input; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits import indicators
from procedures.models import Procedure
from qms.core.models import OrgUnit, User

from .models import QualityObjective, RiskEntry

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = _("ngày phải viết theo dạng ngày/tháng/năm, ví dụ 26/04/2024.")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def date_field(label, **kwargs):
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def unit_field(label, *, required=True, empty_label=None):
    return forms.ModelChoiceField(
        label=label,
        queryset=OrgUnit.objects.filter(is_active=True).order_by("order", "name"),
        required=required,
        empty_label=empty_label,
    )


def procedure_field(label, empty_label):
    return forms.ModelChoiceField(
        label=label,
        queryset=Procedure.objects.order_by("name"),
        required=False,
        empty_label=empty_label,
    )


def score_field(label):
    return forms.TypedChoiceField(label=label, choices=RiskEntry.SCORES, coerce=int)


def reason_field():
    return forms.CharField(
        label=_("Lý do thay đổi"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề"), max_length=255)
    text = forms.CharField(
        label=_("Nội dung chính sách chất lượng"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=20000,
    )
    effective_from = date_field(_("Ngày hiệu lực"))


class PolicyApproveForm(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu (ký điện tử)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "Phê duyệt là ký điện tử: nhập lại mật khẩu của bạn. Chữ ký ghi họ tên, thời điểm, "
            "ý nghĩa và mã băm của nội dung chính sách."
        ),
        error_messages={"required": _("Nhập mật khẩu của bạn để ký.")},
    )


class ObjectiveForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Mục tiêu"), max_length=500)
    indicator = forms.ChoiceField(label=_("Chỉ số đo"), choices=indicators.choices)
    comparison = forms.ChoiceField(
        label=_("So sánh"),
        choices=[
            (QualityObjective.Comparison.AT_LEAST, _("≥ (không thấp hơn)")),
            (QualityObjective.Comparison.AT_MOST, _("≤ (không vượt quá)")),
        ],
    )
    target = forms.DecimalField(
        label=_("Giá trị mục tiêu"), max_digits=9, decimal_places=2, min_value=0
    )
    unit = unit_field(_("Phạm vi"), required=False, empty_label=_("Toàn Sở"))
    procedure = procedure_field(_("Thủ tục hành chính"), _("Mọi thủ tục"))
    owner_unit = unit_field(_("Đơn vị chủ trì"))
    action_plan = forms.CharField(
        label=_("Kế hoạch thực hiện"), widget=TEXTAREA, required=False, max_length=10000
    )

    def __init__(self, *args, changing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if changing:
            self.fields["reason"] = reason_field()


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do hủy bỏ"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RiskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=RiskEntry.Kind.choices)
    procedure = procedure_field(_("Quy trình: thủ tục hành chính"), _("— không phải TTHC —"))
    process_name = forms.CharField(
        label=_("hoặc quy trình nội bộ"),
        max_length=255,
        required=False,
        help_text=_("Ví dụ: Kiểm soát tài liệu; Vận hành hệ thống thông tin; Quản lý nhân sự."),
    )
    description = forms.CharField(label=_("Mô tả"), widget=TEXTAREA, max_length=5000)
    cause = forms.CharField(
        label=_("Nguyên nhân"), widget=TEXTAREA, max_length=5000, required=False
    )
    likelihood = score_field(_("Khả năng xảy ra (1–5)"))
    impact = score_field(_("Mức độ ảnh hưởng (1–5)"))
    action = forms.CharField(label=_("Biện pháp xử lý"), widget=TEXTAREA, max_length=5000)
    unit = unit_field(_("Phạm vi"), required=False, empty_label=_("Toàn Sở"))
    owner_unit = unit_field(_("Đơn vị chủ trì xử lý"))
    owner = forms.ModelChoiceField(
        label=_("Người phụ trách"),
        queryset=User.objects.filter(is_active=True).order_by("last_name", "first_name"),
        required=False,
        empty_label=_("— Lãnh đạo đơn vị chủ trì —"),
    )
    review_date = date_field(_("Ngày xem xét tiếp theo"))

    def __init__(self, *args, changing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if changing:
            self.fields["status"] = forms.ChoiceField(
                label=_("Tình trạng"), choices=RiskEntry.Status.choices
            )
            self.fields["reason"] = reason_field()


class RiskReviewForm(forms.Form):
    likelihood = score_field(_("Khả năng xảy ra (1–5)"))
    impact = score_field(_("Mức độ ảnh hưởng (1–5)"))
    status = forms.ChoiceField(label=_("Tình trạng sau xem xét"), choices=RiskEntry.Status.choices)
    note = forms.CharField(label=_("Kết quả xem xét"), widget=TEXTAREA, max_length=5000)
    next_review_date = date_field(_("Ngày xem xét tiếp theo"))


class RiskFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại"), choices=[("", _("Tất cả")), *RiskEntry.Kind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        choices=[("", _("Tất cả")), *RiskEntry.Status.choices],
        required=False,
    )
    band = forms.ChoiceField(
        label=_("Mức độ"), choices=[("", _("Tất cả")), *RiskEntry.Band.choices], required=False
    )
    owner_unit = unit_field(_("Đơn vị chủ trì"), required=False, empty_label=_("Mọi đơn vị"))
    text = forms.CharField(label=_("Quy trình, nội dung"), max_length=100, required=False)


class IndicatorPeriodForm(forms.Form):
    date_from = date_field(_("Từ ngày"))
    date_to = date_field(_("Đến ngày"))
    unit = unit_field(_("Đơn vị giải quyết"), required=False, empty_label=_("Toàn Sở"))
    procedure = procedure_field(_("Thủ tục hành chính"), _("Mọi thủ tục"))
    code = forms.ChoiceField(label=_("Phân tích chỉ số"), choices=indicators.choices)
    by = forms.ChoiceField(
        label=_("theo"),
        choices=[("unit", _("đơn vị")), ("procedure", _("thủ tục"))],
    )

    def __init__(self, query, *, units=None):
        today = timezone.localdate()
        data = {
            "date_from": dt.date(today.year, 1, 1).isoformat(),
            "date_to": today.isoformat(),
            "code": "on_time_rate",
            "by": "unit",
        }
        data.update({key: value for key, value in query.items() if value})
        super().__init__(data)
        if units is not None:
            self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("“Từ ngày” phải trước hoặc bằng “Đến ngày”."))
        return data
