"""A dossier's trail: one audit event per business action with before/after values, merged
with the field history and the task transitions, at a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qms.core import auditlog
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent
from tests.workflows.test_dossier_flow import Office, _user, catalogue  # noqa: F401

pytestmark = pytest.mark.django_db


def trail_queries(client, dossier):
    url = reverse("audits:trail", args=["procedures.dossier", dossier.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_every_step_is_one_event_and_the_trail_merges_all_sources(client, catalogue):  # noqa: F811
    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    auditor = Office(client.__class__()).as_user("danhgia").client
    short_count, _page = trail_queries(auditor, dossier)

    office.do(dossier, "transfer", {})
    office.as_user("truongphong").do(dossier, "assign", {"handler": _user("chuyenvien").pk})
    office.as_user("chuyenvien").do(
        dossier, "appraise", {"decision": "propose_grant", "opinion": "Đủ điều kiện"}
    )
    office.as_user("truongphong").do(dossier, "review", {"decision": "agree"})
    office.as_user("giamdoc").do(
        dossier, "approve", {"decision": "approve", "password": DEMO_PASSWORD}
    )
    office.as_user("vanthu").do(
        dossier, "issue", {"number": "9/GP-STNMT", "date": timezone.localdate()}
    )
    office.as_user("motcua").do(dossier, "return_result", {"note": "Trả trực tiếp"})

    events = list(auditlog.events_for(dossier))
    actions = [e.action for e in events]
    assert actions == [
        "dossier.received",
        "dossier.transferred",
        "dossier.assigned",
        "dossier.propose_grant",
        "dossier.agree",
        "dossier.approve",
        "signature.sign",
        "dossier.issued",
        "dossier.returned",
    ]
    by_action = {e.action: e for e in events}
    assert by_action["dossier.transferred"].before == {"status": "received", "transferred_at": None}
    assert by_action["dossier.transferred"].after["status"] == "in_progress"
    assert by_action["dossier.assigned"].after["handler"] == _user("chuyenvien").pk
    assert by_action["dossier.approve"].actor == _user("giamdoc")
    assert by_action["dossier.propose_grant"].reason == "Đủ điều kiện"
    assert all(e.unit_id for e in events)

    long_count, page = trail_queries(auditor, dossier)
    trail = page.context["trail"]
    assert {e.kind for e in trail.entries} == {"event", "change", "task"}
    assert [e.at for e in trail.entries] == sorted(e.at for e in trail.entries)
    html = page.content.decode()
    assert "Lãnh đạo Sở phê duyệt" in html and "Ký điện tử" in html
    # The same number of queries for a dossier with a long life as for a new one.
    assert long_count == short_count
    assert AuditEvent.objects.filter(object_type="procedures.dossier").count() == len(events)
