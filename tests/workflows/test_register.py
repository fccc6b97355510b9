"""Mẫu 06 on the site: the register page and its .xlsx export show only what the user may see,
filtered, and bad filter values are explained in Vietnamese instead of failing."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import NoReverseMatch, include, path, reverse
from viewflow.contrib.auth import AuthViewset

from procedures.models import Dossier
from procedures.services import dossier as services
from qms.core.calendar import LimitUnit
from tests.procedures.test_printing import at, build_procedure, receive, user
from workflows.dossier_pages import DossierDetailView
from workflows.register import RegisterExportView, RegisterView

pytestmark = pytest.mark.django_db

#: Used only while ``workflows/site.py`` does not route the register yet (see the fixture).
urlpatterns = [
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path(
        "workflow/",
        include(
            (
                [
                    path("dossiers/", RegisterView.as_view(), name="register"),
                    path(
                        "dossiers/register.xlsx",
                        RegisterExportView.as_view(),
                        name="register_export",
                    ),
                    path("dossiers/<int:pk>/", DossierDetailView.as_view(), name="dossier_detail"),
                ],
                "workflow",
            )
        ),
    ),
]


@pytest.fixture(autouse=True)
def register_routes(settings):
    """The site's own routes when it has them; this module's stand-in until then."""
    try:
        reverse("workflow:register")
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


@pytest.fixture
def dossiers(demo):
    """Three received dossiers of two units, and one still incomplete at the desk."""
    permit = build_procedure(
        demo,
        unit_code="moi-truong",
        key="cap-giay-phep-moi-truong",
        code="1.010727",
        name="Cấp giấy phép môi trường (cấp tỉnh)",
    )
    water = build_procedure(
        demo,
        unit_code="tai-nguyen-nuoc",
        key="gia-han-giay-phep-nuoc-mat",
        name="Gia hạn, điều chỉnh giấy phép khai thác nước mặt",
        limit=(10, LimitUnit.WORKING_DAYS),
    )
    open_permit = receive(permit, when=at(2024, 4, 26))
    open_water = receive(
        water, when=at(2024, 5, 6, 9, 0), applicant={"applicant_name": "Thạch Thị Sô Phia"}
    )
    finished = receive(
        permit, when=at(2024, 5, 10, 14, 0), applicant={"applicant_name": "Lâm Văn Đức"}
    )
    finish(finished)
    incomplete = receive(
        permit,
        when=at(2024, 5, 13),
        decision="incomplete",
        present=(True, False, False),
        applicant={"applicant_name": "Trịnh Văn Chưa Đủ"},
    )
    return {
        "permit": permit,
        "water": water,
        "open_permit": open_permit,
        "open_water": open_water,
        "finished": finished,
        "incomplete": incomplete,
    }


def finish(dossier):
    """Take ``dossier`` from the desk to the issued result on 14/5/2024 (early)."""
    services.dossier_transfer(actor=user("motcua"), dossier=dossier)
    services.dossier_assign(actor=user("truongphong"), dossier=dossier, handler=user("chuyenvien"))
    services.dossier_appraise(
        actor=user("chuyenvien"), dossier=dossier, decision="propose_grant", opinion="Đủ điều kiện"
    )
    services.dossier_review(actor=user("truongphong"), dossier=dossier, decision="agree")
    services.dossier_decide(actor=user("giamdoc"), dossier=dossier, decision="approve")
    services.dossier_issue_result(
        actor=user("vanthu"),
        dossier=dossier,
        number="125/GP-STNMT",
        date=dt.date(2024, 5, 14),
        at=at(2024, 5, 14, 10, 0),
    )


def codes(response, dossiers) -> set[str]:
    """Which of the fixture's received dossiers the page lists, by key."""
    html = response.content.decode()
    return {
        key
        for key, dossier in dossiers.items()
        if isinstance(dossier, Dossier) and dossier.code and dossier.code in html
    }


def listed(client, dossiers, **params) -> set[str]:
    response = client.get(reverse("workflow:register"), params)
    assert response.status_code == 200
    return codes(response, dossiers)


