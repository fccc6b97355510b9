"""Reads of the organisation kernel, scoped by what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from .models import Agency, OrgUnit, User

SEE_ALL_UNITS = "core.view_unit_records"


def agency_current(*, on=None) -> Agency | None:
    """The agency in force on ``on`` (today by default)."""
    from django.utils import timezone

    day = on or timezone.localdate()
    return (
        Agency.objects.filter(valid_from__lte=day)
        .exclude(valid_to__lt=day)
        .order_by("-valid_from")
        .first()
    )


def user_sees_all_units(user: User) -> bool:
    """Leaders, the quality manager, auditors and administrators see every unit's records."""
    return user.is_active and (user.is_superuser or user.has_perm(SEE_ALL_UNITS))


def units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """The units whose records ``user`` may read: all of them, or those they belong to."""
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    if user_sees_all_units(user):
        return OrgUnit.objects.all()
    return get_objects_for_user(
        user, "core.view_unit_records", klass=OrgUnit, accept_global_perms=False
    )


def units_of(user: User) -> QuerySet[OrgUnit]:
    """The units ``user`` is a member of."""
    return OrgUnit.objects.filter(memberships__user=user).distinct()
