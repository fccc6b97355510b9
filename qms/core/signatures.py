"""Electronic signatures: sign a record's content with the password re-entered, and check
later that what was signed is still what the record says.

The caller decides what "the content" of a record is (``content`` is a JSON-ready dict of the
fields that the signature vouches for, e.g. a dossier's code, applicant, proposal and the
leader's decision); its hash is SHA-256 over the same canonical JSON as the audit log.
"""

from __future__ import annotations

import hashlib
import json

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import auditlog
from .models import Signature, User

SIGN = auditlog.action("signature.sign", gettext_lazy("Ký điện tử"))


def content_hash(content: dict) -> str:
    data = json.dumps(
        auditlog.jsonable(content), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def check_password(user: User, password: str) -> None:
    """Raise a Vietnamese ``ValidationError`` unless ``password`` is the user's own."""
    if not password:
        raise ValidationError({"password": _("Nhập mật khẩu của bạn để ký.")})
    if not user.check_password(password):
        raise ValidationError({"password": _("Mật khẩu không đúng: chữ ký không được ghi.")})


@transaction.atomic
def signature_sign(
    *, user: User, password: str, obj, purpose: str, meaning: str, content: dict, unit=None
) -> Signature:
    """Sign ``content`` of ``obj`` as ``user`` after checking the password again."""
    check_password(user, password)
    content = auditlog.jsonable(content)
    signature = Signature(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        purpose=purpose,
        signer=user,
        signer_name=user.get_full_name() or user.username,
        signer_position=user.position,
        signed_at=timezone.now(),
        meaning=meaning,
        content=content,
        content_hash=content_hash(content),
    )
    signature.full_clean()
    signature.save()
    auditlog.record(
        actor=user,
        action=SIGN,
        obj=obj,
        unit=unit,
        after={
            "purpose": purpose,
            "meaning": meaning,
            "signer_name": signature.signer_name,
            "content_hash": signature.content_hash,
        },
    )
    return signature


def signatures_of(obj):
    return Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).select_related("signer")


def signature_valid(signature: Signature, current_content: dict) -> bool:
    """Whether the record still says what was signed."""
    return content_hash(current_content) == signature.content_hash


def changed_fields(signature: Signature, current_content: dict) -> list[str]:
    """The keys of the signed content that differ now (for the 'no longer valid' notice)."""
    current = auditlog.jsonable(current_content) or {}
    signed = signature.content or {}
    return [k for k in {**signed, **current} if signed.get(k) != current.get(k)]
