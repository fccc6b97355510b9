"""Planning of the quality management system (ISO 9001:2015 clauses 5.2, 6.1 and 6.2): the
quality policy, the yearly quality objectives bound to computed indicators, and the register
of risks and opportunities of each process.

An objective stores only its target: whether it is met is computed from
:mod:`audits.indicators` whenever it is shown (``selectors.objective_achievement``).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from audits import indicators
from procedures.models import Procedure
from qms.core.history import TrackedManager
from qms.core.models import OrgUnit


class QualityPolicy(models.Model):
    """A version of the department's quality policy (chính sách chất lượng). A draft is
    prepared by the quality manager; the director approves it by signing electronically. The
    policy in force on a day is the approved version with the latest effective date up to
    that day: one at a time."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        APPROVED = "approved", _("Đã phê duyệt")

    version = models.PositiveSmallIntegerField(_("lần ban hành"), unique=True)
    title = models.CharField(_("tiêu đề"), max_length=255)
    text = models.TextField(_("nội dung chính sách chất lượng"))
    effective_from = models.DateField(_("ngày hiệu lực"))
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người soạn thảo"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafted_at = models.DateTimeField(_("thời điểm soạn thảo"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phê duyệt"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("thời điểm phê duyệt"), null=True, blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chính sách chất lượng")
        verbose_name_plural = _("chính sách chất lượng")
        ordering = ["-version"]
        permissions = [
            (
                "manage_quality_planning",
                _("Lập, sửa chính sách chất lượng, mục tiêu chất lượng và sổ rủi ro, cơ hội"),
            ),
            ("approve_qualitypolicy", _("Phê duyệt, ký ban hành chính sách chất lượng")),
        ]
        constraints = [
            # One approved version per effective date: the one in force is never ambiguous.
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(status="approved"),
                name="quality_policy_one_per_effective_date",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", approved_by__isnull=True, approved_at__isnull=True)
                | Q(status="approved", approved_by__isnull=False, approved_at__isnull=False),
                name="quality_policy_approval_complete",
            ),
        ]

    def __str__(self):
        return _("%(title)s (lần %(version)s)") % {"title": self.title, "version": self.version}


