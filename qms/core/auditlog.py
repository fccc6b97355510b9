"""The tamper-evident audit log: one event per business action, hash-chained.

Services call :func:`record` inside their transaction, so an action and its event commit or
roll back together. The hash of event *n* is ``SHA-256(prev_hash ‖ canonical(event n))`` where
``prev_hash`` is the hash of event *n−1* (64 zeros for the first) and the canonical form is
JSON with sorted keys, no spaces, UTF-8, times in UTC with microseconds. :func:`verify` walks
the chain in constant memory and names the first event that was changed, deleted or inserted.

Appending is serialised: on PostgreSQL by a row lock on :class:`AuditChainHead`; on SQLite by
its single writer (our connections open IMMEDIATE transactions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64

#: Action code → Vietnamese label, filled by :func:`action` where each action is defined.
ACTIONS: dict[str, object] = {}

#: The fields that enter the hash, in the order of the canonical form's documentation.
CHAINED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "unit_id",
    "before",
    "after",
    "reason",
)


def action(code: str, label) -> str:
    """Declare an action code with its label for the auditor's search; returns the code."""
    ACTIONS[code] = label
    return code


LOGIN = action("auth.login", gettext_lazy("Đăng nhập"))
LOGOUT = action("auth.logout", gettext_lazy("Đăng xuất"))
LOGIN_FAILED = action("auth.login_failed", gettext_lazy("Đăng nhập không thành công"))
ADMIN_ADD = action("admin.add", gettext_lazy("Thêm bản ghi (trang quản trị)"))
ADMIN_CHANGE = action("admin.change", gettext_lazy("Sửa bản ghi (trang quản trị)"))
ADMIN_DELETE = action("admin.delete", gettext_lazy("Xoá bản ghi (trang quản trị)"))


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, FieldFile):
            return o.name or None
        if isinstance(o, models.Model):
            return o.pk
        if isinstance(o, set | frozenset):
            return sorted(o)
        return super().default(o)


def jsonable(value):
    """``value`` as plain JSON data (dates as ISO text, decimals as text, records as ids)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False))


def snapshot(instance: models.Model, fields=None, exclude=()) -> dict:
    """The values of ``instance``'s concrete fields (foreign keys as ids), JSON-ready."""
    values = {}
    for f in instance._meta.concrete_fields:
        if (fields is not None and f.name not in fields) or f.name in exclude:
            continue
        values[f.name] = f.value_from_object(instance)
    return jsonable(values)


def changes(before: dict | None, after: dict | None) -> tuple[dict, dict]:
    """Only the keys whose values differ, as two dicts (before, after)."""
    before, after = before or {}, after or {}
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values: dict) -> bytes:
    data = {name: values[name] for name in CHAINED_FIELDS}
    data["at"] = _utc(data["at"])
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def chain_hash(prev_hash: str, values: dict) -> str:
    digest = hashlib.sha256(prev_hash.encode("ascii"))
    digest.update(canonical(values))
    return digest.hexdigest()


def _head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        last = AuditEvent.objects.order_by("-seq").first()
        head = AuditChainHead.objects.create(
            pk=1, seq=last.seq if last else 0, hash=last.hash if last else GENESIS
        )
    return head


def object_label(obj) -> tuple[str, str, str]:
    """(type, id, text) naming a record in the log: ``app_label.model``, its key, its str."""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:255]


