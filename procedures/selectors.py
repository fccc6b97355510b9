"""Reads of the procedures app."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .models import Procedure, ProcedureVersion, Regime


def procedure_version_in_force(*, procedure: Procedure, on: dt.date) -> ProcedureVersion | None:
    """The version of ``procedure`` in force on ``on`` (the newest if periods overlap)."""
    return (
        procedure.versions.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from", "-version")
        .first()
    )


def regime_in_force(*, on: dt.date) -> Regime | None:
    return (
        Regime.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )


def procedures_receivable(*, on: dt.date):
    """Procedures that have a version in force on ``on`` (what the desk can receive)."""
    return (
        Procedure.objects.filter(versions__valid_from__lte=on)
        .filter(Q(versions__valid_to__isnull=True) | Q(versions__valid_to__gte=on))
        .select_related("field")
        .distinct()
        .order_by("field__name", "name")
    )


def dossiers_visible_to(*, user):
    """The one rule of dossier visibility, used by every list, detail, export and API.

    Directors, the quality manager, internal auditors and administrators see every dossier; any
    other member sees the dossiers whose handling unit, or a unit of whose internal-process
    steps (the one-stop desk, the office's clerks, the leadership), is one of their units.
    """
    from qms.core.selectors import units_of, user_sees_all_units

    from .models import Dossier

    if not user.is_authenticated:
        return Dossier.objects.none()
    if user_sees_all_units(user):
        return Dossier.objects.all()
    units = units_of(user).values("pk")
    step_versions = ProcedureVersion.objects.filter(steps__responsible_unit__in=units).values("pk")
    return Dossier.objects.filter(
        Q(handling_unit__in=units) | Q(procedure_version__in=step_versions)
    )