class QualityObjective(models.Model):
    """A yearly quality objective (mục tiêu chất lượng) whose target is a value of a computed
    indicator, for the whole department or one unit, optionally one procedure."""

    class Comparison(models.TextChoices):
        AT_LEAST = "gte", "≥"
        AT_MOST = "lte", "≤"

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang theo dõi")
        WITHDRAWN = "withdrawn", _("Đã hủy bỏ")

    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    title = models.CharField(_("mục tiêu"), max_length=500)
    indicator = models.CharField(_("chỉ số đo"), max_length=32, choices=indicators.choices)
    comparison = models.CharField(_("so sánh"), max_length=3, choices=Comparison.choices)
    target = models.DecimalField(
        _("giá trị mục tiêu"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("phạm vi (đơn vị)"),
        help_text=_("Để trống: mục tiêu chung của toàn Sở."),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục hành chính"),
        help_text=_("Để trống: mọi thủ tục."),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị chủ trì"),
        on_delete=models.PROTECT,
        related_name="quality_objectives",
    )
    action_plan = models.TextField(_("kế hoạch thực hiện"), blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    withdrawal_reason = models.TextField(_("lý do hủy bỏ"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm lập"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mục tiêu chất lượng")
        verbose_name_plural = _("mục tiêu chất lượng")
        ordering = ["-year", "unit__order", "indicator", "id"]
        indexes = [models.Index(fields=["year", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdrawal_reason=""),
                name="quality_objective_withdrawal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.year}: {self.title}"

    @property
    def indicator_definition(self) -> indicators.Indicator:
        return indicators.INDICATORS[self.indicator]

    @property
    def target_display(self) -> str:
        target = indicators.format_value(self.indicator, self.target_value)
        return f"{self.get_comparison_display()} {target}"

    @property
    def target_value(self):
        """The target in the indicator's own kind of number (a count is whole)."""
        if self.indicator_definition.unit == indicators.MeasureUnit.COUNT:
            return int(self.target)
        return self.target

    def is_met(self, value) -> bool:
        if self.comparison == self.Comparison.AT_LEAST:
            return value >= self.target
        return value <= self.target


class RiskEntry(models.Model):
    """A risk or an opportunity of a process (ISO 9001 6.1): scored likelihood × impact on a
    5 × 5 grid, the action decided, who owns it and when it is reviewed next."""

    class Kind(models.TextChoices):
        RISK = "risk", _("Rủi ro")
        OPPORTUNITY = "opportunity", _("Cơ hội")

    class Status(models.TextChoices):
        OPEN = "open", _("Đang mở")
        TREATED = "treated", _("Đã xử lý, đang theo dõi")
        CLOSED = "closed", _("Đã đóng")

    class Band(models.TextChoices):
        LOW = "low", _("Thấp")
        MEDIUM = "medium", _("Trung bình")
        HIGH = "high", _("Cao")

    #: The highest level of each band (level = likelihood × impact, 1–25).
    BAND_LIMITS = ((4, Band.LOW), (12, Band.MEDIUM), (25, Band.HIGH))
    SCORES = [(n, str(n)) for n in range(1, 6)]

    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices, default=Kind.RISK)
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("quy trình (thủ tục hành chính)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    process_name = models.CharField(
        _("quy trình nội bộ"),
        max_length=255,
        blank=True,
        help_text=_(
            "Quy trình không phải thủ tục hành chính, ví dụ “Kiểm soát tài liệu”. Chọn thủ tục "
            "hoặc ghi tên quy trình, không cả hai."
        ),
    )
    description = models.TextField(_("mô tả"))
    cause = models.TextField(_("nguyên nhân"), blank=True)
    likelihood = models.PositiveSmallIntegerField(
        _("khả năng xảy ra (1–5)"),
        choices=SCORES,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    impact = models.PositiveSmallIntegerField(
        _("mức độ ảnh hưởng (1–5)"),
        choices=SCORES,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    level = models.PositiveSmallIntegerField(_("mức độ (khả năng × ảnh hưởng)"), editable=False)
    action = models.TextField(_("biện pháp xử lý"))
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("phạm vi (đơn vị)"),
        help_text=_("Để trống: rủi ro, cơ hội chung của toàn Sở."),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị chủ trì xử lý"),
        on_delete=models.PROTECT,
        related_name="risks",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phụ trách"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    review_date = models.DateField(_("ngày xem xét tiếp theo"))
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    last_reviewed_at = models.DateTimeField(_("lần xem xét gần nhất"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm lập"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rủi ro, cơ hội")
        verbose_name_plural = _("sổ rủi ro, cơ hội")
        ordering = ["-level", "review_date", "id"]
        indexes = [models.Index(fields=["status", "review_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_scores_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(level=F("likelihood") * F("impact")), name="risk_level_is_product"
            ),
            models.CheckConstraint(
                condition=(Q(procedure__isnull=False) & Q(process_name=""))
                | (Q(procedure__isnull=True) & ~Q(process_name="")),
                name="risk_one_process",
            ),
        ]

    def __str__(self):
        return _("%(kind)s #%(pk)s: %(text)s") % {
            "kind": self.get_kind_display(),
            "pk": self.pk,
            "text": self.description[:80],
        }

    @classmethod
    def band_of(cls, level: int) -> str:
        return next(band for limit, band in cls.BAND_LIMITS if level <= limit)

    @property
    def band(self) -> str:
        return self.band_of(self.level)

    def get_band_display(self) -> str:
        return self.Band(self.band).label

    @property
    def process_display(self) -> str:
        if self.procedure_id:
            return f"{self.procedure.code} {self.procedure.name}".strip()
        return self.process_name


class RiskReview(models.Model):
    """A recorded review of a risk or opportunity: the scores before and after, what was
    found, the status it leaves the entry in, and the next review date it set."""

    risk = models.ForeignKey(
        RiskEntry,
        verbose_name=_("rủi ro, cơ hội"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    reviewed_at = models.DateTimeField(_("thời điểm xem xét"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xem xét"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    likelihood_before = models.PositiveSmallIntegerField(_("khả năng trước"))
    impact_before = models.PositiveSmallIntegerField(_("ảnh hưởng trước"))
    likelihood = models.PositiveSmallIntegerField(_("khả năng xảy ra (1–5)"))
    impact = models.PositiveSmallIntegerField(_("mức độ ảnh hưởng (1–5)"))
    level = models.PositiveSmallIntegerField(_("mức độ"))
    status = models.CharField(_("tình trạng sau xem xét"), max_length=16, choices=RiskEntry.Status)
    note = models.TextField(_("kết quả xem xét"))
    next_review_date = models.DateField(_("ngày xem xét tiếp theo"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lần xem xét rủi ro, cơ hội")
        verbose_name_plural = _("các lần xem xét rủi ro, cơ hội")
        ordering = ["risk", "-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=F("likelihood") * F("impact")), name="risk_review_level"
            ),
        ]

    def __str__(self):
        return f"{self.risk_id} — {self.reviewed_at:%d/%m/%Y}"


class RiskReminder(models.Model):
    """A review reminder sent for a risk on a day: at most one per risk and day, whatever the
    number of runs of the daily task."""

    risk = models.ForeignKey(
        RiskEntry,
        verbose_name=_("rủi ro, cơ hội"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    day = models.DateField(_("ngày nhắc"))
    recipients = models.TextField(_("người nhận"))
    sent_at = models.DateTimeField(_("thời điểm gửi"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nhắc xem xét rủi ro, cơ hội")
        verbose_name_plural = _("nhắc xem xét rủi ro, cơ hội")
        ordering = ["-day", "risk"]
        constraints = [
            models.UniqueConstraint(fields=["risk", "day"], name="risk_reminder_once_a_day")
        ]

    def __str__(self):
        return f"{self.risk_id} — {self.day:%d/%m/%Y}"
