"""What the internal auditor reads: one record's whole trail, merged in time order from the
audit log, the history rows of the record and of its child records, and the transitions of the
workflow tasks that handled it; the differences between two versions; and a search of the
log across the system.

Every function runs a fixed number of queries whatever the length of the history (one per
source), so the trail of a dossier with a long life costs what a short one does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalChanges

from qms.core import auditlog
from qms.core.models import AuditEvent

#: Apps whose records the workspace opens.
PROJECT_APPS = (
    "core",
    "procedures",
    "workflows",
    "audits",
    "documents",
    "planning",
    "internal_audits",
    "reviews",
)
HISTORY_TYPES = {"+": gettext_lazy("Tạo mới"), "~": gettext_lazy("Sửa"), "-": gettext_lazy("Xoá")}


@dataclass
class Change:
    field: str
    label: str
    old: object
    new: object


@dataclass
class Entry:
    """One line of a record's timeline."""

    at: dt.datetime
    kind: str  # "event" | "change" | "task"
    actor: str
    title: str
    record: str = ""
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    seq: int | None = None
    hash: str = ""
    prev_hash: str = ""
    history_id: int | None = None
    order: int = 0

    @property
    def kind_label(self):
        return {
            "event": _("Nhật ký"),
            "change": _("Dữ liệu"),
            "task": _("Bước quy trình"),
        }[self.kind]


