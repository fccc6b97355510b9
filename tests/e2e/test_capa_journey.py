"""An internal-audit finding becomes a nonconformity whose corrective action is worked
through to closure in the browser: the lead auditor starts the demo's planned audit and records
a minor nonconformity at the water-resources unit; its head corrects it and finds the root
cause with five whys and plans an action; the specialist named in the plan carries it out with
evidence; the quality manager checks its effectiveness and closes it with a signature."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audits.internal.demo import load_demo_internal_audits
from audits.internal.models import Finding
from audits.models import CorrectiveAction, Nonconformity
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import AuditEvent

from .helpers import finish_step, open_task, open_waiting_task, pdf_upload

PROGRAMME = "Chương trình đánh giá nội bộ năm 2024"
AUDIT = "Các phòng chuyên môn còn lại, đơn vị tham mưu và xem xét của lãnh đạo"
WATER = "Phòng Tài nguyên nước - Khoáng sản - Khí tượng thủy văn"
FINDING = "Hồ sơ cấp phép khai thác nước dưới đất không có Phiếu kiểm soát quá trình."
WHYS = [
    "Chuyên viên không lập Phiếu kiểm soát khi nhận hồ sơ.",
    "Quy trình nội bộ của phòng không ghi bước lập Phiếu kiểm soát.",
    "Quy trình chưa được cập nhật theo Nghị định 107/2021/NĐ-CP.",
]
ROOT_CAUSE = "Quy trình nội bộ chưa cập nhật yêu cầu lập Phiếu kiểm soát quá trình."
ACTION = "Sửa quy trình nội bộ, bổ sung bước lập Phiếu kiểm soát; phổ biến cho chuyên viên."


def test_an_audit_finding_becomes_a_corrective_action_that_is_closed(office):
    load_demo_internal_audits()  # the 2024 programme, approved; audit 03/2024 still planned

    # 1. The lead auditor starts the audit and records a minor nonconformity -----------------
    auditor = office("truongphong")
    auditor.click("Đánh giá nội bộ", exact=True)
    auditor.shot("chuong-trinh-danh-gia")
    auditor.click(PROGRAMME)
    auditor.click(AUDIT)
    auditor.shot("cuoc-danh-gia")
    auditor.press("Bắt đầu đánh giá")
    assert "Đã bắt đầu cuộc đánh giá." in auditor.text()
    auditor.shot("da-bat-dau")
    auditor.click("Ghi nhận phát hiện")
    page = auditor.page
    page.get_by_label("Đơn vị").select_option(label=WATER)
    page.get_by_label("Điều khoản").fill("8.5.1")
    page.get_by_label("Không phù hợp nhẹ").check()
    page.get_by_label("Nội dung phát hiện").fill(FINDING)
    page.get_by_label("Bằng chứng khách quan").fill(
        "03 hồ sơ tháng 9/2024 không có Phiếu kiểm soát quá trình giải quyết hồ sơ."
    )
    auditor.shot("phat-hien")
    auditor.press("Ghi nhận")
    assert "mở sự không phù hợp để khắc phục" in auditor.text()
    auditor.shot("phat-hien-xong")
    finding = Finding.objects.get(description=FINDING)
    nonconformity = finding.nonconformity
    code = nonconformity.code
    assert nonconformity.unit.name == WATER
    assert nonconformity.status == Nonconformity.Status.CORRECTION

    # 2. The unit head corrects at once and analyses the cause himself ------------------------
    head = office("truongphong.nuoc")
    head.goto(f"/workflow/flows/capa/nonconformities/{nonconformity.pk}/")
    source = head.page.get_by_role(
        "link", name=f"cuộc đánh giá 03/2024, phát hiện số {finding.number}"
    )
    assert source.get_attribute("href") == f"/internal-audits/audits/{finding.audit_id}/#phat-hien"
    head.shot("su-khong-phu-hop")
    open_task(head, "Việc chờ nhận", code, "Khắc phục tức thời")
    head.page.get_by_label("Đã khắc phục tức thời").fill(
        "Đã lập bổ sung Phiếu kiểm soát cho 03 hồ sơ."
    )
    head.page.get_by_label("Giao phân tích nguyên nhân cho").select_option(label="Tôi tự phân tích")
    finish_step(head, "khac-phuc-tuc-thoi")

    # 3. … five whys from the nonconformity's page, where the next task waits -----------------
    open_waiting_task(head, "Phân tích nguyên nhân gốc")
    for number, why in enumerate(WHYS, start=1):
        head.page.get_by_label(f"Tại sao? (lần {number})").fill(why)
    head.page.get_by_label("Nguyên nhân gốc").fill(ROOT_CAUSE)
    finish_step(head, "phan-tich-nguyen-nhan")

    # 4. … and the plan: one action for the specialist --------------------------------------
    open_waiting_task(head, "Lập kế hoạch hành động khắc phục")
    due = timezone.localdate() + dt.timedelta(days=30)
    line = head.page
    line.locator("[name=actions-0-description]").fill(ACTION)
    line.locator("[name=actions-0-owner_unit]").select_option(label=WATER)
    line.locator("[name=actions-0-owner_user]").select_option(label="Thạch Sophal — Chuyên viên")
    line.locator("[name=actions-0-due_date]").fill(due.isoformat())
    finish_step(head, "ke-hoach")

    # 5. The specialist carries the action out, with evidence ---------------------------------
    specialist = office("chuyenvien.nuoc")
    open_task(specialist, "Việc của tôi", code, "Thực hiện hành động khắc phục")
    assert ACTION in specialist.text()
    specialist.page.get_by_label("Kết quả thực hiện").fill(
        "Đã trình ban hành quy trình sửa đổi và tập huấn 05 chuyên viên ngày hôm nay."
    )
    specialist.page.get_by_label("Bằng chứng").set_input_files(pdf_upload("quy-trinh-sua-doi.pdf"))
    finish_step(specialist, "thuc-hien")

    # 6. The quality manager checks the effectiveness … ---------------------------------------
    manager = office("thuky")
    open_task(manager, "Việc chờ nhận", code, "Kiểm tra hiệu lực của hành động khắc phục")
    manager.page.get_by_label("Có hiệu lực", exact=True).check()
    manager.page.get_by_label("Bằng chứng kiểm tra").fill(
        "Kiểm tra 10 hồ sơ nhận sau ngày sửa quy trình: đều có Phiếu kiểm soát."
    )
    finish_step(manager, "kiem-tra-hieu-luc")

    # 7. … and closes it, signing with the password --------------------------------------------
    open_waiting_task(manager, "Đóng sự không phù hợp và ký xác nhận")
    manager.page.get_by_label("Mật khẩu (ký điện tử)").fill(DEMO_PASSWORD)
    finish_step(manager, "dong", button="Đóng và ký", done="Đã đóng và ký xác nhận")

    # The nonconformity's page says it is closed, and so does the audit ------------------------
    assert manager.page.locator(".qms-stage").first.text_content() == "Đã đóng"
    assert code in manager.text()
    manager.click("Sự không phù hợp và hành động khắc phục")
    row = manager.page.locator("tr", has_text=code)
    assert "Đã đóng" in row.inner_text()
    manager.shot("danh-sach-khong-phu-hop")
    auditor.click("Đánh giá nội bộ", exact=True)
    auditor.click(PROGRAMME)
    auditor.click(AUDIT)
    assert "Đã đóng" in auditor.page.locator("#phat-hien ~ table tr", has_text=FINDING).inner_text()
    auditor.shot("phat-hien-da-dong")

    # The database agrees --------------------------------------------------------------------
    nonconformity.refresh_from_db()
    assert nonconformity.status == Nonconformity.Status.CLOSED
    assert nonconformity.closed_by.username == "thuky"
    [action] = nonconformity.actions.all()
    assert action.status == CorrectiveAction.Status.DONE
    assert action.owner_user.username == "chuyenvien.nuoc"
    events = list(
        AuditEvent.objects.filter(
            object_type="audits.nonconformity", object_id=str(nonconformity.pk)
        )
        .order_by("seq")
        .values_list("action", "actor__username")
    )
    assert events == [
        ("nonconformity.raise", "truongphong"),
        ("nonconformity.correct", "truongphong.nuoc"),
        ("nonconformity.analyse", "truongphong.nuoc"),
        ("nonconformity.plan", "truongphong.nuoc"),
        ("corrective_action.complete", "chuyenvien.nuoc"),
        ("nonconformity.check", "thuky"),
        ("signature.sign", "thuky"),
        ("nonconformity.close", "thuky"),
    ]
