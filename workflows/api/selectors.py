"""Reads of the integration API. A client sees the dossiers and procedures of its own agency
only: this is the API's visibility rule (staff visibility is ``dossiers_visible_to``)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from procedures.models import DossierComponent, DossierFee, Procedure
from procedures.selectors import procedure_version_in_force, procedures_receivable

from .models import ApiToken, IntegrationClient


def token_by_hash(*, key_hash: str) -> ApiToken | None:
    return (
        ApiToken.objects.select_related("client__service_user", "client__agency")
        .filter(key_hash=key_hash)
        .first()
    )


def client_dossiers(*, client: IntegrationClient):
    from procedures.models import Dossier

    return Dossier.objects.filter(agency=client.agency).select_related(
        "procedure_version__procedure", "apology"
    )


def client_dossier(*, client: IntegrationClient, portal_reference: str):
    """The client's dossier with this portal reference, or None (also for another agency's)."""
    if not portal_reference:
        return None
    return (
        client_dossiers(client=client)
        .prefetch_related(Prefetch("fees", queryset=DossierFee.objects.order_by("id")))
        .filter(portal_reference=portal_reference)
        .first()
    )


def client_procedures(*, client: IntegrationClient) -> list[tuple[Procedure, object]]:
    """(procedure, version in force today) for the client's agency, components prefetched."""
    today = timezone.localdate()
    procedures = procedures_receivable(on=today).filter(agency=client.agency)
    rows = []
    for procedure in procedures:
        version = procedure_version_in_force(procedure=procedure, on=today)
        if version is not None:
            rows.append((procedure, version))
    return rows


def procedure_for_client(*, client: IntegrationClient, key: str) -> Procedure | None:
    if not key:
        return None
    return (
        procedures_receivable(on=timezone.localdate()).filter(agency=client.agency, key=key).first()
    )


def version_components(version) -> list[DossierComponent]:
    return list(version.components.order_by("order"))
