"""Forms of the dossier workflow's steps. They only validate input; services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Dossier, DossierOpinion, Procedure
from procedures.selectors import procedures_receivable
from qms.core.models import User

D = DossierOpinion.Decision
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ProcedureChoiceForm(forms.Form):
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục hành chính"), queryset=Procedure.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures_receivable(on=timezone.localdate())


class DocumentFieldsMixin:
    """One checkbox, three counts and a scan per dossier component of the version."""

    components = ()

    def main_fields(self):
        return [field for field in self if not field.name.startswith("doc_")]

    def add_document_fields(self, components, *, only=None):
        self.components = [c for c in components if only is None or c.pk in only]
        for component in self.components:
            prefix = f"doc_{component.pk}"
            self.fields[f"{prefix}_present"] = forms.BooleanField(
                label=component.name, required=False
            )
            self.fields[f"{prefix}_originals"] = forms.IntegerField(
                label=_("Bản chính"),
                min_value=0,
                max_value=99,
                initial=component.originals,
                required=False,
            )
            self.fields[f"{prefix}_certified"] = forms.IntegerField(
                label=_("Bản chứng thực"), min_value=0, max_value=99, initial=0, required=False
            )
            self.fields[f"{prefix}_photocopies"] = forms.IntegerField(
                label=_("Bản photo"),
                min_value=0,
                max_value=99,
                initial=component.copies,
                required=False,
            )
            self.fields[f"{prefix}_scan"] = forms.FileField(label=_("Bản quét"), required=False)

    def document_rows(self):
        return [
            {
                "component": c,
                "present": self[f"doc_{c.pk}_present"],
                "originals": self[f"doc_{c.pk}_originals"],
                "certified": self[f"doc_{c.pk}_certified"],
                "photocopies": self[f"doc_{c.pk}_photocopies"],
                "scan": self[f"doc_{c.pk}_scan"],
            }
            for c in self.components
        ]

    def documents(self):
        from procedures.services.dossier import DocumentInput

        data = self.cleaned_data
        return [
            DocumentInput(
                component=c,
                present=bool(data.get(f"doc_{c.pk}_present")),
                originals=data.get(f"doc_{c.pk}_originals") or 0,
                certified=data.get(f"doc_{c.pk}_certified") or 0,
                photocopies=data.get(f"doc_{c.pk}_photocopies") or 0,
                scan=data.get(f"doc_{c.pk}_scan"),
            )
            for c in self.components
        ]


class ReceiveForm(DocumentFieldsMixin, forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("Kết quả kiểm tra hồ sơ"),
        widget=forms.RadioSelect,
        choices=[
            (D.RECEIVED, _("Hồ sơ đầy đủ, hợp lệ: tiếp nhận (Mẫu 01)")),
            (D.INCOMPLETE, _("Hồ sơ chưa đầy đủ: yêu cầu bổ sung, hoàn thiện (Mẫu 02)")),
            (
                D.REFUSED_AT_RECEIPT,
                _("Không thuộc thẩm quyền hoặc không đủ điều kiện: từ chối (Mẫu 03)"),
            ),
        ],
    )
    reason = forms.CharField(
        label=_("Nội dung cần hoàn thiện / lý do từ chối"),
        required=False,
        widget=TEXTAREA,
        max_length=2000,
    )

    class Meta:
        model = Dossier
        fields = [
            "applicant_kind",
            "applicant_name",
            "applicant_id_number",
            "applicant_address",
            "applicant_phone",
            "applicant_email",
            "summary",
            "sets",
            "channel",
            "delivery",
        ]

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.add_document_fields(version.components.all())

    def applicant(self):
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in ("channel", "delivery")
        }


class CompleteAtDeskForm(DocumentFieldsMixin, forms.Form):
    action = forms.ChoiceField(
        label=_("Xử lý"),
        widget=forms.RadioSelect,
        choices=[
            ("complete", _("Người nộp đã bổ sung đủ: tiếp nhận hồ sơ (Mẫu 01)")),
            ("cancel", _("Người nộp không bổ sung hoặc rút hồ sơ: kết thúc")),
        ],
    )
    reason = forms.CharField(
        label=_("Lý do kết thúc"), required=False, widget=TEXTAREA, max_length=2000
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        present = set(dossier.documents.filter(present=True).values_list("component", flat=True))
        missing = {c.pk for c in dossier.procedure_version.components.all() if c.pk not in present}
        self.add_document_fields(dossier.procedure_version.components.all(), only=missing)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=TEXTAREA, max_length=2000)


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Chuyên viên thụ lý"), queryset=User.objects.none())
    comment = forms.CharField(
        label=_("Ý kiến chỉ đạo"), required=False, widget=TEXTAREA, max_length=2000
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = (
            User.objects.filter(
                is_active=True,
                memberships__unit=dossier.handling_unit,
                memberships__role="specialist",
            )
            .distinct()
            .order_by("last_name", "first_name")
        )


class AppraiseForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Kết quả thẩm định"),
        widget=forms.RadioSelect,
        choices=[
            (D.PROPOSE_GRANT, _("Hồ sơ đạt yêu cầu: đề xuất giải quyết")),
            (D.PROPOSE_REFUSAL, _("Hồ sơ không đạt: đề xuất từ chối (ghi rõ lý do)")),
            (D.REQUEST_SUPPLEMENT, _("Đề nghị bổ sung, hoàn thiện hồ sơ qua Bộ phận Một cửa")),
        ],
    )
    opinion = forms.CharField(label=_("Ý kiến thẩm định"), widget=TEXTAREA, max_length=5000)
    missing = forms.CharField(
        label=_("Nội dung cần bổ sung (mỗi dòng một nội dung)"),
        required=False,
        widget=TEXTAREA,
        max_length=5000,
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        if dossier.supplements.filter(stage="handling").exists():
            self.fields["decision"].choices = self.fields["decision"].choices[:2]

    def missing_lines(self):
        return [line.strip() for line in self.cleaned_data["missing"].splitlines() if line.strip()]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Ý kiến xem xét"),
        widget=forms.RadioSelect,
        choices=[
            (D.AGREE, _("Đồng ý với đề xuất, trình lãnh đạo Sở")),
            (D.SEND_BACK, _("Trả lại chuyên viên để xử lý lại")),
        ],
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=TEXTAREA, max_length=5000)


class ApproveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Ý kiến phê duyệt"),
        widget=forms.RadioSelect,
        choices=[
            (D.APPROVE, _("Phê duyệt")),
            (D.REFUSE, _("Từ chối giải quyết (ghi rõ lý do)")),
            (D.SEND_BACK, _("Trả lại phòng chuyên môn")),
        ],
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=TEXTAREA, max_length=5000)
    password = forms.CharField(
        label=_("Mật khẩu (ký điện tử)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "Phê duyệt hoặc từ chối là ký điện tử: nhập lại mật khẩu của bạn. Chữ ký ghi họ tên, "
            "thời điểm, ý nghĩa và mã băm nội dung được ký."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in (D.APPROVE, D.REFUSE) and not data.get("password"):
            self.add_error("password", _("Nhập mật khẩu của bạn để ký."))
        return data


class IssueForm(forms.Form):
    number = forms.CharField(label=_("Số, ký hiệu văn bản"), max_length=64)
    date = forms.DateField(
        label=_("Ngày ban hành"),
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    file = forms.FileField(label=_("Tệp kết quả (PDF, ảnh quét)"), required=False)


class ApologyForm(forms.Form):
    reason = forms.CharField(label=_("Lý do chậm trễ"), widget=TEXTAREA, max_length=2000)
    new_due_date = forms.DateField(
        label=_("Ngày hẹn trả kết quả mới"),
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
