"""The demo department: Sở Tài nguyên và Môi trường tỉnh Sóc Trăng as in the 2024 reform plan.

Names of people are invented. Unit names follow the plan where it names them; the specialist
units' exact names and the agency's e-identifier are not confirmed [chưa xác nhận] and are kept
as data an administrator corrects. Everything is created through the services, and loading
twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from . import services
from .models import Agency, OrgUnit, Role, User

DEMO_PASSWORD = "ISO-demo-2024"

AGENCY = {
    "name": "Sở Tài nguyên và Môi trường tỉnh Sóc Trăng",
    "short_name": "Sở TN&MT Sóc Trăng",
    "governing_body": "Ủy ban nhân dân tỉnh Sóc Trăng",
    # The department's own e-identifier is unknown [chưa xác nhận]: the administrator sets it.
    "code": "000.00.xx.H51",
    "province_code": "H51",
    "place_name": "Sóc Trăng",
    "valid_from": dt.date(2008, 1, 1),
}

K = OrgUnit.Kind
#: (code, name, kind, parent code, fields handled, location)
UNITS = [
    ("ban-giam-doc", "Ban Giám đốc Sở", K.LEADERSHIP, None, "", ""),
    ("van-phong", "Văn phòng Sở", K.OFFICE, "ban-giam-doc", "", ""),
    ("thanh-tra", "Thanh tra Sở", K.INSPECTORATE, "ban-giam-doc", "", ""),
    (
        "ke-hoach-tai-chinh",
        "Phòng Kế hoạch - Tài chính",
        K.PLANNING_FINANCE,
        "ban-giam-doc",
        "",
        "",
    ),
    ("trung-tam-cntt", "Trung tâm Công nghệ thông tin", K.IT_CENTRE, "ban-giam-doc", "", ""),
    (
        "mot-cua",
        "Bộ phận Một cửa của Sở tại Trung tâm Phục vụ hành chính công tỉnh",
        K.ONE_STOP,
        "van-phong",
        "",
        "Trung tâm Phục vụ hành chính công tỉnh Sóc Trăng",
    ),
    ("moi-truong", "Phòng Môi trường", K.SPECIALIST, "ban-giam-doc", "Môi trường", ""),
    (
        "tai-nguyen-nuoc",
        "Phòng Tài nguyên nước - Khoáng sản - Khí tượng thủy văn",
        K.SPECIALIST,
        "ban-giam-doc",
        "Tài nguyên nước, Địa chất và khoáng sản, Khí tượng thủy văn",
        "",
    ),
    (
        "dat-dai",
        "Phòng Quản lý đất đai",
        K.SPECIALIST,
        "ban-giam-doc",
        "Đất đai, Đo đạc và bản đồ",
        "",
    ),
    ("bien-hai-dao", "Phòng Biển và Hải đảo", K.SPECIALIST, "ban-giam-doc", "Biển và hải đảo", ""),
]

R = Role
#: (username, last name, first name, position, unit code, role)
USERS = [
    ("admin", "Lâm", "Quốc Bảo", "Quản trị hệ thống", "trung-tam-cntt", R.ADMINISTRATOR),
    (
        "motcua",
        "Trần Thị",
        "Mai",
        "Công chức tiếp nhận và trả kết quả",
        "mot-cua",
        R.ONE_STOP_OFFICER,
    ),
    ("chuyenvien", "Lê Văn", "Hùng", "Chuyên viên", "moi-truong", R.SPECIALIST),
    ("truongphong", "Nguyễn Thị", "Hồng", "Trưởng phòng", "moi-truong", R.UNIT_HEAD),
    ("chuyenvien.nuoc", "Thạch", "Sophal", "Chuyên viên", "tai-nguyen-nuoc", R.SPECIALIST),
    ("truongphong.nuoc", "Phạm Văn", "Long", "Trưởng phòng", "tai-nguyen-nuoc", R.UNIT_HEAD),
    ("chuyenvien.datdai", "Huỳnh Thị", "Lan", "Chuyên viên", "dat-dai", R.SPECIALIST),
    ("truongphong.datdai", "Võ Minh", "Tâm", "Trưởng phòng", "dat-dai", R.UNIT_HEAD),
    ("giamdoc", "Đặng Văn", "Phúc", "Giám đốc Sở", "ban-giam-doc", R.DIRECTOR),
    ("phogiamdoc", "Lý Thị", "Thu", "Phó Giám đốc Sở", "ban-giam-doc", R.DIRECTOR),
    ("vanthu", "Ngô Thị", "Yến", "Văn thư", "van-phong", R.CLERK),
    (
        "thuky",
        "Trương Thanh",
        "Sơn",
        "Thư ký ISO, chuyên viên Văn phòng Sở",
        "van-phong",
        R.QUALITY_MANAGER,
    ),
    (
        "danhgia",
        "Kim",
        "Sóc Ra",
        "Chuyên gia đánh giá nội bộ, Thanh tra viên",
        "thanh-tra",
        R.INTERNAL_AUDITOR,
    ),
]

DEMO_USERNAMES = [row[0] for row in USERS]


def demo_allowed() -> bool:
    return getattr(settings, "QMS_DEMO_PASSWORD", None) is not None


@transaction.atomic
def load_demo() -> dict:
    """Create (or leave as it is) the demo agency, units and one user per role."""
    if not demo_allowed():
        raise ImproperlyConfigured(
            "Không nạp dữ liệu trình diễn trong môi trường vận hành (QMS_DEMO_PASSWORD = None)."
        )
    services.roles_ensure()
    agency = Agency.objects.filter(code=AGENCY["code"], valid_from=AGENCY["valid_from"]).first()
    if agency is None:
        agency = services.agency_create(actor=None, **AGENCY)

    units = {}
    for order, (code, name, kind, parent, fields_handled, location) in enumerate(UNITS):
        unit = OrgUnit.objects.filter(agency=agency, code=code).first()
        if unit is None:
            unit = services.org_unit_create(
                actor=None,
                agency=agency,
                code=code,
                name=name,
                kind=kind,
                parent=units.get(parent),
                fields_handled=fields_handled,
                location=location,
                order=order,
            )
        units[code] = unit

    created = 0
    for username, last_name, first_name, position, unit_code, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                last_name=last_name,
                first_name=first_name,
                position=position,
                email=f"{username.replace('.', '_')}@demo.stnmt.soctrang.invalid",
                is_superuser=role == Role.ADMINISTRATOR,
            )
            created += 1
        services.membership_grant(actor=None, user=user, unit=units[unit_code], role=role)
    return {"agency": agency, "units": units, "users_created": created}
