"""Demo planning records of Sở Tài nguyên và Môi trường tỉnh Sóc Trăng: the 2024 quality policy
(drafted by the ISO secretary, signed by the director), the quality objectives of 2024 — and the
same objectives for the current year, so that `make run` shows achievement computed from the
demo dossiers, which are dated today — and twelve risks and opportunities of the department's
processes. The wording is invented for the demo [chưa xác nhận]. Everything goes through the
services; loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from procedures.models import Procedure
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, User

from . import services
from .models import QualityObjective, QualityPolicy, RiskEntry

POLICY_TITLE = "Chính sách chất lượng của Sở Tài nguyên và Môi trường tỉnh Sóc Trăng"
POLICY_TEXT = """\
Sở Tài nguyên và Môi trường tỉnh Sóc Trăng cam kết:

1. Giải quyết thủ tục hành chính về tài nguyên và môi trường công khai, minh bạch, đúng quy \
định của pháp luật; trả kết quả trước hạn hoặc đúng hạn; khi chậm trễ phải xin lỗi bằng văn \
bản và hẹn lại một lần.

2. Lấy sự hài lòng của người dân, doanh nghiệp làm thước đo chất lượng phục vụ; tiếp nhận và \
xử lý kịp thời mọi phản ánh, kiến nghị.

3. Đẩy mạnh cung cấp dịch vụ công trực tuyến, thanh toán trực tuyến và số hóa hồ sơ, kết quả \
giải quyết thủ tục hành chính; vận hành hệ thống quản lý chất lượng theo TCVN ISO 9001:2015 \
trên môi trường điện tử.

4. Xây dựng đội ngũ cán bộ, công chức, viên chức có năng lực, trách nhiệm, tận tụy; thường \
xuyên xem xét, cải tiến hệ thống quản lý chất lượng.

