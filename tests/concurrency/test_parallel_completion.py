"""Many people acting at the same moment, on PostgreSQL (SQLite serialises every writer).

Twenty staff completing the same step at once: exactly one succeeds, exactly one next task
exists, the others are refused with a clear message and nothing of theirs is written. Twenty
parallel receipts: twenty distinct dossier codes (the day's counter is a locked row).
"""

import importlib
import threading
from collections import Counter

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.demo import load_demo_catalogue
from procedures.models import Dossier, DossierOpinion, Procedure
from qms.core.demo import load_demo
from qms.core.models import AuditEvent, User
from workflows.demo import APPLICANTS, DemoOffice, _until
from workflows.flows import DossierFlow
from workflows.handovers import dossier_process

THREADS = 20

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def procedure():
    if connection.vendor != "postgresql":
        pytest.skip("Kiểm thử đồng thời chạy trên PostgreSQL (DATABASE_URL).")
    # The flush that ended an earlier transactional test took the seeded regimes with it.
    importlib.import_module("procedures.migrations.0002_regimes_and_forms").load(apps, None)
    demo = load_demo()
    load_demo_catalogue(agency=demo["agency"])
    return Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")


def in_parallel(work, count=THREADS):
    """Run ``work(i)`` in ``count`` threads released at the same instant; return the results
    (or the exceptions) in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_twenty_heads_completing_the_same_assignment_at_once_one_succeeds(procedure):
    office = DemoOffice()
    dossier = office.as_user("motcua").receive(procedure, APPLICANTS[0])
    _until(office, dossier, "assign", head="truongphong", specialist="chuyenvien")
    process = dossier_process(dossier)
    task = Task.objects.get(process=process, flow_task=DossierFlow.assign)
    base = f"/workflow/flows/dossier/{process.pk}/assign/{task.pk}"
    head = User.objects.get(username="truongphong")
    handler = User.objects.get(username="chuyenvien")
    office.as_user("truongphong").client.post(f"{base}/assign/")
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.ASSIGNED, head.pk)
    last_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    def complete(_):
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(head)
        return client.post(f"{base}/execute/", {"handler": handler.pk})

    responses = in_parallel(complete)

    assert not [r for r in responses if isinstance(r, Exception)], responses
    codes = Counter(r.status_code for r in responses)
    assert codes == {302: 1, 403: THREADS - 1}, codes
    refused = next(r for r in responses if r.status_code == 403)
    assert "vừa được người khác hoàn thành" in refused.content.decode()
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert Task.objects.filter(process=process, flow_task=DossierFlow.appraise).count() == 1
    assert dossier.opinions.filter(step="assign").count() == 1
    dossier.refresh_from_db()
    assert dossier.handler_id == handler.pk
    written = list(
        AuditEvent.objects.filter(seq__gt=last_seq, action__startswith="dossier.").values_list(
            "action", flat=True
        )
    )
    assert written == ["dossier.assigned"]


def test_twenty_parallel_receipts_get_twenty_distinct_codes(procedure):
    motcua = User.objects.get(username="motcua")

    def receive(index):
        office = DemoOffice()
        office.client.force_login(motcua)
        return office.receive(procedure, APPLICANTS[index % len(APPLICANTS)])

    results = in_parallel(receive)

    assert not [r for r in results if isinstance(r, Exception)], results
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == THREADS
    assert len(set(codes)) == THREADS, Counter(codes).most_common(3)
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, THREADS + 1))  # no gap, no duplicate
    assert DossierOpinion.objects.filter(step="receive").count() == THREADS
