"""The integration API's world: the demo department and its catalogue, built once per module
inside a transaction rolled back at its end (each test runs in a savepoint of it, like
tests/workflows/test_scoping_matrix.py), the portal's client with a token, and another agency's
client for the scoping checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient

from procedures.demo import load_demo_catalogue
from procedures.models import Dossier, Procedure
from qms.core import services as core_services
from qms.core.demo import load_demo
from qms.core.models import Agency
from workflows.api.models import IntegrationClient, Scope
from workflows.api.services import api_token_issue, integration_client_create

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

#: Demo procedures used here: 1.010727 (fee 6.000.000 đ, three components, the first two
#: mandatory) and a water-permit renewal (no fee, fully online).
PERMIT = "1-010727"
WATER = "cap-lai-giay-phep-tai-nguyen-nuoc"


@dataclass
class ApiWorld:
    agency: Agency
    portal: IntegrationClient
    key: str
    other: IntegrationClient
    other_key: str


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo = load_demo()
            load_demo_catalogue(agency=demo["agency"])
            portal = integration_client_create(
                actor=None,
                name="Cổng dịch vụ công tỉnh (kiểm thử)",
                agency=demo["agency"],
                scopes=Scope.values,
            )
            _token, key = api_token_issue(actor=None, client=portal)
            other_agency = core_services.agency_create(
                actor=None,
                name="Sở Xây dựng tỉnh Sóc Trăng",
                code="000.00.yy.H51",
                valid_from=dt.date(2008, 1, 1),
            )
            other = integration_client_create(
                actor=None, name="Cổng của cơ quan khác", agency=other_agency, scopes=Scope.values
            )
            _token, other_key = api_token_issue(actor=None, client=other)
            yield ApiWorld(
                agency=demo["agency"], portal=portal, key=key, other=other, other_key=other_key
            )
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(api_world, db):
    """The module's world, inside this test's savepoint; throttling counters start at zero."""
    cache.clear()
    return api_world


def api_client(key: str | None) -> APIClient:
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api(world) -> APIClient:
    return api_client(world.key)


def files_for(procedure_key: str, *, skip=(), content=PDF, name="tep.pdf") -> dict:
    """One file per component of the procedure's version in force (``tp<order>``)."""
    from django.utils import timezone

    from procedures.selectors import procedure_version_in_force

    procedure = Procedure.objects.get(key=procedure_key)
    version = procedure_version_in_force(procedure=procedure, on=timezone.localdate())
    return {
        f"tp{c.order}": SimpleUploadedFile(name, content, content_type="application/pdf")
        for c in version.components.order_by("order")
        if f"tp{c.order}" not in skip
    }


def submission(procedure_key=PERMIT, reference="DVC-2024-000123", **overrides) -> dict:
    data = {
        "procedure": procedure_key,
        "portal_reference": reference,
        "applicant_kind": 2,
        "applicant_name": "Công ty TNHH Thủy sản Mỹ Xuyên",
        "applicant_id_number": "2200123456",
        "applicant_address": "Xã Hòa Tú 1, huyện Mỹ Xuyên, tỉnh Sóc Trăng",
        "applicant_phone": "0299 3 822 000",
        "applicant_email": "thuysan.myxuyen@example.vn",
        "summary": "Cấp giấy phép môi trường cho nhà máy chế biến thủy sản",
        "delivery": "online",
        **files_for(procedure_key),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(api: APIClient, data: dict):
    return api.post("/api/v1/dossiers/", data, format="multipart")


def dossier_of(reference: str) -> Dossier:
    return Dossier.objects.get(portal_reference=reference)
