"""The catalogue of administrative procedures (TTHC), versioned with effective dates.

A dossier freezes the :class:`ProcedureVersion` and the :class:`Regime` in force when it was
received; later versions never change it. Each version carries its internal process (quy trình
nội bộ): the ordered :class:`ProcessStep` rows the dossier workflow runs.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qms.core.calendar import LimitUnit
from qms.core.history import TrackedManager
from qms.core.models import Agency, OrgUnit, Role

#: Office hours in a working day, to compare step times given in hours with day limits.
HOURS_PER_DAY = 8


def limit_in_days(value, unit) -> Decimal:
    """A time allotment expressed in days (hours count as 1/8 of a working day)."""
    if unit == LimitUnit.HOURS:
        return Decimal(value) / HOURS_PER_DAY
    return Decimal(value)


class Regime(models.Model):
    """A legal regime of one-stop handling (e.g. ND61_2018, ND118_2025) and its period."""

    code = models.SlugField(_("mã chế độ"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    legal_texts = models.TextField(_("văn bản quy định"), blank=True)
    valid_from = models.DateField(_("áp dụng từ ngày"))
    valid_to = models.DateField(_("áp dụng đến ngày"), null=True, blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chế độ một cửa")
        verbose_name_plural = _("chế độ một cửa")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="regime_valid_period",
            )
        ]

    def __str__(self):
        return self.name


class FormTemplate(models.Model):
    """A one-stop form of a regime: its number, title and the template that prints it."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
        SUPPLEMENT = "supplement", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
        REFUSAL = "refusal", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
        APOLOGY = "apology", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả")
        CONTROL = "control", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
        REGISTER = "register", _("Sổ theo dõi hồ sơ")

    regime = models.ForeignKey(
        Regime, verbose_name=_("chế độ"), on_delete=models.PROTECT, related_name="forms"
    )
    kind = models.CharField(_("loại phiếu"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("số hiệu mẫu"), max_length=32, help_text=_("Ví dụ: Mẫu số 01"))
    title = models.CharField(_("tên mẫu"), max_length=255)
    legal_note = models.CharField(
        _("ghi chú căn cứ"),
        max_length=255,
        blank=True,
        help_text=_("Ví dụ: (Theo Mẫu số 02, ban hành kèm theo Thông tư số 01/2018/TT-VPCP …)"),
    )
    template_name = models.CharField(_("tệp mẫu in"), max_length=128)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mẫu phiếu")
        verbose_name_plural = _("mẫu phiếu")
        ordering = ["regime", "number"]
        constraints = [
            models.UniqueConstraint(fields=["regime", "kind"], name="formtemplate_regime_kind")
        ]

    def __str__(self):
        return f"{self.number} — {self.title}"


class ProcedureField(models.Model):
    """A field (lĩnh vực) of procedures, e.g. Môi trường, Tài nguyên nước."""

    code = models.SlugField(_("mã lĩnh vực"), max_length=32, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255)
    handling_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị tham mưu giải quyết"),
        on_delete=models.PROTECT,
        related_name="procedure_fields",
        null=True,
        blank=True,
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Procedure(models.Model):
    """An administrative procedure of the department; its content lives in its versions."""

    class Level(models.TextChoices):
        CENTRAL = "central", _("Cấp trung ương")
        PROVINCE = "province", _("Cấp tỉnh")
        DISTRICT = "district", _("Cấp huyện")
        COMMUNE = "commune", _("Cấp xã")

    code = models.CharField(
        _("mã TTHC"),
        max_length=32,
        help_text=_(
            "Mã trên Cơ sở dữ liệu quốc gia về TTHC, ví dụ 1.010727. Để trống nếu chưa rõ."
        ),
        blank=True,
    )
    key = models.SlugField(
        _("khóa nội bộ"),
        max_length=64,
        unique=True,
        help_text=_("Khóa duy nhất dùng khi nhập, xuất danh mục (mã TTHC nếu có)."),
    )
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(
        ProcedureField,
        verbose_name=_("lĩnh vực"),
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    level = models.CharField(_("cấp thực hiện"), max_length=16, choices=Level.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan thực hiện"),
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    is_demo_data = models.BooleanField(
        _("dữ liệu trình diễn"),
        default=False,
        help_text=_("Đánh dấu thủ tục mà nội dung chưa được đối chiếu với quyết định công bố."),
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["field", "name"]

    def __str__(self):
        return f"{self.code} {self.name}".strip()


class ProcedureVersion(models.Model):
    """The content of a procedure as published for a period, with its internal process."""

    class OnlineLevel(models.TextChoices):
        FULL = "full", _("Toàn trình")
        PARTIAL = "partial", _("Một phần")
        NONE = "none", _("Không cung cấp trực tuyến")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveSmallIntegerField(_("phiên bản"))
    valid_from = models.DateField(_("hiệu lực từ ngày"))
    valid_to = models.DateField(_("hiệu lực đến ngày"), null=True, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"))
    publication_decision = models.CharField(
        _("quyết định công bố"),
        max_length=255,
        blank=True,
        help_text=_("Ví dụ: Quyết định số …/QĐ-UBND ngày … của Chủ tịch UBND tỉnh."),
    )
    publication_date = models.DateField(_("ngày quyết định công bố"), null=True, blank=True)
    internal_process_decision = models.CharField(
        _("quyết định phê duyệt quy trình nội bộ"), max_length=255, blank=True
    )
    online_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"), max_length=16, choices=OnlineLevel.choices
    )
    time_limit_value = models.PositiveIntegerField(
        _("thời hạn giải quyết"), validators=[MinValueValidator(1)]
    )
    time_limit_unit = models.CharField(
        _("đơn vị thời hạn"),
        max_length=16,
        choices=LimitUnit.choices,
        default=LimitUnit.WORKING_DAYS,
    )
    time_limit_note = models.CharField(_("ghi chú thời hạn"), max_length=255, blank=True)
    result_name = models.CharField(_("kết quả thực hiện"), max_length=500)
    requires_paper_result = models.BooleanField(_("kết quả bản giấy"), default=True)
    handling_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị tham mưu giải quyết"),
        on_delete=models.PROTECT,
        related_name="procedure_versions",
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "version"], name="procedureversion_uniq"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="procedureversion_valid_period",
            ),
        ]

    def __str__(self):
        return f"{self.procedure} (v{self.version})"

    @property
    def time_limit_display(self):
        return f"{self.time_limit_value} {self.get_time_limit_unit_display()}"

    def is_valid_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def check_steps(self, steps) -> None:
        """Refuse an internal process that is not runnable or exceeds the legal limit.

        ``steps`` is the list of steps to check (saved or not yet saved), in order.
        """
        errors = []
        kinds = [step.kind for step in steps]
        if kinds != ProcessStep.Kind.values:
            errors.append(
                _("Quy trình nội bộ phải có đủ các bước theo thứ tự: %(kinds)s.")
                % {"kinds": ", ".join(str(label) for label in ProcessStep.Kind.labels)}
            )
        total = sum(limit_in_days(s.time_value, s.time_unit) for s in steps)
        limit = limit_in_days(self.time_limit_value, self.time_limit_unit)
        if total > limit:
            errors.append(
                _(
                    "Tổng thời gian các bước (%(total)s ngày) vượt thời hạn giải quyết theo quy "
                    "định (%(limit)s)."
                )
                % {"total": f"{total.normalize():f}", "limit": self.time_limit_display}
            )
        if errors:
            raise ValidationError(errors)


class FeeItem(models.Model):
    class Kind(models.TextChoices):
        FEE = "fee", _("Phí")
        CHARGE = "charge", _("Lệ phí")

    version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="fees"
    )
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("tên phí, lệ phí"), max_length=255)
    amount = models.DecimalField(
        _("mức thu (đồng)"), max_digits=14, decimal_places=0, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        ordering = ["version", "id"]

    def __str__(self):
        return f"{self.name}: {self.amount:,.0f} đ"


class DossierComponent(models.Model):
    """A document the applicant submits (thành phần hồ sơ)."""

    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("phiên bản"),
        on_delete=models.CASCADE,
        related_name="components",
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên giấy tờ"), max_length=1000)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=1)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    form_template = models.CharField(_("mẫu đơn, tờ khai"), max_length=255, blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="component_order_uniq")
        ]

    def __str__(self):
        return self.name


