"""The tamper-evident audit log: chained events, the database refusing edits, and
``verify_audit_log`` naming the first event that was changed, deleted or inserted."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from qms.core import auditlog
from qms.core.history import UntrackedWriteError
from qms.core.models import AuditChainHead, AuditEvent, Notification, OrgUnit, Role, User
from qms.core.services import membership_grant, user_create
from qms.core.tasks import verify_audit_log_nightly

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(demo):
    actor = User.objects.get(username="thuky")
    unit = OrgUnit.objects.get(code="van-phong")
    for number in range(5):
        auditlog.record(
            actor=actor,
            action="test.action",
            object_type="core.orgunit",
            object_id=str(unit.pk),
            object_repr="Văn phòng Sở",
            unit=unit,
            before={"tên": f"cũ {number}", "số": number},
            after={"tên": f"mới {number} — “đúng dấu”", "số": number + 1},
            reason="Thử nghiệm chuỗi băm",
        )
    return list(AuditEvent.objects.order_by("seq"))


def verify_command():
    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def broken(capsys=None):
    with pytest.raises(CommandError) as failure:
        verify_command()
    return str(failure.value)


def raw(sql, params=()):
    """Write straight to the database, as someone bypassing the application would, with the
    append-only triggers dropped first (a tamperer with database rights can do that too)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
        cursor.execute(sql, params)


def test_events_are_chained_and_the_chain_verifies(events):
    assert [e.seq for e in events][-5:] == list(range(events[-5].seq, events[-5].seq + 5))
    assert events[0].prev_hash == auditlog.GENESIS
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)

    output = verify_command()

    assert f"Nhật ký kiểm tra toàn vẹn: {len(events)} sự kiện" in output
    assert events[-1].hash in output


def test_the_canonical_form_is_stable_and_covers_every_field(events):
    event = events[-1]
    values = {name: getattr(event, name) for name in auditlog.CHAINED_FIELDS}
    assert auditlog.chain_hash(event.prev_hash, values) == event.hash
    for name, other in [("reason", "khác"), ("actor_name", "Người khác"), ("object_id", "999")]:
        assert auditlog.chain_hash(event.prev_hash, {**values, name: other}) != event.hash
    assert b'"reason":"Th\xe1\xbb\xad nghi\xe1\xbb\x87m' in auditlog.canonical(values)


def test_the_database_refuses_update_and_the_manager_refuses_update_and_delete(events):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET reason = 'sửa' WHERE seq = %s", [events[1].seq])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE seq = %s", [events[1].seq])
    with pytest.raises(UntrackedWriteError):
        AuditEvent.objects.filter(seq=events[1].seq).update(reason="sửa")
    with pytest.raises(UntrackedWriteError):
        AuditEvent.objects.filter(seq=events[1].seq).delete()
    assert AuditEvent.objects.get(seq=events[1].seq).reason == events[1].reason


def test_an_edited_event_is_named(events):
    target = events[2]
    raw("UPDATE core_auditevent SET reason = %s WHERE seq = %s", ["Lý do đã sửa", target.seq])

    message = broken()

    assert f"số {target.seq}" in message and "đã bị sửa" in message


def test_an_edited_value_inside_the_json_is_named(events):
    target = events[3]
    sql = "UPDATE core_auditevent SET after = %s WHERE seq = %s"
    if connection.vendor == "postgresql":
        sql = "UPDATE core_auditevent SET after = %s::jsonb WHERE seq = %s"
    raw(sql, ['{"tên": "giả", "số": 0}', target.seq])

    assert f"số {target.seq}" in broken()


def test_a_deleted_event_is_named(events):
    target = events[1]
    raw("DELETE FROM core_auditevent WHERE seq = %s", [target.seq])

    message = broken()

    assert f"Thiếu sự kiện số {target.seq}" in message


def test_deleting_the_last_events_is_detected_by_the_head(events):
    raw("DELETE FROM core_auditevent WHERE seq >= %s", [events[-2].seq])

    message = broken()

    assert f"số {events[-2].seq}" in message and "đã bị xoá" in message


