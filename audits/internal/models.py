"""Internal audit (ISO 9001:2015 clause 9.2): the yearly programme approved by the director,
each audit's plan (scope, criteria, team, dates), reusable checklists, the answers and findings
of an audit, and its report signed by the lead auditor.

A nonconformity finding (major or minor) opens a nonconformity in ``audits`` with its own
corrective-action process; the finding is closed when that nonconformity is closed (derived,
never copied), and an audit closes only when all of its nonconformity findings are closed.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from audits.models import Nonconformity
from procedures.models import ProcedureField
from qms.core.history import TrackedManager
from qms.core.models import OrgUnit

#: An ISO 9001:2015 clause: 4 to 10, then up to three sub-levels ("7.5.3", "8.5.1").
CLAUSE_RE = re.compile(r"^(?:[4-9]|10)(?:\.\d{1,2}){0,3}$")
CLAUSE_ERROR = _("Điều khoản phải viết dạng 7.5.3 (điều khoản 4 đến 10 của ISO 9001:2015).")


def validate_clause(value: str) -> None:
    if not CLAUSE_RE.match(value or ""):
        raise ValidationError(CLAUSE_ERROR, code="clause")


def clause_sort_key(clause: str) -> tuple:
    return tuple(int(part) for part in clause.split(".") if part.isdigit())


class InternalProcess(models.TextChoices):
    """The department's own QMS processes, audited next to the procedures' fields."""

    DOCUMENT_CONTROL = "document_control", _("Kiểm soát tài liệu và hồ sơ (7.5)")
    ONE_STOP = "one_stop", _("Tiếp nhận và trả kết quả tại Bộ phận Một cửa (8.2, 8.5)")
    CORRECTIVE_ACTION = (
        "corrective_action",
        _("Kiểm soát sự không phù hợp và hành động khắc phục (8.7, 10.2)"),
    )
    MONITORING = "monitoring", _("Theo dõi, đo lường và sự hài lòng của người dân (9.1)")
    INTERNAL_AUDIT = "internal_audit", _("Đánh giá nội bộ (9.2)")
    MANAGEMENT_REVIEW = "management_review", _("Xem xét của lãnh đạo (9.3)")


class AuditProgramme(models.Model):
    """The yearly internal audit programme; the director approves it with an e-signature
    (``qms.core.signatures``) over its content: objectives and every audit's plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo, chờ phê duyệt")
        APPROVED = "approved", _("Đã phê duyệt")

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    title = models.CharField(_("tên chương trình"), max_length=255)
    objectives = models.TextField(
        _("mục tiêu"),
        help_text=_("Mục tiêu của chương trình đánh giá nội bộ trong năm."),
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
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
        verbose_name = _("chương trình đánh giá nội bộ")
        verbose_name_plural = _("chương trình đánh giá nội bộ")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="audit_programme_year_range",
                violation_error_message=_("Năm phải từ 2000 đến 2100."),
            )
        ]

    def __str__(self):
        return self.title


class Audit(models.Model):
    """One internal audit of the programme and its plan. Status: planned → in progress (the
    lead auditor opens it) → reported (the lead auditor signs the report) → closed (the quality
    manager, once every nonconformity finding is closed)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Đã lập kế hoạch")
        IN_PROGRESS = "in_progress", _("Đang đánh giá")
        REPORTED = "reported", _("Đã báo cáo, đang theo dõi khắc phục")
        CLOSED = "closed", _("Đã kết thúc")

    programme = models.ForeignKey(
        AuditProgramme,
        verbose_name=_("chương trình"),
        on_delete=models.PROTECT,
        related_name="audits",
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự trong chương trình"))
    title = models.CharField(_("tên cuộc đánh giá"), max_length=255)
    scope = models.TextField(_("phạm vi đánh giá"))
    clauses = models.CharField(
        _("điều khoản ISO 9001:2015"),
        max_length=255,
        help_text=_("Các điều khoản làm chuẩn mực, cách nhau bởi dấu phẩy, ví dụ 7.5, 8.5, 8.7."),
    )
    criteria = models.TextField(
        _("chuẩn mực đánh giá"),
        help_text=_("Quy trình nội bộ, văn bản quy phạm pháp luật làm căn cứ."),
    )
    planned_start = models.DateField(_("ngày bắt đầu dự kiến"))
    planned_end = models.DateField(_("ngày kết thúc dự kiến"))
    lead_auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trưởng đoàn đánh giá"),
        on_delete=models.PROTECT,
        related_name="internal_audits_led",
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    started_at = models.DateTimeField(_("thời điểm bắt đầu"), null=True, blank=True)
    reported_at = models.DateTimeField(_("thời điểm báo cáo"), null=True, blank=True)
    closed_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người kết thúc"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cuộc đánh giá nội bộ")
        verbose_name_plural = _("cuộc đánh giá nội bộ")
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="audit_number_uniq"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="audit_planned_period",
                violation_error_message=_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        """The audit's number as written on its documents: ``02/2024``."""
        return f"{self.number:02d}/{self.programme.year}" if self.programme_id else ""

    @property
    def clause_list(self) -> list[str]:
        return [c.strip() for c in self.clauses.split(",") if c.strip()]

    def clean(self):
        errors = [c for c in self.clause_list if not CLAUSE_RE.match(c)]
        if errors or not self.clause_list:
            raise ValidationError({"clauses": CLAUSE_ERROR})


