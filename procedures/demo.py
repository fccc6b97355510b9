"""The demo catalogue: procedures of Sở Tài nguyên và Môi trường tỉnh Sóc Trăng (2024).

Only ``1.010727`` (Cấp giấy phép môi trường, cấp tỉnh; 30 ngày) is a code checked against the
national database; every other procedure has no code and a slug key. Legal bases are the laws
and decrees in force in 2024; time limits other than 1.010727's, fees and form numbers marked
[chưa xác nhận] were not checked against the province's publication decision, so every
procedure is marked as demo data and an administrator corrects it in the admin.

Loading goes through :func:`procedures.importexport.import_catalogue_data` (so the services and
their checks) and loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from qms.core.models import Agency, User

from .importexport import FORMAT_NAME, FORMAT_VERSION, import_catalogue_data
from .models import Procedure

VALID_FROM = dt.date(2024, 1, 1)
HDND_FEE = "Mức thu theo Nghị quyết của HĐND tỉnh Sóc Trăng [chưa xác nhận]"

#: (code, name, handling unit code)
FIELDS = [
    ("moi-truong", "Môi trường", "moi-truong"),
    ("tai-nguyen-nuoc", "Tài nguyên nước", "tai-nguyen-nuoc"),
    ("dia-chat-khoang-san", "Địa chất và khoáng sản", "tai-nguyen-nuoc"),
    ("dat-dai", "Đất đai", "dat-dai"),
    ("khi-tuong-thuy-van", "Khí tượng thủy văn", "tai-nguyen-nuoc"),
    ("bien-hai-dao", "Biển và hải đảo", "bien-hai-dao"),
]
UNIT_OF_FIELD = {code: unit for code, _name, unit in FIELDS}

LAW_ENV = (
    "Luật Bảo vệ môi trường số 72/2020/QH14 ngày 17/11/2020; Nghị định số 08/2022/NĐ-CP ngày "
    "10/01/2022 của Chính phủ quy định chi tiết một số điều của Luật Bảo vệ môi trường; Thông "
    "tư số 02/2022/TT-BTNMT ngày 10/01/2022 của Bộ Tài nguyên và Môi trường."
)
LAW_WATER = (
    "Luật Tài nguyên nước số 17/2012/QH13 ngày 21/6/2012; Nghị định số 02/2023/NĐ-CP ngày "
    "01/02/2023 của Chính phủ quy định chi tiết thi hành một số điều của Luật Tài nguyên nước."
)
LAW_MINERAL = (
    "Luật Khoáng sản số 60/2010/QH12 ngày 17/11/2010; Nghị định số 158/2016/NĐ-CP ngày "
    "29/11/2016 của Chính phủ; Thông tư số 45/2016/TT-BTNMT ngày 26/12/2016 của Bộ Tài nguyên "
    "và Môi trường."
)
LAW_LAND = (
    "Luật Đất đai số 45/2013/QH13 ngày 29/11/2013; Nghị định số 43/2014/NĐ-CP ngày 15/5/2014 "
    "của Chính phủ; Nghị định số 01/2017/NĐ-CP ngày 06/01/2017 của Chính phủ; Thông tư số "
    "24/2014/TT-BTNMT và Thông tư số 30/2014/TT-BTNMT ngày 02/6/2014 của Bộ Tài nguyên và Môi "
    "trường."
)
LAW_HYDROMET = (
    "Luật Khí tượng thủy văn số 90/2015/QH13 ngày 23/11/2015; Nghị định số 38/2016/NĐ-CP ngày "
    "15/5/2016 của Chính phủ; Nghị định số 48/2020/NĐ-CP ngày 15/4/2020 của Chính phủ."
)
LAW_SEA = (
    "Luật Tài nguyên, môi trường biển và hải đảo số 82/2015/QH13 ngày 25/6/2015; Nghị định số "
    "11/2021/NĐ-CP ngày 10/02/2021 của Chính phủ quy định việc giao các khu vực biển nhất định "
    "cho tổ chức, cá nhân khai thác, sử dụng tài nguyên biển."
)

WD, CD = "working_days", "calendar_days"

#: One dict per procedure. ``limit`` is (value, unit); ``process`` gives the days of the
#: appraisal, review and approval steps (receipt, transfer, assignment and issue take half a
#: working day each, the return none); components are (name, originals, copies, form).
PROCEDURES = [
    {
        "key": "1-010727",
        "code": "1.010727",
        "name": "Cấp giấy phép môi trường (cấp tỉnh)",
        "field": "moi-truong",
        "legal_basis": LAW_ENV,
        "limit": (30, CD),
        "limit_note": (
            "Không quá 30 ngày kể từ ngày nhận đủ hồ sơ hợp lệ; thời gian chủ dự án chỉnh "
            "sửa, bổ sung hồ sơ không tính vào thời hạn."
        ),
        "online": "partial",
        "result": "Giấy phép môi trường do Ủy ban nhân dân tỉnh cấp",
        "fees": [("fee", "Phí thẩm định cấp giấy phép môi trường", 6_000_000, HDND_FEE)],
        "components": [
            (
                "Văn bản đề nghị cấp giấy phép môi trường",
                1,
                0,
                "Mẫu số 01 Phụ lục XIII Nghị định số 08/2022/NĐ-CP [chưa xác nhận]",
            ),
            (
                "Báo cáo đề xuất cấp giấy phép môi trường",
                1,
                0,
                "Phụ lục VIII Nghị định số 08/2022/NĐ-CP [chưa xác nhận]",
            ),
            ("Bản sao báo cáo nghiên cứu khả thi hoặc tài liệu tương đương", 0, 1, ""),
        ],
        "process": {
            "appraise": 20,
            "appraise_title": (
                "Thẩm định hồ sơ, kiểm tra thực tế cơ sở; lập dự thảo giấy phép và tờ trình"
            ),
            "review": 2,
            "approve": 2,
            "approve_title": "Lãnh đạo Sở ký tờ trình, trình Ủy ban nhân dân tỉnh cấp giấy phép",
        },
    },
    {
        "key": "tham-dinh-bao-cao-dtm",
        "name": "Thẩm định báo cáo đánh giá tác động môi trường (cấp tỉnh)",
        "field": "moi-truong",
        "legal_basis": LAW_ENV,
        "limit": (45, CD),
        "limit_note": (
            "Không quá 45 ngày đối với dự án nhóm I, 30 ngày đối với dự án nhóm II; phê duyệt "
            "kết quả trong 20 ngày kể từ khi nhận báo cáo đã chỉnh sửa."
        ),
        "online": "partial",
        "result": "Quyết định phê duyệt kết quả thẩm định báo cáo đánh giá tác động môi trường",
        "fees": [
            ("fee", "Phí thẩm định báo cáo đánh giá tác động môi trường", 8_000_000, HDND_FEE)
        ],
        "components": [
            (
                "Văn bản đề nghị thẩm định báo cáo đánh giá tác động môi trường",
                1,
                0,
                "Mẫu số 02 Phụ lục IV Nghị định số 08/2022/NĐ-CP [chưa xác nhận]",
            ),
            ("Báo cáo đánh giá tác động môi trường", 1, 0, ""),
            ("Báo cáo nghiên cứu khả thi hoặc tài liệu tương đương", 1, 0, ""),
        ],
        "process": {
            "appraise": 30,
            "appraise_title": "Tổ chức hội đồng thẩm định; tổng hợp ý kiến, dự thảo quyết định",
            "review": 3,
            "approve": 3,
        },
    },
    {
        "key": "dieu-chinh-giay-phep-moi-truong",
        "name": "Cấp điều chỉnh giấy phép môi trường (cấp tỉnh)",
        "field": "moi-truong",
        "legal_basis": LAW_ENV,
        "limit": (10, WD),
        "online": "partial",
        "result": "Giấy phép môi trường (điều chỉnh)",
        "fees": [],
        "components": [
            ("Văn bản đề nghị điều chỉnh giấy phép môi trường", 1, 0, "[chưa xác nhận số mẫu]"),
            ("Bản sao giấy phép môi trường đã được cấp", 0, 1, ""),
        ],
        "process": {"appraise": 6, "review": 1, "approve": 1},
    },
    {
        "key": "cap-phep-khai-thac-nuoc-duoi-dat",
        "name": "Cấp giấy phép khai thác, sử dụng nước dưới đất (cấp tỉnh)",
        "field": "tai-nguyen-nuoc",
        "legal_basis": LAW_WATER,
        "limit": (30, WD),
        "online": "partial",
        "result": "Giấy phép khai thác, sử dụng nước dưới đất",
        "fees": [
            (
                "fee",
                "Phí thẩm định đề án, báo cáo khai thác, sử dụng nước dưới đất",
                1_800_000,
                HDND_FEE,
            ),
        ],
        "components": [
            (
                "Đơn đề nghị cấp giấy phép khai thác, sử dụng nước dưới đất",
                1,
                0,
                "Mẫu số 07 Phụ lục Nghị định số 02/2023/NĐ-CP [chưa xác nhận]",
            ),
            ("Báo cáo kết quả thăm dò đánh giá trữ lượng nước dưới đất", 1, 0, ""),
            ("Kết quả phân tích chất lượng nguồn nước (không quá 06 tháng)", 1, 0, ""),
        ],
        "process": {
            "appraise": 22,
            "appraise_title": "Thẩm định đề án, kiểm tra thực địa; dự thảo giấy phép, tờ trình",
            "review": 2,
            "approve": 2,
        },
    },
    {
        "key": "gia-han-dieu-chinh-giay-phep-nuoc-mat",
        "name": "Gia hạn, điều chỉnh nội dung giấy phép khai thác, sử dụng nước mặt (cấp tỉnh)",
        "field": "tai-nguyen-nuoc",
        "legal_basis": LAW_WATER,
        "limit": (25, WD),
        "online": "partial",
        "result": "Giấy phép khai thác, sử dụng nước mặt (gia hạn, điều chỉnh)",
        "fees": [
            (
                "fee",
                "Phí thẩm định hồ sơ gia hạn, điều chỉnh giấy phép khai thác nước mặt",
                900_000,
                HDND_FEE,
            ),
        ],
        "components": [
            ("Đơn đề nghị gia hạn, điều chỉnh giấy phép", 1, 0, "[chưa xác nhận số mẫu]"),
            ("Báo cáo hiện trạng khai thác, sử dụng nước mặt", 1, 0, ""),
            ("Bản sao giấy phép đã được cấp", 0, 1, ""),
        ],
        "process": {"appraise": 18, "review": 2, "approve": 2},
    },
    {
        "key": "cap-lai-giay-phep-tai-nguyen-nuoc",
        "name": "Cấp lại giấy phép tài nguyên nước (cấp tỉnh)",
        "field": "tai-nguyen-nuoc",
        "legal_basis": LAW_WATER,
        "limit": (10, WD),
        "online": "full",
        "result": "Giấy phép tài nguyên nước (cấp lại)",
        "fees": [],
        "components": [
            ("Đơn đề nghị cấp lại giấy phép", 1, 0, "[chưa xác nhận số mẫu]"),
            ("Tài liệu chứng minh lý do đề nghị cấp lại", 0, 1, ""),
        ],
        "process": {"appraise": 6, "review": 1, "approve": 1},
    },
    {
        "key": "cap-phep-khai-thac-khoang-san-vlxd",
        "name": (
            "Cấp giấy phép khai thác khoáng sản làm vật liệu xây dựng thông thường (cấp tỉnh)"
        ),
        "field": "dia-chat-khoang-san",
        "legal_basis": LAW_MINERAL,
        "limit": (90, CD),
        "limit_note": "Thời hạn theo Luật Khoáng sản [chưa xác nhận với quyết định công bố].",
        "online": "partial",
        "result": "Giấy phép khai thác khoáng sản do Ủy ban nhân dân tỉnh cấp",
        "fees": [
            (
                "fee",
                "Phí thẩm định báo cáo kết quả thăm dò, đánh giá trữ lượng khoáng sản",
                10_000_000,
                "Theo quy định của Bộ Tài chính [chưa xác nhận]",
            ),
            (
                "charge",
                "Lệ phí cấp giấy phép khai thác khoáng sản",
                1_000_000,
                "Theo quy định của Bộ Tài chính [chưa xác nhận]",
            ),
        ],
        "components": [
            (
                "Đơn đề nghị cấp giấy phép khai thác khoáng sản",
                1,
                0,
                "Mẫu số 06 Thông tư số 45/2016/TT-BTNMT [chưa xác nhận]",
            ),
            ("Dự án đầu tư khai thác khoáng sản kèm quyết định phê duyệt", 0, 1, ""),
            ("Bản đồ khu vực khai thác khoáng sản", 1, 0, ""),
            ("Báo cáo đánh giá tác động môi trường đã được phê duyệt", 0, 1, ""),
        ],
        "process": {"appraise": 60, "review": 5, "approve": 5},
    },
    {
        "key": "dang-ky-khai-thac-vlxd-trong-du-an",
        "name": (
            "Đăng ký khai thác khoáng sản làm vật liệu xây dựng thông thường trong diện tích "
            "đất của dự án đầu tư xây dựng công trình"
        ),
        "field": "dia-chat-khoang-san",
        "legal_basis": LAW_MINERAL,
        "limit": (10, WD),
        "online": "partial",
        "result": "Văn bản xác nhận đăng ký khai thác khoáng sản",
        "fees": [],
        "components": [
            (
                "Bản đăng ký khu vực, công suất, khối lượng, phương pháp khai thác",
                1,
                0,
                "[chưa xác nhận số mẫu]",
            ),
            ("Bản sao quyết định phê duyệt dự án đầu tư xây dựng công trình", 0, 1, ""),
        ],
        "process": {"appraise": 6, "review": 1, "approve": 1},
    },
    {
        "key": "giao-dat-cho-thue-dat-to-chuc",
        "name": (
            "Giao đất, cho thuê đất không thông qua hình thức đấu giá quyền sử dụng đất đối "
            "với tổ chức"
        ),
        "field": "dat-dai",
        "legal_basis": LAW_LAND,
        "limit": (20, WD),
        "limit_note": "Không kể thời gian giải phóng mặt bằng và thực hiện nghĩa vụ tài chính.",
        "online": "partial",
        "result": "Quyết định giao đất, cho thuê đất của Ủy ban nhân dân tỉnh",
        "fees": [
            ("fee", "Phí thẩm định hồ sơ cấp quyền sử dụng đất", 1_500_000, HDND_FEE),
        ],
        "components": [
            (
                "Đơn xin giao đất, cho thuê đất, cho phép chuyển mục đích sử dụng đất",
                1,
                0,
                "Mẫu số 01 ban hành kèm theo Thông tư số 30/2014/TT-BTNMT",
            ),
            ("Bản sao giấy chứng nhận đầu tư hoặc văn bản chấp thuận đầu tư", 0, 1, ""),
            ("Trích lục bản đồ địa chính thửa đất", 1, 0, ""),
        ],
        "process": {
            "appraise": 14,
            "appraise_title": "Thẩm định nhu cầu sử dụng đất, kiểm tra thực địa; dự thảo quyết "
            "định, tờ trình",
            "review": 1.5,
            "approve": 2,
        },
    },
    {
        "key": "dang-ky-bien-dong-doi-ten-to-chuc",
        "name": (
            "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do "
            "đổi tên tổ chức"
        ),
        "field": "dat-dai",
        "legal_basis": LAW_LAND,
        "limit": (10, WD),
        "online": "partial",
        "result": "Giấy chứng nhận quyền sử dụng đất đã xác nhận nội dung biến động",
        "fees": [("charge", "Lệ phí chứng nhận đăng ký biến động", 30_000, HDND_FEE)],
        "components": [
            (
                "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất",
                1,
                0,
                "Mẫu số 09/ĐK ban hành kèm theo Thông tư số 24/2014/TT-BTNMT",
            ),
            ("Bản gốc giấy chứng nhận đã cấp", 1, 0, ""),
            ("Văn bản của cơ quan có thẩm quyền cho phép đổi tên tổ chức", 0, 1, ""),
        ],
        "process": {"appraise": 6, "review": 1, "approve": 1},
    },
    {
        "key": "cung-cap-thong-tin-du-lieu-dat-dai",
        "name": "Cung cấp thông tin, dữ liệu đất đai",
        "field": "dat-dai",
        "legal_basis": (
            LAW_LAND + " Thông tư số 34/2014/TT-BTNMT ngày 30/6/2014 của Bộ Tài nguyên và "
            "Môi trường."
        ),
        "limit": (5, WD),
        "online": "full",
        "result": "Thông tin, dữ liệu đất đai được cung cấp",
        "requires_paper_result": False,
        "fees": [("fee", "Phí khai thác và sử dụng tài liệu đất đai", 300_000, HDND_FEE)],
        "components": [
            (
                "Phiếu yêu cầu cung cấp dữ liệu đất đai",
                1,
                0,
                "Mẫu số 01/PYC ban hành kèm theo Thông tư số 34/2014/TT-BTNMT",
            ),
        ],
        "process": {"appraise": 1.5, "review": 0.5, "approve": 1},
    },
    {
        "key": "cap-phep-du-bao-canh-bao-kttv",
        "name": "Cấp giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn (cấp tỉnh)",
        "field": "khi-tuong-thuy-van",
        "legal_basis": LAW_HYDROMET,
        "limit": (15, WD),
        "online": "partial",
        "result": "Giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn",
        "fees": [],
        "components": [
            (
                "Đơn đề nghị cấp giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn",
                1,
                0,
                "Mẫu số 01 Phụ lục Nghị định số 48/2020/NĐ-CP [chưa xác nhận]",
            ),
            ("Bản khai kinh nghiệm công tác của đội ngũ nhân viên kỹ thuật", 1, 0, ""),
            ("Quy trình kỹ thuật dự báo, cảnh báo khí tượng thủy văn", 1, 0, ""),
        ],
        "process": {"appraise": 10, "review": 1, "approve": 1.5},
    },
    {
        "key": "sua-doi-giay-phep-du-bao-kttv",
        "name": (
            "Sửa đổi, bổ sung giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn (cấp tỉnh)"
        ),
        "field": "khi-tuong-thuy-van",
        "legal_basis": LAW_HYDROMET,
        "limit": (10, WD),
        "online": "partial",
        "result": "Giấy phép hoạt động dự báo, cảnh báo khí tượng thủy văn (sửa đổi, bổ sung)",
        "fees": [],
        "components": [
            ("Đơn đề nghị sửa đổi, bổ sung giấy phép", 1, 0, "[chưa xác nhận số mẫu]"),
            ("Tài liệu chứng minh nội dung đề nghị sửa đổi, bổ sung", 0, 1, ""),
        ],
        "process": {"appraise": 6, "review": 1, "approve": 1},
    },
    {
        "key": "giao-khu-vuc-bien",
        "name": "Giao khu vực biển (cấp tỉnh)",
        "field": "bien-hai-dao",
        "legal_basis": LAW_SEA,
        "limit": (30, WD),
        "online": "partial",
        "result": "Quyết định giao khu vực biển của Ủy ban nhân dân tỉnh",
        "fees": [],
        "components": [
            (
                "Đơn đề nghị giao khu vực biển",
                1,
                0,
                "Mẫu số 01 Phụ lục Nghị định số 11/2021/NĐ-CP [chưa xác nhận]",
            ),
            ("Sơ đồ khu vực biển đề nghị giao", 1, 0, ""),
            ("Bản sao giấy phép, văn bản chấp thuận khai thác tài nguyên biển", 0, 1, ""),
        ],
        "process": {"appraise": 20, "review": 3, "approve": 4},
    },
    {
        "key": "tra-lai-khu-vuc-bien",
        "name": "Trả lại khu vực biển (cấp tỉnh)",
        "field": "bien-hai-dao",
        "legal_basis": LAW_SEA,
        "limit": (20, WD),
        "online": "partial",
        "result": "Quyết định thu hồi khu vực biển do trả lại",
        "fees": [],
        "components": [
            ("Đơn đề nghị trả lại khu vực biển", 1, 0, "[chưa xác nhận số mẫu]"),
            ("Bản sao quyết định giao khu vực biển", 0, 1, ""),
        ],
        "process": {"appraise": 14, "review": 1.5, "approve": 2},
    },
]


def _steps(unit: str, process: dict) -> list[dict]:
    """The department's usual 8-step internal process."""
    rows = [
        (
            "receive",
            "Tiếp nhận, kiểm tra hồ sơ; lập Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            "mot-cua",
            "one_stop_officer",
            0.5,
        ),
        ("transfer", "Chuyển hồ sơ đến phòng chuyên môn", "mot-cua", "one_stop_officer", 0.5),
        ("assign", "Lãnh đạo phòng phân công chuyên viên xử lý", unit, "unit_head", 0.5),
        (
            "appraise",
            process.get("appraise_title", "Thẩm định hồ sơ; dự thảo kết quả và tờ trình"),
            unit,
            "specialist",
            process["appraise"],
        ),
        (
            "review",
            "Lãnh đạo phòng xem xét, trình lãnh đạo Sở",
            unit,
            "unit_head",
            process["review"],
        ),
        (
            "approve",
            process.get("approve_title", "Lãnh đạo Sở xem xét, ký duyệt kết quả"),
            "ban-giam-doc",
            "director",
            process["approve"],
        ),
        (
            "issue",
            "Vào số, đóng dấu, phát hành kết quả; chuyển Bộ phận Một cửa",
            "van-phong",
            "clerk",
            0.5,
        ),
        ("return", "Trả kết quả cho tổ chức, cá nhân", "mot-cua", "one_stop_officer", 0),
    ]
    return [
        {
            "order": order,
            "kind": kind,
            "title": title,
            "responsible_unit": unit_code,
            "responsible_role": role,
            "time_value": days,
            "time_unit": "working_days",
        }
        for order, (kind, title, unit_code, role, days) in enumerate(rows, start=1)
    ]


