"""One dossier from the one-stop desk to the returned result, by five people at their own
browsers: receipt, transfer, assignment, appraisal with a supplement request (Mẫu 02), the
supplement received at the desk, an apology with a new date (Mẫu 04), a second appraisal, the
unit head's review, the director's signed approval, the clerk's issue with the result file and
the return at the desk."""

from __future__ import annotations

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.models import Dossier
from qms.core.calendar import WorkingCalendar
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent
from workflows.handovers import dossier_process

from .helpers import finish_step, open_task, pdf_text, pdf_upload

PROCEDURE = "Cấp điều chỉnh giấy phép môi trường (cấp tỉnh)"
APPLICANT = "Công ty TNHH Thủy sản Mỹ Xuyên"
#: The human steps in the order they were done, and by whom.
STEPS = [
    ("receive", "motcua"),
    ("transfer", "motcua"),
    ("assign", "truongphong"),
    ("appraise", "chuyenvien"),
    ("supplement", "motcua"),
    ("appraise", "chuyenvien"),
    ("review", "truongphong"),
    ("approve", "giamdoc"),
    ("issue", "vanthu"),
    ("return_result", "motcua"),
]
#: One audit event per step (the apology is an action on the dossier page, between the
#: supplement and the second appraisal); the director's approval is also an e-signature.
EVENTS = [
    ("dossier.received", "motcua"),
    ("dossier.transferred", "motcua"),
    ("dossier.assigned", "truongphong"),
    ("dossier.request_supplement", "chuyenvien"),
    ("dossier.supplement_received", "motcua"),
    ("dossier.apology", "chuyenvien"),
    ("dossier.propose_grant", "chuyenvien"),
    ("dossier.agree", "truongphong"),
    ("dossier.approve", "giamdoc"),
    ("signature.sign", "giamdoc"),
    ("dossier.issued", "vanthu"),
    ("dossier.returned", "motcua"),
]


