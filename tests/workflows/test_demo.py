import pytest
from django.core.management import call_command

from procedures.models import Dossier
from qms.core.models import User
from workflows.selectors import task_inbox, task_queue

pytestmark = pytest.mark.django_db


def test_load_demo_leaves_work_for_every_role_and_is_idempotent():
    call_command("load_demo", verbosity=0)
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert {
        "incomplete",
        "received",
        "in_progress",
        "supplement",
        "approved",
        "issued",
        "returned",
        "refused_at_receipt",
    } <= statuses
    for username in ("motcua", "chuyenvien", "truongphong", "giamdoc", "vanthu"):
        user = User.objects.get(username=username)
        assert task_inbox(user=user).exists() or task_queue(user=user).exists(), username
    count = Dossier.objects.count()
    call_command("load_demo", verbosity=0)
    assert Dossier.objects.count() == count


def test_admin_shows_dossiers_read_only(client):
    call_command("load_demo", verbosity=0)
    client.force_login(User.objects.get(username="admin"))
    dossier = Dossier.objects.exclude(code=None).first()
    assert client.get("/admin/procedures/dossier/").status_code == 200
    assert client.get(f"/admin/procedures/dossier/{dossier.pk}/change/").status_code == 200
    assert client.get("/admin/procedures/dossier/add/").status_code == 403
    response = client.post(f"/admin/procedures/dossier/{dossier.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Dossier.objects.filter(pk=dossier.pk).exists()
