"""Property-based run of the published OpenAPI schema (schemathesis) against the Django WSGI
application with a valid token: every operation, generated valid and invalid requests, never a
server error, and every answer as the schema documents it (status code, content type, body).

Kept small (``max_examples`` 25 per operation) so that it runs in ``make test``.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import api_client, submission, submit

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Loaded when the module is collected: the schema is public and its generation reads no data.
# (schemathesis' lazy ``from_fixture`` loader does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def portal(world, monkeypatch):
    """The portal's key; the reference used as the path parameter's example is a real dossier,
    and the generated requests are not slowed down by the client's throttle."""
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "integration", "100000/min")
    assert submit(api_client(world.key), submission(reference="DVC-DEMO-0001")).status_code == 201
    # The bare WSGI handler closes the database connection around each request, which would
    # end the test's transaction on PostgreSQL; Django's test client unhooks it the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield world.key
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the project
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error_on_any_operation(case, portal):
    case.call_and_validate(headers={"Authorization": f"Token {portal}"}, checks=CHECKS)
