"""Request and response shapes of the integration API. Requests are only validated here; the
procedures services decide."""

from __future__ import annotations

from django.core import validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from procedures.models import Dossier, DossierFee, FeeItem, Procedure, ProcedureVersion
from procedures.selectors import procedure_version_in_force
from procedures.services.dossier import APPLICANT_FIELDS, DocumentInput
from qms.core.calendar import LimitUnit
from qms.core.uploads import validate_upload

from . import selectors

#: Portal references go into URLs: letters, digits, dot, dash, underscore.
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

#: DRF's stock field messages in Vietnamese (its own catalogue translates only some).
FIELD_MESSAGES = {
    "required": _("Trường này là bắt buộc."),
    "null": _("Trường này không được để trống."),
    "blank": _("Trường này không được để trống."),
    "invalid": _("Giá trị không hợp lệ."),
    "max_length": _("Không được dài quá {max_length} ký tự."),
    "min_length": _("Phải có ít nhất {min_length} ký tự."),
    "max_value": _("Không được lớn hơn {max_value}."),
    "min_value": _("Không được nhỏ hơn {min_value}."),
    "max_string_length": _("Giá trị quá lớn."),
    "invalid_choice": _("“{input}” không phải là giá trị được chấp nhận."),
    "date": _("Phải là thời điểm (ngày và giờ), không chỉ có ngày."),
    "make_aware": _("Thời điểm không hợp lệ theo múi giờ {timezone}."),
    "overflow": _("Thời điểm nằm ngoài phạm vi cho phép."),
    "no_name": _("Tệp gửi lên không có tên."),
    "empty": _("Tệp gửi lên rỗng."),
    "not_a_list": _("Phải là một danh sách."),
}
TYPE_MESSAGES = {
    serializers.IntegerField: {"invalid": _("Phải là số nguyên.")},
    serializers.DateTimeField: {
        "invalid": _("Thời điểm phải theo ISO 8601, ví dụ 2024-05-06T08:30:00+07:00.")
    },
    serializers.EmailField: {"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
    serializers.FileField: {"invalid": _("Phải gửi tệp (multipart/form-data).")},
}


VALIDATOR_MESSAGES = {
    validators.MaxLengthValidator: "max_length",
    validators.MinLengthValidator: "min_length",
    validators.MaxValueValidator: "max_value",
    validators.MinValueValidator: "min_value",
    validators.RegexValidator: "invalid",
    validators.EmailValidator: "invalid",
}


class VietnameseMessages:
    # Replaces DRF's stock field messages with ours; ``field_messages`` adds per-field ones.
    # (Comments, not docstrings, on serializers: drf-spectacular would publish a docstring.)

    field_messages: dict[str, dict] = {}

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            messages = dict(FIELD_MESSAGES)
            for kind, extra in TYPE_MESSAGES.items():
                if isinstance(field, kind):
                    messages.update(extra)
            messages.update(self.field_messages.get(name, {}))
            field.error_messages.update(
                {key: text for key, text in messages.items() if key in field.error_messages}
            )
            # Length, range and pattern checks are validators made when the field was built,
            # with the stock message already in them.
            for validator in field.validators:
                key = VALIDATOR_MESSAGES.get(type(validator))
                if key in ("max_length", "min_length", "max_value", "min_value"):
                    validator.message = str(messages[key]).format(**{key: validator.limit_value})
                elif key == "invalid":
                    validator.message = str(messages["invalid"])
        return fields


def component_code(component) -> str:
    """A component's code in the API (the multipart field of its file): ``tp<order>``."""
    return f"tp{component.order}"


# --- responses --------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Thông báo lỗi (tiếng Việt)."))
    code = serializers.CharField(help_text=_("Mã lỗi, ví dụ invalid, conflict, not_found."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Lỗi theo từng trường (chỉ khi dữ liệu không hợp lệ)."),
    )


class ProcedureBriefSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("Khóa thủ tục dùng khi nộp hồ sơ."))
    code = serializers.CharField(help_text=_("Mã TTHC trên Cơ sở dữ liệu quốc gia (có thể trống)."))
    name = serializers.CharField()


class FeeLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FeeItem.Kind.choices)
    name = serializers.CharField()
    amount = serializers.IntegerField(help_text=_("Số tiền phải nộp (đồng)."))
    status = serializers.ChoiceField(choices=DossierFee.Status.choices)
    paid_at = serializers.DateTimeField(allow_null=True)
    paid_channel = serializers.CharField(allow_blank=True)
    receipt_number = serializers.CharField(
        allow_blank=True, help_text=_("Số biên lai, chứng từ hoặc mã giao dịch.")
    )


