from django import forms
from django.utils.translation import gettext_lazy as _

from qms.core.models import OrgUnit, Role, User

from .models import ReviewAction

DATE = {
    "widget": forms.DateInput(attrs={"type": "date"}),
    "input_formats": ["%Y-%m-%d", "%d/%m/%Y"],
}
DATE_ERROR = {"invalid": _("ngày phải viết theo dạng ngày/tháng/năm, ví dụ 31/12/2024.")}


class ReviewCreateForm(forms.Form):
    title = forms.CharField(label=_("Tên cuộc xem xét"), max_length=255)
    period_from = forms.DateField(label=_("Kỳ xem xét từ ngày"), error_messages=DATE_ERROR, **DATE)
    period_to = forms.DateField(label=_("Đến ngày"), error_messages=DATE_ERROR, **DATE)
    chair = forms.ModelChoiceField(
        label=_("Chủ trì"), queryset=User.objects.filter(groups__name=Role.DIRECTOR).distinct()
    )
    meeting_date = forms.DateField(
        label=_("Ngày họp dự kiến"), required=False, error_messages=DATE_ERROR, **DATE
    )
    participants = forms.CharField(
        label=_("Thành phần tham dự"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeetingForm(forms.Form):
    meeting_date = forms.DateField(
        label=_("Ngày họp"), required=False, error_messages=DATE_ERROR, **DATE
    )
    participants = forms.CharField(
        label=_("Thành phần tham dự"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    external_issues = forms.CharField(
        label=_("Thay đổi của các vấn đề bên ngoài và nội bộ (9.3.2 b)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
    )
    resources = forms.CharField(
        label=_("Sự thỏa đáng của nguồn lực (9.3.2 d)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
    )
    minutes = forms.CharField(
        label=_("Kết luận cuộc họp"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=ReviewAction.Kind.choices)
    description = forms.CharField(
        label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    owner_unit = forms.ModelChoiceField(
        label=_("Đơn vị thực hiện"), queryset=OrgUnit.objects.filter(is_active=True)
    )
    owner = forms.ModelChoiceField(
        label=_("Người phụ trách"), queryset=User.objects.filter(is_active=True), required=False
    )
    due_date = forms.DateField(label=_("Hạn hoàn thành"), error_messages=DATE_ERROR, **DATE)


class ActionDoneForm(forms.Form):
    result = forms.CharField(
        label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class SignForm(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu (ký điện tử)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ConformityForm(forms.Form):
    decision_number = forms.CharField(label=_("Số quyết định"), max_length=64)
    decision_date = forms.DateField(label=_("Ngày quyết định"), error_messages=DATE_ERROR, **DATE)
    signed_by = forms.CharField(label=_("Người ký (họ tên, chức vụ)"), max_length=255)
    standard = forms.CharField(label=_("Tiêu chuẩn"), max_length=64, initial="TCVN ISO 9001:2015")
    scope = forms.CharField(label=_("Phạm vi áp dụng"), widget=forms.Textarea(attrs={"rows": 3}))
    procedures = forms.ModelMultipleChoiceField(
        label=_("Thủ tục hành chính trong phạm vi"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    reason = forms.CharField(
        label=_("Lý do công bố lại"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi đã có quyết định công bố trước đó."),
    )

    def __init__(self, *args, **kwargs):
        from procedures.models import Procedure

        super().__init__(*args, **kwargs)
        self.fields["procedures"].queryset = Procedure.objects.order_by("name")