ALL_RECEIVED = {"open_permit", "open_water", "finished"}


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def numbers_row(sheet) -> int:
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == "(1)":
            return row[0].row
    raise AssertionError("no (1)–(14) row")


def data_rows(sheet) -> list[tuple]:
    first = numbers_row(sheet) + 1
    rows = []
    for values in sheet.iter_rows(min_row=first, max_col=14, values_only=True):
        if not isinstance(values[0], int):
            break
        rows.append(values)
    return rows


# --- the page ---------------------------------------------------------------------------------


def test_register_lists_only_the_dossiers_the_user_may_see(login, dossiers):
    assert listed(login("chuyenvien.nuoc"), dossiers) == {"open_water"}
    assert listed(login("truongphong.nuoc"), dossiers) == {"open_water"}
    assert listed(login("chuyenvien"), dossiers) == {"open_permit", "finished"}
    assert listed(login("chuyenvien.datdai"), dossiers) == set()
    assert listed(login("giamdoc"), dossiers) == ALL_RECEIVED
    # The desk takes part in every procedure's internal process: it sees all received ones.
    assert listed(login("motcua"), dossiers) == ALL_RECEIVED


def test_register_page_shows_the_form_title_and_the_dossier(login, dossiers):
    html = login("giamdoc").get(reverse("workflow:register")).content.decode()
    assert "SỔ THEO DÕI HỒ SƠ" in html
    assert "Thạch Thị Sô Phia" in html
    assert "Trịnh Văn Chưa Đủ" not in html  # not received: not in the register
    assert "26/04/2024" in html
    assert "Trước hạn" in html and "Trễ hạn" in html
    assert reverse("workflow:dossier_detail", args=[dossiers["finished"].pk]) in html
    assert reverse("workflow:register_export") in html


def test_register_filters(login, dossiers):
    client = login("giamdoc")
    environment = dossiers["open_permit"].handling_unit
    assert listed(client, dossiers, **{"from": "2024-05-01"}) == {"open_water", "finished"}
    assert listed(client, dossiers, to="30/04/2024") == {"open_permit"}
    assert listed(client, dossiers, **{"from": "06/05/2024", "to": "2024-05-06"}) == {"open_water"}
    assert listed(client, dossiers, unit=environment.pk) == {"open_permit", "finished"}
    assert listed(client, dossiers, procedure=dossiers["water"].pk) == {"open_water"}
    assert listed(client, dossiers, status="issued") == {"finished"}
    assert listed(client, dossiers, status="in_progress") == set()
    assert listed(client, dossiers, timeliness="early") == {"finished"}
    assert listed(client, dossiers, timeliness="late") == {"open_permit", "open_water"}
    assert listed(client, dossiers, timeliness="on_time") == set()
    # Visibility comes first: a filter never widens it.
    assert listed(login("chuyenvien.nuoc"), dossiers, unit=environment.pk) == set()


