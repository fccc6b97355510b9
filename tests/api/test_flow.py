"""The whole path of an online dossier: submitted by the portal → checked and received by the
one-stop officer on the task page (Mẫu 01, the legal clock starts) → fees paid online through
the API → the usual steps → issued with its result file → the portal downloads it. Also the
officer's two other answers (Mẫu 02, Mẫu 03), payments refused or repeated, and the audit
trail of it all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from procedures.models import Dossier, DossierFee, SupplementRequest
from qms.core.calendar import WorkingCalendar
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent, User
from workflows.demo import DemoOffice
from workflows.flows import DossierFlow
from workflows.handovers import dossier_handovers, dossier_process

from .conftest import PDF, PNG, WATER, dossier_of, submission, submit

pytestmark = pytest.mark.django_db

REF = "DVC-2024-000123"
STATUS_URL = f"/api/v1/dossiers/{REF}/"
PAY_URL = f"/api/v1/dossiers/{REF}/payments/"
RESULT_URL = f"/api/v1/dossiers/{REF}/result/"


def receive_task(dossier):
    return Task.objects.get(process=dossier_process(dossier), flow_task=DossierFlow.receive_online)


def task_url(task, action="execute"):
    return f"/workflow/flows/dossier/{task.process_id}/receive_online/{task.pk}/{action}/"


def receipt_check(dossier, decision="received", reason="", reject=()):
    """The task page's form: every submitted file ticked as acceptable except ``reject``."""
    data = {"decision": decision, "reason": reason}
    for document in dossier.documents.all():
        if document.scan and document.pk not in reject:
            data[f"doc_{document.pk}_accepted"] = "on"
    return data


def receive_at_desk(dossier):
    office = DemoOffice().as_user("motcua")
    task = receive_task(dossier)
    office.client.post(task_url(task, "assign"))
    response = office.client.post(task_url(task), receipt_check(dossier))
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.RECEIVED


def pay(api, transaction_number="GD-20240506-0001", amount=6000000, **extra):
    return api.post(
        PAY_URL,
        {"transaction_number": transaction_number, "amount": amount, **extra},
        format="json",
    )


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def submitted(world, api):
    assert submit(api, submission()).status_code == 201
    return dossier_of(REF)


