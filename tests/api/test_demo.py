"""The demo's online dossier: sent through the API's service by the demo portal client,
waiting at the one-stop desk with files the officer can open."""

from __future__ import annotations

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.models import Dossier
from workflows.api.models import IntegrationClient
from workflows.demo import DEMO_PORTAL, DEMO_PORTAL_REFERENCE, _submitted_online
from workflows.flows import DossierFlow
from workflows.handovers import dossier_process

pytestmark = pytest.mark.django_db


def test_demo_online_dossier_waits_at_the_desk(world, login):
    _submitted_online()

    dossier = Dossier.objects.get(portal_reference=DEMO_PORTAL_REFERENCE)
    assert dossier.status == Dossier.Status.SUBMITTED and dossier.is_demo_data
    assert dossier.channel == Dossier.Channel.ONLINE
    client = IntegrationClient.objects.get(name=DEMO_PORTAL)
    assert client.service_user.integration_client == client
    documents = list(dossier.documents.all())
    assert documents and all(d.present and d.scan.read(5) == b"%PDF-" for d in documents)
    task = Task.objects.get(process=dossier_process(dossier), flow_task=DossierFlow.receive_online)
    assert task.status == STATUS.NEW
    motcua = login("motcua")
    url = f"/workflow/flows/dossier/{task.process_id}/receive_online/{task.pk}"
    motcua.post(f"{url}/assign/")
    opened = motcua.get(f"{url}/execute/", {"document": documents[0].pk})
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"
    # Loading again (make run twice) adds nothing.
    _submitted_online()
    assert Dossier.objects.filter(portal_reference=DEMO_PORTAL_REFERENCE).count() == 1
    assert IntegrationClient.objects.filter(name=DEMO_PORTAL).count() == 1