class ProgrammeItem(models.Model):
    """What an audit covers: one unit, one field of procedures or one internal process.
    The programme's coverage is the union of its audits' items."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("cuộc đánh giá"), on_delete=models.CASCADE, related_name="items"
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị được đánh giá"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    field = models.ForeignKey(
        ProcedureField,
        verbose_name=_("lĩnh vực thủ tục hành chính"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    internal_process = models.CharField(
        _("quá trình nội bộ"), max_length=32, choices=InternalProcess.choices, blank=True
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phạm vi cuộc đánh giá")
        verbose_name_plural = _("phạm vi cuộc đánh giá")
        ordering = ["audit", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, field__isnull=True, internal_process="")
                    | Q(unit__isnull=True, field__isnull=False, internal_process="")
                    | (Q(unit__isnull=True, field__isnull=True) & ~Q(internal_process=""))
                ),
                name="programme_item_one_target",
            ),
            models.UniqueConstraint(
                fields=["audit", "unit"], condition=Q(unit__isnull=False), name="item_unit_uniq"
            ),
            models.UniqueConstraint(
                fields=["audit", "field"],
                condition=Q(field__isnull=False),
                name="item_field_uniq",
            ),
            models.UniqueConstraint(
                fields=["audit", "internal_process"],
                condition=~Q(internal_process=""),
                name="item_process_uniq",
            ),
        ]

    def __str__(self):
        return str(self.unit or self.field or self.get_internal_process_display())


class AuditTeamMember(models.Model):
    """A member of the audit team besides the lead auditor."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("cuộc đánh giá"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("thành viên"),
        on_delete=models.PROTECT,
        related_name="internal_audit_memberships",
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thành viên đoàn đánh giá")
        verbose_name_plural = _("thành viên đoàn đánh giá")
        ordering = ["audit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "user"], name="audit_team_member_uniq")
        ]

    def __str__(self):
        return str(self.user)


