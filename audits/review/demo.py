"""Demo management reviews: the 2024 one, signed, with its actions (one done, one still open);
this year's with its inputs compiled from the demo data, the meeting recorded and a report
waiting for the director's signature. Created through the services; idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from qms.core import jobs
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, User

from . import services
from .models import ManagementReview


def _report(review, actor):
    job = services.review_report_request(actor=actor, review=review)
    jobs.job_run(job.pk)  # at once: the demo does not wait for a worker
    return review.reports.order_by("-generated_at").first()


def load_demo_announcements(secretary) -> None:
    """The department's announcement of 2019 and its re-announcement of 2024 after the
    list of procedures changed (numbers marked as demo data)."""
    from procedures.models import Procedure

    from .models import ConformityAnnouncement

    if ConformityAnnouncement.objects.exists():
        return
    scope = (
        "Toàn bộ thủ tục hành chính thuộc thẩm quyền giải quyết của Sở Tài nguyên và Môi "
        "trường và các hoạt động nội bộ: kiểm soát tài liệu, đánh giá nội bộ, khắc phục sự "
        "không phù hợp, xem xét của lãnh đạo."
    )
    services.conformity_announce(
        actor=secretary,
        decision_number="112/QĐ-STNMT (dữ liệu trình diễn)",
        decision_date=dt.date(2019, 5, 20),
        signed_by="Giám đốc Sở",
        scope=scope,
        procedures=list(Procedure.objects.all()[:10]),
    )
    services.conformity_announce(
        actor=secretary,
        decision_number="245/QĐ-STNMT (dữ liệu trình diễn)",
        decision_date=dt.date(2024, 6, 14),
        signed_by="Đặng Văn Phúc, Giám đốc Sở",
        scope=scope,
        procedures=list(Procedure.objects.all()),
        reason="Cập nhật phạm vi theo danh mục TTHC công bố năm 2024 (Luật Đất đai 2024).",
    )


def load_demo_reviews() -> int:
    load_demo_announcements(User.objects.get(username="thuky"))
    if ManagementReview.objects.exists():
        return 0
    secretary = User.objects.get(username="thuky")
    director = User.objects.get(username="giamdoc")
    today = timezone.localdate()
    last_year = 2024  # the plan year of the demo department (its 2024 ISO cycle)
    environment = OrgUnit.objects.get(code="moi-truong")
    office = OrgUnit.objects.get(code="van-phong")
    it_centre = OrgUnit.objects.get(code="trung-tam-cntt")

    previous = services.review_create(
        actor=secretary,
        title=f"Xem xét của lãnh đạo năm {last_year}",
        period_from=dt.date(last_year, 1, 1),
        period_to=dt.date(last_year, 12, 31),
        chair=director,
        participants="Ban Giám đốc Sở; Trưởng các phòng, đơn vị; Thư ký ISO",
        meeting_date=dt.date(last_year, 12, 27),
    )
    previous = services.review_compile_inputs(actor=secretary, review=previous)
    previous = services.review_record_meeting(
        actor=secretary,
        review=previous,
        meeting_date=dt.date(last_year, 12, 27),
        participants=previous.participants,
        external_issues="Luật Đất đai 2024, Luật Tài nguyên nước 2023 có hiệu lực; "
        "yêu cầu số hóa hồ sơ TTHC theo Nghị định 107/2021/NĐ-CP.",
        resources="Đường truyền và máy quét tại Bộ phận Một cửa cần nâng cấp.",
        minutes="Hệ thống quản lý chất lượng phù hợp và có hiệu lực; cần giảm hồ sơ trễ hạn "
        "và tăng tỷ lệ số hóa kết quả giải quyết.",
    )
    done = services.review_action_add(
        actor=secretary,
        review=previous,
        kind="resources",
        description="Trang bị 02 máy quét tốc độ cao cho Bộ phận Một cửa",
        owner_unit=it_centre,
        owner=None,
        due_date=dt.date(today.year, 3, 31),
    )
    services.review_action_add(
        actor=secretary,
        review=previous,
        kind="improvement",
        description="Rà soát, rút ngắn quy trình nội bộ của TTHC lĩnh vực môi trường",
        owner_unit=environment,
        owner=User.objects.get(username="truongphong"),
        due_date=dt.date(today.year, 12, 31),
    )
    report = _report(previous, secretary)
    services.review_report_sign(actor=director, password=DEMO_PASSWORD, report=report)
    services.review_action_complete(
        actor=secretary, action=done, result="Đã bàn giao 02 máy quét ngày 15/3."
    )

    current = services.review_create(
        actor=secretary,
        title=f"Xem xét của lãnh đạo năm {today.year}",
        period_from=dt.date(today.year, 1, 1),
        period_to=today,
        chair=director,
        participants="Ban Giám đốc Sở; Trưởng các phòng, đơn vị; Thư ký ISO",
        meeting_date=today,
    )
    current = services.review_compile_inputs(actor=secretary, review=current)
    current = services.review_record_meeting(
        actor=secretary,
        review=current,
        meeting_date=today,
        participants=current.participants,
        external_issues="Sắp xếp, hợp nhất Sở theo Nghị quyết của Quốc hội về sắp xếp đơn vị "
        "hành chính cấp tỉnh.",
        resources="Đủ nhân lực cho các TTHC hiện hành.",
        minutes="Duy trì hệ thống; xử lý dứt điểm hồ sơ trễ hạn và sự không phù hợp còn mở.",
    )
    services.review_action_add(
        actor=secretary,
        review=current,
        kind="qms_change",
        description="Cập nhật danh mục tài liệu hệ thống theo cơ cấu tổ chức mới",
        owner_unit=office,
        owner=secretary,
        due_date=today + dt.timedelta(days=90),
    )
    _report(current, secretary)
    return 2
