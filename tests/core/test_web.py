"""The pages a member of staff sees first: login, inbox, queue, archive, directory, calendar."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/workflow/inbox/",
    "/workflow/queue/",
    "/workflow/archive/",
    "/organisation/",
    "/organisation/calendar/",
    "/organisation/calendar/2025/",
    "/accounts/profile/",
]


def test_anonymous_visitor_is_sent_to_login(client):
    for url in ["/", *STAFF_PAGES, "/organisation/calendar/2024/pdf/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/?next=" in response["Location"], url


def test_login_page_is_vietnamese(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="vi"' in html
    assert "Đăng nhập" in html


def test_login_as_one_stop_officer_lands_on_the_vietnamese_inbox(client, demo):
    login_page = client.get("/accounts/login/")
    assert login_page.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "motcua", "password": "ISO-demo-2024"}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/workflow/inbox/")
    assert '<html lang="vi"' in html
    assert "Việc của tôi" in html
    assert "Trần Thị Mai" in html or "motcua" in html
    # viewflow's own menu strings come through our Vietnamese catalogue.
    assert ">Inbox<" not in html and ">Queue<" not in html


def test_wrong_password_is_refused_in_vietnamese(client, demo):
    response = client.post("/accounts/login/", {"username": "motcua", "password": "sai"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "không đúng" in response.content.decode().lower() or "vui lòng" in (
        response.content.decode().lower()
    )


@pytest.mark.parametrize("username", ["motcua", "chuyenvien", "giamdoc", "danhgia", "admin"])
def test_every_staff_page_opens_in_vietnamese(login, demo, username):
    client = login(username)
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 200, (username, url)
        assert '<html lang="vi"' in response.content.decode(), url


def test_user_switches_to_english_and_back(login, demo):
    client = login("chuyenvien")
    assert client.post("/accounts/profile/", {"language": "en"}).status_code == 302
    html = client.get("/workflow/inbox/").content.decode()
    assert '<html lang="en"' in html
    assert "My tasks" in html and "Việc của tôi" not in html
    client.post("/accounts/profile/", {"language": "vi"})
    assert '<html lang="vi"' in client.get("/workflow/inbox/").content.decode()


def test_unknown_language_is_refused_and_nothing_changes(login, demo):
    client = login("chuyenvien")
    response = client.post("/accounts/profile/", {"language": "xx"})
    assert response.status_code == 400
    from qms.core.models import User

    assert User.objects.get(username="chuyenvien").language == "vi"


def test_deadline_calculator_gives_the_legal_date(login, demo):
    client = login("motcua")
    response = client.get(
        "/organisation/calendar/2024/",
        {"received_at": "2025-01-24T10:00", "value": 10, "unit": "working_days"},
    )
    html = response.content.decode()
    assert re.search(r"17:00 ngày 14/02/2025", html)


def test_deadline_calculator_rejects_bad_input_in_vietnamese(login, demo):
    client = login("motcua")
    html = client.get(
        "/organisation/calendar/", {"received_at": "hôm qua", "value": -3, "unit": "tuần"}
    ).content.decode()
    assert "due-result" not in html
    assert "Nhập" in html or "hợp lệ" in html


def test_calendar_year_out_of_range_is_404(login, demo):
    client = login("motcua")
    assert client.get("/organisation/calendar/1900/").status_code == 404


def test_calendar_pdf_downloads(login, demo):
    client = login("motcua")
    response = client.get(reverse("organisation:calendar_pdf", args=[2024]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_directory_lists_units_and_people(login, demo):
    html = login("motcua").get("/organisation/").content.decode()
    assert "Phòng Tài nguyên nước - Khoáng sản - Khí tượng thủy văn" in html
    assert "Nguyễn Thị Hồng" in html


def test_inbox_and_queue_pages_use_a_fixed_number_of_queries(
    login, demo, django_assert_max_num_queries
):
    client = login("truongphong")
    client.get("/workflow/queue/")  # warm caches (content types, sessions)
    # 16: the header's unread-notification count is one query on every page.
    with django_assert_max_num_queries(16):
        assert client.get("/workflow/queue/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get("/workflow/inbox/").status_code == 200
