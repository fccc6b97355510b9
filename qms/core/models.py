"""The department as data: agencies with validity periods, the unit tree, staff and their
memberships, and the local corrections to the working-day calendar."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .history import AppendOnlyQuerySet, TrackedManager, TrackedUserManager


class Agency(models.Model):
    """A state agency as it was named and coded for a period.

    A rename or merger (e.g. Sở TN&MT Sóc Trăng → Sở Nông nghiệp và Môi trường Cần Thơ, 2025)
    is a new row with ``predecessor`` set, so records of 2024 keep pointing at the 2024 agency.
    """

    name = models.CharField(_("tên cơ quan"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=64, blank=True)
    governing_body = models.CharField(_("cơ quan chủ quản"), max_length=255, blank=True)
    code = models.CharField(
        _("mã định danh điện tử"),
        max_length=32,
        help_text=_("Mã định danh điện tử của cơ quan, ví dụ 000.00.xx.H51."),
    )
    province_code = models.CharField(_("mã tỉnh"), max_length=8, blank=True)
    place_name = models.CharField(
        _("địa danh"),
        max_length=64,
        blank=True,
        help_text=_("Dùng trên văn bản: “Sóc Trăng, ngày …”."),
    )
    valid_from = models.DateField(_("hiệu lực từ ngày"))
    valid_to = models.DateField(_("hiệu lực đến ngày"), null=True, blank=True)
    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan tiền thân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["-valid_from", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="agency_valid_period",
                violation_error_message=_("Ngày hết hiệu lực phải sau ngày có hiệu lực."),
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="agency_code_from_uniq"),
        ]

    def __str__(self):
        return self.name

    def is_valid_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class OrgUnit(models.Model):
    """A unit of an agency (phòng, văn phòng, trung tâm, bộ phận một cửa)."""

    class Kind(models.TextChoices):
        LEADERSHIP = "leadership", _("Ban Giám đốc")
        OFFICE = "office", _("Văn phòng")
        INSPECTORATE = "inspectorate", _("Thanh tra")
        PLANNING_FINANCE = "planning_finance", _("Kế hoạch - Tài chính")
        IT_CENTRE = "it_centre", _("Trung tâm Công nghệ thông tin")
        ONE_STOP = "one_stop", _("Bộ phận Một cửa")
        SPECIALIST = "specialist", _("Phòng chuyên môn")

    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("mã đơn vị"), max_length=32)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=64, blank=True)
    kind = models.CharField(_("loại đơn vị"), max_length=32, choices=Kind.choices)
    fields_handled = models.CharField(
        _("lĩnh vực phụ trách"),
        max_length=255,
        blank=True,
        help_text=_("Các lĩnh vực TTHC đơn vị tham mưu giải quyết, cách nhau bởi dấu phẩy."),
    )
    location = models.CharField(_("nơi làm việc"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["agency", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="orgunit_agency_code_uniq"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="orgunit_not_own_parent"
            ),
        ]
        # Unit-scoped rights, granted per unit as guardian object permissions. ``act_<role>``
        # lets a member take the workflow steps that the internal process gives to that role
        # in that unit.
        permissions = [
            ("work_in_unit", _("Xử lý công việc của đơn vị")),
            ("lead_unit", _("Phân công, xem xét công việc của đơn vị")),
            ("view_unit_records", _("Xem hồ sơ của đơn vị")),
            ("act_one_stop_officer", _("Tiếp nhận, trả kết quả hồ sơ tại đơn vị")),
            ("act_specialist", _("Thẩm định hồ sơ của đơn vị")),
            ("act_unit_head", _("Phân công, xem xét hồ sơ của đơn vị")),
            ("act_director", _("Phê duyệt hồ sơ")),
            ("act_clerk", _("Vào số, phát hành văn bản")),
            ("act_quality_manager", _("Quản lý hệ thống chất lượng")),
            ("act_internal_auditor", _("Đánh giá nội bộ")),
            ("act_administrator", _("Quản trị hệ thống")),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id and self.parent.agency_id != self.agency_id:
            raise ValidationError({"parent": _("Đơn vị cấp trên phải thuộc cùng cơ quan.")})
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("Cây đơn vị không được có vòng lặp.")})
            ancestor = ancestor.parent

    @property
    def handles_procedures(self):
        return self.kind == self.Kind.SPECIALIST


class User(AbstractUser):
    """A member of staff. Roles are Django groups; unit rights are guardian permissions on
    :class:`OrgUnit`, both kept in step with :class:`Membership` by the services."""

    class Language(models.TextChoices):
        VI = "vi", _("Tiếng Việt")
        EN = "en", _("English")

    position = models.CharField(_("chức vụ"), max_length=128, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=32, blank=True)
    language = models.CharField(
        _("ngôn ngữ giao diện"), max_length=8, choices=Language.choices, default=Language.VI
    )
    # The password hash has no place in a readable history; last_login would bury real edits.
    objects = TrackedUserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Vietnamese order: family name first.
        return " ".join(part for part in (self.last_name, self.first_name) if part).strip()


class Role(models.TextChoices):
    """The roles of the system; each is a Django group of the same name."""

    ONE_STOP_OFFICER = "one_stop_officer", _("Công chức Bộ phận Một cửa")
    SPECIALIST = "specialist", _("Chuyên viên")
    UNIT_HEAD = "unit_head", _("Trưởng phòng, đơn vị")
    DIRECTOR = "director", _("Lãnh đạo Sở (Giám đốc, Phó Giám đốc)")
    CLERK = "clerk", _("Văn thư")
    QUALITY_MANAGER = "quality_manager", _("Thư ký ISO / Quản lý chất lượng")
    INTERNAL_AUDITOR = "internal_auditor", _("Chuyên gia đánh giá nội bộ")
    ADMINISTRATOR = "administrator", _("Quản trị hệ thống")


class Membership(models.Model):
    """A user's role in a unit. Granting one adds the role's group and unit permissions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices)
    is_primary = models.BooleanField(_("đơn vị chính"), default=True)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phân công vai trò")
        verbose_name_plural = _("phân công vai trò")
        ordering = ["unit", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_uniq"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


class CalendarOverride(models.Model):
    """A local correction to the national holiday calendar: an extra day off (e.g. a provincial
    decision) or an extra working day (a make-up Saturday the package does not know)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ bổ sung")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    reason = models.CharField(
        _("căn cứ, lý do"),
        max_length=255,
        help_text=_("Văn bản làm căn cứ, ví dụ Thông báo số …/TB-VPCP."),
    )
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("điều chỉnh lịch làm việc")
        verbose_name_plural = _("điều chỉnh lịch làm việc")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()}"


class AuditEvent(models.Model):
    """One business action in the append-only audit log (21 CFR Part 11 §11.10(e)).

    Each event carries the SHA-256 of the previous one over a canonical serialisation
    (:mod:`qms.core.auditlog`), so any later edit, deletion or insertion breaks the chain and
    ``manage.py verify_audit_log`` names the first broken event. Rows are never updated or
    deleted: database triggers refuse it (PostgreSQL and SQLite).
    """

    seq = models.PositiveBigIntegerField(_("số thứ tự"), unique=True)
    at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("họ tên người thực hiện"), max_length=255, blank=True)
    action = models.CharField(_("thao tác"), max_length=64, db_index=True)
    object_type = models.CharField(_("loại hồ sơ, bản ghi"), max_length=100)
    object_id = models.CharField(_("mã bản ghi"), max_length=64)
    object_repr = models.CharField(_("bản ghi"), max_length=255, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    before = models.JSONField(_("giá trị trước"), null=True, blank=True)
    after = models.JSONField(_("giá trị sau"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    prev_hash = models.CharField(_("mã băm sự kiện trước"), max_length=64)
    hash = models.CharField(_("mã băm"), max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("sự kiện nhật ký kiểm tra")
        verbose_name_plural = _("nhật ký kiểm tra")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_idx"),
            models.Index(fields=["actor", "seq"], name="audit_actor_idx"),
            models.Index(fields=["unit", "seq"], name="audit_unit_idx"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """The seal of the chain: the last event's number and hash, moved on by every append.
    Truncating the tail of the log leaves it pointing at an event that no longer exists."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký")
        verbose_name_plural = _("đầu chuỗi nhật ký")

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}…"