def test_officer_checks_the_files_and_receives_then_the_portal_follows_to_the_result(
    world, api, submitted, login
):
    dossier = submitted
    task = receive_task(dossier)
    motcua = login("motcua")
    # The task page lists the submitted files; each opens by content type.
    motcua.post(task_url(task, "assign"))
    page = motcua.get(task_url(task))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Kiểm tra, tiếp nhận hồ sơ nộp trực tuyến" in text and REF in text
    document = dossier.documents.order_by("component__order").first()
    opened = motcua.get(task_url(task), {"document": document.pk})
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"
    assert b"".join(opened.streaming_content) == PDF
    # Payment before receipt: no fee line exists yet.
    early = pay(api)
    assert early.status_code == 409
    assert "chưa có hoặc không còn khoản phí, lệ phí" in early.json()["detail"]

    before_receipt = timezone.now()
    response = motcua.post(task_url(task), receipt_check(dossier))

    assert response.status_code == 302
    assert response["Location"] == f"/workflow/dossiers/{dossier.pk}/"
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.RECEIVED
    assert dossier.code.startswith(f"{world.agency.code}-{timezone.localdate():%y%m%d}-")
    assert dossier.received_at >= before_receipt
    assert dossier.received_by == User.objects.get(username="motcua")
    # 30 calendar days counted from the officer's receipt, not from the submission.
    version = dossier.procedure_version
    assert dossier.due_at == WorkingCalendar.load().due_at(
        dossier.received_at, version.time_limit_value, version.time_limit_unit
    )
    fee = dossier.fees.get()
    assert (fee.amount, fee.status) == (6000000, DossierFee.Status.DUE)
    assert motcua.get(f"/workflow/dossiers/{dossier.pk}/forms/receipt.pdf").status_code == 200
    assert Task.objects.get(
        process=dossier_process(dossier), flow_task=DossierFlow.transfer
    ).status == (STATUS.NEW)
    status = api.get(STATUS_URL).json()
    assert (status["national_status"], status["code"]) == (2, dossier.code)
    assert status["legal_due_at"] == timezone.localtime(dossier.due_at).isoformat()

    # The applicant pays on the national payment platform; the portal tells us, twice.
    paid = pay(api, paid_at=timezone.localtime().isoformat())
    assert paid.status_code == 201, paid.json()
    line = paid.json()["fees"][0]
    assert (line["status"], line["paid_channel"], line["receipt_number"]) == (
        "paid",
        "online",
        "GD-20240506-0001",
    )
    assert paid.json()["paid_online"] is True
    recorded = AuditEvent.objects.count()
    again = pay(api)
    assert again.status_code == 200 and again.json()["fees"] == paid.json()["fees"]
    assert AuditEvent.objects.count() == recorded
    other = pay(api, transaction_number="GD-20240506-0002")
    assert other.status_code == 409
    assert other.json()["detail"] == (
        f"Hồ sơ {dossier.code} không còn khoản phí, lệ phí nào phải nộp."
    )

    # The usual steps, by the usual people; the clerk issues the result with its file.
    office = DemoOffice()
    office.as_user("motcua").do(dossier, "transfer", {})
    chuyenvien = User.objects.get(username="chuyenvien")
    office.as_user("truongphong").do(dossier, "assign", {"handler": chuyenvien.pk})
    office.as_user("chuyenvien").do(
        dossier, "appraise", {"decision": "propose_grant", "opinion": "Đạt yêu cầu."}
    )
    office.as_user("truongphong").do(dossier, "review", {"decision": "agree"})
    office.as_user("giamdoc").do(
        dossier, "approve", {"decision": "approve", "password": DEMO_PASSWORD}
    )
    before_issue = api.get(RESULT_URL)
    assert before_issue.status_code == 404
    assert before_issue.json()["detail"] == f"Hồ sơ {REF} chưa có kết quả điện tử đã phát hành."
    office.as_user("vanthu").do(
        dossier,
        "issue",
        {
            "number": "125/GPMT-UBND",
            "date": timezone.localdate().isoformat(),
            "file": SimpleUploadedFile("giay-phep.png", PNG, content_type="image/png"),
        },
    )

    result = api.get(RESULT_URL)
    assert result.status_code == 200
    assert result["Content-Type"] == "image/png"
    assert result["Content-Disposition"] == f'attachment; filename="{dossier.code}-ket-qua.png"'
    assert b"".join(result.streaming_content) == PNG
    assert api.get(STATUS_URL).json()["national_status"] == 9

    office.as_user("motcua").do(dossier, "return_result", {"note": "Trả qua Cổng"})
    status = api.get(STATUS_URL).json()
    assert (status["national_status"], status["national_status_label"]) == (10, "Đã trả kết quả")
    assert status["returned_at"] and status["finished_at"]
    assert (status["is_late"], status["timeliness"], status["result_available"]) == (
        False,
        "early",
        True,
    )
    assert dossier_process(dossier).status == PROCESS.DONE
    # Mẫu 05 starts at the desk's check of the online dossier.
    handovers = dossier_handovers(dossier)
    assert handovers[0].giver_unit.code == "mot-cua"
    assert handovers[0].giver.username == "motcua"
    # The audit trail: the portal's acts under its service user, the staff's under theirs.
    portal_user = world.portal.service_user
    trail = AuditEvent.objects.filter(object_type="procedures.dossier", object_id=str(dossier.pk))
    actions = [(e.action, e.actor_id) for e in trail.order_by("seq")]
    assert actions[:2] == [
        ("dossier.submit_online", portal_user.pk),
        ("dossier.received", User.objects.get(username="motcua").pk),
    ]
    assert ("dossier.issued", User.objects.get(username="vanthu").pk) in actions
    assert ("dossier.returned", User.objects.get(username="motcua").pk) in actions
    fee_event = AuditEvent.objects.get(action="dossier_fee.pay", object_id=str(fee.pk))
    assert fee_event.actor_id == portal_user.pk
    assert fee_event.after["receipt_number"] == "GD-20240506-0001"


def test_officer_rejects_an_unreadable_file_and_asks_for_completion(world, submitted, login):
    dossier = submitted
    task = receive_task(dossier)
    motcua = login("motcua")
    motcua.post(task_url(task, "assign"))
    first, second, third = dossier.documents.order_by("component__order")
    data = receipt_check(
        dossier, "incomplete", "Bản quét báo cáo đề xuất không đọc được.", reject=[second.pk]
    )

    response = motcua.post(task_url(task), data)

    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.INCOMPLETE and dossier.received_at is None
    second.refresh_from_db()
    assert second.present is False and second.scan  # the file stays on the record
    request = dossier.supplements.get()
    assert request.stage == SupplementRequest.Stage.RECEIPT
    assert request.missing == ["Báo cáo đề xuất cấp giấy phép môi trường"]
    assert motcua.get(f"/workflow/dossiers/{dossier.pk}/forms/supplement.pdf").status_code == 200
    assert (
        Task.objects.get(
            process=dossier_process(dossier), flow_task=DossierFlow.complete_at_desk
        ).status
        == STATUS.NEW
    )
    event = events("dossier.incomplete")[-1]
    assert event.before == {"status": "submitted"} and event.after["status"] == "incomplete"


