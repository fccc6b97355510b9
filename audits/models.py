"""Nonconformities and corrective action (ISO 9001 8.7 / 10.2).

A nonconformity is raised by hand, from an internal-audit finding, from a citizen's complaint,
or automatically when a dossier is finished after its due date. Its corrective-action process
(``workflows.capa_flow``) goes: immediate correction → root-cause analysis (five whys) → action
plan → implementation of each action by its owner → effectiveness check by the quality manager
→ closure signed by the quality manager. A check that finds the actions not effective opens a
new analysis round: each round keeps its own whys, actions and check.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procedures.models import Dossier
from qms.core.calendar import LimitUnit, WorkingCalendar
from qms.core.history import TrackedManager
from qms.core.models import OrgUnit
from qms.core.uploads import upload_path

#: The most "why?" rows an analysis round keeps (the method's name gives it).
MAX_WHYS = 5


class Nonconformity(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Phát hiện trong công việc")
        LATE_DOSSIER = "late_dossier", _("Hồ sơ trễ hạn")
        AUDIT = "audit", _("Đánh giá nội bộ")
        COMPLAINT = "complaint", _("Phản ánh, kiến nghị")

    class Status(models.TextChoices):
        # Raised before the corrective-action process existed, not yet started.
        OPEN = "open", _("Mới ghi nhận")
        CORRECTION = "correction", _("Chờ khắc phục tức thời")
        ANALYSIS = "analysis", _("Phân tích nguyên nhân")
        PLANNING = "planning", _("Lập kế hoạch khắc phục")
        IMPLEMENTATION = "implementation", _("Thực hiện hành động khắc phục")
        VERIFICATION = "verification", _("Kiểm tra hiệu lực")
        CLOSED = "closed", _("Đã đóng")

    class Severity(models.TextChoices):
        MAJOR = "major", _("Nặng")
        MINOR = "minor", _("Nhẹ")

    source = models.CharField(_("nguồn"), max_length=16, choices=Source.choices)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    severity = models.CharField(
        _("mức độ"), max_length=8, choices=Severity.choices, default=Severity.MINOR
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị liên quan"),
        on_delete=models.PROTECT,
        related_name="nonconformities",
    )
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("hồ sơ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nonconformities",
    )
    finding_ref = models.CharField(
        _("mã phát hiện đánh giá"),
        max_length=100,
        blank=True,
        help_text=_("Phát hiện của cuộc đánh giá nội bộ đã nêu sự không phù hợp này."),
    )
    complaint_ref = models.CharField(
        _("số phản ánh, kiến nghị"),
        max_length=100,
        blank=True,
        help_text=_("Số, ngày tiếp nhận phản ánh, kiến nghị của người dân, tổ chức."),
    )
    title = models.CharField(_("tiêu đề"), max_length=255)
    description = models.TextField(_("mô tả"))
    raised_at = models.DateTimeField(_("thời điểm ghi nhận"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi nhận"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    correction = models.TextField(_("khắc phục tức thời (sửa chữa)"), blank=True)
    corrected_at = models.DateTimeField(_("thời điểm khắc phục tức thời"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người khắc phục tức thời"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phân tích nguyên nhân"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Để trống: trưởng đơn vị tự phân tích."),
    )
    closed_at = models.DateTimeField(_("thời điểm đóng"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đóng"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sự không phù hợp")
        verbose_name_plural = _("sự không phù hợp")
        ordering = ["-raised_at"]
        constraints = [
            # One automatic nonconformity per late dossier, however often finishing is retried.
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(source="late_dossier"),
                name="nonconformity_one_per_late_dossier",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def code(self) -> str:
        """The number printed on the follow-up sheet: ``KPH-<year>-<id>``."""
        year = timezone.localtime(self.raised_at).year if self.raised_at else ""
        return f"KPH-{year}-{self.pk or 0:04d}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class RootCauseAnalysis(models.Model):
    """One analysis round of a nonconformity: the whys asked in order and the root cause they
    lead to. The first round follows the correction; a check that finds the actions not
    effective opens the next one."""

    nonconformity = models.ForeignKey(
        Nonconformity,
        verbose_name=_("sự không phù hợp"),
        on_delete=models.PROTECT,
        related_name="analyses",
    )
    number = models.PositiveSmallIntegerField(_("lần phân tích"))
    root_cause = models.TextField(_("nguyên nhân gốc"))
    analysed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phân tích"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    analysed_at = models.DateTimeField(_("thời điểm phân tích"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phân tích nguyên nhân")
        verbose_name_plural = _("phân tích nguyên nhân")
        ordering = ["nonconformity", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["nonconformity", "number"], name="analysis_one_per_round"
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="analysis_round_ge_1"),
        ]

    def __str__(self):
        return _("Phân tích nguyên nhân lần %(n)s — %(nc)s") % {
            "n": self.number,
            "nc": self.nonconformity_id,
        }


class Why(models.Model):
    """One "why?" of a five-whys analysis, in the order it was asked."""

    analysis = models.ForeignKey(
        RootCauseAnalysis,
        verbose_name=_("phân tích nguyên nhân"),
        on_delete=models.CASCADE,
        related_name="whys",
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    answer = models.TextField(_("vì sao"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("câu hỏi tại sao")
        verbose_name_plural = _("các câu hỏi tại sao")
        ordering = ["analysis", "order"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "order"], name="why_order_uniq"),
            models.CheckConstraint(
                condition=models.Q(order__gte=1, order__lte=MAX_WHYS), name="why_order_range"
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.answer[:80]}"


def action_deadline(due_date: dt.date) -> dt.datetime:
    """An action due on ``due_date`` is late after that day's office hours."""
    start = timezone.make_aware(dt.datetime.combine(due_date, dt.time.min))
    return WorkingCalendar({}).due_at(start, 0, LimitUnit.WORKING_DAYS)