def model_for(object_type: str) -> type[models.Model]:
    """The project model named ``app_label.model`` (as the audit log writes it), or 404."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError) as error:
        raise Http404(_("Không có loại bản ghi này.")) from error
    if model._meta.app_label not in PROJECT_APPS or issubclass(model, HistoricalChanges):
        raise Http404(_("Không có loại bản ghi này."))
    return model


def record_types() -> list[tuple[str, str]]:
    """(``app_label.model``, Vietnamese name) of every project model, for the search form."""
    types = []
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS and not issubclass(model, HistoricalChanges):
            if model._meta.auto_created or model is AuditEvent:
                continue
            types.append((model._meta.label_lower, str(model._meta.verbose_name).capitalize()))
    return sorted(types, key=lambda item: item[1])


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _display(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    return value


def _history_fields(history_model) -> list[str]:
    tracked = history_model.tracked_fields
    return [f.attname for f in tracked]


def _row_changes(model, row, previous, names) -> list[Change]:
    result = []
    for attname in names:
        new = getattr(row, attname, None)
        old = getattr(previous, attname, None) if previous is not None else None
        if previous is None and new in (None, ""):
            continue
        if previous is not None and old == new:
            continue
        name = attname[:-3] if attname.endswith("_id") else attname
        result.append(Change(name, _label(model, name), _display(old), _display(new)))
    return result


def _actor(user) -> str:
    if user is None:
        return _("Hệ thống")
    return user.get_full_name() or user.username


def _history_entries(model, rows, record_name=None) -> list[Entry]:
    """Entries from history rows of one model (rows of several objects, oldest first).

    Rows are named by their model and id (``record_name`` for the record itself): a model's
    ``__str__`` may follow foreign keys, one query per row."""
    entries = []
    names = [n for n in _history_fields(model.history.model) if n != "id"]
    previous_of = {}
    for row in rows:
        previous = previous_of.get(row.id)
        entries.append(
            Entry(
                at=row.history_date,
                kind="change",
                actor=_actor(row.history_user),
                title=f"{HISTORY_TYPES.get(row.history_type, row.history_type)} "
                f"{model._meta.verbose_name}",
                record=record_name or f"{model._meta.verbose_name} #{row.id}",
                changes=_row_changes(model, row, previous, names),
                reason=row.history_change_reason or "",
                history_id=row.history_id,
            )
        )
        previous_of[row.id] = row
    return entries


def _children(model) -> list[tuple[type[models.Model], str]]:
    """Project models with a history that point at ``model`` by a foreign key."""
    result = []
    for other in apps.get_models():
        if other._meta.app_label not in PROJECT_APPS or issubclass(other, HistoricalChanges):
            continue
        if not hasattr(other, "history") or other is model:
            continue
        for f in other._meta.concrete_fields:
            if isinstance(f, models.ForeignKey) and f.related_model is model:
                result.append((other, f.attname))
    return result


def _process_of(model, pk):
    from viewflow.workflow.models import Process

    return Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(model), artifact_object_id=pk
    ).first()


def _task_entries(process) -> list[Entry]:
    from viewflow.workflow.models import Task

    rows = (
        Task.history.filter(process_id=process.pk)
        .select_related("history_user", "owner")
        .order_by("history_date", "history_id")
    )
    entries, last_status = [], {}
    for row in rows:
        status = row.status
        if last_status.get(row.id) == (status, row.owner_id):
            continue
        last_status[row.id] = (status, row.owner_id)
        node = getattr(row.flow_task, "name", "") if row.flow_task else ""
        title = str(getattr(row.flow_task, "task_title", "") or node or _("Bước"))
        owner = _actor(row.owner) if row.owner_id else "—"
        entries.append(
            Entry(
                at=row.history_date,
                kind="task",
                actor=_actor(row.history_user),
                title=title,
                record=_("Công việc #%(id)s") % {"id": row.id},
                changes=[
                    Change("status", _("trạng thái"), "", str(status)),
                    Change("owner", _("người thực hiện"), "", owner),
                ],
            )
        )
    return entries


def _event_entries(events) -> list[Entry]:
    entries = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        entries.append(
            Entry(
                at=event.at,
                kind="event",
                actor=event.actor_name or _("Hệ thống"),
                title=str(auditlog.ACTIONS.get(event.action, event.action)),
                record=event.object_repr,
                changes=[
                    Change(k, k, _display(before.get(k)), _display(after.get(k))) for k in keys
                ],
                reason=event.reason,
                seq=event.seq,
                hash=event.hash,
                prev_hash=event.prev_hash,
            )
        )
    return entries


@dataclass
class Trail:
    model: type[models.Model]
    obj: models.Model | None
    object_type: str
    object_id: str
    entries: list[Entry]
    events: list[AuditEvent]
    versions: list  # the record's own history rows, newest first

    @property
    def verbose_name(self):
        return str(self.model._meta.verbose_name).capitalize()

    @property
    def title(self):
        return str(self.obj) if self.obj is not None else f"{self.object_type} #{self.object_id}"


def record_trail(object_type: str, object_id: str) -> Trail:
    """The whole trail of one record; 404 when it never existed."""
    model = model_for(object_type)
    obj = model._default_manager.filter(pk=object_id).first() if str(object_id).isdigit() else None
    events = list(auditlog.events_for(model._meta.label_lower, object_id))
    versions = []
    entries = _event_entries(events)
    if hasattr(model, "history"):
        versions = list(
            model.history.filter(id=object_id)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        entries += _history_entries(model, versions, str(obj) if obj is not None else None)
        for child, attname in _children(model):
            rows = (
                child.history.filter(**{attname: object_id})
                .select_related("history_user")
                .order_by("history_date", "history_id")
            )
            entries += _history_entries(child, rows)
    if obj is None and not events and not versions:
        raise Http404(_("Không tìm thấy bản ghi."))
    process = _process_of(model, object_id) if obj is not None else None
    if process is not None:
        entries += _task_entries(process)
    kind_order = {"task": 0, "change": 1, "event": 2}
    entries.sort(key=lambda e: (e.at, kind_order[e.kind], e.seq or 0, e.history_id or 0))
    return Trail(
        model=model,
        obj=obj,
        object_type=model._meta.label_lower,
        object_id=str(object_id),
        entries=entries,
        events=events,
        versions=list(reversed(versions)),
    )


def version_diff(model, object_id, from_id: int, to_id: int) -> tuple[object, object, list]:
    """Two history rows of one record and the fields that differ between them."""
    rows = {
        row.history_id: row
        for row in model.history.filter(id=object_id, history_id__in=[from_id, to_id])
    }
    if from_id not in rows or to_id not in rows:
        raise Http404(_("Không có phiên bản này của bản ghi."))
    old, new = rows[from_id], rows[to_id]
    if old.history_date > new.history_date:
        old, new = new, old
    names = [n for n in _history_fields(model.history.model) if n != "id"]
    changes = [Change(c.field, c.label, c.old, c.new) for c in _row_changes(model, new, old, names)]
    return old, new, changes


@dataclass
class EventCheck:
    """Each event of a certified copy re-hashed, and linked to the event before it."""

    event: AuditEvent
    hash_ok: bool
    link_ok: bool

    @property
    def ok(self):
        return self.hash_ok and self.link_ok


def check_events(events: list[AuditEvent]) -> list[EventCheck]:
    """Re-hash each event and check it links to the stored hash of the event before it
    (one query for all the predecessors)."""
    previous = dict(
        AuditEvent.objects.filter(seq__in=[e.seq - 1 for e in events if e.seq > 1]).values_list(
            "seq", "hash"
        )
    )
    checks = []
    for event in events:
        values = {name: getattr(event, name) for name in auditlog.CHAINED_FIELDS}
        hash_ok = auditlog.chain_hash(event.prev_hash, values) == event.hash
        expected_prev = auditlog.GENESIS if event.seq == 1 else previous.get(event.seq - 1)
        checks.append(EventCheck(event, hash_ok, expected_prev == event.prev_hash))
    return checks


def events_search(
    *,
    actor=None,
    unit=None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    object_type: str = "",
    action: str = "",
    text: str = "",
):
    """The audit log filtered, newest first (each filter optional)."""
    from django.utils import timezone

    events = AuditEvent.objects.select_related("unit").order_by("-seq")
    if actor is not None:
        events = events.filter(actor=actor)
    if unit is not None:
        events = events.filter(unit=unit)
    if date_from:
        start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
        events = events.filter(at__gte=start)
    if date_to:
        end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
        events = events.filter(at__lt=end)
    if object_type:
        events = events.filter(object_type=object_type)
    if action:
        events = events.filter(action=action)
    if text:
        events = events.filter(object_repr__icontains=text)
    return events