class Signature(models.Model):
    """An electronic signature (21 CFR Part 11 §11.50, §11.70): the signer re-entered their
    password; the signer's printed name, the moment, the meaning and the SHA-256 of exactly
    what was signed are kept with it. Changing the signed content afterwards leaves the
    signature in place but no longer valid (its hash no longer matches)."""

    class Meaning(models.TextChoices):
        APPROVED = "approved", _("Phê duyệt")
        REFUSED = "refused", _("Từ chối")
        REVIEWED = "reviewed", _("Xem xét")
        AUTHORED = "authored", _("Soạn thảo")
        CLOSED = "closed", _("Đóng")

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("loại bản ghi"), on_delete=models.PROTECT
    )
    object_id = models.PositiveBigIntegerField(_("mã bản ghi"))
    purpose = models.CharField(
        _("nội dung ký"), max_length=64, help_text=_("Bước hoặc văn bản được ký.")
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ký"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    signer_name = models.CharField(_("họ tên người ký"), max_length=255)
    signer_position = models.CharField(_("chức vụ"), max_length=128, blank=True)
    signed_at = models.DateTimeField(_("thời điểm ký"))
    meaning = models.CharField(_("ý nghĩa chữ ký"), max_length=16, choices=Meaning.choices)
    content = models.JSONField(_("nội dung đã ký"))
    content_hash = models.CharField(_("mã băm nội dung"), max_length=64)

    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chữ ký điện tử")
        verbose_name_plural = _("chữ ký điện tử")
        ordering = ["signed_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="signature_object_idx")]

    def __str__(self):
        return f"{self.signer_name} — {self.get_meaning_display()} — {self.signed_at:%d/%m/%Y}"


class Job(models.Model):
    """A long piece of work (a PDF report, an export, an import) run by a Celery worker while
    the user watches its progress; its result file is kept for download and a failure keeps
    its reason so that the user can retry. Handlers are registered by kind in
    :mod:`qms.core.jobs`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang thực hiện")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    kind = models.CharField(_("loại công việc"), max_length=64)
    title = models.CharField(_("tên công việc"), max_length=255)
    params = models.JSONField(_("tham số"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    message = models.CharField(_("đang làm"), max_length=255, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    result = models.FileField(_("tệp kết quả"), upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(_("tên tệp kết quả"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    created_at = models.DateTimeField(_("thời điểm yêu cầu"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    objects = TrackedManager()
    history = HistoricalRecords(excluded_fields=["progress", "message"])

    class Meta:
        verbose_name = _("công việc nền")
        verbose_name_plural = _("công việc nền")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} ({self.get_status_display()})"


def _register_viewflow_history():
    """viewflow leaves ``Task.assigned`` empty and overwrites ``owner`` on reassignment; the
    history rows of its Process and Task keep what happened (historical models live in this
    app so that their migrations are ours)."""
    from simple_history import register
    from viewflow.workflow.models import Process, Task

    register(Process, app="qms.core", table_name="core_historicalprocess")
    register(Task, app="qms.core", table_name="core_historicaltask")


_register_viewflow_history()


class Notification(models.Model):
    """A message to one person in the notification centre (the bell in the page header), sent
    by :func:`qms.core.notifications.notify`; optionally e-mailed too. ``key`` makes a
    notification idempotent: one per person and key (a reminder sent again by a retried or
    concurrent beat task is not created twice).

    Kept without simple-history: a notification is written once and only its ``read_at`` and
    ``emailed_at`` move on; it is not a record of the quality system (``tests/core/
    test_history.py`` lists it among the exceptions)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("loại thông báo"), max_length=64)
    title = models.CharField(_("tiêu đề"), max_length=255)
    body = models.TextField(_("nội dung"), blank=True)
    url = models.CharField(
        _("đường dẫn"), max_length=500, blank=True, help_text=_("Đường dẫn trong trang.")
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("loại bản ghi"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.CharField(_("mã bản ghi"), max_length=64, blank=True)
    object_repr = models.CharField(_("bản ghi"), max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người gây ra"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.CharField(_("khoá chống trùng"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("đã gửi thư lúc"), null=True, blank=True)

    objects = TrackedManager()

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="notification_recipient_key_uniq",
            ),
        ]
        indexes = [
            # The header's unread count: one index-only lookup per page.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def kind_label(self):
        from .notifications import KIND_REGISTRY

        registered = KIND_REGISTRY.get(self.kind)
        return registered.label if registered else self.kind


class NotificationPreference(models.Model):
    """A person's choice for one kind of notification: shown in the centre, sent by e-mail.
    No row means the defaults: shown, and e-mailed if the kind's ``email_default`` says so."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("loại thông báo"), max_length=64)
    in_app = models.BooleanField(_("hiện trong trang"), default=True)
    email = models.BooleanField(_("gửi thư điện tử"), default=True)

    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tuỳ chọn nhận thông báo")
        verbose_name_plural = _("tuỳ chọn nhận thông báo")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_pref_user_kind_uniq"
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.kind}"
