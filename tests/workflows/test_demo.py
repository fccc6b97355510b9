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
