"""POST /api/v1/dossiers/ and GET /api/v1/dossiers/{ref}/: an online dossier handed over by
the portal, its resend, and every refusal leaving nothing written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from procedures.models import Dossier, DossierDocument, NationalStatus
from qms.core.models import AuditEvent, OrgUnit
from workflows.flows import DossierFlow
from workflows.handovers import dossier_process

from .conftest import (
    EXECUTABLE,
    PDF,
    PERMIT,
    WATER,
    api_client,
    dossier_of,
    files_for,
    submission,
    submit,
)

pytestmark = pytest.mark.django_db


def counts():
    return (
        Dossier.objects.count(),
        DossierDocument.objects.count(),
        Process.objects.count(),
        Task.objects.count(),
        AuditEvent.objects.count(),
    )


def test_submitted_dossier_waits_for_the_one_stop_officer(world, api):
    response = submit(api, submission())

    assert response.status_code == 201, response.json()
    body = response.json()
    dossier = dossier_of("DVC-2024-000123")
    assert body["id"] == dossier.pk
    assert body["portal_reference"] == "DVC-2024-000123"
    assert body["status"] == "submitted"
    assert body["status_label"] == "Nộp trực tuyến, chờ tiếp nhận"
    assert body["national_status"] == 1
    assert body["national_status_label"] == "Mới đăng ký"
    assert body["code"] is None and body["received_at"] is None and body["due_at"] is None
    assert body["procedure"] == {
        "key": PERMIT,
        "code": "1.010727",
        "name": "Cấp giấy phép môi trường (cấp tỉnh)",
    }
    assert body["fees"] == [] and body["is_late"] is False and body["timeliness"] is None
    # The dossier as stored: online channel, the applicant as sent, the files by content.
    assert dossier.status == Dossier.Status.SUBMITTED
    assert dossier.national_status == NationalStatus.NEW
    assert dossier.channel == Dossier.Channel.ONLINE
    assert dossier.delivery == Dossier.Delivery.ONLINE
    assert dossier.applicant_name == "Công ty TNHH Thủy sản Mỹ Xuyên"
    assert dossier.applicant_kind == 2
    assert dossier.code is None and dossier.received_at is None and dossier.due_at is None
    documents = list(dossier.documents.order_by("component__order"))
    assert [d.present for d in documents] == [True, True, True]
    assert all(d.digitised and d.scan.name.endswith(".pdf") for d in documents)
    assert documents[0].scan.read() == PDF
    # Its process waits at the desk: the one-stop officers of the receiving unit.
    process = dossier_process(dossier)
    task = Task.objects.get(process=process, flow_task=DossierFlow.receive_online)
    assert task.status == STATUS.NEW
    assert task.owner_permission == "core.act_one_stop_officer"
    assert task.owner_permission_obj == OrgUnit.objects.get(code="mot-cua")
    # One event, by the portal's service user.
    event = AuditEvent.objects.get(action="dossier.submit_online")
    assert event.actor_id == world.portal.service_user_id
    assert event.object_id == str(dossier.pk)
    assert event.after["portal_reference"] == "DVC-2024-000123"
    assert len(event.after["documents"]) == 3
    assert dossier.history.first().history_user_id == world.portal.service_user_id


def test_status_of_a_submitted_dossier(world, api):
    submit(api, submission())

    response = api.get("/api/v1/dossiers/DVC-2024-000123/")

    assert response.status_code == 200
    assert response.json()["national_status"] == 1
    assert response.json()["submitted_at"].endswith("+07:00")


def test_resend_returns_the_same_dossier_and_writes_nothing(world, api):
    first = submit(api, submission())
    before = counts()

    again = submit(api, submission())

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert counts() == before


def test_resend_of_a_reference_for_another_procedure_is_a_conflict(world, api):
    submit(api, submission())
    before = counts()

    response = submit(api, submission(procedure_key=WATER))

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "đã dùng cho một hồ sơ của thủ tục khác" in response.json()["detail"]
    assert counts() == before


def test_renamed_executable_is_refused_by_content(world, api):
    before = counts()
    data = submission()
    data["tp2"] = files_for(PERMIT, content=EXECUTABLE, name="bao-cao.pdf")["tp2"]

    response = submit(api, data)

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Dữ liệu gửi lên không hợp lệ."
    assert body["errors"] == {
        "tp2": ["Tệp “bao-cao.pdf” không phải PDF, PNG hoặc JPEG (kiểm tra theo nội dung tệp)."]
    }
    assert counts() == before


def test_oversize_file_is_refused(world, api, settings):
    settings.QMS_MAX_UPLOAD_MB = 1
    before = counts()
    data = submission()
    data["tp1"] = files_for(PERMIT, content=PDF + b"0" * (1024 * 1024 + 10), name="don.pdf")["tp1"]

    response = submit(api, data)

    assert response.status_code == 400
    assert response.json()["errors"]["tp1"] == ["Tệp “don.pdf” quá lớn (1.0 MB); giới hạn là 1 MB."]
    assert counts() == before


def test_missing_mandatory_component_is_named(world, api):
    before = counts()
    data = submission()
    del data["tp3"]

    response = submit(api, data)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "tp3": [
            "Thiếu tệp của thành phần bắt buộc “Bản sao báo cáo nghiên cứu khả thi hoặc tài liệu "
            "tương đương”."
        ]
    }
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"applicant_name": None}, "applicant_name", "Trường này là bắt buộc."),
        ({"procedure": "khong-co"}, "procedure", "Không có thủ tục “khong-co” đang có hiệu lực"),
        ({"portal_reference": "a/b"}, "portal_reference", "Mã hồ sơ trên Cổng chỉ gồm chữ"),
        ({"applicant_email": "khong-phai-thu"}, "applicant_email", "thư điện tử không hợp lệ"),
        ({"applicant_kind": 9}, "applicant_kind", "“9” không phải là giá trị được chấp nhận."),
        ({"sets": 0}, "sets", "Không được nhỏ hơn 1."),
        ({"submitted_at": "hôm qua"}, "submitted_at", "Thời điểm phải theo ISO 8601"),
        ({"tp9": "file"}, "tp9", "không có thành phần hồ sơ mã “tp9”"),
        ({"tp1": "không phải tệp"}, "tp1", "Thiếu tệp của thành phần bắt buộc"),
    ],
)
def test_invalid_fields_get_vietnamese_messages(world, api, overrides, field, message):
    before = counts()
    if overrides.get("tp9") == "file":
        overrides["tp9"] = SimpleUploadedFile("phu-luc.pdf", PDF)

    response = submit(api, submission(**overrides))

    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    assert counts() == before


def test_future_submission_time_is_refused(world, api):
    response = submit(api, submission(submitted_at="2099-01-01T08:00:00+07:00"))

    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "Thời điểm nộp hồ sơ không được sau thời điểm hiện tại."
    ]
    assert not Dossier.objects.filter(portal_reference="DVC-2024-000123").exists()


def test_another_agency_sees_neither_the_dossier_nor_the_procedure(world, api):
    submit(api, submission())
    other = api_client(world.other_key)

    assert other.get("/api/v1/dossiers/DVC-2024-000123/").status_code == 404
    assert other.get("/api/v1/dossiers/DVC-2024-000123/result/").status_code == 404
    response = other.post(
        "/api/v1/dossiers/DVC-2024-000123/payments/",
        {"transaction_number": "GD1", "amount": 6000000},
        format="json",
    )
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Không có hồ sơ mã “DVC-2024-000123” của cơ quan.",
        "code": "not_found",
    }
    # The other agency's portal may reuse the reference: it is its own dossier namespace, and
    # it has no procedure of ours.
    refused = submit(other, submission())
    assert refused.status_code == 400
    assert "procedure" in refused.json()["errors"]
    assert other.get("/api/v1/procedures/").json() == []


def test_unknown_reference_is_not_found(world, api):
    response = api.get("/api/v1/dossiers/KHONG-CO/")

    assert response.status_code == 404
    assert response.json()["detail"] == "Không có hồ sơ mã “KHONG-CO” của cơ quan."


def test_procedures_in_force_with_component_codes(world, api):
    response = api.get("/api/v1/procedures/")

    assert response.status_code == 200
    permit = next(p for p in response.json() if p["key"] == PERMIT)
    assert permit["code"] == "1.010727"
    assert permit["online_level"] == "partial"
    assert permit["time_limit"]["value"] == 30
    assert permit["time_limit"]["unit"] == "calendar_days"
    assert [c["code"] for c in permit["components"]] == ["tp1", "tp2", "tp3"]
    assert permit["components"][0]["name"] == "Văn bản đề nghị cấp giấy phép môi trường"
    assert permit["fees"] == [
        {
            "kind": "fee",
            "name": "Phí thẩm định cấp giấy phép môi trường",
            "amount": 6000000,
            "note": "Mức thu theo Nghị quyết của HĐND tỉnh Sóc Trăng [chưa xác nhận]",
        }
    ]
