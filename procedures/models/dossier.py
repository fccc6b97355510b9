"""Dossiers (hồ sơ TTHC) and what happens to them: documents, supplements, apologies, result."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from qms.core.history import TrackedManager
from qms.core.models import Agency, OrgUnit
from qms.core.uploads import upload_path

from .catalogue import DossierComponent, FeeItem, ProcedureVersion, Regime


class NationalStatus(models.IntegerChoices):
    """The national dossier status codes synchronised with the DVCQG (DOMAIN.md §2)."""

    NEW = 1, _("Mới đăng ký")
    RECEIVED = 2, _("Được tiếp nhận")
    NOT_RECEIVED = 3, _("Không được tiếp nhận")
    IN_PROGRESS = 4, _("Đang xử lý")
    SUPPLEMENT = 5, _("Yêu cầu bổ sung giấy tờ")
    FINANCIAL = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    DONE = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


class Dossier(models.Model):
    """A dossier as received at the one-stop desk, with the version and regime frozen."""

    class Status(models.TextChoices):
        # Internal states; each maps to one national code (``NATIONAL_CODE``).
        # Submitted on the public-service portal: the one-stop officer has not yet checked and
        # received it (no code, no appointment: the legal clock has not started).
        SUBMITTED = "submitted", _("Nộp trực tuyến, chờ tiếp nhận")
        INCOMPLETE = "incomplete", _("Chờ bổ sung khi tiếp nhận")
        REFUSED_AT_RECEIPT = "refused_at_receipt", _("Từ chối tiếp nhận")
        RECEIVED = "received", _("Đã tiếp nhận")
        IN_PROGRESS = "in_progress", _("Đang giải quyết")
        SUPPLEMENT = "supplement", _("Chờ bổ sung trong quá trình giải quyết")
        APPROVED = "approved", _("Đã phê duyệt, chờ phát hành")
        REFUSED = "refused", _("Từ chối giải quyết, chờ phát hành văn bản")
        ISSUED = "issued", _("Đã có kết quả, chờ trả")
        RETURNED = "returned", _("Đã trả kết quả")
        WITHDRAWN = "withdrawn", _("Công dân rút hồ sơ")
        CANCELLED = "cancelled", _("Hủy (không bổ sung)")

    NATIONAL_CODE = {
        Status.SUBMITTED: NationalStatus.NEW,
        Status.INCOMPLETE: NationalStatus.NEW,
        Status.REFUSED_AT_RECEIPT: NationalStatus.NOT_RECEIVED,
        Status.RECEIVED: NationalStatus.RECEIVED,
        Status.IN_PROGRESS: NationalStatus.IN_PROGRESS,
        Status.SUPPLEMENT: NationalStatus.SUPPLEMENT,
        Status.APPROVED: NationalStatus.IN_PROGRESS,
        Status.REFUSED: NationalStatus.IN_PROGRESS,
        Status.ISSUED: NationalStatus.DONE,
        Status.RETURNED: NationalStatus.RETURNED,
        Status.WITHDRAWN: NationalStatus.WITHDRAWN,
        Status.CANCELLED: NationalStatus.STOPPED,
    }

    class Channel(models.IntegerChoices):
        DIRECT = 1, _("Trực tiếp")
        ONLINE = 2, _("Trực tuyến")
        POSTAL = 3, _("Qua dịch vụ bưu chính công ích")

    class Delivery(models.TextChoices):
        DESK = "desk", _("Tại Bộ phận tiếp nhận và trả kết quả")
        POST = "post", _("Qua dịch vụ bưu chính công ích")
        ONLINE = "online", _("Trực tuyến (kho dữ liệu điện tử)")

    class ApplicantKind(models.IntegerChoices):
        CITIZEN = 1, _("Công dân")
        BUSINESS = 2, _("Doanh nghiệp")
        STATE_AGENCY = 3, _("Cơ quan nhà nước")
        ORGANISATION = 4, _("Tổ chức khác")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Giải quyết")
        REFUSED = "refused", _("Từ chối giải quyết")

    class Rating(models.IntegerChoices):
        # The three levels of the national portal's satisfaction survey; "Không hài lòng"
        # counts against indicator 5.4 of Quyết định 766/QĐ-TTg.
        DISSATISFIED = 1, _("Không hài lòng")
        SATISFIED = 2, _("Hài lòng")
        VERY_SATISFIED = 3, _("Rất hài lòng")

    class RatingChannel(models.TextChoices):
        DESK = "desk", _("Tại Bộ phận tiếp nhận và trả kết quả")
        ONLINE = "online", _("Trực tuyến (Cổng dịch vụ công)")

    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True, null=True, blank=True)
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT)
    regime = models.ForeignKey(Regime, verbose_name=_("chế độ một cửa"), on_delete=models.PROTECT)
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("thủ tục (phiên bản)"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    handling_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị giải quyết"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    status = models.CharField(
        _("trạng thái"), max_length=24, choices=Status.choices, default=Status.INCOMPLETE
    )
    channel = models.PositiveSmallIntegerField(
        _("kênh nộp"), choices=Channel.choices, default=Channel.DIRECT
    )
    delivery = models.CharField(
        _("hình thức nhận kết quả"), max_length=16, choices=Delivery.choices, default=Delivery.DESK
    )
    portal_reference = models.CharField(
        _("mã hồ sơ trên Cổng dịch vụ công"),
        max_length=64,
        blank=True,
        help_text=_(
            "Mã Cổng dịch vụ công cấp cho hồ sơ nộp trực tuyến; Cổng gửi lại cùng mã thì không "
            "tạo hồ sơ mới."
        ),
    )
    applicant_kind = models.PositiveSmallIntegerField(
        _("loại đối tượng"), choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("tên cá nhân, tổ chức"), max_length=255)
    applicant_id_number = models.CharField(
        _("số giấy tờ tùy thân / mã số"), max_length=32, blank=True
    )
    applicant_address = models.CharField(_("địa chỉ"), max_length=500)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=32, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    summary = models.CharField(_("nội dung yêu cầu giải quyết"), max_length=1000)
    sets = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)

    submitted_at = models.DateTimeField(_("thời điểm nộp"), default=timezone.now)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tiếp nhận"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chuyên viên thụ lý"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_at = models.DateTimeField(_("hẹn trả kết quả"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("hẹn trả ban đầu"), null=True, blank=True)
    transferred_at = models.DateTimeField(_("chuyển đơn vị giải quyết"), null=True, blank=True)
    finished_at = models.DateTimeField(_("thời điểm xử lý xong"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    refusal_reason = models.TextField(_("lý do từ chối"), blank=True)
    outcome = models.CharField(
        _("kết quả giải quyết"), max_length=16, choices=Outcome.choices, blank=True
    )

    result_number = models.CharField(_("số, ký hiệu văn bản kết quả"), max_length=64, blank=True)
    result_date = models.DateField(_("ngày ban hành kết quả"), null=True, blank=True)
    result_file = models.FileField(_("tệp kết quả"), upload_to=upload_path("results"), blank=True)
    result_digitised = models.BooleanField(_("kết quả được số hóa"), default=False)

    paid_online = models.BooleanField(
        _("thanh toán trực tuyến"),
        default=False,
        help_text=_(
            "Mọi khoản phí, lệ phí phải nộp của hồ sơ đều đã thanh toán trực tuyến (chỉ tiêu 3.6, "
            "Quyết định 766/QĐ-TTg); hệ thống tự tính từ các khoản phí, lệ phí."
        ),
    )
    rating = models.PositiveSmallIntegerField(
        _("đánh giá của người dân"), null=True, blank=True, choices=Rating.choices
    )
    rating_channel = models.CharField(
        _("kênh đánh giá"), max_length=16, choices=RatingChannel.choices, blank=True
    )
    rating_comment = models.TextField(_("ý kiến của người dân"), blank=True)
    rated_at = models.DateTimeField(_("thời điểm đánh giá"), null=True, blank=True)
    is_demo_data = models.BooleanField(_("dữ liệu trình diễn"), default=False)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["handling_unit", "status"]),
            models.Index(fields=["received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(code__isnull=False),
                name="dossier_received_has_code",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(received_at__isnull=True),
                name="dossier_submitted_not_received",
            ),
            # The portal may send the same dossier again: its reference identifies it.
            models.UniqueConstraint(
                fields=["agency", "portal_reference"],
                condition=~Q(portal_reference=""),
                name="dossier_portal_reference_uniq",
            ),
            models.CheckConstraint(
                condition=(
                    Q(rating__isnull=True, rated_at__isnull=True, rating_channel="")
                    | (Q(rating__isnull=False, rated_at__isnull=False) & ~Q(rating_channel=""))
                ),
                name="dossier_rating_complete",
            ),
        ]

    def __str__(self):
        return self.code or _("Hồ sơ chưa tiếp nhận #%(pk)s") % {"pk": self.pk}

    @property
    def legal_due_at(self):
        """The appointment the law measures against: the one on Mẫu 01, moved only by the time
        the applicant spent supplementing — an apology's new date does not make a late
        dossier on time."""
        apology = getattr(self, "apology", None) if self.pk else None
        return apology.previous_due_at if apology else self.due_at

    @property
    def timeliness(self) -> str | None:
        """``early`` / ``on_time`` / ``late`` by whole dates (DOMAIN.md §3): finished (or, while
        open, today) against the legal appointment date. None before receipt."""
        if self.due_at is None:
            return None
        end = timezone.localdate(self.finished_at) if self.finished_at else timezone.localdate()
        due = timezone.localdate(self.legal_due_at)
        if end < due:
            return "early" if self.finished_at else "on_time"
        return "on_time" if end == due else "late"

    @property
    def is_late(self) -> bool:
        return self.timeliness == "late"

    @property
    def national_status(self) -> NationalStatus:
        return self.NATIONAL_CODE[self.status]

    @property
    def procedure(self):
        return self.procedure_version.procedure


class DossierSequence(models.Model):
    """The last dossier number issued per agency and day (for ``<code>-<yymmdd>-<nnnn>``)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("số thứ tự hồ sơ trong ngày")
        verbose_name_plural = _("số thứ tự hồ sơ trong ngày")
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="sequence_uniq")]

    def __str__(self):
        return f"{self.agency.code} {self.day:%y%m%d}: {self.last}"


