"""Who may call the integration API: client applications (the public-service portal) and their
access tokens. A token's key is shown once, when it is issued; only its SHA-256 is kept."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qms.core.history import TrackedManager
from qms.core.models import Agency


class Scope(models.TextChoices):
    """What a client may do; each API operation requires one of these."""

    DOSSIERS_SUBMIT = "dossiers.submit", _("Nộp hồ sơ trực tuyến")
    DOSSIERS_READ = "dossiers.read", _("Tra cứu tình trạng hồ sơ")
    PAYMENTS_WRITE = "payments.write", _("Ghi nhận thanh toán trực tuyến")
    RESULTS_READ = "results.read", _("Tải kết quả giải quyết")


class IntegrationClient(models.Model):
    """An application that calls the API on behalf of one agency (e.g. the province's
    public-service portal). Its actions are attributed to its service user in the audit log."""

    name = models.CharField(_("tên ứng dụng tích hợp"), max_length=128, unique=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="integration_clients",
    )
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản dịch vụ"),
        on_delete=models.PROTECT,
        related_name="integration_client",
        help_text=_("Người thực hiện ghi trong nhật ký cho mọi thao tác của ứng dụng."),
    )
    scopes = models.JSONField(_("phạm vi quyền"), default=list, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    note = models.TextField(_("ghi chú"), blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    objects = TrackedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ứng dụng tích hợp")
        verbose_name_plural = _("ứng dụng tích hợp")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        scopes = self.scopes
        if not isinstance(scopes, list) or any(s not in Scope.values for s in scopes):
            raise ValidationError(
                {"scopes": _("Phạm vi quyền chỉ gồm: %(scopes)s.") % {"scopes": ", ".join(Scope)}}
            )
        if len(set(scopes)) != len(scopes):
            raise ValidationError({"scopes": _("Phạm vi quyền bị lặp.")})

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def get_scopes_display(self) -> str:
        labels = dict(Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in self.scopes)


class ApiToken(models.Model):
    """An access token of a client: ``Authorization: Token <key>``. Only the key's SHA-256 and
    its first characters (to recognise it in lists) are stored."""

    client = models.ForeignKey(
        IntegrationClient,
        verbose_name=_("ứng dụng tích hợp"),
        on_delete=models.PROTECT,
        related_name="tokens",
    )
    prefix = models.CharField(_("ký tự đầu của khóa"), max_length=12)
    key_hash = models.CharField(_("mã băm SHA-256 của khóa"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("thời điểm cấp"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cấp"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thu hồi"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    revoke_reason = models.TextField(_("lý do thu hồi"), blank=True)
    objects = TrackedManager()
    # The time of last use is bookkeeping, not a change of the token: it is saved without a
    # history row (see ``api_token_touch``).
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("khóa truy cập API")
        verbose_name_plural = _("khóa truy cập API")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
            ),
        ]

    def __str__(self):
        return f"{self.client} — {self.prefix}…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_usable(self) -> bool:
        return not (self.is_revoked or self.is_expired) and self.client.is_active
