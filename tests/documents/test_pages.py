"""Who sees what: staff read only the effective version of the documents distributed to their
unit (an old version is a 404), the quality manager, leaders and auditors read every version
with its history and the control sheet; auditors change nothing; withdrawal needs a reason;
the signature shows as no longer valid once the signed content or the file changes."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from viewflow.workflow.models import Task

from audits.documents import services
from audits.documents.models import ControlledDocument, DocumentAction, DocumentVersion
from audits.documents.signing import version_signatures
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent

from .conftest import pdf, pdf_text, unit, user

pytestmark = pytest.mark.django_db
S = DocumentVersion.Status


def issue(version, *, reviewer, approver="giamdoc"):
    services.document_version_review(actor=user(reviewer), version=version, decision="agree")
    return services.document_version_approve(
        actor=user(approver),
        version=version,
        decision="approve",
        password=DEMO_PASSWORD,
        effective_from=timezone.localdate(),
    )


@pytest.fixture
def world(demo):
    """HD.MT.01 of the environment unit (distributed to it and the desk) with version 01
    superseded by 02; the quality manual of the office, for the whole department."""
    first = services.document_draft_new(
        actor=user("chuyenvien"),
        document=services.DocumentFields(
            code="HD.MT.01",
            title="Hướng dẫn thẩm định",
            kind="instruction",
            owner_unit=unit("moi-truong"),
        ),
        content=services.VersionFields(
            version="01",
            title="Hướng dẫn thẩm định",
            file=pdf(body=b"v1"),
            change_summary="Ban hành lần đầu.",
            distribution=[unit("moi-truong"), unit("mot-cua")],
        ),
    )
    issue(first, reviewer="truongphong")
    second = services.document_draft_revision(
        actor=user("chuyenvien"),
        document=first.document,
        content=services.VersionFields(
            version="02",
            title="Hướng dẫn thẩm định hồ sơ môi trường",
            file=pdf(body=b"v2"),
            change_summary="Bổ sung kiểm tra thực tế.",
            distribution=[unit("moi-truong"), unit("mot-cua")],
        ),
    )
    issue(second, reviewer="truongphong")
    manual = services.document_draft_new(
        actor=user("thuky"),
        document=services.DocumentFields(
            code="STCL", title="Sổ tay chất lượng", kind="manual", owner_unit=unit("van-phong")
        ),
        content=services.VersionFields(
            version="01",
            title="Sổ tay chất lượng",
            file=pdf(body=b"stcl"),
            change_summary="Ban hành lần đầu.",
        ),
    )
    issue(manual, reviewer="phogiamdoc")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (S.SUPERSEDED, S.EFFECTIVE)
    return {"old": first, "new": second, "document": first.document, "manual": manual}


def test_staff_see_only_the_effective_version_of_documents_distributed_to_them(world, login):
    document, old, new = world["document"], world["old"], world["new"]
    client = login("chuyenvien")
    listing = client.get("/documents/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "HD.MT.01" in text and "STCL" in text
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Hướng dẫn thẩm định hồ sơ môi trường" in page and "Chữ ký hợp lệ" in page
    assert "Các phiên bản và diễn biến" not in page  # no history for staff
    assert client.get(f"/documents/versions/{new.pk}/").status_code == 200
    download = client.get(f"/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).endswith(b"%v2\n%%EOF\n")
    # The old version, its file and the control sheet do not exist for staff.
    assert client.get(f"/documents/versions/{old.pk}/").status_code == 404
    assert client.get(f"/documents/versions/{old.pk}/download/").status_code == 404
    assert client.get(f"/documents/{document.pk}/control-sheet.pdf").status_code == 404

    # Another unit's member: the instruction was not distributed to the water unit.
    client = login("chuyenvien.nuoc")
    text = client.get("/documents/").content.decode()
    assert "HD.MT.01" not in text and "STCL" in text
    assert client.get(f"/documents/{document.pk}/").status_code == 404
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404
    assert client.get(f"/documents/versions/{new.pk}/").status_code == 404
    # The desk received it.
    assert login("motcua").get(f"/documents/{document.pk}/").status_code == 200

    # Filters: kind, owner unit, text.
    client = login("chuyenvien")
    assert "STCL" not in client.get("/documents/?kind=instruction").content.decode()
    assert "HD.MT.01" not in client.get("/documents/?q=tay").content.decode()
    unit_filter = client.get(f"/documents/?unit={unit('van-phong').pk}").content.decode()
    assert "STCL" in unit_filter and "HD.MT.01" not in unit_filter


@pytest.mark.parametrize("username", ["danhgia", "thuky", "giamdoc"])
def test_auditors_quality_manager_and_leaders_read_every_version(world, login, username):
    document, old = world["document"], world["old"]
    client = login(username)
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Các phiên bản và diễn biến" in page
    assert "Đã được thay thế" in page and "Đang hiệu lực" in page
    assert "Bị thay thế bởi phiên bản mới" in page  # the status history
    assert client.get(f"/documents/versions/{old.pk}/").status_code == 200
    download = client.get(f"/documents/versions/{old.pk}/download/")
    assert b"".join(download.streaming_content).endswith(b"%v1\n%%EOF\n")
    all_states = client.get("/documents/?state=all").content.decode()
    assert "HD.MT.01" in all_states and "STCL" in all_states


def test_the_auditor_cannot_change_anything(world, login):
    document = world["document"]
    # A draft waiting for its review, started through the page.
    login("chuyenvien").post(
        "/workflow/flows/document/draft_new/",
        {
            "code": "QT.MT.09",
            "document_title": "Quy trình thử",
            "kind": "procedure",
            "owner_unit": unit("moi-truong").pk,
            "review_period_months": 12,
            "version": "01",
            "file": pdf(),
            "change_summary": "Ban hành lần đầu.",
        },
    )
    version = DocumentVersion.objects.get(document__code="QT.MT.09")
    task = Task.objects.get(process__artifact_object_id=version.pk, status="NEW")

    def counts():
        return (
            ControlledDocument.objects.count(),
            DocumentVersion.objects.count(),
            DocumentAction.objects.count(),
            AuditEvent.objects.exclude(action__startswith="auth.").count(),
            list(DocumentVersion.objects.order_by("pk").values_list("status", flat=True)),
        )

    before = counts()
    client = login("danhgia")
    assert client.get(f"/documents/versions/{version.pk}/").status_code == 200  # reads it
    assert client.post(f"/documents/{document.pk}/withdraw/", {"reason": "x"}).status_code == 403
    assert client.post(f"/documents/{document.pk}/confirm-review/", {}).status_code == 403
    assert client.post("/documents/", {}).status_code == 405
    assert client.post(f"/documents/{document.pk}/", {}).status_code == 405
    assert client.post(f"/documents/{document.pk}/download/", {}).status_code == 405
    assert client.post("/workflow/flows/document/draft_new/", {}).status_code == 403
    base = f"/workflow/flows/document/{task.process_id}/review_draft/{task.pk}"
    assert client.post(f"{base}/assign/").status_code == 403
    assert client.post(f"{base}/execute/", {"decision": "agree"}).status_code == 403
    assert counts() == before
    task.refresh_from_db()
    assert task.status == "NEW" and task.owner is None


def test_withdrawal_by_the_quality_manager_needs_a_reason(world, login):
    document = world["document"]
    # A unit head is not the quality manager.
    assert (
        login("truongphong")
        .post(f"/documents/{document.pk}/withdraw/", {"reason": "Lỗi thời"})
        .status_code
        == 403
    )
    client = login("thuky")
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert "Thu hồi tài liệu" in page
    response = client.post(f"/documents/{document.pk}/withdraw/", {"reason": "  "}, follow=True)
    assert "Phải ghi lý do thu hồi tài liệu." in response.content.decode()
    document.refresh_from_db()
    assert not document.is_withdrawn and world["new"].actions.filter(kind="withdrawn").count() == 0

    response = client.post(
        f"/documents/{document.pk}/withdraw/",
        {"reason": "Đã hợp nhất vào quy trình nội bộ."},
        follow=True,
    )
    assert "Đã thu hồi tài liệu" in response.content.decode()
    document.refresh_from_db()
    new = DocumentVersion.objects.get(pk=world["new"].pk)
    assert document.is_withdrawn and document.withdrawn_by == user("thuky")
    assert (
        new.status == S.WITHDRAWN and new.withdrawal_reason == "Đã hợp nhất vào quy trình nội bộ."
    )
    event = AuditEvent.objects.get(action="document.withdrawn")
    assert event.object_type == "documents.controlleddocument"
    assert event.reason == "Đã hợp nhất vào quy trình nội bộ."
    # Gone for staff; still readable by the auditor; not withdrawn twice.
    assert login("chuyenvien").get(f"/documents/{document.pk}/").status_code == 404
    assert login("danhgia").get(f"/documents/{document.pk}/").status_code == 200
    with pytest.raises(Exception, match="đã được thu hồi"):
        services.document_withdraw(actor=user("thuky"), document=document, reason="lần hai")


def test_signature_no_longer_valid_after_a_change_of_content_or_file(world, login):
    manual = world["manual"]
    [shown] = version_signatures(manual)
    assert shown["valid"]
    # Someone edits the signed summary afterwards.
    manual.change_summary = "Ban hành lần đầu (đã sửa)."
    manual.save(update_fields=["change_summary"])
    [shown] = version_signatures(manual)
    assert not shown["valid"] and shown["changed"] == ["summary"]
    page = login("chuyenvien").get(f"/documents/{manual.document_id}/").content.decode()
    assert "Chữ ký không còn hiệu lực" in page

    # Put the summary back, then replace the stored file's bytes.
    manual.change_summary = "Ban hành lần đầu."
    manual.save(update_fields=["change_summary"])
    assert version_signatures(manual)[0]["valid"]
    storage, name = manual.file.storage, manual.file.name
    storage.delete(name)
    storage.save(name, ContentFile(b"%PDF-1.4\n%gia mao\n"))
    [shown] = version_signatures(manual)
    assert not shown["valid"] and shown["changed"] == ["file_sha256"]
    page = login("chuyenvien").get(f"/documents/{manual.document_id}/").content.decode()
    assert "Tệp đã bị thay đổi hoặc bị mất so với khi tải lên" in page


def test_control_sheet_lists_versions_approvers_and_signatures(world, login):
    document = world["document"]
    response = login("danhgia").get(f"/documents/{document.pk}/control-sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "PHIẾU THEO DÕI SỬA ĐỔI TÀI LIỆU" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "HD.MT.01" in text and "Hướng dẫn thẩm định hồ sơ môi trường" in text
    assert "Bổ sung kiểm tra thực tế." in text and "Ban hành lần đầu." in text
    assert "Đặng Văn Phúc" in text and "Nguyễn Thị Hồng" in text
    assert text.count("chữ ký hợp lệ") == 2
    assert "Đã được thay thế" in text and "Đang hiệu lực" in text

    old = world["old"]
    old.title = "Tên khác"
    old.save(update_fields=["title"])
    text = pdf_text(login("thuky").get(f"/documents/{document.pk}/control-sheet.pdf").content)
    assert "CHỮ KÝ KHÔNG CÒN HIỆU LỰC" in text and text.count("chữ ký hợp lệ") == 1


def test_periodic_review_confirmation_moves_the_due_date(world, login):
    document, new = world["document"], world["new"]
    assert login("chuyenvien").post(f"/documents/{document.pk}/confirm-review/").status_code == 403
    login("truongphong").post(
        f"/documents/{document.pk}/confirm-review/", {"comment": "Còn phù hợp."}
    )
    new.refresh_from_db()
    today = timezone.localdate()
    assert new.last_reviewed_on == today
    assert new.next_review_due == services.add_months(today, document.review_period_months)
    assert new.actions.filter(kind="review_confirmed", comment="Còn phù hợp.").exists()


def test_admin_corrections_need_a_reason_and_break_the_signature(world, client):
    manual = world["manual"]
    client.force_login(user("admin"))
    assert client.get("/admin/documents/controlleddocument/").status_code == 200
    assert client.get("/admin/documents/documentversion/add/").status_code == 403
    url = f"/admin/documents/documentversion/{manual.pk}/change/"
    assert client.get(url).status_code == 200
    data = {
        "title": manual.title,
        "change_summary": "Sửa trong trang quản trị.",
        "next_review_due": manual.next_review_due.isoformat(),
        "change_reason": "",
        "distribution_rows-TOTAL_FORMS": 0,
        "distribution_rows-INITIAL_FORMS": 0,
        "actions-TOTAL_FORMS": 0,
        "actions-INITIAL_FORMS": 0,
    }
    assert client.post(url, data).status_code == 200  # the reason is missing
    manual.refresh_from_db()
    assert manual.change_summary == "Ban hành lần đầu."
    response = client.post(url, {**data, "change_reason": "Sửa lỗi chính tả."})
    assert response.status_code == 302
    manual.refresh_from_db()
    assert manual.change_summary == "Sửa trong trang quản trị."
    assert AuditEvent.objects.filter(action="admin.change", reason="Sửa lỗi chính tả.").exists()
    assert not version_signatures(manual)[0]["valid"]