class DossierStatusSerializer(serializers.Serializer):
    # What the portal may know of a dossier: statuses, dates and fees.

    id = serializers.IntegerField()
    portal_reference = serializers.CharField()
    code = serializers.CharField(
        allow_null=True, help_text=_("Số hồ sơ (mã hồ sơ), có sau khi được tiếp nhận.")
    )
    procedure = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=Dossier.Status.choices, help_text=_("Trạng thái nội bộ.")
    )
    status_label = serializers.CharField(source="get_status_display")
    national_status = serializers.SerializerMethodField(
        help_text=_("Mã trạng thái hồ sơ đồng bộ với Cổng dịch vụ công quốc gia (1–10).")
    )
    national_status_label = serializers.SerializerMethodField()
    channel = serializers.IntegerField(
        help_text=_("Kênh nộp: 1 trực tiếp, 2 trực tuyến, 3 bưu chính.")
    )
    submitted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Ngày hẹn trả hiện tại (đã tính lại nếu có phiếu xin lỗi).")
    )
    legal_due_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Hạn giải quyết theo Giấy tiếp nhận (Mẫu 01).")
    )
    finished_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    timeliness = serializers.ChoiceField(
        choices=[("early", _("Trước hạn")), ("on_time", _("Đúng hạn")), ("late", _("Trễ hạn"))],
        allow_null=True,
    )
    is_late = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=Dossier.Outcome.choices, allow_blank=True)
    refusal_reason = serializers.CharField(allow_blank=True)
    missing_documents = serializers.SerializerMethodField()
    result_available = serializers.SerializerMethodField()
    paid_online = serializers.BooleanField()
    fees = FeeLineSerializer(many=True, source="fees.all")

    @extend_schema_field(ProcedureBriefSerializer)
    def get_procedure(self, dossier):
        procedure = dossier.procedure_version.procedure
        return {"key": procedure.key, "code": procedure.code, "name": procedure.name}

    @extend_schema_field(OpenApiTypes.INT)
    def get_national_status(self, dossier) -> int:
        return int(dossier.national_status)

    @extend_schema_field(OpenApiTypes.STR)
    def get_national_status_label(self, dossier) -> str:
        return str(dossier.national_status.label)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_documents(self, dossier):
        request = dossier.supplements.filter(completed_at__isnull=True).order_by("-id").first()
        return list(request.missing) if request else []

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_result_available(self, dossier) -> bool:
        return result_available(dossier)


def result_available(dossier) -> bool:
    return bool(dossier.result_file) and dossier.status in (
        Dossier.Status.ISSUED,
        Dossier.Status.RETURNED,
    )


class ComponentSerializer(serializers.Serializer):
    code = serializers.SerializerMethodField(
        help_text=_("Mã thành phần: tên trường tệp khi nộp hồ sơ.")
    )
    order = serializers.IntegerField()
    name = serializers.CharField()
    mandatory = serializers.BooleanField()
    originals = serializers.IntegerField()
    copies = serializers.IntegerField()
    form_template = serializers.CharField(allow_blank=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_code(self, component) -> str:
        return component_code(component)


class FeeItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeeItem.Kind.choices)
    name = serializers.CharField()
    amount = serializers.IntegerField(help_text=_("Mức thu (đồng)."))
    note = serializers.CharField(allow_blank=True)


class TimeLimitSerializer(serializers.Serializer):
    value = serializers.IntegerField(source="time_limit_value")
    unit = serializers.ChoiceField(choices=LimitUnit.choices, source="time_limit_unit")
    display = serializers.CharField(source="time_limit_display")
    note = serializers.CharField(source="time_limit_note", allow_blank=True)


class ProcedureSerializer(serializers.Serializer):
    # A procedure in force today, with the version the portal submits under.

    key = serializers.CharField(source="procedure.key", help_text=_("Khóa dùng khi nộp hồ sơ."))
    code = serializers.CharField(source="procedure.code")
    name = serializers.CharField(source="procedure.name")
    field = serializers.CharField(source="procedure.field.name")
    level = serializers.ChoiceField(choices=Procedure.Level.choices, source="procedure.level")
    version = serializers.IntegerField(source="version.version")
    valid_from = serializers.DateField(source="version.valid_from")
    online_level = serializers.ChoiceField(
        choices=ProcedureVersion.OnlineLevel.choices, source="version.online_level"
    )
    time_limit = TimeLimitSerializer(source="version")
    result_name = serializers.CharField(source="version.result_name")
    handling_unit = serializers.CharField(source="version.handling_unit.name")
    components = ComponentSerializer(many=True, source="version.components.all")
    fees = FeeItemSerializer(many=True, source="version.fees.all")


# --- requests ---------------------------------------------------------------------------------


