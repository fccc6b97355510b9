"""Tokens and scopes: who is refused, with which status and message; throttling; who may read
the documentation; the schema is public."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from procedures.models import Dossier
from qms.core.models import AuditEvent
from workflows.api.models import ApiToken, Scope
from workflows.api.services import (
    api_token_issue,
    api_token_revoke,
    integration_client_create,
    integration_client_update,
    key_hash,
)
from workflows.demo import clock_at

from .conftest import api_client, submission, submit

pytestmark = pytest.mark.django_db

PROCEDURES = "/api/v1/procedures/"


def refused(response, status, detail):
    assert response.status_code == status, response.content
    assert response.json()["detail"] == detail
    return response


def test_no_token_is_401_with_a_challenge(world):
    response = refused(
        api_client(None).get(PROCEDURES),
        401,
        "Chưa xác thực: gửi tiêu đề “Authorization: Token <khóa truy cập>”.",
    )
    assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_unknown_key_is_401(world):
    refused(api_client("khong-phai-khoa").get(PROCEDURES), 401, "Khóa truy cập không hợp lệ.")


def test_malformed_header_is_401(world):
    client = api_client(None)
    client.credentials(HTTP_AUTHORIZATION="Token hai phan")
    refused(
        client.get(PROCEDURES),
        401,
        "Tiêu đề Authorization phải có dạng “Token <khóa truy cập>”.",
    )


def test_revoked_token_is_401(world):
    token, key = api_token_issue(actor=None, client=world.portal)
    assert api_client(key).get(PROCEDURES).status_code == 200
    api_token_revoke(actor=None, token=token, reason="Lộ khóa")

    refused(api_client(key).get(PROCEDURES), 401, "Khóa truy cập đã bị thu hồi.")
    event = AuditEvent.objects.get(action="integration.token_revoke", object_id=str(token.pk))
    assert event.reason == "Lộ khóa"


def test_expired_token_is_401(world):
    now = timezone.now()
    with clock_at(now - dt.timedelta(days=10)):
        _token, key = api_token_issue(
            actor=None, client=world.portal, expires_at=now - dt.timedelta(days=1)
        )

    refused(api_client(key).get(PROCEDURES), 401, "Khóa truy cập đã hết hạn.")


def test_stopped_client_is_401(world):
    integration_client_update(actor=None, client=world.portal, is_active=False)

    refused(api_client(world.key).get(PROCEDURES), 401, "Ứng dụng tích hợp đã ngừng hoạt động.")


def test_missing_scope_is_403_and_writes_nothing(world):
    reader = integration_client_create(
        actor=None, name="Ứng dụng tra cứu", agency=world.agency, scopes=[Scope.DOSSIERS_READ]
    )
    _token, key = api_token_issue(actor=None, client=reader)
    client = api_client(key)

    response = refused(
        submit(client, submission()),
        403,
        "Ứng dụng tích hợp không có quyền “dossiers.submit” (Nộp hồ sơ trực tuyến).",
    )
    assert response.json()["code"] == "permission_denied"
    assert not Dossier.objects.filter(portal_reference="DVC-2024-000123").exists()
    submit(api_client(world.key), submission())
    assert client.get("/api/v1/dossiers/DVC-2024-000123/").status_code == 200
    refused(
        client.get("/api/v1/dossiers/DVC-2024-000123/result/"),
        403,
        "Ứng dụng tích hợp không có quyền “results.read” (Tải kết quả giải quyết).",
    )
    refused(
        client.post(
            "/api/v1/dossiers/DVC-2024-000123/payments/",
            {"transaction_number": "GD-1", "amount": 1},
            format="json",
        ),
        403,
        "Ứng dụng tích hợp không có quyền “payments.write” (Ghi nhận thanh toán trực tuyến).",
    )
    payer = integration_client_create(
        actor=None, name="Ứng dụng thanh toán", agency=world.agency, scopes=[Scope.PAYMENTS_WRITE]
    )
    _token, payer_key = api_token_issue(actor=None, client=payer)
    assert api_client(payer_key).get(PROCEDURES).status_code == 403


def test_token_requests_need_no_csrf_token_nor_session(world):
    client = api_client(world.key)
    client.handler.enforce_csrf_checks = True

    response = submit(client, submission())

    assert response.status_code == 201
    assert "sessionid" not in response.cookies


def test_key_is_stored_hashed_and_its_use_remembered_without_history(world):
    token = ApiToken.objects.get(key_hash=key_hash(world.key))
    assert world.key not in (token.key_hash, token.prefix)
    assert token.prefix == world.key[:8] and len(token.key_hash) == 64
    rows = token.history.count()

    api_client(world.key).get(PROCEDURES)
    api_client(world.key).get(PROCEDURES)

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.history.count() == rows
    issued = AuditEvent.objects.get(action="integration.token_issue", object_id=str(token.pk))
    assert world.key not in str(issued.after)


def test_throttled_client_gets_429(world, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "integration", "2/min")
    client = api_client(world.key)
    assert client.get(PROCEDURES).status_code == 200
    assert client.get(PROCEDURES).status_code == 200

    response = client.get(PROCEDURES)

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Vượt quá số yêu cầu cho phép; thử lại sau ")
    # Counted per client: another client is not slowed down.
    assert api_client(world.other_key).get(PROCEDURES).status_code == 200


def test_wrong_method_and_media_type_are_refused_in_vietnamese(world):
    client = api_client(world.key)
    refused(client.delete(PROCEDURES), 405, "Phương thức này không được hỗ trợ tại địa chỉ này.")
    refused(
        client.post("/api/v1/dossiers/", {"procedure": "x"}, format="json"),
        415,
        "Kiểu nội dung gửi lên không được hỗ trợ tại địa chỉ này.",
    )


def test_schema_is_public_and_lists_every_operation(world, client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    operations = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) == {
        ("/api/v1/dossiers/", "post"),
        ("/api/v1/dossiers/{portal_reference}/", "get"),
        ("/api/v1/dossiers/{portal_reference}/payments/", "post"),
        ("/api/v1/dossiers/{portal_reference}/result/", "get"),
        ("/api/v1/procedures/", "get"),
    }
    for operation in operations.values():
        assert operation["summary"] and operation["security"] == [{"ApiToken": []}]
        assert {"401", "403", "429"} <= set(operation["responses"])
    assert schema["components"]["securitySchemes"]["ApiToken"]["name"] == "Authorization"
    assert client.get("/api/schema/").content.startswith(b"openapi: 3.0.3")


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_documentation_is_for_staff_or_token_holders(world, client, login, page):
    anonymous = client.get(page)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=")
    assert api_client("sai-khoa").get(page).status_code == 401

    assert api_client(world.key).get(page).status_code == 200
    response = login("chuyenvien").get(page)
    assert response.status_code == 200
    assert b"/api/schema/" in response.content


def test_issue_api_token_command_prints_a_working_key(world, capsys):
    call_command("issue_api_token", "--client", world.portal.name, "--expires-days", "30")

    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(key_hash=key_hash(key))
    assert token.client == world.portal
    assert 29 <= (token.expires_at - timezone.now()).days <= 30
    assert api_client(key).get(PROCEDURES).status_code == 200
    assert AuditEvent.objects.filter(
        action="integration.token_issue", object_id=str(token.pk)
    ).exists()
