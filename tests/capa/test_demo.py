"""The demo's nonconformities: one at every stage, made through the pages, loaded once."""

import pytest

from audits import capa_demo
from audits.models import CorrectiveAction, Nonconformity
from audits.selectors import nonconformity_process, nonconformity_signatures
from qms.core.signatures import signatures_of

from .conftest import open_tasks

pytestmark = pytest.mark.django_db


def test_demo_nonconformities_at_every_stage_loaded_once(demo, login):
    assert capa_demo.load_demo_capa() == 4
    by_title = {nc.title: nc for nc in Nonconformity.objects.all()}

    complaint = by_title[capa_demo.COMPLAINT]
    assert (complaint.source, complaint.status) == ("complaint", "analysis")
    assert complaint.raised_by.username == "motcua"
    assert [t.owner.username for t in open_tasks(complaint)] == ["chuyenvien.nuoc"]

    two = by_title[capa_demo.TWO_ACTIONS]
    assert two.status == "implementation"
    assert sorted(two.actions.values_list("owner_user__username", "status")) == [
        ("chuyenvien", "done"),
        ("motcua", "planned"),
    ]
    assert [t.flow_task.name for t in open_tasks(two)] == ["implement"]

    closed = by_title[capa_demo.CLOSED]
    assert closed.status == "closed"
    assert [s["valid"] for s in nonconformity_signatures(closed)] == [True]
    assert nonconformity_process(closed).finished is not None

    reopened = by_title[capa_demo.REOPENED]
    assert reopened.status == "analysis"
    assert reopened.checks.get().result == "not_effective"
    assert [t.flow_task.name for t in open_tasks(reopened)] == ["analyse"]

    # The list as the quality manager sees it, and its filters.
    client = login("thuky")

    def listed(**query):
        page = client.get("/workflow/flows/capa/", query)
        return {nc.title for nc in page.context["page_obj"].object_list}

    assert listed() == set(capa_demo.DEMO_TITLES)
    assert listed(status="not_closed") == set(capa_demo.DEMO_TITLES) - {capa_demo.CLOSED}
    assert listed(status="closed") == {capa_demo.CLOSED}
    assert listed(unit=reopened.unit.pk) == {capa_demo.REOPENED, capa_demo.COMPLAINT}
    assert listed(source="complaint") == {capa_demo.COMPLAINT}
    assert listed(overdue="on") == set()  # every demo action is due in the future
    for nc in by_title.values():
        page = client.get(f"/workflow/flows/capa/nonconformities/{nc.pk}/")
        assert page.status_code == 200 and nc.code in page.content.decode()
    # Each step's page opens for whoever holds it.
    for nc in by_title.values():
        for task in open_tasks(nc):
            holder = login(task.owner.username if task.owner else "thuky")
            url = f"/workflow/flows/capa/{task.process_id}/{task.flow_task.name}/{task.pk}/"
            page = holder.get(f"{url}execute/") if task.owner else holder.get(f"{url}detail/")
            assert page.status_code == 200, url

    counts = (
        Nonconformity.objects.count(),
        CorrectiveAction.objects.count(),
        len(signatures_of(closed)),
    )
    assert capa_demo.load_demo_capa() == 0
    assert (
        Nonconformity.objects.count(),
        CorrectiveAction.objects.count(),
        len(signatures_of(closed)),
    ) == counts