def test_one_dossier_from_receipt_to_returned_result(office):
    # 1. The one-stop desk receives the dossier ------------------------------------------------
    desk = office("motcua")
    page = desk.page
    desk.click("Quy trình")
    desk.click("Hồ sơ thủ tục hành chính")
    desk.shot("quy-trinh-ho-so")
    desk.click("Tiếp nhận hồ sơ", exact=True)
    page.get_by_label("Thủ tục hành chính").select_option(label=PROCEDURE)
    desk.press("Chọn thủ tục")
    page.get_by_label("Văn bản đề nghị điều chỉnh giấy phép môi trường").check()
    page.get_by_label("Bản sao giấy phép môi trường đã được cấp").check()
    page.get_by_label("Loại đối tượng").select_option(label="Doanh nghiệp")
    page.get_by_label("Tên cá nhân, tổ chức").fill(APPLICANT)
    page.get_by_label("Địa chỉ").fill("Xã Hòa Tú 1, huyện Mỹ Xuyên, tỉnh Sóc Trăng")
    page.get_by_label("Số điện thoại").fill("0299 3 822 000")
    page.get_by_label("Nội dung yêu cầu giải quyết").fill("Điều chỉnh giấy phép môi trường")
    page.get_by_label("Hồ sơ đầy đủ, hợp lệ: tiếp nhận (Mẫu 01)").check()
    desk.shot("tiep-nhan")
    desk.press("Ghi nhận kết quả tiếp nhận")
    assert "Đã tiếp nhận hồ sơ" in desk.text()
    dossier = Dossier.objects.get(applicant_name=APPLICANT)
    code = dossier.code
    assert code in desk.text() and "Đã tiếp nhận" in desk.text()
    desk.shot("da-tiep-nhan")

    # 2. … transfers it to the handling unit ----------------------------------------------------
    open_task(desk, "Việc chờ nhận", code, "Chuyển hồ sơ đến đơn vị giải quyết")
    page.get_by_label("Ghi chú").fill("Chuyển Phòng Môi trường giải quyết.")
    finish_step(desk, "chuyen-ho-so")

    # 3. The unit head assigns the specialist -------------------------------------------------
    head = office("truongphong")
    open_task(head, "Việc chờ nhận", code, "Phân công chuyên viên thụ lý")
    head.page.get_by_label("Chuyên viên thụ lý").select_option(label="Lê Văn Hùng")
    head.page.get_by_label("Ý kiến chỉ đạo").fill("Đề nghị thẩm định trong 06 ngày.")
    finish_step(head, "phan-cong")

    # 4. The specialist asks for a supplement (Mẫu 02) ----------------------------------------
    specialist = office("chuyenvien")
    open_task(specialist, "Việc của tôi", code, "Thẩm định hồ sơ")
    specialist.page.get_by_label("Đề nghị bổ sung, hoàn thiện hồ sơ qua Bộ phận Một cửa").check()
    specialist.page.get_by_label("Ý kiến thẩm định").fill("Thiếu bản vẽ hoàn công.")
    specialist.page.get_by_label("Nội dung cần bổ sung").fill(
        "Bản vẽ hoàn công hệ thống xử lý nước thải\nBiên bản nghiệm thu công trình"
    )
    finish_step(specialist, "tham-dinh-yeu-cau-bo-sung")

    # 5. The desk records the supplement handed in --------------------------------------------
    open_task(desk, "Việc chờ nhận", code, "Gửi yêu cầu bổ sung và nhận hồ sơ bổ sung")
    page.get_by_label("Ghi chú").fill("Người nộp đã nộp đủ hồ sơ bổ sung.")
    finish_step(desk, "nhan-bo-sung")

    # 6. The specialist, back at the appraisal, opens the whole dossier from its panel and
    #    apologises with a new date (Mẫu 04) ---------------------------------------------------
    dossier.refresh_from_db()
    new_date = WorkingCalendar.load().add_working_days(timezone.localdate(dossier.due_at), 2)
    open_task(specialist, "Việc của tôi", code, "Thẩm định hồ sơ")
    specialist.click("Xem đầy đủ hồ sơ, in phiếu")
    specialist.page.get_by_label("Lý do chậm trễ").fill(
        "Chờ ý kiến của Phòng Tài nguyên nước về nguồn tiếp nhận nước thải."
    )
    specialist.page.get_by_label("Ngày hẹn trả kết quả mới").fill(new_date.isoformat())
    specialist.shot("phieu-xin-loi")
    specialist.press("Lập phiếu xin lỗi")
    assert "Đã lập Phiếu xin lỗi" in specialist.text()
    assert new_date.strftime("%d/%m/%Y") in specialist.text()
    specialist.shot("phieu-xin-loi-xong")

    # 7. … appraises again and proposes to grant ------------------------------------------------
    open_task(specialist, "Việc của tôi", code, "Thẩm định hồ sơ")
    specialist.page.get_by_label("Hồ sơ đạt yêu cầu: đề xuất giải quyết").check()
    specialist.page.get_by_label("Ý kiến thẩm định").fill("Hồ sơ đạt yêu cầu, đề xuất cấp.")
    finish_step(specialist, "tham-dinh-de-xuat")

    # 8. The unit head agrees -----------------------------------------------------------------
    open_task(head, "Việc chờ nhận", code, "Lãnh đạo phòng xem xét")
    head.page.get_by_label("Đồng ý với đề xuất, trình lãnh đạo Sở").check()
    finish_step(head, "xem-xet")

    # 9. The director approves, signing with the password -------------------------------------
    director = office("giamdoc")
    open_task(director, "Việc chờ nhận", code, "Lãnh đạo Sở phê duyệt")
    director.page.get_by_label("Phê duyệt", exact=True).check()
    director.page.get_by_label("Mật khẩu (ký điện tử)").fill(DEMO_PASSWORD)
    finish_step(director, "phe-duyet")

    # 10. The clerk issues the result with its number, date and file --------------------------
    clerk = office("vanthu")
    open_task(clerk, "Việc chờ nhận", code, "Vào số, phát hành kết quả")
    clerk.page.get_by_label("Số, ký hiệu văn bản").fill(f"{dossier.pk}/GP-STNMT")
    clerk.page.get_by_label("Ngày ban hành").fill(timezone.localdate().isoformat())
    clerk.page.get_by_label("Tệp kết quả").set_input_files(pdf_upload("giay-phep.pdf"))
    finish_step(clerk, "phat-hanh")

    # 11. The desk returns the result, which the step's panel offers for download -------------
    open_task(desk, "Việc chờ nhận", code, "Trả kết quả cho người nộp")
    result = page.get_by_role("link", name=f"ket-qua-{code}.pdf")
    response = desk.context.request.get(desk.url(result.get_attribute("href")))
    assert response.status == 200 and response.body().startswith(b"%PDF")
    page.get_by_label("Ghi chú").fill("Trả tại Bộ phận Một cửa.")
    finish_step(desk, "tra-ket-qua")

    # The dossier, found in the register (Mẫu 06, from the work app's menu), says so on its page,
    # and its Mẫu 01 is a PDF --------------------------------------------------------------------
    desk.click("Công việc", exact=True)
    desk.click("Sổ theo dõi hồ sơ", exact=True)
    desk.shot("so-theo-doi")
    desk.click(code)
    status = page.locator("tr", has=page.locator("th", has_text="Trạng thái")).first
    assert status.locator("td").text_content().startswith("Đã trả kết quả")
    desk.shot("ho-so-da-tra")
    link = page.get_by_role("link", name="Mẫu số 01").first
    response = desk.context.request.get(desk.url(link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    receipt = response.body()
    assert receipt.startswith(b"%PDF")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in pdf_text(receipt)
    assert code in pdf_text(receipt)

    # And the database agrees -------------------------------------------------------------------
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.RETURNED
    assert dossier.status == Dossier.Status.RETURNED
    assert dossier.handler.username == "chuyenvien"
    assert dossier.result_number == f"{dossier.pk}/GP-STNMT" and dossier.result_digitised
    assert dossier.apology.new_due_at.date() == new_date
    process = dossier_process(dossier)
    assert process.status == STATUS.DONE
    tasks = Task.objects.filter(process=process).order_by("pk")
    human = [
        (task.flow_task.name, task.owner.username, task.status)
        for task in tasks
        if task.flow_task_type in ("HUMAN", "HUMAN_START")
    ]
    assert human == [(node, user, STATUS.DONE) for node, user in STEPS]
    # Each step with a time limit armed a deadline timer, cancelled when the step was done in
    # time; the gateways and the end make up the rest.
    timers = [task for task in tasks if task.flow_task_type == "TIMER"]
    assert len(timers) == 7 and {task.status for task in timers} == {STATUS.CANCELED}
    assert tasks.count() == 23
    events = list(
        AuditEvent.objects.filter(object_type="procedures.dossier", object_id=str(dossier.pk))
        .order_by("seq")
        .values_list("action", "actor__username")
    )
    assert events == EVENTS