def overdue_due_dates_until() -> dt.date:
    """Open actions due on or before this day are overdue now."""
    today = timezone.localdate()
    return today if timezone.now() > action_deadline(today) else today - dt.timedelta(days=1)


class CorrectiveAction(models.Model):
    """One action of a round's plan, carried out by its owner before its due date; the owner
    records what was done and attaches the evidence."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Đang thực hiện")
        DONE = "done", _("Đã thực hiện")

    nonconformity = models.ForeignKey(
        Nonconformity,
        verbose_name=_("sự không phù hợp"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    analysis = models.ForeignKey(
        RootCauseAnalysis,
        verbose_name=_("lần phân tích"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    description = models.TextField(_("nội dung hành động"))
    owner_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị thực hiện"),
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    due_date = models.DateField(_("hạn hoàn thành"))
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=Status.choices, default=Status.PLANNED
    )
    done_at = models.DateTimeField(_("thời điểm hoàn thành"), null=True, blank=True)
    note = models.TextField(_("kết quả thực hiện"), blank=True)
    evidence = models.FileField(
        _("bằng chứng"), upload_to=upload_path("capa"), max_length=255, blank=True
    )
    evidence_sha256 = models.CharField(_("mã băm bằng chứng"), max_length=64, blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hành động khắc phục")
        verbose_name_plural = _("hành động khắc phục")
        ordering = ["nonconformity", "analysis__number", "order"]
        constraints = [
            models.UniqueConstraint(fields=["analysis", "order"], name="action_order_uniq"),
            models.CheckConstraint(
                condition=~models.Q(status="done")
                | (models.Q(done_at__isnull=False) & ~models.Q(evidence_sha256="")),
                name="action_done_has_time_and_evidence",
                violation_error_message=_(
                    "Hành động đã thực hiện phải có thời điểm hoàn thành và bằng chứng."
                ),
            ),
        ]

    def __str__(self):
        return self.description[:120]

    def clean(self):
        if self.analysis_id and self.analysis.nonconformity_id != self.nonconformity_id:
            raise ValidationError(_("Hành động phải thuộc lần phân tích của chính sự việc."))

    @property
    def deadline(self) -> dt.datetime:
        return action_deadline(self.due_date)

    @property
    def is_overdue(self) -> bool:
        """Still to do after the end of its due date."""
        return self.status == self.Status.PLANNED and self.due_date <= overdue_due_dates_until()

    @property
    def done_late(self) -> bool:
        return self.status == self.Status.DONE and self.done_at > self.deadline


class EffectivenessCheck(models.Model):
    """The quality manager's check of whether a round's actions removed the cause. The
    nonconformity cannot be closed without an effective one for its current round."""

    class Result(models.TextChoices):
        EFFECTIVE = "effective", _("Có hiệu lực")
        NOT_EFFECTIVE = "not_effective", _("Không có hiệu lực")

    nonconformity = models.ForeignKey(
        Nonconformity,
        verbose_name=_("sự không phù hợp"),
        on_delete=models.PROTECT,
        related_name="checks",
    )
    analysis = models.ForeignKey(
        RootCauseAnalysis,
        verbose_name=_("lần phân tích"),
        on_delete=models.PROTECT,
        related_name="checks",
    )
    result = models.CharField(_("kết quả"), max_length=16, choices=Result.choices)
    evidence = models.TextField(
        _("bằng chứng kiểm tra"),
        help_text=_("Đã kiểm tra những gì, ở đâu, kết quả ra sao."),
    )
    comment = models.TextField(_("nhận xét"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người kiểm tra"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("thời điểm kiểm tra"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kiểm tra hiệu lực")
        verbose_name_plural = _("kiểm tra hiệu lực")
        ordering = ["nonconformity", "checked_at"]
        constraints = [
            # One check per round: "not effective" opens a new round for the next one.
            models.UniqueConstraint(fields=["analysis"], name="check_one_per_round"),
        ]

    def __str__(self):
        return f"{self.get_result_display()} — {self.checked_at:%d/%m/%Y}"

    def clean(self):
        if self.analysis_id and self.analysis.nonconformity_id != self.nonconformity_id:
            raise ValidationError(_("Kết quả kiểm tra phải thuộc lần phân tích của chính sự việc."))


def _indicator_choices():
    # The indicator registry imports this module (nonconformities): read it when asked.
    from .indicators import choices

    return choices()


class IndicatorSnapshot(models.Model):
    """One indicator as it stood at the end of ``day``, counted from 1 January of that year
    (ISO 9001 9.1): for the whole department (``unit`` empty) or for one handling unit. Taken
    each night by :func:`audits.services.indicator_snapshot_take`, so that the trend of the
    year can be read back as it was then, whatever is corrected later; never typed in."""

    day = models.DateField(
        _("ngày"), help_text=_("Kỳ tính: từ ngày 01/01 của năm đến hết ngày này.")
    )
    code = models.CharField(_("chỉ số"), max_length=64, choices=_indicator_choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị giải quyết"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Để trống: toàn Sở."),
    )
    value = models.DecimalField(
        _("giá trị"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Để trống: không có dữ liệu trong kỳ."),
    )
    numerator = models.DecimalField(_("tử số"), max_digits=14, decimal_places=2, default=0)
    denominator = models.PositiveIntegerField(_("mẫu số"), null=True, blank=True)
    computed_at = models.DateTimeField(_("thời điểm tính"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("số liệu chỉ số theo ngày")
        verbose_name_plural = _("số liệu chỉ số theo ngày")
        ordering = ["-day", "code", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "code", "unit"], name="indicatorsnapshot_day_code_unit_uniq"
            ),
            # NULL never equals NULL in a unique index: the department-wide row needs its own.
            models.UniqueConstraint(
                fields=["day", "code"],
                condition=models.Q(unit__isnull=True),
                name="indicatorsnapshot_day_code_department_uniq",
            ),
        ]

    def __str__(self):
        scope = self.unit.name if self.unit_id else _("Toàn Sở")
        return f"{self.get_code_display()} — {scope} — {self.day:%d/%m/%Y}"

    @property
    def indicator_value(self):
        """The value as the indicators module gives it: an ``int`` for a count."""
        from .indicators import INDICATORS, MeasureUnit

        item = INDICATORS.get(self.code)
        if self.value is not None and item is not None and item.unit == MeasureUnit.COUNT:
            return int(self.value)
        return self.value

    @property
    def display_value(self) -> str:
        from .indicators import format_value

        return format_value(self.code, self.indicator_value)
