"""Writes of the integration API: clients, their tokens, and the start of an online dossier's
process. Dossier writes themselves are the procedures services, called exactly as the pages
call them, with the client's service user as the actor."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.models import Dossier, Procedure
from procedures.services.dossier import DocumentInput
from qms.core import auditlog
from qms.core.models import User
from qms.core.services import user_create

from .models import ApiToken, IntegrationClient, Scope

CLIENT_CREATE = auditlog.action(
    "integration.client_create", gettext_lazy("Tạo ứng dụng tích hợp (API)")
)
CLIENT_UPDATE = auditlog.action(
    "integration.client_update", gettext_lazy("Sửa ứng dụng tích hợp (API)")
)
TOKEN_ISSUE = auditlog.action("integration.token_issue", gettext_lazy("Cấp khóa truy cập API"))
TOKEN_REVOKE = auditlog.action(
    "integration.token_revoke", gettext_lazy("Thu hồi khóa truy cập API")
)

#: Visible characters of a key kept in clear to recognise it (the rest is only hashed).
PREFIX_LENGTH = 8
#: The time of last use is saved at most this often (it is bookkeeping, not history).
TOUCH_EVERY = dt.timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _service_username(name: str) -> str:
    base = f"api.{slugify(name)[:40] or 'client'}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _clean_scopes(scopes) -> list[str]:
    scopes = list(dict.fromkeys(scopes or []))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Phạm vi quyền không hợp lệ: %(scopes)s.")
                % {"scopes": ", ".join(unknown)}
            }
        )
    return scopes


@transaction.atomic
def integration_client_create(
    *, actor: User | None, name: str, agency, scopes, note: str = ""
) -> IntegrationClient:
    """A client application of ``agency`` with its own service user (no password: it never
    signs in; the API attributes the client's actions to it)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Phải có tên ứng dụng tích hợp.")})
    if IntegrationClient.objects.filter(name=name).exists():
        raise ValidationError(
            {"name": _("Đã có ứng dụng tích hợp tên “%(name)s”.") % {"name": name}}
        )
    user = user_create(
        actor=actor,
        username=_service_username(name),
        password=None,
        first_name=name[:150],
        position=_("Tài khoản dịch vụ của ứng dụng tích hợp"),
    )
    client = IntegrationClient(
        name=name, agency=agency, service_user=user, scopes=_clean_scopes(scopes), note=note
    )
    client.full_clean()
    client.save()
    auditlog.record(
        actor=actor,
        action=CLIENT_CREATE,
        obj=client,
        after=auditlog.snapshot(client),
    )
    return client


@transaction.atomic
def integration_client_update(
    *,
    actor: User | None,
    client: IntegrationClient,
    name: str | None = None,
    scopes=None,
    is_active: bool | None = None,
    note: str | None = None,
    reason: str = "",
) -> IntegrationClient:
    """Rename a client, change its scopes, stop or resume it (a stopped client's tokens are
    refused)."""
    before = auditlog.snapshot(IntegrationClient.objects.get(pk=client.pk))
    if name is not None:
        client.name = name.strip()
    if scopes is not None:
        client.scopes = _clean_scopes(scopes)
    if is_active is not None:
        client.is_active = is_active
    if note is not None:
        client.note = note
    client.full_clean()
    client.save()
    old, new = auditlog.changes(before, auditlog.snapshot(client))
    if new:
        auditlog.record(
            actor=actor, action=CLIENT_UPDATE, obj=client, before=old, after=new, reason=reason
        )
    return client


@transaction.atomic
def api_token_issue(
    *, actor: User | None, client: IntegrationClient, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``client``; returns it with its key, which is not kept and cannot be
    shown again."""
    if not client.is_active:
        raise ValidationError(
            _("Ứng dụng “%(name)s” đã ngừng hoạt động: không cấp khóa.") % {"name": client}
        )
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("Thời điểm hết hạn phải sau thời điểm hiện tại.")})
    key = secrets.token_urlsafe(32)
    token = ApiToken(
        client=client,
        prefix=key[:PREFIX_LENGTH],
        key_hash=key_hash(key),
        created_at=now,
        created_by=actor,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    auditlog.record(
        actor=actor,
        action=TOKEN_ISSUE,
        obj=token,
        after=auditlog.snapshot(token, fields=("client", "prefix", "created_at", "expires_at")),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken, reason: str = "") -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(
            _("Khóa %(prefix)s… đã bị thu hồi lúc %(at)s.")
            % {
                "prefix": token.prefix,
                "at": timezone.localtime(token.revoked_at).strftime("%H:%M %d/%m/%Y"),
            }
        )
    token.revoked_at, token.revoked_by = timezone.now(), actor
    token.revoke_reason = (reason or "").strip()
    token.full_clean()
    token.save()
    auditlog.record(
        actor=actor,
        action=TOKEN_REVOKE,
        obj=token,
        after=auditlog.snapshot(token, fields=("revoked_at", "revoked_by")),
        reason=token.revoke_reason,
    )
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Remember when the token was last used (at most once a minute; no history row, no
    event: reading is not a change)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        token.save_without_historical_record(update_fields=["last_used_at"])


def dossier_submit_online_start(
    *,
    client: IntegrationClient,
    procedure: Procedure,
    applicant: dict,
    documents: list[DocumentInput],
    portal_reference: str,
    submitted_at: dt.datetime | None = None,
    delivery: str = Dossier.Delivery.ONLINE,
    is_demo_data: bool = False,
) -> tuple[Dossier, bool]:
    """Submit a dossier from the portal and start its process (``DossierFlow.submit_online``),
    all or nothing. A reference the client's agency already has returns that dossier
    (``created`` False) and starts nothing, also when two sends of it race."""
    from ..flows import DossierFlow

    if procedure.agency_id != client.agency_id:
        raise ValidationError({"procedure": _("Thủ tục không thuộc cơ quan của ứng dụng.")})
    reference = (portal_reference or "").strip()
    submission = {
        "actor": client.service_user,
        "procedure": procedure,
        "applicant": applicant,
        "documents": documents,
        "portal_reference": reference,
        "submitted_at": submitted_at,
        "delivery": delivery,
        "is_demo_data": is_demo_data,
    }
    existing = Dossier.objects.filter(agency=client.agency, portal_reference=reference).first()
    if existing is None:
        try:
            with transaction.atomic():
                process = DossierFlow.submit_online.run(**submission)
            return process.artifact, True
        except IntegrityError:
            # The same reference committed by a concurrent request in the meantime.
            existing = Dossier.objects.filter(
                agency=client.agency, portal_reference=reference
            ).first()
            if existing is None:
                raise
    # Same answer as the service for a resend (including a reference of another procedure).
    from procedures.services.dossier import dossier_submit_online

    return dossier_submit_online(**submission)
