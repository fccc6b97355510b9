"""Writes of the organisation kernel. Each service is atomic and validates before it saves."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from .models import Agency, CalendarOverride, Membership, OrgUnit, Role, User
from .roles import GROUP_PERMISSIONS, STAFF_ROLES, UNIT_PERMISSIONS


def roles_ensure(*, using: str = "default") -> list[Group]:
    """Create the group of every role and give it exactly the role's global permissions."""
    groups = []
    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        wanted = []
        for full in GROUP_PERMISSIONS[role]:
            app_label, codename = full.split(".")
            wanted.append(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
        groups.append(group)
    return groups


def role_group(role: str) -> Group:
    return Group.objects.get_or_create(name=Role(role).value)[0]


@transaction.atomic
def agency_create(*, actor: User | None, **fields) -> Agency:
    agency = Agency(**fields)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def agency_succeed(*, actor: User | None, agency: Agency, on: dt.date, **fields) -> Agency:
    """Record a rename or merger: ``agency`` ends the day before ``on``; its successor starts
    on ``on``. Records made before keep pointing at the old agency."""
    if on <= agency.valid_from:
        raise ValidationError(_("Ngày kế nhiệm phải sau ngày cơ quan cũ bắt đầu hiệu lực."))
    agency.valid_to = on - dt.timedelta(days=1)
    agency.full_clean()
    agency.save()
    return agency_create(actor=actor, valid_from=on, predecessor=agency, **fields)


@transaction.atomic
def org_unit_create(*, actor: User | None, **fields) -> OrgUnit:
    unit = OrgUnit(**fields)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def membership_grant(
    *, actor: User | None, user: User, unit: OrgUnit, role: str, is_primary: bool = True
) -> Membership:
    """Give ``user`` a ``role`` in ``unit``: the membership row, the role's group and the role's
    permissions on the unit. Granting again changes nothing."""
    membership = Membership.objects.filter(user=user, unit=unit, role=role).first()
    if membership is None:
        membership = Membership(user=user, unit=unit, role=role, is_primary=is_primary)
        membership.full_clean()
        membership.save()
    user.groups.add(role_group(role))
    for codename in UNIT_PERMISSIONS[role]:
        assign_perm(f"core.{codename}", user, unit)
    if role in STAFF_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


@transaction.atomic
def membership_set_primary(*, actor: User | None, membership: Membership, is_primary: bool):
    """Mark the unit a member mainly works in; rights do not change."""
    membership.is_primary = is_primary
    membership.full_clean()
    membership.save(update_fields=["is_primary"])
    return membership


@transaction.atomic
def membership_revoke(*, actor: User | None, membership: Membership) -> None:
    """Take a role back: unit permissions still given by another membership of the same user
    in the same unit stay; the group goes when no membership needs it any more."""
    user, unit, role = membership.user, membership.unit, membership.role
    membership.delete()
    remaining = Membership.objects.filter(user=user)
    still_needed = {
        codename for m in remaining.filter(unit=unit) for codename in UNIT_PERMISSIONS[m.role]
    }
    for codename in set(UNIT_PERMISSIONS[role]) - still_needed:
        remove_perm(f"core.{codename}", user, unit)
    if not remaining.filter(role=role).exists():
        user.groups.remove(role_group(role))


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    position: str = "",
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        position=position,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_set_language(*, actor: User, user: User, language: str) -> User:
    if language not in User.Language.values:
        raise ValidationError({"language": _("Ngôn ngữ không được hỗ trợ.")})
    user.language = language
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def calendar_override_set(
    *, actor: User | None, date: dt.date, kind: str, reason: str
) -> CalendarOverride:
    """Declare ``date`` an extra day off or an extra working day (one row per date)."""
    override = CalendarOverride.objects.filter(date=date).first() or CalendarOverride(date=date)
    override.kind = kind
    override.reason = reason
    return calendar_override_save(actor=actor, override=override)


@transaction.atomic
def calendar_override_save(*, actor: User | None, override: CalendarOverride) -> CalendarOverride:
    if not (override.reason or "").strip():
        raise ValidationError({"reason": _("Phải ghi căn cứ, lý do điều chỉnh lịch.")})
    override.full_clean()
    override.save()
    return override
