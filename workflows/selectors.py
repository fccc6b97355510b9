"""Which workflow tasks a user sees. One place decides it; every task list uses these.

The queue is computed in the database: a task waiting in a unit's queue carries the permission
and the unit it needs (``owner_permission`` + ``owner_permission_obj``) and the user must hold
that permission on that unit through a guardian row of their own or of one of their groups, or
hold it globally. The number of queries does not grow with the user's permission rows (stock
viewflow loads every one of them into Python).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from qms.core.models import OrgUnit, User


def _human_tasks() -> QuerySet[Task]:
    return Task.objects.filter(flow_task_type="HUMAN").select_related("process")


def task_inbox(*, user: User) -> QuerySet[Task]:
    """Tasks assigned to ``user`` and not yet done."""
    return _human_tasks().filter(owner=user, status=STATUS.ASSIGNED).order_by("-created")


def task_queue(*, user: User) -> QuerySet[Task]:
    """Unassigned tasks ``user`` may take: those queued to a unit where they hold the task's
    permission, and those queued by a global permission they hold."""
    queryset = _human_tasks().filter(status=STATUS.NEW, owner__isnull=True)
    if user.is_superuser:
        return queryset.order_by("-created")

    unit_type = ContentType.objects.get_for_model(OrgUnit)

    def granted(model, **who):
        return (
            model.objects.filter(
                content_type=unit_type, object_pk=OuterRef("owner_permission_obj_pk"), **who
            )
            .annotate(
                full=Concat(
                    "permission__content_type__app_label", Value("."), "permission__codename"
                )
            )
            .filter(full=OuterRef("owner_permission"))
        )

    on_unit = Q(owner_permission_content_type=unit_type) & (
        Exists(granted(get_user_obj_perms_model(), user=user))
        | Exists(granted(get_group_obj_perms_model(), group__user=user))
    )
    global_perms = user.get_all_permissions()
    globally = Q(owner_permission_obj_pk__isnull=True) & (
        Q(owner_permission__isnull=True) | Q(owner_permission__in=global_perms)
    )
    return queryset.filter(on_unit | globally).order_by("-created")


def task_archive(*, user: User) -> QuerySet[Task]:
    """Tasks ``user`` completed, most recent first."""
    return _human_tasks().filter(owner=user, finished__isnull=False).order_by("-finished")


def processes_visible_to(*, user: User):
    """Dossier processes whose dossier ``user`` may see (``dossiers_visible_to``)."""
    from procedures.selectors import dossiers_visible_to

    from .models import DossierProcess

    return DossierProcess.objects.filter(
        artifact_object_id__in=dossiers_visible_to(user=user).values("pk")
    )


def tasks_visible_to(*, user: User) -> QuerySet[Task]:
    return Task.objects.filter(process__in=processes_visible_to(user=user).values("pk"))
