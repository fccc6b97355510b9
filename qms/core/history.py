"""History-aware writes. Every project model keeps its history (django-simple-history), which
is written by ``save()`` and ``delete()`` signals; ``QuerySet.update()``, ``bulk_update()`` and
``bulk_create()`` send no signals and would change records without a trace, so the managers of
tracked models refuse them. The few places that must write in bulk (the load generator, data
fixes) do it inside :func:`bulk_writes_allowed` and write the history rows themselves
(``simple_history.utils.bulk_create_with_history`` / ``bulk_update_with_history``).
Migrations use historical models with plain managers and are not affected.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.contrib.auth.models import UserManager
from django.db import models

_allowed = contextvars.ContextVar("bulk_writes_allowed", default=False)


class UntrackedWriteError(RuntimeError):
    """A write that would bypass the history of a tracked model."""


@contextlib.contextmanager
def bulk_writes_allowed():
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def _refuse(queryset, operation):
    if not _allowed.get():
        raise UntrackedWriteError(
            f"{queryset.model._meta.label}: {operation}() bypasses the record history; "
            "save each object, or use the history-aware helpers inside bulk_writes_allowed()."
        )


class TrackedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse(self, "update")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse(self, "bulk_update")
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs, *args, **kwargs):
        _refuse(self, "bulk_create")
        return super().bulk_create(objs, *args, **kwargs)


class TrackedManager(models.Manager.from_queryset(TrackedQuerySet)):
    pass


class TrackedUserManager(UserManager.from_queryset(TrackedQuerySet)):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    """For the audit log: rows are only ever inserted one by one."""

    def update(self, **kwargs):
        raise UntrackedWriteError(f"{self.model._meta.label} is append-only: update() refused")

    def bulk_update(self, objs, fields, batch_size=None):
        raise UntrackedWriteError(f"{self.model._meta.label} is append-only: update refused")

    def delete(self):
        raise UntrackedWriteError(f"{self.model._meta.label} is append-only: delete() refused")

    def bulk_create(self, objs, *args, **kwargs):
        _refuse(self, "bulk_create")
        return super().bulk_create(objs, *args, **kwargs)