@pytest.mark.parametrize(
    ("params", "label", "expected"),
    [
        ({"from": "31/02/2024"}, "Tiếp nhận từ ngày", ALL_RECEIVED),
        ({"to": "hôm qua"}, "Đến ngày", ALL_RECEIVED),
        ({"from": "0001-01-01"}, "Tiếp nhận từ ngày", ALL_RECEIVED),
        ({"to": "31/12/9999"}, "Đến ngày", ALL_RECEIVED),
        # "from" is valid and applies; "to" before it is the bad one.
        ({"from": "2024-05-10", "to": "2024-05-01"}, "Đến ngày", {"finished"}),
        ({"unit": "abc"}, "Đơn vị giải quyết", ALL_RECEIVED),
        ({"unit": "999999"}, "Đơn vị giải quyết", ALL_RECEIVED),
        ({"unit": "99999999999999999999999999"}, "Đơn vị giải quyết", ALL_RECEIVED),
        ({"procedure": "-1"}, "Thủ tục", ALL_RECEIVED),
        ({"status": "lost"}, "Trạng thái", ALL_RECEIVED),
        ({"timeliness": "sometimes"}, "Tiến độ", ALL_RECEIVED),
    ],
)
def test_bad_filter_values_are_explained_in_vietnamese(login, dossiers, params, label, expected):
    client = login("giamdoc")
    response = client.get(reverse("workflow:register"), {**params, "page": "zz"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Bộ lọc “{label}” không hợp lệ" in html
    assert "Bộ lọc này không được áp dụng." in html
    assert codes(response, dossiers) == expected


def test_anonymous_visitor_is_sent_to_login(client, dossiers):
    for name in ["workflow:register", "workflow:register_export"]:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


# --- the export -------------------------------------------------------------------------------


def test_export_has_the_fourteen_numbered_columns_and_one_row_per_visible_dossier(login, dossiers):
    sheet = sheet_of(login("giamdoc").get(reverse("workflow:register_export")))
    header = numbers_row(sheet)
    assert [c.value for c in sheet[header]][:14] == [f"({n})" for n in range(1, 15)]
    headings = [c.value for c in sheet[header - 1]][:14]
    assert headings[7:13] == [
        "Nhận hồ sơ",
        "Hẹn trả kết quả",
        "Chuyển HS tới cơ quan giải quyết",
        "Nhận KQ từ cơ quan giải quyết",
        "Ngày, tháng, năm",
        "Ký nhận",
    ]
    groups = [c.value for c in sheet[header - 2]][:14]
    assert groups[0] == "TT" and groups[1] == "Mã hồ sơ" and groups[13] == "Ghi chú"
    assert groups[7] == "Ngày, tháng, năm" and groups[11] == "Trả kết quả"
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {f"H{header - 2}:K{header - 2}", f"L{header - 2}:M{header - 2}"} <= merged
    assert f"A{header - 2}:A{header - 1}" in merged
    assert sheet.page_setup.orientation == "landscape"
    assert any(c.value == "SỔ THEO DÕI HỒ SƠ" for row in sheet.iter_rows() for c in row)

    rows = data_rows(sheet)
    assert [row[1] for row in rows] == [
        dossiers["open_permit"].code,
        dossiers["open_water"].code,
        dossiers["finished"].code,
    ]
    first, _, done = rows
    assert first[0] == 1 and first[2] == "Cấp giấy phép môi trường (cấp tỉnh)" and first[3] == 1
    assert first[4] == "Nguyễn Thị Ánh Tuyết"
    assert first[7] == dt.datetime(2024, 4, 26, 8, 30)  # Vietnam wall-clock time
    assert first[8] == dt.datetime(2024, 5, 27, 17, 0)
    assert first[13] == "Đã tiếp nhận; Trễ hạn"
    assert done[9] is not None  # (10) transferred to the handling unit
    assert done[10] == dt.datetime(2024, 5, 14, 10, 0)  # (11) result back from the unit
    assert done[11] is None and done[12] is None  # not yet returned, no signature
    assert done[13] == "Đã có kết quả, chờ trả; Trước hạn"
    date_cell = sheet.cell(row=numbers_row(sheet) + 1, column=8)
    assert date_cell.number_format == "dd/mm/yyyy hh:mm"


def test_export_is_scoped_and_filtered_like_the_page(login, dossiers):
    sheet = sheet_of(login("chuyenvien.nuoc").get(reverse("workflow:register_export")))
    assert [row[1] for row in data_rows(sheet)] == [dossiers["open_water"].code]

    response = login("giamdoc").get(
        reverse("workflow:register_export"), {"from": "01/05/2024", "timeliness": "early"}
    )
    sheet = sheet_of(response)
    assert [row[1] for row in data_rows(sheet)] == [dossiers["finished"].code]
    assert any(c.value == "Từ ngày 01/05/2024" for row in sheet.iter_rows(max_row=8) for c in row)


def test_export_with_a_bad_filter_goes_back_to_the_page_that_explains_it(login, dossiers):
    response = login("giamdoc").get(reverse("workflow:register_export"), {"status": "lost"})
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:register") + "?status=lost"
