"""Forms of the corrective-action process. They only read and shape the input; the services
decide what is allowed (and say so in Vietnamese)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.models import MAX_WHYS, EffectivenessCheck, Nonconformity
from audits.services import ActionInput
from qms.core.models import OrgUnit, User

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = _("ngày phải viết theo dạng ngày/tháng/năm, ví dụ 26/04/2024.")
CHOICE_ERROR = _("giá trị này không có trong danh sách.")


def active_units():
    return OrgUnit.objects.filter(is_active=True).order_by("order", "name")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.get_full_name() or user.username} — {user.position}".strip(" —")


def staff():
    return (
        User.objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("last_name", "first_name")
    )


class RaiseForm(forms.Form):
    """The start form: a nonconformity noticed in the work, from a complaint or an audit."""

    source = forms.ChoiceField(
        label=_("Nguồn phát hiện"),
        choices=[
            (Nonconformity.Source.MANUAL, Nonconformity.Source.MANUAL.label),
            (Nonconformity.Source.COMPLAINT, Nonconformity.Source.COMPLAINT.label),
            (Nonconformity.Source.AUDIT, Nonconformity.Source.AUDIT.label),
        ],
        initial=Nonconformity.Source.MANUAL,
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị liên quan"),
        queryset=OrgUnit.objects.none(),
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    severity = forms.ChoiceField(
        label=_("Mức độ"),
        choices=Nonconformity.Severity.choices,
        initial=Nonconformity.Severity.MINOR,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=_("Tiêu đề"), max_length=255)
    description = forms.CharField(
        label=_("Mô tả (việc gì, ở đâu, khi nào, căn cứ yêu cầu nào)"),
        widget=TEXTAREA,
        max_length=5000,
    )
    complaint_ref = forms.CharField(
        label=_("Số, ngày phản ánh, kiến nghị (nếu có)"), required=False, max_length=100
    )
    finding_ref = forms.CharField(
        label=_("Mã phát hiện đánh giá (nếu có)"), required=False, max_length=100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = active_units()


class CorrectForm(forms.Form):
    correction = forms.CharField(
        label=_("Đã khắc phục tức thời (sửa chữa) những gì"), widget=TEXTAREA, max_length=5000
    )
    analyst = UserChoiceField(
        label=_("Giao phân tích nguyên nhân cho"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Tôi tự phân tích"),
        error_messages={"invalid_choice": CHOICE_ERROR},
    )

    def __init__(self, *args, nonconformity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = staff().filter(memberships__unit=nonconformity.unit)


class AnalyseForm(forms.Form):
    """Five "why?" rows asked in order, then the root cause they lead to."""

    root_cause = forms.CharField(label=_("Nguyên nhân gốc"), widget=TEXTAREA, max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, MAX_WHYS + 1):
            self.fields[f"why_{n}"] = forms.CharField(
                label=_("Tại sao? (lần %(n)s)") % {"n": n},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # The whys first, then the root cause.
        self.order_fields([f"why_{n}" for n in range(1, MAX_WHYS + 1)] + ["root_cause"])

    def whys(self) -> list[str]:
        return [self.cleaned_data.get(f"why_{n}", "") for n in range(1, MAX_WHYS + 1)]


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("Hành động khắc phục"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    owner_unit = forms.ModelChoiceField(
        label=_("Đơn vị thực hiện"),
        queryset=OrgUnit.objects.none(),
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    owner_user = UserChoiceField(
        label=_("Người thực hiện"),
        queryset=User.objects.none(),
        error_messages={"invalid_choice": CHOICE_ERROR},
    )
    due_date = forms.DateField(
        label=_("Hạn hoàn thành"),
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = active_units()
        self.fields["owner_user"].queryset = staff()

    def action(self) -> ActionInput:
        return ActionInput(**{name: self.cleaned_data[name] for name in self.fields})


#: Three lines on the page; the lines left empty are not part of the plan.
ActionFormSet = forms.formset_factory(ActionForm, extra=3, max_num=10, absolute_max=10)


class ImplementForm(forms.Form):
    note = forms.CharField(label=_("Kết quả thực hiện"), widget=TEXTAREA, max_length=5000)
    evidence = forms.FileField(
        label=_("Bằng chứng (PDF hoặc ảnh quét)"),
        error_messages={"required": _("Phải đính kèm bằng chứng thực hiện (PDF hoặc ảnh quét).")},
    )


class VerifyForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Kết quả kiểm tra hiệu lực"),
        choices=EffectivenessCheck.Result.choices,
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        label=_("Bằng chứng kiểm tra (đã kiểm tra những gì, kết quả)"),
        widget=TEXTAREA,
        max_length=5000,
    )
    comment = forms.CharField(
        label=_("Nhận xét (bắt buộc khi không có hiệu lực)"),
        required=False,
        widget=TEXTAREA,
        max_length=5000,
    )


class CloseForm(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu (ký điện tử)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Nhập mật khẩu của bạn để ký.")},
        help_text=_(
            "Đóng sự không phù hợp là ký điện tử: nhập lại mật khẩu của bạn. Chữ ký xác nhận "
            "tiêu đề, nguyên nhân gốc, các hành động khắc phục cùng mã băm bằng chứng và kết "
            "quả kiểm tra hiệu lực."
        ),
    )
