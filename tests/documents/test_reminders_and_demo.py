"""Periodic-review reminders (daily beat task, once per version and day) and the demo."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from audits.documents import selectors, services
from audits.documents.models import ControlledDocument, DocumentVersion, ReviewReminder
from audits.documents.signing import version_signatures
from audits.documents.tasks import send_document_review_reminders
from qms.core.models import AuditEvent, Notification
from workflows.demo import clock_at
from workflows.selectors import task_queue

from .conftest import pdf, unit, user

pytestmark = pytest.mark.django_db


def register(code, owner, effective_from, period=12):
    return services.document_register_issued(
        actor=user("thuky"),
        new_document=services.DocumentFields(
            code=code,
            title=f"Tài liệu {code}",
            kind="procedure",
            owner_unit=unit(owner),
            review_period_months=period,
        ),
        content=services.VersionFields(
            version="01", title=f"Tài liệu {code}", file=pdf(), change_summary="Ban hành."
        ),
        effective_from=effective_from,
        approval_reference="Quyết định số 01/QĐ-STNMT",
    )


def by_recipient():
    return {message.to[0]: message for message in mail.outbox}


def test_review_reminders_go_once_a_day_to_the_head_and_the_quality_manager(
    demo, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    soon = register("QT.MT.01", "moi-truong", services.add_months(today, -12) + dt.timedelta(10))
    late = register("QT.VP.01", "van-phong", services.add_months(today, -13))
    register("QT.MT.02", "moi-truong", today)  # just issued: not due
    assert soon.next_review_due == today + dt.timedelta(10)
    assert late.next_review_due < today

    with django_capture_on_commit_callbacks(execute=True):
        send_document_review_reminders.delay()
    mails = by_recipient()
    head, quality = user("truongphong"), user("thuky")
    # One message per person listing their documents; the office's documents go to the
    # directors (the office has no head on record).
    assert set(mails) == {
        head.email,
        quality.email,
        user("giamdoc").email,
        user("phogiamdoc").email,
    }
    assert "QT.MT.01" in mails[head.email].body and "QT.VP.01" not in mails[head.email].body
    assert "QT.MT.01" in mails[quality.email].body and "QT.VP.01" in mails[quality.email].body
    assert "QT.MT.02" not in mails[quality.email].body
    assert "quá hạn từ" in mails[quality.email].body
    assert "Tài liệu đến hạn xem xét định kỳ" in mails[head.email].subject
    assert ReviewReminder.objects.filter(sent_on=today).count() == 2
    assert AuditEvent.objects.filter(action="document.review_reminder").count() == 2
    # The same reminders in the notification centre: the head's names one version (its page),
    # the quality manager's two (the documents list).
    notices = {n.recipient.username: n for n in Notification.objects.all()}
    assert set(notices) == {"truongphong", "thuky", "giamdoc", "phogiamdoc"}
    assert notices["truongphong"].url == f"/documents/versions/{soon.pk}/"
    assert notices["thuky"].url == "/documents/"
    assert {n.kind for n in notices.values()} == {"document.review_due"}

    # Again the same day: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        send_document_review_reminders.delay()
    assert len(mail.outbox) == 4 and ReviewReminder.objects.count() == 2
    assert Notification.objects.count() == 4

    # The next morning the reminders go again, until the review is done.
    services.document_version_confirm_review(actor=head, version=soon, comment="Còn phù hợp.")
    tomorrow = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(1), dt.time(7)))
    with clock_at(tomorrow), django_capture_on_commit_callbacks(execute=True):
        send_document_review_reminders.delay()
    assert len(mail.outbox) == 7  # the overdue office document only: quality + 2 directors
    assert {m.to[0] for m in mail.outbox[4:]} == {
        quality.email,
        user("giamdoc").email,
        user("phogiamdoc").email,
    }


def test_demo_documents_in_every_state_and_idempotent(demo):
    from audits.documents.demo import backfill_internal_processes, load_demo_documents
    from procedures.demo import load_demo_catalogue
    from procedures.models import ProcedureVersion

    load_demo_catalogue(agency=demo["agency"])
    load_demo_documents()
    counts = (ControlledDocument.objects.count(), DocumentVersion.objects.count())
    assert load_demo_documents() == 0
    assert counts == (ControlledDocument.objects.count(), DocumentVersion.objects.count())

    def statuses(code):
        return list(
            DocumentVersion.objects.filter(document__code=code)
            .order_by("version")
            .values_list("status", flat=True)
        )

    assert statuses("STCL") == ["effective"]
    assert statuses("CSCL") == ["superseded", "effective"]
    assert statuses("QT.01") == ["effective"]
    assert statuses("QT.03") == ["in_review"]
    assert statuses("HD.MT.01") == ["in_review"]
    for code in ("STCL", "CSCL", "QT.01"):
        effective = DocumentVersion.objects.get(document__code=code, status="effective")
        [signature] = version_signatures(effective)
        assert signature["valid"] and signature["signature"].signer_name == "Đặng Văn Phúc"
    sent_back = DocumentVersion.objects.get(document__code="QT.01")
    assert "sent_back" in sent_back.actions.values_list("kind", flat=True)
    # Work waits: the director's signature and the environment unit head's review.
    assert task_queue(user=user("giamdoc")).filter(flow_task_type="HUMAN").exists()
    assert any(
        task.process.artifact.document.code == "HD.MT.01"
        for task in task_queue(user=user("truongphong"))
        if task.process.artifact_content_type.model == "documentversion"
    )
    # The internal-audit procedure is due for its periodic review within 30 days.
    due = DocumentVersion.objects.get(document__code="QT.02")
    assert 0 < (due.next_review_due - timezone.localdate()).days <= 30
    # Every procedure version's internal process is its controlled document, once.
    versions = list(ProcedureVersion.objects.all())
    assert ControlledDocument.objects.filter(code__startswith="QTNB.").count() == len(versions)
    for version in versions:
        held = selectors.document_for_procedure_version(version)
        assert held.status == "effective" and held.procedure_version == version
        assert held.document.kind == "procedure"
        assert held.document.owner_unit == version.handling_unit
        assert held.approval_reference
    assert backfill_internal_processes(actor=user("thuky")) == 0
    # A second document may not claim the same internal process.
    with pytest.raises(ValidationError, match="đã là tài liệu"):
        services.document_draft_new(
            actor=user("chuyenvien"),
            document=services.DocumentFields(
                code="QT.X", title="Trùng", kind="procedure", owner_unit=unit("moi-truong")
            ),
            content=services.VersionFields(
                version="01",
                title="Trùng",
                file=pdf(),
                change_summary="x",
                procedure_version=versions[0],
            ),
        )
