"""A dossier finished after its appointment raises exactly one nonconformity, against its
handling unit, linked to the dossier and its apology, and starts that nonconformity's
corrective-action process without anyone filling a start form."""

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.models import Process

from audits import services
from audits.models import Nonconformity
from audits.selectors import nonconformity_process
from procedures.models import FormTemplate
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent
from tests.workflows.test_dossier_flow import Office, _user, catalogue  # noqa: F401
from workflows.capa_flow import CapaFlow

pytestmark = pytest.mark.django_db


def test_a_late_dossier_raises_one_nonconformity_and_its_process(client, catalogue):  # noqa: F811
    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    office.do(dossier, "transfer", {})
    office.as_user("truongphong").do(dossier, "assign", {"handler": _user("chuyenvien").pk})
    past = timezone.now() - dt.timedelta(days=30)
    dossier.due_at = dossier.original_due_at = past
    dossier.save(update_fields=["due_at", "original_due_at"])
    new_day = timezone.localdate() + dt.timedelta(days=7)
    client.post(
        f"/workflow/dossiers/{dossier.pk}/apology/",
        {"reason": "Chờ ý kiến phối hợp của UBND huyện", "new_due_date": new_day.isoformat()},
    )
    office.as_user("chuyenvien").do(
        dossier, "appraise", {"decision": "propose_grant", "opinion": "Đạt"}
    )
    office.as_user("truongphong").do(dossier, "review", {"decision": "agree"})
    office.as_user("giamdoc").do(
        dossier, "approve", {"decision": "approve", "password": DEMO_PASSWORD}
    )
    office.as_user("vanthu").do(dossier, "issue", {"number": "7/GP", "date": timezone.localdate()})
    assert dossier.is_late

    nc = Nonconformity.objects.get()
    assert (nc.source, nc.dossier, nc.unit.code) == ("late_dossier", dossier, "moi-truong")
    assert nc.raised_by is None and nc.status == "correction"
    apology_form = FormTemplate.objects.get(regime=dossier.regime, kind="apology")
    assert apology_form.number in nc.description
    assert "Chờ ý kiến phối hợp của UBND huyện" in nc.description
    assert dossier.code in nc.title
    # Its process started by itself, at the correction, queued to the unit's leader.
    process = nonconformity_process(nc)
    assert process.task_set.get(flow_task=CapaFlow.raise_automatically).status == "DONE"
    correct = process.task_set.get(flow_task=CapaFlow.correct)
    assert (correct.status, correct.owner_permission) == ("NEW", "core.lead_unit")
    assert correct.owner_permission_obj == nc.unit
    office.as_user("truongphong")
    queue = client.get("/workflow/queue/")
    assert list(queue.context["object_list"]) == [correct]
    # The queue names the nonconformity, not a dossier that happens to share its id (on a
    # fresh SQLite database the two ids coincide; PostgreSQL sequences are not reset).
    assert nc.code in queue.content.decode()
    assert dossier.applicant_name not in queue.content.decode()
    page = client.get(f"/workflow/flows/capa/nonconformities/{nc.pk}/").content.decode()
    assert f"/workflow/dossiers/{dossier.pk}/" in page

    # Raising again (a retried step) changes nothing.
    events = AuditEvent.objects.count()
    assert services.nonconformity_raise_for_late_dossier(dossier=dossier) == nc
    assert (
        Nonconformity.objects.count() == 1
        and Process.objects.filter(flow_class=CapaFlow).count() == 1
    )
    assert AuditEvent.objects.count() == events


def test_a_nonconformity_recorded_before_its_process_existed_is_started_once(demo):
    from qms.core.models import OrgUnit

    legacy = Nonconformity.objects.create(
        source="manual",
        unit=OrgUnit.objects.get(code="moi-truong"),
        title="Ghi nhận trước khi có quy trình khắc phục",
        description="Bản ghi cũ",
        raised_at=timezone.now(),
    )
    assert nonconformity_process(legacy) is None

    services.nonconformity_start_process(nonconformity=legacy)
    services.nonconformity_start_process(nonconformity=legacy)

    legacy.refresh_from_db()
    assert legacy.status == "correction"
    assert Process.objects.filter(flow_class=CapaFlow).count() == 1
    assert nonconformity_process(legacy).task_set.filter(flow_task=CapaFlow.correct).exists()
    assert AuditEvent.objects.filter(action="nonconformity.start").count() == 1
