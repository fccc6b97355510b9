"""Documented information (ISO 9001:2015 clause 7.5): controlled documents and their versions.

A :class:`ControlledDocument` is the register entry (code, title, kind, owner unit, review
period, retention of the records it governs). Its content lives in :class:`DocumentVersion`
rows, each going draft → in review → approved (signed by a director) → effective → superseded
(or withdrawn). At most one version of a document is effective and at most one is in work;
staff read only the effective version, older ones stay readable to the quality manager,
the leaders and the internal auditors. :class:`DocumentAction` keeps each version's status
history with who did what and why; :class:`ReviewReminder` remembers which periodic-review
reminders went out on which day.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qms.core.history import TrackedManager
from qms.core.models import OrgUnit
from qms.core.uploads import upload_path


class ControlledDocument(models.Model):
    """A document of the quality management system under control (tài liệu được kiểm soát)."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Sổ tay chất lượng")
        POLICY = "policy", _("Chính sách, mục tiêu chất lượng")
        PROCEDURE = "procedure", _("Quy trình")
        INSTRUCTION = "instruction", _("Hướng dẫn công việc")
        FORM = "form", _("Biểu mẫu")
        RECORD_TEMPLATE = "record_template", _("Mẫu hồ sơ")
        OTHER = "other", _("Tài liệu khác")

    code = models.CharField(
        _("mã tài liệu"),
        max_length=32,
        unique=True,
        help_text=_("Ví dụ STCL, QT.01, BM.02.01; không đổi sau khi tạo."),
    )
    title = models.CharField(_("tên tài liệu"), max_length=255)
    kind = models.CharField(_("loại tài liệu"), max_length=16, choices=Kind.choices)
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị chủ trì"),
        on_delete=models.PROTECT,
        related_name="controlled_documents",
    )
    review_period_months = models.PositiveSmallIntegerField(
        _("chu kỳ xem xét định kỳ (tháng)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    retention_years = models.PositiveSmallIntegerField(
        _("thời hạn lưu hồ sơ (năm)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Với biểu mẫu, mẫu hồ sơ: hồ sơ lập theo mẫu được lưu bao lâu. Để trống: "
            "lưu vĩnh viễn hoặc không áp dụng."
        ),
    )
    retention_note = models.CharField(_("nơi lưu, cách lưu"), max_length=255, blank=True)
    is_withdrawn = models.BooleanField(_("đã thu hồi"), default=False)
    withdrawn_at = models.DateTimeField(_("thời điểm thu hồi"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thu hồi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("lý do thu hồi"), blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tài liệu được kiểm soát")
        verbose_name_plural = _("tài liệu được kiểm soát")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_withdrawn=False) | ~Q(withdrawal_reason=""),
                name="controlleddocument_withdrawal_reason",
                violation_error_message=_("Thu hồi tài liệu phải ghi lý do."),
            )
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"


class DocumentVersion(models.Model):
    """One version (lần ban hành) of a controlled document and where it is in its life."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        IN_REVIEW = "in_review", _("Đang trình xem xét, phê duyệt")
        APPROVED = "approved", _("Đã phê duyệt, chờ hiệu lực")
        EFFECTIVE = "effective", _("Đang hiệu lực")
        SUPERSEDED = "superseded", _("Đã được thay thế")
        WITHDRAWN = "withdrawn", _("Đã thu hồi, huỷ bỏ")

    #: Statuses of a version still being prepared, reviewed or waiting for its date.
    IN_WORK = (Status.DRAFT, Status.IN_REVIEW, Status.APPROVED)

    document = models.ForeignKey(
        ControlledDocument,
        verbose_name=_("tài liệu"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    version = models.CharField(
        _("phiên bản"), max_length=16, help_text=_("Lần ban hành, ví dụ 01, 02 hoặc 1.0.")
    )
    title = models.CharField(
        _("tên tài liệu"), max_length=255, help_text=_("Tên tài liệu trong phiên bản này.")
    )
    file = models.FileField(_("tệp tài liệu"), upload_to=upload_path("documents"))
    file_sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64)
    change_summary = models.TextField(_("nội dung ban hành, sửa đổi"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    effective_from = models.DateField(_("hiệu lực từ ngày"), null=True, blank=True)
    next_review_due = models.DateField(_("hạn xem xét định kỳ"), null=True, blank=True)
    last_reviewed_on = models.DateField(_("ngày xem xét định kỳ gần nhất"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người soạn thảo"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_at = models.DateTimeField(_("thời điểm soạn thảo"), default=timezone.now)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xem xét"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("thời điểm xem xét"), null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phê duyệt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("thời điểm phê duyệt"), null=True, blank=True)
    approval_reference = models.CharField(
        _("văn bản ban hành"),
        max_length=255,
        blank=True,
        help_text=_(
            "Với tài liệu được phê duyệt ngoài hệ thống: số, ngày quyết định ban hành, "
            "ví dụ Quyết định số 29/QĐ-UBND ngày 08/01/2021."
        ),
    )
    procedure_version = models.ForeignKey(
        "procedures.ProcedureVersion",
        verbose_name=_("quy trình nội bộ của phiên bản thủ tục"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="controlled_document_versions",
        help_text=_("Phiên bản này là quy trình nội bộ của phiên bản thủ tục hành chính đó."),
    )
    distribution = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("nơi nhận"),
        through="DocumentDistribution",
        blank=True,
        related_name="distributed_document_versions",
        help_text=_("Các đơn vị được phân phối tài liệu; để trống: toàn cơ quan."),
    )
    superseded_at = models.DateTimeField(_("thời điểm bị thay thế"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("được thay thế bởi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("thời điểm thu hồi, huỷ"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("lý do thu hồi, huỷ"), blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        ordering = ["document", "-prepared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "version"],
                name="documentversion_label_uniq",
                violation_error_message=_("Tài liệu đã có phiên bản mang số này."),
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status="effective"),
                name="documentversion_one_effective",
                violation_error_message=_("Mỗi tài liệu chỉ có một phiên bản đang hiệu lực."),
            ),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status__in=["draft", "in_review", "approved"]),
                name="documentversion_one_in_work",
                violation_error_message=_(
                    "Tài liệu đang có một dự thảo chưa ban hành; hoàn thành hoặc huỷ dự thảo "
                    "đó trước."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "effective", "superseded"])
                | Q(effective_from__isnull=False),
                name="documentversion_effective_date",
                violation_error_message=_("Phiên bản đã phê duyệt phải có ngày hiệu lực."),
            ),
        ]

    def __str__(self):
        return f"{self.document.code} — {_('phiên bản')} {self.version}"

    @property
    def is_in_work(self):
        return self.status in self.IN_WORK


class DocumentDistribution(models.Model):
    """A unit that receives a version (nơi nhận)."""

    version = models.ForeignKey(
        DocumentVersion,
        verbose_name=_("phiên bản"),
        on_delete=models.CASCADE,
        related_name="distribution_rows",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nơi nhận tài liệu")
        verbose_name_plural = _("nơi nhận tài liệu")
        ordering = ["version", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["version", "unit"], name="documentdistribution_uniq")
        ]

    def __str__(self):
        return f"{self.version} → {self.unit}"


class DocumentAction(models.Model):
    """One step in a version's life: who did what, when, with what comment, and the status
    the version had afterwards (the status history shown to auditors)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Soạn thảo, trình xem xét")
        RESUBMITTED = "resubmitted", _("Sửa dự thảo, trình lại")
        AGREED = "agreed", _("Xem xét: đồng ý, trình phê duyệt")
        SENT_BACK = "sent_back", _("Trả lại để sửa dự thảo")
        APPROVED = "approved", _("Phê duyệt (ký điện tử)")
        REGISTERED = "registered", _("Đăng ký tài liệu đã ban hành")
        TOOK_EFFECT = "took_effect", _("Có hiệu lực")
        SUPERSEDED = "superseded", _("Bị thay thế bởi phiên bản mới")
        WITHDRAWN = "withdrawn", _("Thu hồi tài liệu")
        ABANDONED = "abandoned", _("Huỷ dự thảo")
        REVIEW_CONFIRMED = "review_confirmed", _("Xem xét định kỳ: còn phù hợp")

    version = models.ForeignKey(
        DocumentVersion,
        verbose_name=_("phiên bản"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    kind = models.CharField(_("thao tác"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("trạng thái sau thao tác"), max_length=16, choices=DocumentVersion.Status.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Để trống: hệ thống tự thực hiện."),
    )
    comment = models.TextField(_("ý kiến, lý do"), blank=True)
    task_id = models.PositiveBigIntegerField(_("bước quy trình"), null=True, blank=True)
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("diễn biến phiên bản tài liệu")
        verbose_name_plural = _("diễn biến phiên bản tài liệu")
        ordering = ["version", "at", "id"]

    def __str__(self):
        return f"{self.version} — {self.get_kind_display()}"


class ReviewReminder(models.Model):
    """A periodic-review reminder sent for a version on a day: at most one per version and
    day, however often the daily job runs."""

    version = models.ForeignKey(
        DocumentVersion,
        verbose_name=_("phiên bản"),
        on_delete=models.CASCADE,
        related_name="review_reminders",
    )
    sent_on = models.DateField(_("ngày nhắc"))
    due_on = models.DateField(_("hạn xem xét"))
    recipients = models.TextField(_("người nhận"), blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nhắc xem xét định kỳ")
        verbose_name_plural = _("nhắc xem xét định kỳ")
        ordering = ["-sent_on", "version"]
        constraints = [
            models.UniqueConstraint(fields=["version", "sent_on"], name="reviewreminder_day_uniq")
        ]

    def __str__(self):
        return f"{self.version} — {self.sent_on:%d/%m/%Y}"