def demo_catalogue_data(*, agency: Agency) -> dict:
    """The demo catalogue as the catalogue file's JSON document."""
    procedures = []
    for item in PROCEDURES:
        unit = UNIT_OF_FIELD[item["field"]]
        value, limit_unit = item["limit"]
        version = {
            "version": 1,
            "valid_from": VALID_FROM.isoformat(),
            "valid_to": None,
            "legal_basis": item["legal_basis"],
            "online_level": item["online"],
            "time_limit_value": value,
            "time_limit_unit": limit_unit,
            "time_limit_note": item.get("limit_note", ""),
            "result_name": item["result"],
            "requires_paper_result": item.get("requires_paper_result", True),
            "handling_unit": unit,
            "fees": [
                {"kind": kind, "name": name, "amount": amount, "note": note}
                for kind, name, amount, note in item["fees"]
            ],
            "components": [
                {
                    "order": order,
                    "name": name,
                    "originals": originals,
                    "copies": copies,
                    "mandatory": True,
                    "form_template": form,
                }
                for order, (name, originals, copies, form) in enumerate(item["components"], start=1)
            ],
            "steps": _steps(unit, item["process"]),
        }
        procedures.append(
            {
                "key": item["key"],
                "code": item.get("code", ""),
                "name": item["name"],
                "field": item["field"],
                "level": "province",
                "agency": agency.code,
                "is_demo_data": True,
                "versions": [version],
            }
        )
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "fields": [
            {"code": code, "name": name, "handling_unit": unit} for code, name, unit in FIELDS
        ],
        "procedures": procedures,
    }


def load_demo_catalogue(*, agency: Agency, actor: User | None = None) -> list[Procedure]:
    """Create (or leave as they are) the demo fields and procedures of ``agency``."""
    report = import_catalogue_data(actor=actor, data=demo_catalogue_data(agency=agency))
    if not report.ok:
        raise ValidationError([str(error) for error in report.errors])
    keys = [item["key"] for item in PROCEDURES]
    by_key = Procedure.objects.in_bulk(keys, field_name="key")
    return [by_key[key] for key in keys]
