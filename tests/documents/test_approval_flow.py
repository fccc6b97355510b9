"""The approval of a controlled document driven through the real pages by the demo users:
draft → review (send back, revise) → signed approval → effective; a revision supersedes the
old version at the moment it takes effect."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from viewflow.workflow.models import Process

from audits.documents import services
from audits.documents.models import ControlledDocument, DocumentAction, DocumentVersion
from audits.documents.signing import version_signatures
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent, Signature
from workflows.demo import clock_at
from workflows.selectors import task_inbox, task_queue

from .conftest import AGREE, approve, open_task, pdf, user

pytestmark = pytest.mark.django_db
S = DocumentVersion.Status


def kinds(version):
    return list(version.actions.values_list("kind", flat=True))


def test_draft_review_send_back_revise_approve_and_supersede(desk, client):
    today = timezone.localdate()
    desk.as_user("chuyenvien")
    page = client.get("/workflow/flows/document/draft_new/")
    assert page.status_code == 200
    # A member drafts only for the units they work in.
    assert [u.code for u in page.context["form"].fields["owner_unit"].queryset] == ["moi-truong"]

    v1 = desk.draft_new(distribution=["moi-truong", "mot-cua"])
    document = v1.document
    assert (document.code, document.owner_unit.code, document.kind) == (
        "HD.MT.01",
        "moi-truong",
        "instruction",
    )
    assert v1.status == S.IN_REVIEW and v1.author == user("chuyenvien")
    assert len(v1.file_sha256) == 64
    assert sorted(v1.distribution.values_list("code", flat=True)) == ["moi-truong", "mot-cua"]
    # The review waits in the queue of the environment unit's head, not the water unit's.
    assert task_queue(user=user("truongphong")).filter(pk=open_task(v1).pk).exists()
    assert not task_queue(user=user("truongphong.nuoc")).filter(pk=open_task(v1).pk).exists()

    # Sending back needs a comment.
    desk.as_user("truongphong")
    response = desk.do(v1, {"decision": "send_back", "comment": ""}, expect=200)
    assert "Trả lại dự thảo phải ghi rõ nội dung cần sửa." in response.content.decode()
    assert v1.status == S.IN_REVIEW
    desk.do(v1, {"decision": "send_back", "comment": "Bổ sung bước kiểm tra thực tế."})
    assert v1.status == S.DRAFT
    # The revision goes back to its author's inbox.
    assert task_inbox(user=user("chuyenvien")).filter(pk=open_task(v1).pk).exists()

    old_hash = v1.file_sha256
    desk.as_user("chuyenvien").do(
        v1,
        {
            "action": "resubmit",
            "version": "01",
            "title": "Hướng dẫn thẩm định hồ sơ cấp giấy phép môi trường",
            "file": pdf(body=b"ban sua"),
            "change_summary": "Ban hành lần đầu, có bước kiểm tra thực tế.",
            "distribution": [],
            "comment": "Đã bổ sung.",
        },
    )
    assert v1.status == S.IN_REVIEW and v1.file_sha256 != old_hash
    assert v1.distribution.count() == 0  # now distributed to the whole department

    desk.as_user("truongphong").do(v1, AGREE)
    assert v1.reviewer == user("truongphong") and v1.status == S.IN_REVIEW
    assert task_queue(user=user("giamdoc")).filter(pk=open_task(v1).pk).exists()

    desk.as_user("giamdoc").do(v1, approve(today, comment="Ban hành"))
    assert v1.status == S.EFFECTIVE
    assert (v1.approver, v1.effective_from) == (user("giamdoc"), today)
    assert v1.next_review_due == services.add_months(today, 12)
    document.refresh_from_db()
    assert document.title == "Hướng dẫn thẩm định hồ sơ cấp giấy phép môi trường"
    assert kinds(v1) == [
        "submitted",
        "sent_back",
        "resubmitted",
        "agreed",
        "approved",
        "took_effect",
    ]
    [signature] = Signature.objects.filter(object_id=v1.pk, purpose="document.approval")
    assert signature.signer_name == "Đặng Văn Phúc" and signature.meaning == "approved"
    assert signature.content["file_sha256"] == v1.file_sha256
    assert signature.content["document"] == "HD.MT.01"
    assert [row["valid"] for row in version_signatures(v1)] == [True]
    process = Process.objects.get(artifact_object_id=v1.pk, flow_class__isnull=False)
    assert process.status == "DONE"
    events = list(
        AuditEvent.objects.filter(object_type="documents.documentversion", object_id=str(v1.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert events == [
        "document.submitted",
        "document.sent_back",
        "document.resubmitted",
        "document.agreed",
        "document.approved",
        "signature.sign",
        "document.took_effect",
    ]

    # Version 02: once effective, version 01 is superseded at the same moment.
    v2 = desk.as_user("chuyenvien").draft_revision(document, version="02")
    assert v2.title == document.title
    desk.as_user("truongphong").do(v2, AGREE)
    desk.as_user("phogiamdoc").do(v2, approve(today))
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (S.SUPERSEDED, S.EFFECTIVE)
    assert v1.superseded_by == v2
    took_effect = v2.actions.get(kind="took_effect")
    assert v1.superseded_at == took_effect.at
    assert v1.actions.get(kind="superseded").at == took_effect.at


def test_a_wrong_or_missing_password_signs_nothing(desk, client):
    v1 = desk.as_user("chuyenvien").draft_new()
    desk.as_user("truongphong").do(v1, AGREE)
    desk.as_user("giamdoc")
    actions = v1.actions.count()
    events = AuditEvent.objects.count()
    for password in ("", "mat-khau-sai"):
        response = desk.do(v1, approve(timezone.localdate(), password=password), expect=200)
        text = response.content.decode()
        assert "Nhập mật khẩu của bạn để ký." in text or "Mật khẩu không đúng" in text
    assert v1.status == S.IN_REVIEW and v1.approver is None
    assert not Signature.objects.exists()
    assert v1.actions.count() == actions and AuditEvent.objects.count() == events
    assert open_task(v1).status == "ASSIGNED"


def test_an_effective_date_ahead_waits_and_the_daily_job_switches_versions(desk):
    today = timezone.localdate()
    v1 = desk.as_user("chuyenvien").draft_new()
    desk.as_user("truongphong").do(v1, AGREE)
    # A date already past is refused.
    response = desk.as_user("giamdoc").do(v1, approve(today - dt.timedelta(days=1)), expect=200)
    assert "Ngày hiệu lực không được trước ngày phê duyệt" in response.content.decode()
    desk.do(v1, approve(today))
    v2 = desk.as_user("chuyenvien").draft_revision(v1.document)
    desk.as_user("truongphong").do(v2, AGREE)
    tomorrow = today + dt.timedelta(days=1)
    desk.as_user("giamdoc").do(v2, approve(tomorrow))
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (S.EFFECTIVE, S.APPROVED)

    assert services.documents_take_effect_due(on=today) == []
    with clock_at(timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(0, 5)))):
        [done] = services.documents_take_effect_due()
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert done == v2 and (v1.status, v2.status) == (S.SUPERSEDED, S.EFFECTIVE)
    assert v2.actions.get(kind="took_effect").actor is None  # the system did it
    with clock_at(timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(0, 6)))):
        assert services.documents_take_effect_due() == []  # idempotent


def test_separation_of_duties_author_reviewer_approver(desk, client):
    # The head drafts for his own unit: he may neither take nor record the review.
    v1 = desk.as_user("truongphong").draft_new(code="QT.MT.01", kind="procedure")
    task = open_task(v1)
    base = f"/workflow/flows/document/{task.process_id}/review_draft/{task.pk}"
    assert client.post(f"{base}/assign/").status_code == 403
    with pytest.raises(ValidationError, match="không tự xem xét dự thảo của mình"):
        services.document_version_review(actor=user("truongphong"), version=v1, decision="agree")
    v1.refresh_from_db()
    assert v1.reviewer is None and v1.status == S.IN_REVIEW

    # The office has no head on record: its drafts are reviewed by the leadership, and the
    # director who reviewed may not also approve.
    office = desk.as_user("thuky").draft_new(
        code="STCL", title="Sổ tay chất lượng", kind="manual", unit_code="van-phong"
    )
    desk.as_user("phogiamdoc").do(office, AGREE)
    assert office.reviewer == user("phogiamdoc")
    task = open_task(office)
    base = f"/workflow/flows/document/{task.process_id}/approve_version/{task.pk}"
    assert client.post(f"{base}/assign/").status_code == 403
    with pytest.raises(ValidationError, match="không phê duyệt chính dự thảo đó"):
        services.document_version_approve(
            actor=user("phogiamdoc"),
            version=office,
            decision="approve",
            password=DEMO_PASSWORD,
            effective_from=timezone.localdate(),
        )
    office.refresh_from_db()
    assert office.status == S.IN_REVIEW and not Signature.objects.exists()
    desk.as_user("giamdoc").do(office, approve(timezone.localdate()))
    assert office.status == S.EFFECTIVE


def test_the_author_may_abandon_a_draft_sent_back_with_a_reason(desk):
    v1 = desk.as_user("chuyenvien").draft_new()
    desk.as_user("truongphong").do(v1, {"decision": "send_back", "comment": "Không cần thiết."})
    desk.as_user("chuyenvien")
    response = desk.do(v1, {"action": "abandon", "comment": ""}, expect=200)
    assert "Phải ghi lý do huỷ dự thảo." in response.content.decode()
    desk.do(v1, {"action": "abandon", "comment": "Đã có quy trình chung."})
    assert v1.status == S.WITHDRAWN and v1.withdrawal_reason == "Đã có quy trình chung."
    assert Process.objects.get(artifact_object_id=v1.pk).status == "DONE"
    # Nothing is effective: staff do not see the document at all.
    assert desk.client.get(f"/documents/{v1.document_id}/").status_code == 404


def test_bad_input_is_refused_with_a_message_and_nothing_written(desk, client):
    desk.as_user("chuyenvien").draft_new()
    before = (ControlledDocument.objects.count(), DocumentVersion.objects.count())
    actions, processes = DocumentAction.objects.count(), Process.objects.count()

    # Same code again.
    response = desk.draft_new(expect=200)
    assert "Mã tài liệu HD.MT.01 đã được dùng." in response.content.decode()
    # Not a PDF or image (checked by content, not by name).
    response = desk.draft_new(code="HD.MT.02", file=pdf_named_exe(), expect=200)
    assert "không phải PDF, PNG hoặc JPEG" in response.content.decode()
    # Another unit is not offered; forcing it is refused by the form.
    response = desk.draft_new(code="HD.MT.03", unit_code="tai-nguyen-nuoc", expect=200)
    assert "owner_unit" in response.context["form"].errors
    # A code with spaces or accents.
    response = desk.draft_new(code="QT 01 Đất", expect=200)
    assert "Mã tài liệu chỉ gồm chữ cái không dấu" in response.content.decode()
    # Only a procedure may hold a procedure version's internal process.
    from procedures.demo import load_demo_catalogue

    load_demo_catalogue(agency=user("chuyenvien").memberships.first().unit.agency)
    from procedures.models import ProcedureVersion

    version = ProcedureVersion.objects.filter(handling_unit__code="moi-truong").first()
    response = desk.draft_new(code="HD.MT.04", procedure_version=version.pk, expect=200)
    assert "Chỉ tài liệu loại “Quy trình”" in response.content.decode()

    assert (ControlledDocument.objects.count(), DocumentVersion.objects.count()) == before
    assert (DocumentAction.objects.count(), Process.objects.count()) == (actions, processes)
    # The auditor cannot start a draft at all.
    client.logout()
    desk.as_user("danhgia")
    assert client.get("/workflow/flows/document/draft_new/").status_code == 403


def pdf_named_exe():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("quy-trinh.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
