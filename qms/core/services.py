"""Writes of the organisation kernel. Each service is atomic and validates before it saves."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from . import auditlog
from .models import Agency, CalendarOverride, Membership, OrgUnit, Role, User
from .roles import GROUP_PERMISSIONS, STAFF_ROLES, UNIT_PERMISSIONS

AGENCY_CREATE = auditlog.action("agency.create", gettext_lazy("Tạo cơ quan"))
AGENCY_SUCCEED = auditlog.action("agency.succeed", gettext_lazy("Đổi tên, hợp nhất cơ quan"))
UNIT_CREATE = auditlog.action("unit.create", gettext_lazy("Tạo đơn vị"))
MEMBERSHIP_GRANT = auditlog.action("membership.grant", gettext_lazy("Phân công vai trò"))
MEMBERSHIP_PRIMARY = auditlog.action(
    "membership.set_primary", gettext_lazy("Đổi đơn vị chính của người dùng")
)
MEMBERSHIP_REVOKE = auditlog.action("membership.revoke", gettext_lazy("Thu hồi vai trò"))
USER_CREATE = auditlog.action("user.create", gettext_lazy("Tạo người dùng"))
USER_LANGUAGE = auditlog.action("user.language", gettext_lazy("Đổi ngôn ngữ giao diện"))
CALENDAR_SAVE = auditlog.action("calendar.override", gettext_lazy("Điều chỉnh lịch làm việc"))


def roles_ensure(*, using: str = "default") -> list[Group]:
    """Create the group of every role and give it exactly the role's global permissions."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # Roles name permissions of apps that migrate after this one: make sure they exist.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
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
    auditlog.record(actor=actor, action=AGENCY_CREATE, obj=agency, after=auditlog.snapshot(agency))
    return agency


@transaction.atomic
def agency_succeed(*, actor: User | None, agency: Agency, on: dt.date, **fields) -> Agency:
    """Record a rename or merger: ``agency`` ends the day before ``on``; its successor starts
    on ``on``. Records made before keep pointing at the old agency."""
    if on <= agency.valid_from:
        raise ValidationError(_("Ngày kế nhiệm phải sau ngày cơ quan cũ bắt đầu hiệu lực."))
    before = auditlog.snapshot(agency)
    agency.valid_to = on - dt.timedelta(days=1)
    agency.full_clean()
    agency.save()
    auditlog.record(
        actor=actor,
        action=AGENCY_SUCCEED,
        obj=agency,
        before=before,
        after=auditlog.snapshot(agency),
    )
    return agency_create(actor=actor, valid_from=on, predecessor=agency, **fields)


@transaction.atomic
def org_unit_create(*, actor: User | None, **fields) -> OrgUnit:
    unit = OrgUnit(**fields)
    unit.full_clean()
    unit.save()
    auditlog.record(
        actor=actor, action=UNIT_CREATE, obj=unit, unit=unit, after=auditlog.snapshot(unit)
    )
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
        auditlog.record(
            actor=actor,
            action=MEMBERSHIP_GRANT,
            obj=membership,
            unit=unit,
            after=auditlog.snapshot(membership),
        )
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
    before = auditlog.snapshot(membership)
    membership.is_primary = is_primary
    membership.full_clean()
    membership.save(update_fields=["is_primary"])
    auditlog.record(
        actor=actor,
        action=MEMBERSHIP_PRIMARY,
        obj=membership,
        unit=membership.unit,
        before=before,
        after=auditlog.snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User | None, membership: Membership) -> None:
    """Take a role back: unit permissions still given by another membership of the same user
    in the same unit stay; the group goes when no membership needs it any more."""
    user, unit, role = membership.user, membership.unit, membership.role
    auditlog.record(
        actor=actor,
        action=MEMBERSHIP_REVOKE,
        obj=membership,
        unit=unit,
        before=auditlog.snapshot(membership),
    )
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
    auditlog.record(
        actor=actor,
        action=USER_CREATE,
        obj=user,
        after=auditlog.snapshot(user, exclude=("password", "last_login")),
    )
    return user


@transaction.atomic
def user_set_language(*, actor: User, user: User, language: str) -> User:
    if language not in User.Language.values:
        raise ValidationError({"language": _("Ngôn ngữ không được hỗ trợ.")})
    before = user.language
    user.language = language
    user.save(update_fields=["language"])
    if before != language:
        auditlog.record(
            actor=actor,
            action=USER_LANGUAGE,
            obj=user,
            before={"language": before},
            after={"language": language},
        )
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
    before = (
        auditlog.snapshot(CalendarOverride.objects.get(pk=override.pk)) if override.pk else None
    )
    override.save()
    auditlog.record(
        actor=actor,
        action=CALENDAR_SAVE,
        obj=override,
        before=before,
        after=auditlog.snapshot(override),
        reason=override.reason,
    )
    return override
