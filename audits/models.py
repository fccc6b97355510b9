"""Nonconformities (ISO 9001 8.7 / 10.2). A plain record for now: the corrective-action process
is built on it later. A dossier finished after its due date raises one automatically."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procedures.models import Dossier
from qms.core.history import TrackedManager
from qms.core.models import OrgUnit


class Nonconformity(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Phát hiện trong công việc")
        LATE_DOSSIER = "late_dossier", _("Hồ sơ trễ hạn")
        AUDIT = "audit", _("Đánh giá nội bộ")
        COMPLAINT = "complaint", _("Phản ánh, kiến nghị")

    class Status(models.TextChoices):
        OPEN = "open", _("Mới ghi nhận")
        CLOSED = "closed", _("Đã đóng")

    source = models.CharField(_("nguồn"), max_length=16, choices=Source.choices)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.OPEN
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
            )
        ]

    def __str__(self):
        return self.title