def record(
    *,
    actor,
    action: str,
    obj=None,
    before=None,
    after=None,
    reason: str = "",
    unit=None,
    at: dt.datetime | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction, after validation."""
    if obj is not None:
        object_type, object_id, object_repr = object_label(obj)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head = _head()
        values = {
            "seq": head.seq + 1,
            "at": at or timezone.now(),
            "actor_id": actor.pk if actor else None,
            "actor_name": (actor.get_full_name() or actor.username) if actor else "",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "object_repr": object_repr[:255],
            "unit_id": getattr(unit, "pk", unit),
            "before": jsonable(before),
            "after": jsonable(after),
            "reason": reason or "",
        }
        event = AuditEvent(**values, prev_hash=head.hash, hash=chain_hash(head.hash, values))
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass
class Verification:
    """The result of walking the chain."""

    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    last_hash: str = GENESIS
    broken_seq: int | None = None
    problem: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken_seq is None and not self.problem


_VALUE_FIELDS = ("prev_hash", "hash", *CHAINED_FIELDS)


def verify(*, chunk_size: int = 20_000) -> Verification:
    """Walk the whole chain; stop at the first broken event."""
    result = Verification()
    expected_prev = GENESIS
    expected_seq = 1
    rows = AuditEvent.objects.order_by("seq").values_list(*_VALUE_FIELDS)
    for row in rows.iterator(chunk_size=chunk_size):
        prev_hash, stored_hash = row[0], row[1]
        values = dict(zip(CHAINED_FIELDS, row[2:], strict=True))
        seq = values["seq"]
        if result.first_seq is None:
            result.first_seq, result.first_at = seq, values["at"]
        if seq != expected_seq:
            result.broken_seq = expected_seq
            result.problem = (
                _(
                    "Thiếu sự kiện số %(missing)s (đã bị xoá): sau sự kiện số %(prev)s "
                    "là số %(seq)s."
                )
                % {"missing": expected_seq, "prev": expected_seq - 1, "seq": seq}
                if seq > expected_seq
                else _("Sự kiện số %(seq)s không đúng thứ tự (bị chèn thêm).") % {"seq": seq}
            )
            return result
        if prev_hash != expected_prev:
            result.broken_seq = seq
            result.problem = _(
                "Sự kiện số %(seq)s không nối với sự kiện trước (bị chèn thêm hoặc sự kiện "
                "trước bị thay thế)."
            ) % {"seq": seq}
            return result
        if chain_hash(prev_hash, values) != stored_hash:
            result.broken_seq = seq
            result.problem = _("Nội dung sự kiện số %(seq)s đã bị sửa: mã băm không khớp.") % {
                "seq": seq
            }
            return result
        expected_prev = stored_hash
        expected_seq = seq + 1
        result.events += 1
        result.last_seq, result.last_at, result.last_hash = seq, values["at"], stored_hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (result.last_seq or 0, result.last_hash):
        result.broken_seq = (result.last_seq or 0) + 1
        result.problem = _(
            "Đầu chuỗi ghi nhận sự kiện cuối là số %(head)s nhưng nhật ký chỉ còn đến số "
            "%(last)s: các sự kiện cuối đã bị xoá hoặc đầu chuỗi bị sửa."
        ) % {"head": head.seq, "last": result.last_seq or 0}
    return result


def events_for(obj_or_type, object_id=None):
    """The events about one record, oldest first."""
    if object_id is None:
        object_type, object_id, _repr = object_label(obj_or_type)
    else:
        object_type = obj_or_type
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by(
        "seq"
    )


def record_many(rows: list[dict], *, batch_size: int = 5_000) -> int:
    """Append many events in bulk, chained exactly as :func:`record` chains them (same
    fields, same hashes). For the load generator and data migrations; each row holds
    ``actor`` (or ``actor_id``/``actor_name``), ``action``, ``object_type``, ``object_id``,
    ``object_repr``, ``unit_id``, ``before``, ``after``, ``reason`` and ``at``."""
    from .history import bulk_writes_allowed

    with transaction.atomic():
        head = _head()
        seq, prev = head.seq, head.hash
        batch = []
        for row in rows:
            seq += 1
            actor = row.get("actor")
            values = {
                "seq": seq,
                "at": row.get("at") or timezone.now(),
                "actor_id": actor.pk if actor else row.get("actor_id"),
                "actor_name": (actor.get_full_name() or actor.username)
                if actor
                else row.get("actor_name", ""),
                "action": row["action"],
                "object_type": row.get("object_type", ""),
                "object_id": str(row.get("object_id", "")),
                "object_repr": str(row.get("object_repr", ""))[:255],
                "unit_id": row.get("unit_id"),
                "before": jsonable(row.get("before")),
                "after": jsonable(row.get("after")),
                "reason": row.get("reason", ""),
            }
            digest = chain_hash(prev, values)
            batch.append(AuditEvent(**values, prev_hash=prev, hash=digest))
            prev = digest
            if len(batch) >= batch_size:
                with bulk_writes_allowed():
                    AuditEvent.objects.bulk_create(batch)
                batch = []
        if batch:
            with bulk_writes_allowed():
                AuditEvent.objects.bulk_create(batch)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return seq