def test_an_inserted_event_is_named(events):
    last = events[-1]
    columns = (
        "seq, at, actor_name, action, object_type, object_id, object_repr, reason, prev_hash, hash"
    )
    raw(
        f"INSERT INTO core_auditevent ({columns}) VALUES (%s, %s, '', 'test.forged', "
        "'core.orgunit', '1', 'giả', 'chèn thêm', %s, %s)",
        [last.seq + 1, last.at, "f" * 64, "e" * 64],
    )
    # Even with the head moved on as the application would, the forged event is found.
    AuditChainHead.objects.filter(pk=1).update(seq=last.seq + 1, hash="e" * 64)

    message = broken()

    assert f"số {last.seq + 1}" in message


def test_a_reordered_event_is_named(events):
    # Swap two events' contents by rewriting their numbers: the chain no longer links.
    first, second = events[1], events[2]
    raw("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [10_000, first.seq])
    raw("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [first.seq, second.seq])
    raw("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [second.seq, 10_000])

    assert f"số {first.seq}" in broken()


def test_nightly_check_alerts_the_quality_managers_only_on_failure(
    events, django_capture_on_commit_callbacks
):
    manager = User.objects.get(username="thuky")  # the demo's quality manager

    with django_capture_on_commit_callbacks(execute=True):
        assert verify_audit_log_nightly() is True
    assert mail.outbox == []
    assert not Notification.objects.exists()

    raw("UPDATE core_auditevent SET object_repr = 'giả' WHERE seq = %s", [events[0].seq])
    with django_capture_on_commit_callbacks(execute=True):
        assert verify_audit_log_nightly() is False

    # In the notification centre and by e-mail, linking to the chain check.
    alert = Notification.objects.get()
    assert (alert.recipient, alert.kind, alert.url) == (
        manager,
        "audit.chain_broken",
        "/audits/verify/",
    )
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert f"số {events[0].seq}" in mail.outbox[0].body
    assert "http://127.0.0.1:8000/audits/verify/" in mail.outbox[0].body

    # The same night again (a retried task): no second alert.
    with django_capture_on_commit_callbacks(execute=True):
        assert verify_audit_log_nightly() is False
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_services_write_one_event_per_business_action(demo):
    before = AuditEvent.objects.count()
    actor = user_create(actor=None, username="quantri", password=None)
    user = user_create(actor=actor, username="cv.moi", password=None, last_name="Trần")
    unit = OrgUnit.objects.get(code="moi-truong")
    membership = membership_grant(actor=actor, user=user, unit=unit, role=Role.SPECIALIST)
    membership_grant(actor=actor, user=user, unit=unit, role=Role.SPECIALIST)  # no change

    events = list(AuditEvent.objects.order_by("seq")[before:])

    assert [e.action for e in events] == ["user.create", "user.create", "membership.grant"]
    grant = events[-1]
    assert (grant.actor, grant.actor_name, grant.unit) == (actor, "quantri", unit)
    assert grant.reason == ""
    assert grant.object_type == "core.membership" and grant.object_id == str(membership.pk)
    assert grant.after["role"] == Role.SPECIALIST
    assert "password" not in events[1].after


def test_tracked_models_refuse_writes_that_bypass_history(demo):
    with pytest.raises(UntrackedWriteError):
        User.objects.filter(username="motcua").update(first_name="B")
    with pytest.raises(UntrackedWriteError):
        OrgUnit.objects.bulk_create([OrgUnit(code="x", name="X", kind="office")])
    assert User.objects.get(username="motcua").first_name == "Mai"


def test_bulk_appended_events_are_the_same_shape_and_verify(events):
    actor = User.objects.get(username="thuky")
    unit = OrgUnit.objects.get(code="van-phong")
    values = {
        "action": "test.action",
        "object_type": "core.orgunit",
        "object_id": str(unit.pk),
        "object_repr": "Văn phòng Sở",
        "unit_id": unit.pk,
        "before": {"a": 1},
        "after": {"a": 2},
        "reason": "Hàng loạt",
    }
    single = auditlog.record(
        actor=actor, unit=unit, **{k: v for k, v in values.items() if k != "unit_id"}
    )
    last = auditlog.record_many([{**values, "actor": actor} for _ in range(3)], batch_size=2)

    bulk = AuditEvent.objects.get(seq=last)
    fields = [
        "actor_id",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "unit_id",
        "before",
        "after",
        "reason",
    ]
    assert [getattr(bulk, f) for f in fields] == [getattr(single, f) for f in fields]
    assert "toàn vẹn" in verify_command()
