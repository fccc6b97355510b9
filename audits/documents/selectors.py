"""Reads of controlled documents, scoped by what the user may see.

The rule: the quality manager, the leaders and the internal auditors (``user_sees_all_units``)
see every document and every version, with its history. Other staff see only the *effective*
version of the documents distributed to one of their units (no distribution list: the whole
department) or owned by it, and the versions their own unit is preparing; an old, superseded
or withdrawn version does not exist for them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from qms.core.models import Membership, OrgUnit, Role, User
from qms.core.selectors import units_visible_to, user_sees_all_units

from .models import ControlledDocument, DocumentDistribution, DocumentVersion

S = DocumentVersion.Status
WORK_PERMISSION = "core.work_in_unit"
REVIEW_PERMISSION = "core.lead_unit"
APPROVE_PERMISSION = "core.act_director"
QUALITY_PERMISSION = "core.act_quality_manager"
#: Reminders go out this many days before a version's periodic review is due.
REVIEW_NOTICE_DAYS = 30


def _units_with(user: User, permission: str) -> QuerySet[OrgUnit]:
    if not user.is_authenticated or not user.is_active:
        return OrgUnit.objects.none()
    return get_objects_for_user(user, permission, klass=OrgUnit, accept_global_perms=False)


def units_for_drafting(user: User) -> QuerySet[OrgUnit]:
    """The units whose documents ``user`` may draft: those they work in."""
    return _units_with(user, WORK_PERMISSION).order_by("order", "name")


def can_draft(user: User) -> bool:
    """Whether ``user`` may start a draft (both start nodes ask it on every menu: the answer is
    kept on the user object for the request)."""
    cached = getattr(user, "_documents_can_draft", None)
    if cached is None:
        cached = units_for_drafting(user).exists()
        if user.is_authenticated:
            user._documents_can_draft = cached
    return cached


def is_quality_manager(user: User) -> bool:
    return _units_with(user, QUALITY_PERMISSION).exists()


def review_unit_for(unit: OrgUnit) -> OrgUnit:
    """The unit whose leader reviews ``unit``'s drafts: the unit itself when it has a head on
    record, otherwise the nearest parent unit with a head or a director (a unit without a
    head, e.g. the office, is led by the department's leadership)."""
    leaders = Membership.objects.filter(
        role__in=[Role.UNIT_HEAD, Role.DIRECTOR], user__is_active=True
    )
    current = unit
    while current is not None:
        if leaders.filter(unit=current).exists():
            return current
        current = current.parent
    return unit


def leadership_unit_for(unit: OrgUnit) -> OrgUnit | None:
    """The department's leadership (Ban Giám đốc), whose directors approve documents."""
    return (
        OrgUnit.objects.filter(agency_id=unit.agency_id, kind=OrgUnit.Kind.LEADERSHIP)
        .order_by("order", "pk")
        .first()
    )


def can_review(user: User, document: ControlledDocument) -> bool:
    return user.has_perm(REVIEW_PERMISSION, review_unit_for(document.owner_unit))


def can_approve(user: User, document: ControlledDocument) -> bool:
    leadership = leadership_unit_for(document.owner_unit)
    return leadership is not None and user.has_perm(APPROVE_PERMISSION, leadership)


def _distributed_to(units) -> Q:
    no_list = ~Exists(DocumentDistribution.objects.filter(version=OuterRef("pk")))
    listed = Exists(DocumentDistribution.objects.filter(version=OuterRef("pk"), unit__in=units))
    return no_list | listed


def effective_versions_visible_to(*, user: User) -> QuerySet[DocumentVersion]:
    """Effective versions ``user`` may read (distributed to, or owned by, one of their units)."""
    effective = DocumentVersion.objects.filter(status=S.EFFECTIVE)
    if not user.is_authenticated:
        return effective.none()
    if user_sees_all_units(user):
        return effective
    units = units_visible_to(user)
    return effective.filter(_distributed_to(units) | Q(document__owner_unit__in=units))


def documents_visible_to(*, user: User) -> QuerySet[ControlledDocument]:
    """Every document for those who see all; for other staff the documents whose effective
    version they may read."""
    if not user.is_authenticated:
        return ControlledDocument.objects.none()
    if user_sees_all_units(user):
        return ControlledDocument.objects.all()
    return ControlledDocument.objects.filter(
        pk__in=effective_versions_visible_to(user=user).values("document_id")
    )


def versions_visible_to(*, user: User) -> QuerySet[DocumentVersion]:
    """Versions ``user`` may open: all of them for those who see all; otherwise the effective
    versions they may read and the drafts their own unit is preparing."""
    if not user.is_authenticated:
        return DocumentVersion.objects.none()
    if user_sees_all_units(user):
        return DocumentVersion.objects.all()
    in_work = DocumentVersion.objects.filter(
        status__in=DocumentVersion.IN_WORK,
        document__owner_unit__in=units_visible_to(user),
    )
    return DocumentVersion.objects.filter(
        Q(pk__in=effective_versions_visible_to(user=user).values("pk"))
        | Q(pk__in=in_work.values("pk"))
    )


def effective_version(document: ControlledDocument) -> DocumentVersion | None:
    return document.versions.filter(status=S.EFFECTIVE).first()


def version_in_work(document: ControlledDocument) -> DocumentVersion | None:
    return document.versions.filter(status__in=DocumentVersion.IN_WORK).first()


def documents_for_revision(user: User) -> QuerySet[ControlledDocument]:
    """Documents ``user`` may start a new version of: owned by a unit they work in, not
    withdrawn, with no draft already in work."""
    return (
        ControlledDocument.objects.filter(
            owner_unit__in=units_for_drafting(user), is_withdrawn=False
        )
        .exclude(versions__status__in=DocumentVersion.IN_WORK)
        .order_by("code")
    )


def document_for_procedure_version(procedure_version) -> DocumentVersion | None:
    """The controlled document that holds the internal process of ``procedure_version``:
    the version linked to it (the effective one first, then the most recent)."""
    if procedure_version is None or procedure_version.pk is None:
        return None
    versions = DocumentVersion.objects.filter(procedure_version=procedure_version).select_related(
        "document"
    )
    return versions.filter(status=S.EFFECTIVE).first() or versions.order_by("-prepared_at").first()


def versions_due_for_review(
    *, on: dt.date, within_days: int = REVIEW_NOTICE_DAYS
) -> QuerySet[DocumentVersion]:
    """Effective versions whose periodic review is due within ``within_days`` or overdue."""
    return (
        DocumentVersion.objects.filter(
            status=S.EFFECTIVE,
            next_review_due__isnull=False,
            next_review_due__lte=on + dt.timedelta(days=within_days),
        )
        .select_related("document__owner_unit")
        .order_by("next_review_due", "document__code")
    )


def versions_to_take_effect(*, on: dt.date) -> QuerySet[DocumentVersion]:
    """Approved versions whose effective date has come."""
    return DocumentVersion.objects.filter(status=S.APPROVED, effective_from__lte=on).order_by(
        "effective_from", "pk"
    )


def review_recipients(version: DocumentVersion) -> list[User]:
    """Who is reminded of a version's periodic review: the heads of the unit that reviews the
    owner unit's documents, and the quality managers."""
    review_unit = review_unit_for(version.document.owner_unit)
    roles = [Role.UNIT_HEAD] if review_unit.kind != OrgUnit.Kind.LEADERSHIP else [Role.DIRECTOR]
    heads = Q(memberships__unit=review_unit, memberships__role__in=roles)
    quality = Q(memberships__role=Role.QUALITY_MANAGER)
    return list(
        User.objects.filter(heads | quality, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
