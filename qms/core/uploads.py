"""Uploaded files: checked by content, limited in size, stored under generated names."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

#: Accepted scan and result formats, recognised by their first bytes (never by file name).
SIGNATURES = {
    b"%PDF-": ("pdf", "application/pdf"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
}


def sniff(file) -> tuple[str, str] | None:
    """The (extension, MIME type) of ``file`` from its content, or None if not accepted."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


def validate_upload(file) -> str:
    """Refuse a file that is too large or not a PDF/PNG/JPEG by content; return its extension."""
    limit = settings.QMS_MAX_UPLOAD_MB * 1024 * 1024
    if file.size > limit:
        raise ValidationError(
            _("Tệp “%(name)s” quá lớn (%(size).1f MB); giới hạn là %(limit)s MB.")
            % {
                "name": file.name,
                "size": file.size / 1024 / 1024,
                "limit": settings.QMS_MAX_UPLOAD_MB,
            }
        )
    kind = sniff(file)
    if kind is None:
        raise ValidationError(
            _("Tệp “%(name)s” không phải PDF, PNG hoặc JPEG (kiểm tra theo nội dung tệp).")
            % {"name": file.name}
        )
    return kind[0]


@deconstructible
class upload_path:  # noqa: N801  (used like a function in upload_to=)
    """``upload_to`` that stores every file under a random name with the sniffed extension."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename):
        from django.utils import timezone

        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        if extension not in {kind[0] for kind in SIGNATURES.values()}:
            extension = "bin"
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"

    def __eq__(self, other):
        return isinstance(other, upload_path) and other.folder == self.folder
