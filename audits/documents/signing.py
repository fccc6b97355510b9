"""What a director's electronic signature on a document version vouches for.

The signed content is the version as issued: the document's code, the version's title, number,
the SHA-256 of its file (computed from the stored bytes, so a replaced file shows), the summary
of what it issues or changes and the effective date chosen by the director. A later change to
any of these shows the signature as no longer valid.
"""

from __future__ import annotations

import hashlib

from django.db.models.fields.files import FieldFile

from qms.core.models import Signature
from qms.core.signatures import changed_fields, signature_valid, signatures_of

from .models import DocumentVersion

PURPOSE_APPROVAL = "document.approval"
CHUNK = 1024 * 1024


def file_sha256(file) -> str:
    """SHA-256 of a stored or uploaded file's bytes ("" when there is no readable file)."""
    if not file:
        return ""
    stored = isinstance(file, FieldFile)
    digest = hashlib.sha256()
    try:
        if stored:
            file.open("rb")
        file.seek(0)
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
        file.seek(0)
    except (OSError, ValueError):
        return ""
    finally:
        if stored:
            file.close()
    return digest.hexdigest()


def version_approval_content(version: DocumentVersion, *, file_hash: str | None = None) -> dict:
    """The signed content of ``version`` (``file_hash`` may be passed in when already known)."""
    return {
        "document": version.document.code,
        "title": version.title,
        "version": version.version,
        "file_sha256": file_sha256(version.file) if file_hash is None else file_hash,
        "summary": version.change_summary,
        "effective_from": version.effective_from,
        "version_id": version.pk,
    }


def version_signatures(version: DocumentVersion, *, file_hash: str | None = None) -> list[dict]:
    """Each approval signature on ``version`` with whether it still holds and, if not, which
    signed fields changed. The file is hashed once however many signatures there are."""
    signatures = list(signatures_of(version).filter(purpose=PURPOSE_APPROVAL))
    if not signatures:
        return []
    current = version_approval_content(version, file_hash=file_hash)
    result = []
    for signature in signatures:
        valid = signature_valid(signature, current)
        result.append(
            {
                "signature": signature,
                "valid": valid,
                "changed": [] if valid else changed_fields(signature, current),
            }
        )
    return result


def approval_signature(version: DocumentVersion) -> Signature | None:
    return signatures_of(version).filter(purpose=PURPOSE_APPROVAL).order_by("-signed_at").first()
