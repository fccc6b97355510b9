"""Management review (ISO 9001 clause 9.3): a review of a period, its inputs compiled from the
data (9.3.2 a–f), the meeting's decisions and actions (9.3.3) tracked to closure, and the
signed review report."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qms.core.history import TrackedManager
from qms.core.models import Job, OrgUnit


class ManagementReview(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Đã lên kế hoạch")
        COMPILED = "compiled", _("Đã tổng hợp đầu vào")
        HELD = "held", _("Đã họp xem xét")
        CLOSED = "closed", _("Đã ký báo cáo")

    title = models.CharField(_("tên cuộc xem xét"), max_length=255)
    period_from = models.DateField(_("kỳ xem xét từ ngày"))
    period_to = models.DateField(_("đến ngày"))
    meeting_date = models.DateField(_("ngày họp"), null=True, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chủ trì"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    participants = models.TextField(_("thành phần tham dự"), blank=True)
    external_issues = models.TextField(
        _("thay đổi của các vấn đề bên ngoài và nội bộ"),
        blank=True,
        help_text=_("Mục 9.3.2 b: văn bản pháp luật mới, sáp nhập, thay đổi tổ chức, nhân sự…"),
    )
    resources = models.TextField(
        _("sự thỏa đáng của nguồn lực"), blank=True, help_text=_("Mục 9.3.2 d.")
    )
    minutes = models.TextField(_("kết luận cuộc họp"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    inputs = models.JSONField(_("đầu vào đã tổng hợp"), null=True, blank=True)
    inputs_compiled_at = models.DateTimeField(_("tổng hợp lúc"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("lập lúc"), auto_now_add=True)

    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cuộc xem xét của lãnh đạo")
        verbose_name_plural = _("xem xét của lãnh đạo")
        ordering = ["-period_to"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_from__lte=models.F("period_to")),
                name="review_period_order",
            )
        ]

    def __str__(self):
        return self.title


class ReviewAction(models.Model):
    """A decision or action of the review (9.3.3): improvement opportunities, changes to the
    quality management system, resource needs — each with an owner and a due date."""

    class Kind(models.TextChoices):
        IMPROVEMENT = "improvement", _("Cơ hội cải tiến")
        QMS_CHANGE = "qms_change", _("Thay đổi hệ thống quản lý chất lượng")
        RESOURCES = "resources", _("Nhu cầu nguồn lực")

    class Status(models.TextChoices):
        OPEN = "open", _("Đang thực hiện")
        DONE = "done", _("Đã hoàn thành")

    review = models.ForeignKey(
        ManagementReview,
        verbose_name=_("cuộc xem xét"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("nội dung"))
    owner_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị thực hiện"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phụ trách"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    result = models.TextField(_("kết quả thực hiện"), blank=True)

    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quyết định, hành động sau xem xét")
        verbose_name_plural = _("quyết định, hành động sau xem xét")
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.description[:80]


class ReviewReport(models.Model):
    """One generated ISO review report (PDF) of a review, kept with its hash; the director
    signs the one that is final."""

    review = models.ForeignKey(
        ManagementReview,
        verbose_name=_("cuộc xem xét"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    job = models.OneToOneField(
        Job, verbose_name=_("công việc nền"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("tệp báo cáo"), upload_to="reviews/%Y/")
    sha256 = models.CharField(_("mã băm tệp"), max_length=64)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    generated_at = models.DateTimeField(_("lập lúc"))

    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("báo cáo xem xét của lãnh đạo")
        verbose_name_plural = _("báo cáo xem xét của lãnh đạo")
        ordering = ["-generated_at"]

    def __str__(self):
        return f"{self.review} — {self.generated_at:%d/%m/%Y %H:%M}"


class ConformityAnnouncement(models.Model):
    """The head of the agency's decision announcing that its quality management system
    conforms to TCVN ISO 9001:2015 (QĐ 19/2014/QĐ-TTg, art. 4; TT 26/2014/TT-BKHCN): number,
    date, scope. A change of scope or of standard is a re-announcement: a new row pointing at
    the one it replaces, so every earlier announcement stays on record."""

    class Kind(models.TextChoices):
        FIRST = "first", _("Công bố lần đầu")
        RENEWAL = "renewal", _("Công bố lại")

    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    decision_number = models.CharField(_("số quyết định"), max_length=64, unique=True)
    decision_date = models.DateField(_("ngày quyết định"))
    signed_by = models.CharField(
        _("người ký quyết định"), max_length=255, help_text=_("Họ tên, chức vụ.")
    )
    standard = models.CharField(_("tiêu chuẩn"), max_length=64, default="TCVN ISO 9001:2015")
    scope = models.TextField(
        _("phạm vi áp dụng"),
        help_text=_("Các TTHC và hoạt động nội bộ thuộc phạm vi hệ thống quản lý chất lượng."),
    )
    procedures = models.ManyToManyField(
        "procedures.Procedure",
        verbose_name=_("thủ tục hành chính trong phạm vi"),
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("lý do công bố lại"), blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("thay thế quyết định"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("nhập lúc"), auto_now_add=True)

    objects = TrackedManager()
    history = HistoricalRecords(m2m_fields=[procedures])

    class Meta:
        verbose_name = _("quyết định công bố hệ thống quản lý chất lượng")
        verbose_name_plural = _("công bố phù hợp TCVN ISO 9001")
        ordering = ["-decision_date", "-pk"]

    def __str__(self):
        return f"{self.decision_number} ({self.decision_date:%d/%m/%Y})"