Chính sách chất lượng được phổ biến đến toàn thể cán bộ, công chức, viên chức của Sở và được \
xem xét hằng năm trong cuộc họp xem xét của lãnh đạo.
"""

SPECIALIST_UNITS = ["moi-truong", "tai-nguyen-nuoc", "dat-dai", "bien-hai-dao"]

#: (indicator, comparison, target, scope unit code or None, owner unit code, title, plan)
OBJECTIVES = [
    (
        "on_time_rate",
        "gte",
        98,
        None,
        "van-phong",
        "Tỷ lệ hồ sơ thủ tục hành chính giải quyết trước hạn, đúng hạn của toàn Sở đạt từ 98% "
        "trở lên",
        "Theo dõi hằng tuần hồ sơ sắp đến hạn trên hệ thống; lập phiếu xin lỗi đúng thời hạn; "
        "báo cáo Giám đốc Sở hồ sơ trễ hạn và nguyên nhân trong giao ban hằng tháng.",
    ),
    *[
        (
            "on_time_rate",
            "gte",
            98,
            code,
            code,
            "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn của {unit} đạt từ 98% trở lên",
            "Trưởng phòng phân công thụ lý trong ngày nhận hồ sơ; kiểm soát tiến độ từng bước "
            "theo quy trình nội bộ; xin ý kiến phối hợp ngay khi thẩm định.",
        )
        for code in SPECIALIST_UNITS
    ],
    (
        "online_rate",
        "gte",
        50,
        None,
        "mot-cua",
        "Tỷ lệ hồ sơ tiếp nhận trực tuyến đạt từ 50% trở lên",
        "Hướng dẫn người dân nộp hồ sơ trên Cổng dịch vụ công; bố trí máy tính hỗ trợ tại Bộ "
        "phận Một cửa; phối hợp Trung tâm Công nghệ thông tin khắc phục lỗi đăng nhập, ký số.",
    ),
    (
        "satisfaction_rate",
        "gte",
        90,
        None,
        "van-phong",
        "Tỷ lệ người dân, doanh nghiệp hài lòng với việc giải quyết thủ tục hành chính đạt từ "
        "90% trở lên",
        "Mời người nộp đánh giá khi trả kết quả; Văn phòng Sở tổng hợp ý kiến không hài lòng "
        "hằng quý và đề xuất biện pháp khắc phục.",
    ),
]

ENV_PERMIT = "1-010727"
RISK, OPPORTUNITY = RiskEntry.Kind.RISK, RiskEntry.Kind.OPPORTUNITY

#: (kind, procedure key or internal process name, description, cause, likelihood, impact,
#:  action, scope unit code or None, owner unit code, owner username or None, days to review)
RISKS = [
    (
        RISK,
        ENV_PERMIT,
        "Hồ sơ cấp giấy phép môi trường trễ hạn do chờ ý kiến của các sở, ngành và Ủy ban nhân "
        "dân cấp huyện.",
        "Văn bản xin ý kiến không có thời hạn trả lời ràng buộc; cơ quan phối hợp trả lời chậm.",
        4,
        4,
        "Gửi văn bản xin ý kiến ngay trong ngày thẩm định, ghi rõ thời hạn trả lời 05 ngày làm "
        "việc; nhắc lại qua điện thoại; báo cáo Lãnh đạo Sở hồ sơ có nguy cơ trễ trước 03 ngày.",
        "moi-truong",
        "moi-truong",
        "truongphong",
        3,
    ),
    (
        RISK,
        "dieu-chinh-giay-phep-moi-truong",
        "Yêu cầu bổ sung hồ sơ lần thứ hai (trái quy định) vì lần thẩm định đầu chưa nêu đủ nội "
        "dung cần bổ sung.",
        "Chuyên viên mới, chưa có danh mục kiểm tra hồ sơ.",
        2,
        4,
        "Ban hành danh mục kiểm tra thành phần, nội dung hồ sơ; trưởng phòng duyệt phiếu yêu "
        "cầu bổ sung trước khi gửi.",
        "moi-truong",
        "moi-truong",
        "chuyenvien",
        0,
    ),
    (
        RISK,
        "cap-phep-khai-thac-nuoc-duoi-dat",
        "Kiểm tra thực địa công trình khai thác nước dưới đất phải chờ lịch đoàn kiểm tra liên "
        "ngành, kéo dài thời gian giải quyết.",
        "Đoàn kiểm tra gồm nhiều cơ quan, lịch công tác khó bố trí.",
        3,
        3,
        "Lập lịch kiểm tra thực địa cố định hằng tuần; ủy quyền trưởng phòng ký biên bản.",
        "tai-nguyen-nuoc",
        "tai-nguyen-nuoc",
        "truongphong.nuoc",
        30,
    ),
    (
        RISK,
        "giao-dat-cho-thue-dat-to-chuc",
        "Hồ sơ giao đất, cho thuê đất chờ cơ quan thuế xác định nghĩa vụ tài chính quá thời "
        "gian dự kiến.",
        "Phối hợp liên thông với cơ quan thuế còn bằng văn bản giấy.",
        4,
        3,
        "Chuyển thông tin địa chính sang cơ quan thuế qua phần mềm liên thông; theo dõi riêng "
        "hồ sơ chờ nghĩa vụ tài chính.",
        "dat-dai",
        "dat-dai",
        "truongphong.datdai",
        14,
    ),
    (
        OPPORTUNITY,
        "cung-cap-thong-tin-du-lieu-dat-dai",
        "Cung cấp thông tin, dữ liệu đất đai toàn trình trực tuyến, thanh toán phí qua Nền tảng "
        "thanh toán quốc gia.",
        "Thủ tục đã đủ điều kiện dịch vụ công trực tuyến toàn trình.",
        4,
        3,
        "Công khai hướng dẫn nộp và thanh toán trực tuyến; trả kết quả điện tử vào kho dữ liệu "
        "của người dân.",
        "dat-dai",
        "dat-dai",
        "truongphong.datdai",
        60,
    ),
    (
        RISK,
        "Tiếp nhận và trả kết quả tại Bộ phận Một cửa",
        "Nhập sai thành phần hồ sơ hoặc ngày hẹn trả khi tiếp nhận.",
        "Khối lượng hồ sơ lớn vào đầu tuần; công chức kiêm nhiệm nhiều lĩnh vực.",
        2,
        3,
        "Hệ thống tự tính ngày hẹn trả theo lịch làm việc; kiểm tra chéo giấy tiếp nhận trước "
        "khi giao cho người nộp.",
        "mot-cua",
        "mot-cua",
        "motcua",
        5,
    ),
    (
        RISK,
        "Kiểm soát tài liệu",
        "Sử dụng quy trình nội bộ, biểu mẫu đã hết hiệu lực sau khi Ủy ban nhân dân tỉnh sửa "
        "đổi quy trình.",
        "Bản giấy cũ còn lưu tại các phòng.",
        3,
        3,
        "Chỉ dùng tài liệu trên hệ thống; thu hồi bản giấy hết hiệu lực; rà soát danh mục tài "
        "liệu hằng quý.",
        None,
        "van-phong",
        "thuky",
        20,
    ),
    (
        RISK,
        "Kiểm soát hồ sơ, lưu trữ",
        "Thất lạc hồ sơ giấy trong quá trình luân chuyển giữa Bộ phận Một cửa và các phòng.",
        "Bàn giao hồ sơ giấy không ký nhận.",
        2,
        4,
        "Ký nhận bàn giao trên Phiếu kiểm soát quá trình giải quyết hồ sơ; số hóa hồ sơ khi "
        "tiếp nhận.",
        None,
        "van-phong",
        "vanthu",
        45,
    ),
    (
        RISK,
        "Vận hành hệ thống thông tin",
        "Hệ thống ISO điện tử hoặc Cổng dịch vụ công gián đoạn, mất dữ liệu hồ sơ.",
        "Máy chủ đặt tại Sở, chưa có phương án sao lưu ngoài.",
        2,
        5,
        "Sao lưu cơ sở dữ liệu hằng ngày ra Trung tâm dữ liệu tỉnh; diễn tập khôi phục 6 tháng "
        "một lần.",
        None,
        "trung-tam-cntt",
        "admin",
        10,
    ),
    (
        RISK,
        "Vận hành hệ thống thông tin",
        "Lộ, lọt thông tin cá nhân của người nộp hồ sơ.",
        "Phân quyền truy cập chưa theo đơn vị; mật khẩu yếu.",
        2,
        5,
        "Phân quyền theo đơn vị trên hệ thống; khóa tài khoản sau 5 lần đăng nhập sai; ghi "
        "nhật ký truy cập.",
        None,
        "trung-tam-cntt",
        "admin",
        90,
    ),
    (
        RISK,
        "Quản lý nhân sự",
        "Thiếu chuyên viên thẩm định khi cán bộ nghỉ phép, luân chuyển; hồ sơ dồn ứ cuối năm.",
        "Biên chế các phòng chuyên môn hạn chế.",
        3,
        4,
        "Phân công người thay thế cho từng chuyên viên thụ lý; điều phối hồ sơ giữa các phòng "
        "khi quá tải.",
        None,
        "van-phong",
        None,
        1,
    ),
    (
        OPPORTUNITY,
        "Quản lý nhân sự",
        "Đào tạo chuyên viên sử dụng chữ ký số và hệ thống điện tử để rút ngắn thời gian giải "
        "quyết.",
        "Hệ thống ISO điện tử đã vận hành.",
        3,
        3,
        "Tổ chức 02 lớp tập huấn trong năm; đưa nội dung vào kế hoạch đào tạo của Sở.",
        None,
        "van-phong",
        "thuky",
        120,
    ),
]


def _user(username):
    return User.objects.get(username=username) if username else None


@transaction.atomic
def load_demo_planning() -> dict:
    """Create the demo policy, objectives and risks that do not exist yet; return counts."""
    units = {u.code: u for u in OrgUnit.objects.all()}
    secretary, director = _user("thuky"), _user("giamdoc")
    created = {"policies": 0, "objectives": 0, "risks": 0}

    if not QualityPolicy.objects.exists():
        policy = services.quality_policy_save(
            actor=secretary,
            title=POLICY_TITLE,
            text=POLICY_TEXT,
            effective_from=dt.date(2024, 1, 1),
        )
        services.quality_policy_approve(actor=director, policy=policy, password=DEMO_PASSWORD)
        created["policies"] = 1

    for year in sorted({2024, timezone.localdate().year}):
        for indicator, comparison, target, scope, owner, title, plan in OBJECTIVES:
            unit = units[scope] if scope else None
            if QualityObjective.objects.filter(year=year, indicator=indicator, unit=unit).exists():
                continue
            services.quality_objective_create(
                actor=secretary,
                year=year,
                title=title.format(unit=unit.name) if unit else title,
                indicator=indicator,
                comparison=comparison,
                target=target,
                unit=unit,
                procedure=None,
                owner_unit=units[owner],
                action_plan=plan,
            )
            created["objectives"] += 1

    if not RiskEntry.objects.exists():
        today = timezone.localdate()
        for row in RISKS:
            kind, process, description, cause, likelihood, impact, action = row[:7]
            scope, owner_unit, owner, days = row[7:]
            procedure = Procedure.objects.filter(key=process).first()
            services.risk_create(
                actor=secretary,
                kind=kind,
                procedure=procedure,
                process_name="" if procedure else process,
                description=description,
                cause=cause,
                likelihood=likelihood,
                impact=impact,
                action=action,
                unit=units[scope] if scope else None,
                owner_unit=units[owner_unit],
                owner=_user(owner),
                review_date=today + dt.timedelta(days=days),
            )
            created["risks"] += 1
        # One risk already reviewed: the paper-dossier risk, treated by signed hand-overs.
        lost_papers = RiskEntry.objects.get(process_name="Kiểm soát hồ sơ, lưu trữ")
        services.risk_review(
            actor=_user("vanthu"),
            risk=lost_papers,
            likelihood=1,
            impact=4,
            status=RiskEntry.Status.TREATED,
            note="Đã áp dụng ký nhận bàn giao trên Phiếu kiểm soát; không phát sinh thất lạc.",
            next_review_date=today + dt.timedelta(days=90),
        )
    return created
