"""The administrator creates a client (its service user comes with it), issues a token whose
key is shown once, and revokes it; every step is in the audit log."""

from __future__ import annotations

import re

import pytest

from qms.core.models import AuditEvent, User
from workflows.api.models import ApiToken, IntegrationClient, Scope
from workflows.api.services import key_hash

from .conftest import api_client

pytestmark = pytest.mark.django_db

CLIENTS = "/admin/integration/integrationclient/"


def test_admin_creates_a_client_with_its_service_user(world, login):
    admin = login("admin")
    response = admin.post(
        f"{CLIENTS}add/",
        {
            "name": "Cổng dịch vụ công quốc gia",
            "agency": world.agency.pk,
            "scopes": [Scope.DOSSIERS_READ, Scope.RESULTS_READ],
            "is_active": "on",
            "note": "",
        },
    )

    assert response.status_code == 302, response.content
    client = IntegrationClient.objects.get(name="Cổng dịch vụ công quốc gia")
    assert client.scopes == ["dossiers.read", "results.read"]
    user = client.service_user
    assert user.username == "api.cong-dich-vu-cong-quoc-gia"
    assert not user.has_usable_password() and user.is_active and not user.is_staff
    event = AuditEvent.objects.get(action="integration.client_create", object_id=str(client.pk))
    assert event.actor_id == User.objects.get(username="admin").pk
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()

    admin.post(
        f"{CLIENTS}{client.pk}/change/",
        {"name": client.name, "scopes": [Scope.DOSSIERS_READ], "note": ""},
    )
    client.refresh_from_db()
    assert client.scopes == ["dossiers.read"] and client.is_active is False
    change = AuditEvent.objects.get(action="integration.client_update", object_id=str(client.pk))
    assert change.before == {"scopes": ["dossiers.read", "results.read"], "is_active": True}


def test_token_is_shown_once_then_revoked(world, login):
    admin = login("admin")
    page = f"{CLIENTS}{world.portal.pk}/issue-token/"
    assert admin.get(page).status_code == 200

    response = admin.post(page, {"expires_on": ""})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = re.search(r'<code id="api-key"[^>]*>([^<]+)</code>', response.content.decode())[1]
    token = ApiToken.objects.get(key_hash=key_hash(key))
    assert token.created_by.username == "admin" and token.expires_at is None
    assert api_client(key).get("/api/v1/procedures/").status_code == 200
    # The list shows the prefix only, never the key.
    listing = admin.get("/admin/integration/apitoken/").content.decode()
    assert f"{token.prefix}…" in listing and key not in listing

    admin.post(
        "/admin/integration/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by.username == "admin"
    assert api_client(key).get("/api/v1/procedures/").status_code == 401
    assert AuditEvent.objects.filter(action="integration.token_revoke", object_id=str(token.pk))


def test_staff_without_admin_rights_cannot_issue(world, login):
    tokens = ApiToken.objects.count()
    response = login("motcua").post(f"{CLIENTS}{world.portal.pk}/issue-token/", {})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert ApiToken.objects.count() == tokens