class ProcessStep(models.Model):
    """A step of a version's internal process: who does it and how long it may take."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("Tiếp nhận hồ sơ")
        TRANSFER = "transfer", _("Chuyển hồ sơ đến đơn vị giải quyết")
        ASSIGN = "assign", _("Phân công xử lý")
        APPRAISE = "appraise", _("Thẩm định hồ sơ")
        REVIEW = "review", _("Xem xét của lãnh đạo phòng")
        APPROVE = "approve", _("Phê duyệt của lãnh đạo Sở")
        ISSUE = "issue", _("Phát hành kết quả")
        RETURN = "return", _("Trả kết quả")

    version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("phiên bản"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    order = models.PositiveSmallIntegerField(_("bước"))
    kind = models.CharField(_("loại bước"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("nội dung công việc"), max_length=500)
    responsible_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị thực hiện"),
        on_delete=models.PROTECT,
        related_name="process_steps",
        null=True,
        blank=True,
        help_text=_("Để trống: đơn vị tham mưu giải quyết của phiên bản."),
    )
    responsible_role = models.CharField(_("vai trò thực hiện"), max_length=32, choices=Role.choices)
    time_value = models.DecimalField(
        _("thời gian"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    time_unit = models.CharField(
        _("đơn vị thời gian"),
        max_length=16,
        choices=LimitUnit.choices,
        default=LimitUnit.WORKING_DAYS,
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bước quy trình nội bộ")
        verbose_name_plural = _("bước quy trình nội bộ")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="processstep_order_uniq")
        ]

    def __str__(self):
        return f"{self.order}. {self.title}"

    @property
    def unit(self):
        return self.responsible_unit or self.version.handling_unit
