"""The ISO secretary prepares a management review in the browser, compiles its inputs from the
data, asks for the report and follows the background job to the PDF, which is downloaded and
read. In tests Celery runs eagerly, so the job is usually finished when its page opens: the
page must then show it done at 100 % with the download link."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audits.review.models import ManagementReview
from qms.core.models import AuditEvent, Job

from .helpers import pdf_text

TITLE = "Xem xét của lãnh đạo giữa kỳ — kiểm thử trình duyệt"
EXTERNAL = "Sắp xếp, hợp nhất Sở theo nghị quyết về sắp xếp đơn vị hành chính cấp tỉnh."
MINUTES = "Duy trì hệ thống; xử lý dứt điểm hồ sơ trễ hạn và sự không phù hợp còn mở."
HEADINGS = [
    "BÁO CÁO XEM XÉT CỦA LÃNH ĐẠO",
    "Tình trạng các hành động từ lần xem xét trước (9.3.2 a)",
    "Kết quả thực hiện và hiệu lực của hệ thống (9.3.2 c)",
    "Những thay đổi của các vấn đề bên ngoài và nội bộ (9.3.2 b)",
    "Kết luận và quyết định của lãnh đạo (9.3.3)",
]


def test_a_management_review_report_is_requested_watched_and_read(office):
    today = timezone.localdate()
    secretary = office("thuky")
    page = secretary.page

    # 1. The review, prepared through the page ------------------------------------------------
    secretary.click("Xem xét của lãnh đạo", exact=True)
    secretary.click("Các cuộc xem xét")  # the app's own menu
    secretary.shot("danh-sach-xem-xet")
    secretary.click("Lập cuộc xem xét mới")
    page.get_by_label("Tên cuộc xem xét").fill(TITLE)
    page.get_by_label("Kỳ xem xét từ ngày").fill(dt.date(today.year, 1, 1).isoformat())
    page.get_by_label("Đến ngày").fill(today.isoformat())
    page.get_by_label("Chủ trì").select_option(label="Đặng Văn Phúc")
    page.get_by_label("Ngày họp dự kiến").fill(today.isoformat())
    page.get_by_label("Thành phần tham dự").fill("Ban Giám đốc Sở; Trưởng các phòng; Thư ký ISO")
    secretary.shot("lap-cuoc-xem-xet")
    secretary.press("Lập")
    assert f"Đã lập cuộc xem xét “{TITLE}”." in secretary.text()
    secretary.shot("cuoc-xem-xet")
    review = ManagementReview.objects.get(title=TITLE)

    # 2. … its inputs compiled from the data --------------------------------------------------
    secretary.press("Tổng hợp đầu vào")
    assert "Đã tổng hợp đầu vào từ dữ liệu của kỳ xem xét." in secretary.text()
    assert "Tổng hợp lúc" in secretary.text()
    secretary.shot("da-tong-hop")

    # 3. … and the meeting's record ---------------------------------------------------------------
    page.get_by_label("Thay đổi của các vấn đề bên ngoài và nội bộ (9.3.2 b)").fill(EXTERNAL)
    page.get_by_label("Kết luận cuộc họp").fill(MINUTES)
    secretary.shot("bien-ban")
    secretary.press("Lưu biên bản")
    assert MINUTES in secretary.page.locator("#id_minutes").input_value()

    # 4. The report is asked for; the job page shows its progress -----------------------------
    secretary.press("Lập báo cáo (PDF)")
    assert "/organisation/jobs/" in page.url
    job = Job.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[-1]))
    progress = page.locator("#job-progress")
    progress.wait_for()
    page.wait_for_function(
        "() => document.getElementById('job-percent').textContent.trim() === '100%'"
    )
    assert progress.get_attribute("value") == "100"
    assert page.locator("#job-status").inner_text() == Job.Status.DONE.label
    download = page.get_by_role("link", name="Tải kết quả")
    download.wait_for()
    secretary.shot("cong-viec-nen")

    # 5. The PDF, downloaded with the secretary's session and read ------------------------------
    response = secretary.context.request.get(secretary.url(download.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    report = response.body()
    assert report.startswith(b"%PDF")
    text = pdf_text(report)
    assert TITLE in text and EXTERNAL in text and MINUTES in text
    for heading in HEADINGS:
        assert heading in text, heading

    # The review page lists the report; the database agrees -------------------------------------
    secretary.click("Xem xét của lãnh đạo", exact=True)
    secretary.click(TITLE)
    assert page.get_by_role("link", name="Xem báo cáo kèm chữ ký").count() == 1
    secretary.shot("cuoc-xem-xet-co-bao-cao")
    job.refresh_from_db()
    assert (job.status, job.progress, job.requested_by.username) == ("done", 100, "thuky")
    [stored] = review.reports.all()
    assert stored.job_id == job.pk
    events = list(
        AuditEvent.objects.filter(object_type="reviews.managementreview", object_id=str(review.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert events == ["review.create", "review.compile", "review.record", "review.report"]