class DossierSubmitSerializer(VietnameseMessages, serializers.Serializer):
    # The dossier as the portal sends it (multipart/form-data). Besides these fields, each
    # component's file is sent in a field named by the component's code (``tp1``, ``tp2``…;
    # see ``GET /api/v1/procedures/``): ``schema.DossierSubmitSchema`` publishes that.

    procedure = serializers.CharField(
        max_length=64, help_text=_("Khóa thủ tục (trường key của danh mục thủ tục).")
    )
    portal_reference = serializers.RegexField(
        REFERENCE_PATTERN,
        max_length=64,
        help_text=_(
            "Mã hồ sơ trên Cổng dịch vụ công (chữ, số, dấu chấm, gạch ngang, gạch dưới; tối đa "
            "64 ký tự). Gửi lại cùng mã thì nhận lại hồ sơ đã có."
        ),
    )
    applicant_kind = serializers.ChoiceField(
        choices=Dossier.ApplicantKind.choices, default=Dossier.ApplicantKind.CITIZEN
    )
    applicant_name = serializers.CharField(max_length=255)
    applicant_id_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )
    applicant_address = serializers.CharField(max_length=500)
    applicant_phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )
    applicant_email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, default=""
    )
    summary = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Nội dung yêu cầu giải quyết; để trống: tên thủ tục."),
    )
    sets = serializers.IntegerField(min_value=1, max_value=99, default=1)
    delivery = serializers.ChoiceField(
        choices=Dossier.Delivery.choices, default=Dossier.Delivery.ONLINE
    )
    submitted_at = serializers.DateTimeField(
        required=False, help_text=_("Thời điểm nộp trên Cổng; để trống: thời điểm nhận.")
    )

    field_messages = {
        "portal_reference": {
            "invalid": _(
                "Mã hồ sơ trên Cổng chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (tối đa 64 "
                "ký tự) và bắt đầu bằng chữ hoặc số."
            )
        },
    }

    def __init__(self, *args, client=None, files=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.files = files

    def validate_procedure(self, key):
        procedure = selectors.procedure_for_client(client=self.client, key=key)
        if procedure is None:
            raise serializers.ValidationError(
                _("Không có thủ tục “%(key)s” đang có hiệu lực của cơ quan.") % {"key": key}
            )
        return procedure

    def validate(self, data):
        procedure = data["procedure"]
        when = data.get("submitted_at")
        version = procedure_version_in_force(
            procedure=procedure, on=timezone.localdate(when) if when else timezone.localdate()
        )
        if version is None:
            raise serializers.ValidationError(
                {"procedure": [_("Thủ tục không có phiên bản có hiệu lực ngày nộp.")]}
            )
        components = {component_code(c): c for c in selectors.version_components(version)}
        errors, documents = {}, []
        for code in self.files:
            uploads = self.files.getlist(code)
            component = components.get(code)
            if component is None:
                errors[code] = [
                    _("Thủ tục này không có thành phần hồ sơ mã “%(code)s”.") % {"code": code}
                ]
            elif len(uploads) != 1:
                errors[code] = [_("Mỗi thành phần hồ sơ chỉ gửi một tệp.")]
            else:
                try:
                    validate_upload(uploads[0])
                except DjangoValidationError as error:
                    errors[code] = error.messages
                else:
                    documents.append(
                        DocumentInput(component=component, present=True, scan=uploads[0])
                    )
        for code, component in components.items():
            if component.mandatory and code not in self.files and code not in errors:
                errors[code] = [
                    _("Thiếu tệp của thành phần bắt buộc “%(name)s”.") % {"name": component.name}
                ]
        if errors:
            raise serializers.ValidationError(errors)
        data["documents"] = documents
        return data

    def applicant(self) -> dict:
        return {
            name: self.validated_data[name]
            for name in APPLICANT_FIELDS
            if name in self.validated_data
        }


class PaymentSerializer(VietnameseMessages, serializers.Serializer):
    transaction_number = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$",
        max_length=64,
        help_text=_(
            "Mã giao dịch trên Nền tảng thanh toán quốc gia; gửi lại cùng mã thì không ghi lần "
            "thứ hai."
        ),
    )
    amount = serializers.IntegerField(
        min_value=1, max_value=10**14 - 1, help_text=_("Tổng số tiền đã thanh toán (đồng).")
    )
    paid_at = serializers.DateTimeField(
        required=False, help_text=_("Thời điểm thanh toán; để trống: thời điểm nhận.")
    )

    field_messages = {
        "transaction_number": {
            "invalid": _(
                "Mã giao dịch chỉ gồm chữ, số, dấu chấm, gạch chéo, gạch ngang, gạch dưới (tối "
                "đa 64 ký tự)."
            )
        },
    }