class Checklist(models.Model):
    """A reusable checklist (template) for a clause and, optionally, a process."""

    title = models.CharField(_("tên danh mục kiểm tra"), max_length=255)
    clause = models.CharField(_("điều khoản"), max_length=16, validators=[validate_clause])
    internal_process = models.CharField(
        _("quá trình nội bộ"), max_length=32, choices=InternalProcess.choices, blank=True
    )
    field = models.ForeignKey(
        ProcedureField,
        verbose_name=_("lĩnh vực thủ tục hành chính"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("đang sử dụng"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người lập"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("danh mục kiểm tra (mẫu)")
        verbose_name_plural = _("danh mục kiểm tra (mẫu)")
        ordering = ["clause", "title"]
        constraints = [
            models.UniqueConstraint(fields=["title"], name="checklist_title_uniq"),
        ]

    def __str__(self):
        return f"{self.clause} — {self.title}"

    @property
    def process_label(self) -> str:
        if self.internal_process:
            return self.get_internal_process_display()
        return str(self.field) if self.field_id else ""


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("danh mục"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    clause = models.CharField(_("điều khoản"), max_length=16, validators=[validate_clause])
    question = models.TextField(_("câu hỏi"))
    evidence_expected = models.TextField(_("bằng chứng cần xem"), blank=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("câu hỏi kiểm tra")
        verbose_name_plural = _("câu hỏi kiểm tra")
        ordering = ["checklist", "order"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "order"], name="checklist_item_order_uniq")
        ]

    def __str__(self):
        return f"{self.clause}: {self.question[:80]}"


class AuditChecklist(models.Model):
    """A checklist used in an audit (the same template serves many audits)."""

    audit = models.ForeignKey(
        Audit, verbose_name=_("cuộc đánh giá"), on_delete=models.CASCADE, related_name="checklists"
    )
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("danh mục"), on_delete=models.PROTECT, related_name="uses"
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("danh mục dùng trong cuộc đánh giá")
        verbose_name_plural = _("danh mục dùng trong cuộc đánh giá")
        ordering = ["audit", "checklist__clause"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "checklist"], name="audit_checklist_uniq")
        ]

    def __str__(self):
        return str(self.checklist)


class AuditChecklistAnswer(models.Model):
    """The answer to one checklist question at one audited unit. The question and clause are
    copied when answered, so a later edit of the template leaves the record as it was."""

    class Result(models.TextChoices):
        CONFORM = "conform", _("Phù hợp")
        NONCONFORM = "nonconform", _("Không phù hợp")
        OBSERVATION = "observation", _("Cần lưu ý")
        NOT_APPLICABLE = "not_applicable", _("Không áp dụng")

    audit = models.ForeignKey(
        Audit, verbose_name=_("cuộc đánh giá"), on_delete=models.PROTECT, related_name="answers"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("câu hỏi"), on_delete=models.PROTECT, related_name="answers"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    clause = models.CharField(_("điều khoản"), max_length=16)
    question = models.TextField(_("câu hỏi"))
    result = models.CharField(_("kết quả"), max_length=16, choices=Result.choices)
    evidence_notes = models.TextField(_("bằng chứng, ghi chép"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("thời điểm ghi"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kết quả kiểm tra")
        verbose_name_plural = _("kết quả kiểm tra")
        ordering = ["audit", "unit", "item__checklist", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "item", "unit"], name="audit_answer_uniq")
        ]

    def __str__(self):
        return f"{self.clause} — {self.get_result_display()}"


class Finding(models.Model):
    """A finding of an audit. A major or minor nonconformity opens a nonconformity (with its
    corrective-action process) in the same transaction; the finding is closed when that
    nonconformity is closed."""

    class Kind(models.TextChoices):
        CONFORMITY = "conformity", _("Phù hợp")
        MAJOR_NC = "major_nc", _("Không phù hợp nặng")
        MINOR_NC = "minor_nc", _("Không phù hợp nhẹ")
        OBSERVATION = "observation", _("Điểm cần lưu ý")
        IMPROVEMENT = "improvement", _("Cơ hội cải tiến")

    NONCONFORMITIES = (Kind.MAJOR_NC, Kind.MINOR_NC)

    audit = models.ForeignKey(
        Audit, verbose_name=_("cuộc đánh giá"), on_delete=models.PROTECT, related_name="findings"
    )
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="+"
    )
    clause = models.CharField(_("điều khoản"), max_length=16, validators=[validate_clause])
    kind = models.CharField(_("loại phát hiện"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("nội dung phát hiện"))
    evidence = models.TextField(_("bằng chứng khách quan"), blank=True)
    answer = models.ForeignKey(
        AuditChecklistAnswer,
        verbose_name=_("câu hỏi kiểm tra liên quan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
    )
    nonconformity = models.ForeignKey(
        Nonconformity,
        verbose_name=_("sự không phù hợp"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="internal_audit_findings",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ghi nhận"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("thời điểm ghi nhận"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phát hiện đánh giá")
        verbose_name_plural = _("phát hiện đánh giá")
        ordering = ["audit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "number"], name="finding_number_uniq"),
        ]

    def __str__(self):
        return f"{self.audit.code} #{self.number} {self.get_kind_display()}"

    @property
    def is_nonconformity(self) -> bool:
        return self.kind in self.NONCONFORMITIES

    @property
    def is_closed(self) -> bool:
        """A nonconformity finding is closed when its nonconformity is; others need no
        follow-up."""
        if not self.is_nonconformity:
            return True
        return (
            self.nonconformity_id is not None
            and self.nonconformity.status == Nonconformity.Status.CLOSED
        )


class AuditReport(models.Model):
    """The audit report; the lead auditor signs it (password again) and the audit becomes
    reported. The signature covers the report and its findings table."""

    audit = models.OneToOneField(
        Audit, verbose_name=_("cuộc đánh giá"), on_delete=models.PROTECT, related_name="report"
    )
    summary = models.TextField(_("tóm tắt quá trình đánh giá"))
    conclusions = models.TextField(_("kết luận"))
    recommendations = models.TextField(_("kiến nghị"), blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người soạn"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"))
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("báo cáo đánh giá nội bộ")
        verbose_name_plural = _("báo cáo đánh giá nội bộ")

    def __str__(self):
        return _("Báo cáo đánh giá %(code)s") % {"code": self.audit.code}
