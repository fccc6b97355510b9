"""The internal auditor's workspace: search, a record's trail, version diff, certified copy,
exports, the login trail; readable by auditors, closed to staff."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from qms.core.models import AuditEvent, OrgUnit, User
from qms.core.services import calendar_override_set, membership_set_primary

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(demo):
    unit = OrgUnit.objects.get(code="moi-truong")
    admin = User.objects.get(username="admin")
    for name in ("Phòng Quản lý môi trường", "Phòng Môi trường", "Phòng Quản lý Môi trường"):
        unit.name = name
        unit._history_user = admin
        unit._change_reason = f"Đổi tên theo quyết định — {name}"
        unit.save()
    return unit


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_search_filters_by_user_action_and_date_and_exports(demo, login):
    admin = User.objects.get(username="admin")
    calendar_override_set(
        actor=admin,
        date=__import__("datetime").date(2024, 4, 29),
        kind="day_off",
        reason="Quyết định nghỉ bù của UBND tỉnh",
    )
    client = login("danhgia")

    page = client.get(reverse("audits:index"), {"actor": admin.pk, "action": "calendar.override"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Điều chỉnh lịch làm việc" in html and "Quyết định nghỉ bù của UBND tỉnh" in html
    assert page.context["page_obj"].paginator.count == 1

    bad = client.get(reverse("audits:index"), {"date_from": "31/02/2024"})
    assert bad.status_code == 200
    assert "ngày phải viết theo dạng ngày/tháng/năm" in bad.content.decode()

    export = client.get(reverse("audits:export"), {"action": "calendar.override"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert (
        rows[0][0] == "Số" and len(rows) == 2 and rows[1][10] == "Quyết định nghỉ bù của UBND tỉnh"
    )


def test_trail_merges_history_and_log_and_diffs_two_versions(unit, login):
    client = login("danhgia")
    url = reverse("audits:trail", args=["core.orgunit", unit.pk])

    page = client.get(url)

    assert page.status_code == 200
    trail = page.context["trail"]
    kinds = [entry.kind for entry in trail.entries]
    assert "event" in kinds and kinds.count("change") >= 4
    html = page.content.decode()
    assert "Phòng Quản lý Môi trường" in html and "Đổi tên theo quyết định" in html
    versions = trail.versions
    diff = client.get(
        reverse("audits:diff", args=["core.orgunit", unit.pk]),
        {"from": versions[-1].history_id, "to": versions[0].history_id},
    )
    assert diff.status_code == 200
    changes = {c.field: (c.old, c.new) for c in diff.context["changes"]}
    assert (
        changes["name"] == ("Phòng Quản lý môi trường", "Phòng Quản lý Môi trường")
        or changes["name"][1] == "Phòng Quản lý Môi trường"
    )


def test_trail_page_queries_do_not_grow_with_history(unit, login):
    client = login("danhgia")
    url = reverse("audits:trail", args=["core.orgunit", unit.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for number in range(30):
        unit.name = f"Phòng thử {number}"
        unit.save()
    with CaptureQueriesContext(connection) as long:
        client.get(url)
    assert len(long) == len(short)


def test_certified_copy_prints_the_hashes_and_the_verification(demo, login):
    membership = User.objects.get(username="chuyenvien").memberships.first()
    membership_set_primary(
        actor=User.objects.get(username="admin"), membership=membership, is_primary=False
    )
    event = AuditEvent.objects.filter(action="membership.set_primary").get()
    client = login("danhgia")

    response = client.get(reverse("audits:trail_pdf", args=["core.membership", membership.pk]))

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "BẢN SAO NHẬT KÝ KIỂM TRA" in text
    assert "khớp với chuỗi" in text
    assert event.hash[:16] in text.replace("\n", "").replace(" ", "")

    xlsx = client.get(reverse("audits:trail_xlsx", args=["core.membership", membership.pk]))
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert any(row and row[7] == event.seq for row in rows)


def test_certified_copy_flags_an_edited_event(demo, login):
    membership = User.objects.get(username="chuyenvien").memberships.first()
    membership_set_primary(actor=None, membership=membership, is_primary=False)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
        cursor.execute(
            "UPDATE core_auditevent SET reason = 'sửa lén' WHERE action = 'membership.set_primary'"
        )
    client = login("danhgia")

    text = pdf_text(
        client.get(reverse("audits:trail_pdf", args=["core.membership", membership.pk])).content
    )

    assert "CÓ SỰ KIỆN KHÔNG KHỚP MÃ BĂM" in text and "Nội dung bị sửa" in text
    verify = client.get(reverse("audits:verify"))
    assert "KHÔNG toàn vẹn" in verify.content.decode()


@pytest.mark.parametrize("username", ["motcua", "chuyenvien", "truongphong", "vanthu"])
def test_staff_cannot_open_the_workspace(demo, login, username):
    client = login(username)
    for url in (
        reverse("audits:index"),
        reverse("audits:logins"),
        reverse("audits:verify"),
        reverse("audits:trail", args=["core.orgunit", OrgUnit.objects.first().pk]),
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("username", ["danhgia", "thuky", "giamdoc"])
def test_auditors_quality_manager_and_leaders_read_it_but_cannot_post(demo, login, username):
    client = login(username)
    count = AuditEvent.objects.count()
    for url in (reverse("audits:index"), reverse("audits:logins"), reverse("audits:verify")):
        assert client.get(url).status_code == 200, url
        assert client.post(url).status_code == 405, url
    assert AuditEvent.objects.count() == count  # reading writes nothing


def test_unknown_record_type_or_id_is_404(demo, login):
    client = login("danhgia")
    assert client.get(reverse("audits:trail", args=["auth.permission", 1])).status_code == 404
    assert client.get(reverse("audits:trail", args=["core.khongco", 1])).status_code == 404
    assert client.get(reverse("audits:trail", args=["core.orgunit", 99999])).status_code == 404


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_failed_logins_lock_the_account_and_are_shown_to_auditors(demo, client):
    for _attempt in range(3):
        response = client.post(reverse("login"), {"username": "motcua", "password": "sai-mat-khau"})
    assert response.status_code == 429
    assert "Tài khoản tạm bị khoá" in response.content.decode()
    # Even the right password is refused while locked.
    locked = client.post(reverse("login"), {"username": "motcua", "password": "ISO-demo-2024"})
    assert locked.status_code == 429
    assert AuditEvent.objects.filter(action="auth.login_failed", object_repr="motcua").count() >= 3

    client.post(reverse("login"), {"username": "danhgia", "password": "ISO-demo-2024"})
    page = client.get(reverse("audits:logins"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "motcua" in html and "Đăng nhập không thành công" in html
