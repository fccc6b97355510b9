"""A unit sees its own nonconformities (and those it raised or owns an action of); leaders, the
quality manager and auditors see all; another unit's are not found on any page. Internal
auditors read everything and change nothing."""

import pytest
from django.apps import apps
from viewflow.workflow.models import Task

from audits.models import Nonconformity
from audits.selectors import nonconformities_visible_to, nonconformity_process
from qms.core.models import AuditEvent

from .conftest import START_URL, evidence, user

pytestmark = pytest.mark.django_db


def pages(nc):
    """Every GET page that shows something of ``nc``."""
    process = nonconformity_process(nc)
    task = process.task_set.filter(flow_task_type="HUMAN").order_by("pk").last()
    action = nc.actions.first()
    base = "/workflow/flows/capa"
    return [
        f"{base}/nonconformities/{nc.pk}/",
        f"{base}/nonconformities/{nc.pk}/phieu-theo-doi.pdf",
        f"{base}/{process.pk}/",
        f"{base}/{process.pk}/chart/",
        f"{base}/{task.process_id}/{task.flow_task.name}/{task.pk}/detail/",
        f"{base}/actions/{action.pk}/evidence/",
    ]


@pytest.fixture
def env_nc(office, implementing):
    """Phòng Môi trường's nonconformity, raised at the one-stop desk, one action done."""
    task = office.tasks(implementing, "implement").get(owner__username="chuyenvien")
    office.as_user("chuyenvien").do(
        implementing, "implement", {"note": "Đã làm", "evidence": evidence()}, task=task
    )
    return implementing


@pytest.mark.parametrize(
    "username",
    ["truongphong", "chuyenvien", "motcua", "giamdoc", "phogiamdoc", "thuky", "danhgia"],
)
def test_the_unit_the_raiser_the_action_owners_and_those_who_see_all_see_it(
    office, client, env_nc, username
):
    office.as_user(username)
    for url in pages(env_nc):
        assert client.get(url).status_code == 200, url
    listing = client.get("/workflow/flows/capa/")
    assert env_nc in listing.context["page_obj"].object_list


@pytest.mark.parametrize("username", ["truongphong.nuoc", "chuyenvien.datdai", "vanthu"])
def test_another_unit_finds_nothing(office, client, env_nc, username):
    office.as_user(username)
    for url in pages(env_nc):
        assert client.get(url).status_code == 404, url
    listing = client.get("/workflow/flows/capa/")
    assert listing.status_code == 200
    assert list(listing.context["page_obj"].object_list) == []
    assert not nonconformities_visible_to(user=user(username)).exists()


def test_the_auditor_reads_everything_and_changes_nothing(office, client, env_nc):
    nc = env_nc
    office.as_user("danhgia")
    tables = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
    events = AuditEvent.objects.exclude(action__in=["auth.login", "auth.logout"]).count()
    tasks = list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id"))

    # The start form is not offered.
    assert client.get(START_URL).status_code == 403
    assert client.post(START_URL, {"title": "x", "description": "y"}).status_code == 403
    # No step of any open task can be taken or done, nor can any page be written to.
    urls = []
    for task in Task.objects.filter(flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"]):
        base = office.task_url(task)
        urls += [f"{base}/assign/", f"{base}/execute/", f"{base}/unassign/", f"{base}/cancel/"]
    urls += pages(nc) + ["/workflow/flows/capa/"]
    for url in urls:
        response = client.post(url, {"note": "x", "evidence": evidence(), "password": "x"})
        assert response.status_code in (403, 404, 405), url

    assert {m._meta.label: m._default_manager.count() for m in apps.get_models()} == tables
    assert AuditEvent.objects.exclude(action__in=["auth.login", "auth.logout"]).count() == events
    assert list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id")) == tasks
    assert Nonconformity.objects.get(pk=nc.pk).status == "implementation"


def test_the_auditor_cannot_check_or_close(office, client, verifying):
    office.as_user("danhgia")
    task = office.tasks(verifying, "verify").get()
    base = office.task_url(task)
    assert client.post(f"{base}/assign/").status_code == 403
    assert (
        client.post(f"{base}/execute/", {"result": "effective", "evidence": "x"}).status_code == 403
    )
    verifying.refresh_from_db()
    assert verifying.status == "verification" and not verifying.checks.exists()


def test_the_queue_offers_each_step_only_to_who_may_take_it(office, client):
    nc = office.as_user("motcua").raise_nc()
    correct = office.tasks(nc, "correct").get()
    for username, expected in [
        ("truongphong", True),
        ("chuyenvien", False),
        ("truongphong.nuoc", False),
        ("thuky", False),
        ("danhgia", False),
    ]:
        office.as_user(username)
        queue = client.get("/workflow/queue/").context["object_list"]
        assert (correct in queue) is expected, username