def test_receiving_with_a_rejected_file_is_refused_and_changes_nothing(world, submitted, login):
    dossier = submitted
    task = receive_task(dossier)
    motcua = login("motcua")
    motcua.post(task_url(task, "assign"))
    first = dossier.documents.order_by("component__order").first()
    recorded = AuditEvent.objects.count()

    response = motcua.post(task_url(task), receipt_check(dossier, reject=[first.pk]))

    assert response.status_code == 200
    assert "Hồ sơ còn thiếu giấy tờ bắt buộc" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.SUBMITTED
    assert dossier.documents.filter(present=True).count() == 3
    assert AuditEvent.objects.count() == recorded
    assert receive_task(dossier).status == STATUS.ASSIGNED


def test_officer_refuses_at_receipt(world, api, submitted, login):
    dossier = submitted
    task = receive_task(dossier)
    motcua = login("motcua")
    motcua.post(task_url(task, "assign"))

    motcua.post(
        task_url(task),
        receipt_check(dossier, "refused_at_receipt", "Dự án thuộc thẩm quyền của Bộ."),
    )

    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.REFUSED_AT_RECEIPT
    assert dossier.refusal_reason == "Dự án thuộc thẩm quyền của Bộ."
    assert dossier_process(dossier).status == PROCESS.DONE
    assert motcua.get(f"/workflow/dossiers/{dossier.pk}/forms/refusal.pdf").status_code == 200
    status = api.get(STATUS_URL).json()
    assert (status["national_status"], status["refusal_reason"]) == (
        3,
        "Dự án thuộc thẩm quyền của Bộ.",
    )
    assert pay(api).status_code == 409


def test_only_the_desk_of_the_dossier_takes_the_check(world, submitted, login):
    task = receive_task(submitted)
    detail = f"/workflow/flows/dossier/{task.process_id}/receive_online/{task.pk}/detail/"
    # A specialist of another unit: the dossier does not exist for them.
    assert login("chuyenvien.nuoc").get(detail).status_code == 404
    # The environment unit's specialist sees the dossier but may not act at the desk.
    chuyenvien = login("chuyenvien")
    assert chuyenvien.get(detail).status_code == 200
    assert chuyenvien.post(task_url(task, "assign")).status_code in (403, 404)
    assert chuyenvien.post(task_url(task), receipt_check(submitted)).status_code in (403, 404)
    assert receive_task(submitted).status == STATUS.NEW
    submitted.refresh_from_db()
    assert submitted.status == Dossier.Status.SUBMITTED


def test_pages_show_a_submitted_dossier(world, submitted, login):
    motcua = login("motcua")
    detail = motcua.get(f"/workflow/dossiers/{submitted.pk}/")
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Nộp trực tuyến, chờ tiếp nhận" in text and "Hồ sơ chưa tiếp nhận" in text
    assert "forms/receipt.pdf" not in text  # no Mẫu 01 before receipt
    assert motcua.get(f"/workflow/dossiers/{submitted.pk}/forms/receipt.pdf").status_code == 404
    queue = motcua.get("/workflow/queue/")
    assert queue.status_code == 200 and "Kiểm tra, tiếp nhận hồ sơ nộp trực tuyến" in (
        queue.content.decode()
    )
    assert motcua.get("/workflow/dossiers/").status_code == 200  # the register (received only)
    assert motcua.get("/workflow/flows/dossier/").status_code == 200  # the kanban
    process = dossier_process(submitted)
    assert motcua.get("/workflow/flows/dossier/chart/").status_code == 200
    assert motcua.get(f"/workflow/flows/dossier/{process.pk}/chart/").status_code == 200
    assert motcua.get(f"/workflow/flows/dossier/{process.pk}/").status_code == 200
    assert motcua.get("/workflow/flows/dossier/flows/").status_code == 200


def test_payment_input_errors_and_amount_mismatch(world, api, submitted):
    receive_at_desk(submitted)
    recorded = AuditEvent.objects.count()

    missing = api.post(PAY_URL, {"amount": 6000000}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"transaction_number": ["Trường này là bắt buộc."]}
    wrong = pay(api, amount=600000)
    assert wrong.status_code == 409
    assert wrong.json()["detail"] == (
        "Số tiền thanh toán (600.000 đồng) không khớp số tiền phải nộp (6.000.000 đồng)."
    )
    future = pay(api, paid_at=(timezone.now() + dt.timedelta(hours=1)).isoformat())
    assert future.status_code == 400
    assert future.json()["detail"] == "Thời điểm nộp tiền không được sau thời điểm hiện tại."
    assert AuditEvent.objects.count() == recorded
    assert submitted.fees.get().status == DossierFee.Status.DUE


def test_a_dossier_without_fees_has_nothing_to_pay(world, api):
    assert submit(api, submission(procedure_key=WATER, reference="DVC-NUOC-1")).status_code == 201
    receive_at_desk(dossier_of("DVC-NUOC-1"))

    response = api.post(
        "/api/v1/dossiers/DVC-NUOC-1/payments/",
        {"transaction_number": "GD-1", "amount": 1000},
        format="json",
    )

    assert response.status_code == 409
    assert "không còn khoản phí, lệ phí nào phải nộp" in response.json()["detail"]
