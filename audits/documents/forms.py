"""Forms of the document pages and of the approval workflow's steps. They only take input;
the services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import ProcedureVersion
from qms.core.models import OrgUnit

from . import selectors, services
from .models import ControlledDocument, DocumentVersion

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_ERROR = _("ngày phải viết theo dạng ngày/tháng/năm, ví dụ 26/04/2024.")


def _units():
    return OrgUnit.objects.filter(is_active=True).order_by("order", "name")


def _procedure_versions():
    return ProcedureVersion.objects.select_related("procedure").order_by(
        "procedure__name", "-version"
    )


class VersionContentForm(forms.Form):
    """Number, title, file, summary, distribution and the procedure link of a version."""

    version = forms.CharField(label=_("Phiên bản (lần ban hành)"), max_length=16, initial="01")
    title = forms.CharField(label=_("Tên tài liệu"), max_length=255, required=False)
    file = forms.FileField(
        label=_("Tệp tài liệu (PDF hoặc ảnh quét)"),
        help_text=_("Kiểm tra theo nội dung tệp; tối đa theo giới hạn tải lên của hệ thống."),
    )
    change_summary = forms.CharField(
        label=_("Nội dung ban hành, sửa đổi"), widget=TEXTAREA, max_length=5000
    )
    distribution = forms.ModelMultipleChoiceField(
        label=_("Nơi nhận"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không chọn đơn vị nào: phân phối cho toàn cơ quan."),
    )
    procedure_version = forms.ModelChoiceField(
        label=_("Là quy trình nội bộ của phiên bản thủ tục"),
        queryset=ProcedureVersion.objects.none(),
        required=False,
        help_text=_("Chỉ với tài liệu loại “Quy trình” của một thủ tục hành chính."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["distribution"].queryset = _units()
        self.fields["procedure_version"].queryset = _procedure_versions()

    def content(self) -> services.VersionFields:
        data = self.cleaned_data
        return services.VersionFields(
            version=data["version"],
            title=data.get("title", ""),
            file=data.get("file"),
            change_summary=data["change_summary"],
            distribution=list(data.get("distribution") or []),
            procedure_version=data.get("procedure_version"),
        )


class DraftNewForm(VersionContentForm):
    """A new document: its register entry and its first version."""

    code = forms.CharField(label=_("Mã tài liệu"), max_length=32)
    document_title = forms.CharField(label=_("Tên tài liệu"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại tài liệu"), choices=ControlledDocument.Kind.choices)
    owner_unit = forms.ModelChoiceField(label=_("Đơn vị chủ trì"), queryset=OrgUnit.objects.none())
    review_period_months = forms.IntegerField(
        label=_("Chu kỳ xem xét định kỳ (tháng)"), min_value=1, max_value=60, initial=12
    )
    retention_years = forms.IntegerField(
        label=_("Thời hạn lưu hồ sơ (năm)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Với biểu mẫu, mẫu hồ sơ. Để trống: lưu vĩnh viễn hoặc không áp dụng."),
    )
    retention_note = forms.CharField(label=_("Nơi lưu, cách lưu"), max_length=255, required=False)

    field_order = [
        "code",
        "document_title",
        "kind",
        "owner_unit",
        "review_period_months",
        "retention_years",
        "retention_note",
        "version",
        "file",
        "change_summary",
        "distribution",
        "procedure_version",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["title"]
        self.fields["owner_unit"].queryset = selectors.units_for_drafting(user)

    def document(self) -> services.DocumentFields:
        data = self.cleaned_data
        return services.DocumentFields(
            code=data["code"],
            title=data["document_title"],
            kind=data["kind"],
            owner_unit=data["owner_unit"],
            review_period_months=data["review_period_months"],
            retention_years=data.get("retention_years"),
            retention_note=data.get("retention_note", ""),
        )

    def content(self) -> services.VersionFields:
        content = super().content()
        content.title = self.cleaned_data["document_title"]
        return content


class DraftRevisionForm(VersionContentForm):
    """A new version of a document the user's unit owns."""

    document = forms.ModelChoiceField(
        label=_("Tài liệu sửa đổi"), queryset=ControlledDocument.objects.none()
    )
    field_order = ["document", "version", "title", "file", "change_summary", "distribution"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = selectors.documents_for_revision(user)
        self.fields["version"].initial = ""
        self.fields["title"].help_text = _("Để trống: giữ tên hiện hành của tài liệu.")


class ReviseForm(VersionContentForm):
    """The author's answer to a send-back: revise and resubmit, or give the draft up."""

    action = forms.ChoiceField(
        label=_("Xử lý"),
        widget=forms.RadioSelect,
        choices=[
            ("resubmit", _("Đã sửa theo ý kiến: trình xem xét lại")),
            ("abandon", _("Không tiếp tục: huỷ dự thảo (ghi lý do)")),
        ],
        initial="resubmit",
    )
    comment = forms.CharField(
        label=_("Giải trình, lý do"), widget=TEXTAREA, max_length=5000, required=False
    )
    field_order = ["action", "version", "title", "file", "change_summary", "distribution"]

    def __init__(self, *args, version: DocumentVersion, **kwargs):
        initial = {
            "version": version.version,
            "title": version.title,
            "change_summary": version.change_summary,
            "distribution": list(version.distribution.all()),
            "procedure_version": version.procedure_version,
        }
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.current = version
        self.fields["file"].required = False
        self.fields["file"].help_text = _("Để trống: giữ tệp dự thảo hiện tại.")
        self.fields["change_summary"].required = False
        self.fields["version"].required = False

    def content(self) -> services.VersionFields:
        content = super().content()
        content.version = content.version or self.current.version
        content.title = content.title or self.current.title
        content.change_summary = content.change_summary or self.current.change_summary
        return content

    def clean(self):
        data = super().clean()
        if data.get("action") == "abandon" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Phải ghi lý do huỷ dự thảo."))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Ý kiến xem xét"),
        widget=forms.RadioSelect,
        choices=[
            (services.REVIEW_AGREE, _("Đồng ý với dự thảo, trình Lãnh đạo Sở phê duyệt")),
            (services.REVIEW_SEND_BACK, _("Trả lại người soạn thảo để sửa (ghi rõ nội dung)")),
        ],
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=TEXTAREA, max_length=5000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == services.REVIEW_SEND_BACK and not data.get("comment"):
            self.add_error("comment", _("Trả lại dự thảo phải ghi rõ nội dung cần sửa."))
        return data


class ApproveForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Ý kiến phê duyệt"),
        widget=forms.RadioSelect,
        choices=[
            (services.APPROVE, _("Phê duyệt, ban hành (ký điện tử)")),
            (services.APPROVE_SEND_BACK, _("Trả lại để sửa dự thảo (ghi rõ nội dung)")),
        ],
    )
    effective_from = forms.DateField(
        label=_("Ngày có hiệu lực"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Từ ngày này phiên bản mới được áp dụng và phiên bản cũ bị thay thế."),
    )
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=TEXTAREA, max_length=5000)
    password = forms.CharField(
        label=_("Mật khẩu (ký điện tử)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "Phê duyệt là ký điện tử: nhập lại mật khẩu của bạn. Chữ ký ghi họ tên, thời điểm, "
            "ý nghĩa và mã băm của mã, tên, phiên bản, tệp, nội dung và ngày hiệu lực."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("decision") == services.APPROVE:
            if not data.get("password"):
                self.add_error("password", _("Nhập mật khẩu của bạn để ký."))
            if not data.get("effective_from") and "effective_from" not in self.errors:
                self.add_error("effective_from", _("Chọn ngày tài liệu có hiệu lực."))
        elif data.get("decision") == services.APPROVE_SEND_BACK and not data.get("comment"):
            self.add_error("comment", _("Trả lại dự thảo phải ghi rõ nội dung cần sửa."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Lý do thu hồi"),
        widget=TEXTAREA,
        max_length=2000,
        error_messages={"required": _("Phải ghi lý do thu hồi tài liệu.")},
    )


class ConfirmReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Kết quả xem xét"), widget=TEXTAREA, max_length=2000, required=False
    )


class DocumentFilterForm(forms.Form):
    STATES = [
        ("effective", _("Đang hiệu lực")),
        ("in_work", _("Đang soạn thảo, trình duyệt")),
        ("due", _("Đến hạn xem xét định kỳ")),
        ("withdrawn", _("Đã thu hồi")),
        ("all", _("Tất cả")),
    ]

    q = forms.CharField(label=_("Mã, tên tài liệu"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Loại"), required=False)
    unit = forms.ModelChoiceField(
        label=_("Đơn vị chủ trì"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("Mọi đơn vị"),
    )
    state = forms.ChoiceField(label=_("Tình trạng"), required=False, choices=STATES)

    def __init__(self, *args, sees_all: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Mọi loại")), *ControlledDocument.Kind.choices]
        self.fields["unit"].queryset = (
            OrgUnit.objects.filter(controlled_documents__isnull=False)
            .distinct()
            .order_by("order", "name")
        )
        if not sees_all:
            del self.fields["state"]
