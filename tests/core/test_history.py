"""Every model of the project keeps its history (django-simple-history), and so do viewflow's
Process and Task."""

import pytest
from django.apps import apps
from simple_history.models import HistoricalChanges, registered_models

from qms.core.models import OrgUnit, User

PROJECT_APPS = {
    "core",
    "procedures",
    "workflows",
    "audits",
    "documents",
    "planning",
    "internal_audits",
    "reviews",
}


def project_models():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        if issubclass(model, HistoricalChanges):
            continue  # the history tables themselves
        if model._meta.auto_created:
            continue  # m2m through tables; tracked through their owner's m2m_fields
        yield model


#: Models kept without simple-history, and why. Nothing else may be added here lightly.
NOT_HISTORISED = {
    # Append-only and hash-chained: an event is never changed, so it has no history to keep.
    "core.AuditEvent",
    # The chain's seal, moved on by every event; its truth is checked against the chain.
    "core.AuditChainHead",
    # A message to one person, written once; only read_at and emailed_at move on. High volume
    # and no record of the quality system (a person's preferences keep their history).
    "core.Notification",
}


def test_every_project_model_is_tracked():
    untracked = [
        model._meta.label
        for model in project_models()
        if model._meta.db_table not in registered_models and model._meta.label not in NOT_HISTORISED
    ]
    assert untracked == []
    assert len(list(project_models())) >= 5


def test_every_tracked_model_refuses_writes_that_bypass_its_history():
    """``QuerySet.update()`` and bulk writes send no signals: the managers refuse them."""
    from qms.core.history import AppendOnlyQuerySet, TrackedQuerySet

    bypassable = [
        model._meta.label
        for model in project_models()
        if not issubclass(
            model._default_manager.get_queryset().__class__,
            TrackedQuerySet | AppendOnlyQuerySet,
        )
        and model._meta.label != "core.AuditChainHead"
        # Proxies of viewflow's Process/Task keep viewflow's manager; viewflow writes its rows
        # with save() only (its .update() calls are in its own migrations), so history holds.
        and model._meta.concrete_model._meta.app_label != "viewflow"
    ]
    assert bypassable == []


def test_viewflow_process_and_task_are_tracked():
    from viewflow.workflow.models import Process, Task

    assert Process._meta.db_table in registered_models
    assert Task._meta.db_table in registered_models
    assert hasattr(Task, "history") and hasattr(Process, "history")


@pytest.mark.django_db
def test_history_knows_the_user_of_a_web_change(demo, login):
    client = login("motcua")
    response = client.post("/accounts/profile/", {"language": "en"})
    assert response.status_code == 302
    user = User.objects.get(username="motcua")
    latest = user.history.latest()
    assert latest.language == "en"
    assert latest.history_user == user


@pytest.mark.django_db
def test_history_keeps_values_before_and_after(demo):
    unit = OrgUnit.objects.get(code="moi-truong")
    unit.name = "Phòng Quản lý môi trường"
    unit.save()
    new, old = unit.history.all()[:2]
    delta = new.diff_against(old)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("name", "Phòng Môi trường", "Phòng Quản lý môi trường")
    ]


def test_password_hash_is_not_in_user_history():
    assert "password" not in {f.name for f in User.history.model._meta.fields}