class DossierDocument(models.Model):
    """A document of the dossier as presented: a catalogue component or an extra paper."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="documents"
    )
    component = models.ForeignKey(
        DossierComponent,
        verbose_name=_("thành phần"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    name = models.CharField(_("tên giấy tờ"), max_length=1000)
    originals = models.PositiveSmallIntegerField(_("bản chính"), default=0)
    certified = models.PositiveSmallIntegerField(_("bản chứng thực"), default=0)
    photocopies = models.PositiveSmallIntegerField(_("bản photo"), default=0)
    present = models.BooleanField(_("đã nộp"), default=False)
    scan = models.FileField(_("bản quét"), upload_to=upload_path("scans"), blank=True)
    digitised = models.BooleanField(_("đã số hóa"), default=False)
    reused = models.BooleanField(_("tái sử dụng dữ liệu số"), default=False)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("giấy tờ trong hồ sơ")
        verbose_name_plural = _("giấy tờ trong hồ sơ")
        ordering = ["dossier", "component__order", "id"]

    def __str__(self):
        return self.name


class SupplementRequest(models.Model):
    """A written request for missing documents (Mẫu 02); the clock stops while it is open."""

    class Stage(models.TextChoices):
        RECEIPT = "receipt", _("Khi tiếp nhận")
        HANDLING = "handling", _("Trong quá trình giải quyết")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="supplements"
    )
    stage = models.CharField(_("giai đoạn"), max_length=16, choices=Stage.choices)
    number = models.CharField(_("số phiếu"), max_length=32, blank=True)
    requested_at = models.DateTimeField(_("thời điểm yêu cầu"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("lý do"))
    missing = models.JSONField(_("giấy tờ cần bổ sung"), default=list)
    completed_at = models.DateTimeField(_("thời điểm nhận bổ sung"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận bổ sung"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("yêu cầu bổ sung hồ sơ")
        verbose_name_plural = _("yêu cầu bổ sung hồ sơ")
        ordering = ["dossier", "requested_at"]

    def __str__(self):
        return f"{self.dossier} — {self.requested_at:%d/%m/%Y}"

    @property
    def paused(self):
        end = self.completed_at or timezone.now()
        return end - self.requested_at


class Apology(models.Model):
    """Mẫu 04: the apology for a late dossier and the one new appointment date."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="apology"
    )
    number = models.CharField(_("số phiếu"), max_length=32, blank=True)
    issued_at = models.DateTimeField(_("thời điểm lập"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reason = models.TextField(_("lý do chậm trễ"))
    previous_due_at = models.DateTimeField(_("hẹn trả trước đó"))
    new_due_at = models.DateTimeField(_("hẹn trả lại"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phiếu xin lỗi, hẹn lại")
        verbose_name_plural = _("phiếu xin lỗi, hẹn lại")

    def __str__(self):
        return f"{self.dossier} — {self.new_due_at:%d/%m/%Y}"

    @property
    def is_timely(self) -> bool:
        """Issued at the latest one working day before the appointment it replaces."""
        from qms.core.calendar import WorkingCalendar

        latest = WorkingCalendar.load().add_working_days(
            timezone.localdate(self.previous_due_at), -1
        )
        return timezone.localdate(self.issued_at) <= latest


class DossierOpinion(models.Model):
    """What a member of staff decided at a step, and why (ý kiến xử lý). Send-back comments
    reach the next person through these."""

    class Decision(models.TextChoices):
        RECEIVED = "received", _("Tiếp nhận")
        INCOMPLETE = "incomplete", _("Yêu cầu bổ sung khi tiếp nhận")
        REFUSED_AT_RECEIPT = "refused_at_receipt", _("Từ chối tiếp nhận")
        TRANSFERRED = "transferred", _("Chuyển xử lý")
        ASSIGNED = "assigned", _("Phân công")
        PROPOSE_GRANT = "propose_grant", _("Đề xuất giải quyết")
        PROPOSE_REFUSAL = "propose_refusal", _("Đề xuất từ chối")
        REQUEST_SUPPLEMENT = "request_supplement", _("Đề nghị bổ sung hồ sơ")
        SUPPLEMENT_RECEIVED = "supplement_received", _("Đã nhận bổ sung")
        AGREE = "agree", _("Đồng ý, trình lãnh đạo Sở")
        SEND_BACK = "send_back", _("Trả lại để xử lý lại")
        APPROVE = "approve", _("Phê duyệt")
        REFUSE = "refuse", _("Từ chối giải quyết")
        ISSUED = "issued", _("Phát hành kết quả")
        RETURNED = "returned", _("Trả kết quả")
        APOLOGY = "apology", _("Xin lỗi, hẹn lại ngày trả")
        CANCELLED = "cancelled", _("Hủy hồ sơ")
        FEE_ADJUSTED = "fee_adjusted", _("Điều chỉnh số tiền phí, lệ phí")
        FEE_PAID = "fee_paid", _("Thu phí, lệ phí")
        FEE_WAIVED = "fee_waived", _("Miễn phí, lệ phí")
        RATED = "rated", _("Ghi nhận đánh giá của người dân")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="opinions"
    )
    step = models.CharField(_("bước"), max_length=16)
    task_id = models.BigIntegerField(_("mã công việc"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("quyết định"), max_length=24, choices=Decision.choices)
    comment = models.TextField(_("ý kiến"), blank=True)
    created_at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ý kiến xử lý")
        verbose_name_plural = _("ý kiến xử lý")
        ordering = ["dossier", "created_at", "id"]

    def __str__(self):
        return f"{self.dossier} — {self.get_decision_display()}"


class DossierFee(models.Model):
    """A fee or charge (phí, lệ phí) the applicant owes for this dossier, copied at receipt from
    the frozen procedure version's fee items and then paid, or waived, at the desk."""

    class Status(models.TextChoices):
        DUE = "due", _("Chưa nộp")
        PAID = "paid", pgettext_lazy("phí, lệ phí", "Đã nộp")
        WAIVED = "waived", _("Được miễn")

    class PaymentChannel(models.TextChoices):
        DESK = "desk", _("Nộp tại Bộ phận tiếp nhận và trả kết quả")
        ONLINE = "online", _("Thanh toán trực tuyến qua Nền tảng thanh toán quốc gia")
        BANK_TRANSFER = "bank_transfer", _("Chuyển khoản ngân hàng")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="fees"
    )
    fee_item = models.ForeignKey(
        FeeItem,
        verbose_name=_("khoản phí trong danh mục"),
        on_delete=models.PROTECT,
        related_name="dossier_fees",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("loại"), max_length=8, choices=FeeItem.Kind.choices)
    name = models.CharField(_("tên phí, lệ phí"), max_length=255)
    amount = models.DecimalField(
        _("số tiền phải nộp (đồng)"),
        max_digits=14,
        decimal_places=0,
        validators=[MinValueValidator(0)],
    )
    listed_amount = models.DecimalField(
        _("mức thu theo danh mục (đồng)"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    basis = models.CharField(_("căn cứ mức thu"), max_length=255, blank=True)
    adjustment_reason = models.TextField(_("lý do điều chỉnh số tiền"), blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=8, choices=Status.choices, default=Status.DUE
    )
    paid_at = models.DateTimeField(_("thời điểm nộp"), null=True, blank=True)
    paid_channel = models.CharField(
        _("hình thức nộp"), max_length=16, choices=PaymentChannel.choices, blank=True
    )
    receipt_number = models.CharField(_("số biên lai, chứng từ"), max_length=64, blank=True)
    waiver_reason = models.TextField(_("lý do miễn"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi nhận"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phí, lệ phí của hồ sơ")
        verbose_name_plural = _("phí, lệ phí của hồ sơ")
        ordering = ["dossier", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="paid", paid_at__isnull=False)
                    & ~Q(paid_channel="")
                    & ~Q(receipt_number="")
                )
                | (~Q(status="paid") & Q(paid_at__isnull=True, paid_channel="", receipt_number="")),
                name="dossier_fee_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=~Q(status="waived") | ~Q(waiver_reason=""),
                name="dossier_fee_waiver_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.amount:,.0f} đ"

    @property
    def is_payable(self) -> bool:
        """Counts for the online-payment indicator: something to pay, not waived."""
        return self.status != self.Status.WAIVED and self.amount > 0
