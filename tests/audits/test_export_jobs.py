"""The auditor's downloads as long jobs: the log search spreadsheet and a record's trail
(spreadsheet, certified PDF). The buttons submit a job; its file is what the direct download
gives; the job works as its requester, who must still hold the auditor's permission."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audits.exports import SEARCH_JOB, TRAIL_JOB, search_export_job
from qms.core import jobs
from qms.core.models import AuditEvent, Job, Membership, User
from qms.core.services import calendar_override_set, membership_set_primary

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(demo):
    admin = User.objects.get(username="admin")
    for day in (29, 30):
        calendar_override_set(
            actor=admin,
            date=dt.date(2024, 4, day),
            kind="day_off",
            reason=f"Quyết định nghỉ bù ngày {day}/4 của UBND tỉnh",
        )
    membership = User.objects.get(username="chuyenvien").memberships.first()
    membership_set_primary(actor=admin, membership=membership, is_primary=False)
    return {"admin": admin, "membership": membership}


def rows_of(content: bytes):
    return [list(row) for row in load_workbook(io.BytesIO(content)).active.values]


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def press(client, capture, url):
    with capture(execute=True):
        response = client.post(url)
    assert response.status_code == 302, response
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("organisation:job", args=[job.pk])
    job.refresh_from_db()
    return job


def download(client, job) -> bytes:
    response = client.get(reverse("organisation:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_search_button_makes_a_job_whose_file_is_the_direct_export(
    events, login, django_capture_on_commit_callbacks
):
    client = login("danhgia")
    page = client.get(reverse("audits:index"), {"action": "calendar.override"}).text
    url = reverse("audits:export") + "?action=calendar.override"
    assert f'<form method="post" action="{url}"' in page

    job = press(client, django_capture_on_commit_callbacks, url)

    assert (job.kind, job.status, job.params) == (
        SEARCH_JOB,
        "done",
        {"filters": {"action": "calendar.override"}},
    )
    content = download(client, job)
    direct = client.get(reverse("audits:export"), {"action": "calendar.override"}).content
    assert rows_of(content) == rows_of(direct)
    rows = rows_of(content)
    assert rows[0][0] == "Số" and len(rows) == 3
    assert {row[10] for row in rows[1:]} == {
        "Quyết định nghỉ bù ngày 29/4 của UBND tỉnh",
        "Quyết định nghỉ bù ngày 30/4 của UBND tỉnh",
    }


def test_search_job_refuses_bad_filters_and_reports_progress(events, login):
    client = login("danhgia")
    count = Job.objects.count()
    response = client.post(reverse("audits:export") + "?date_from=31/02/2024", follow=True)
    assert Job.objects.count() == count
    assert "ngày phải viết theo dạng ngày/tháng/năm" in response.text

    danhgia = User.objects.get(username="danhgia")
    job = Job(kind=SEARCH_JOB, title="x", params={"filters": {}}, requested_by=danhgia)
    calls = []
    name, content = search_export_job(job, lambda p, m="": calls.append((p, m)))
    total = AuditEvent.objects.count()
    assert len(rows_of(content)) == total + 1
    assert calls[0] == (2, "Tìm sự kiện")
    assert calls[-1] == (95, f"Đã ghi {total}/{total} dòng")
    assert [p for p, _m in calls] == sorted({p for p, _m in calls})


def test_a_job_of_someone_who_lost_the_permission_fails(events, django_capture_on_commit_callbacks):
    staff = User.objects.get(username="chuyenvien")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_submit(actor=staff, kind=SEARCH_JOB, title="x", params={"filters": {}})
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "Bạn không còn quyền thực hiện công việc này.")
    assert not job.result


@pytest.mark.parametrize("username", ["motcua", "chuyenvien"])
def test_staff_cannot_submit_exports(events, login, username):
    client = login(username)
    membership = events["membership"]
    count = Job.objects.count()
    for url in (
        reverse("audits:export"),
        reverse("audits:trail_pdf", args=["core.membership", membership.pk]),
        reverse("audits:trail_xlsx", args=["core.membership", membership.pk]),
    ):
        assert client.post(url).status_code == 403, url
    assert Job.objects.count() == count


def test_trail_buttons_make_jobs_whose_files_are_the_direct_downloads(
    events, login, django_capture_on_commit_callbacks
):
    membership = events["membership"]
    event = AuditEvent.objects.get(action="membership.set_primary")
    client = login("danhgia")
    args = ["core.membership", membership.pk]
    page = client.get(reverse("audits:trail", args=args)).text
    assert f'<form method="post" action="{reverse("audits:trail_pdf", args=args)}"' in page

    capture = django_capture_on_commit_callbacks
    xlsx = press(client, capture, reverse("audits:trail_xlsx", args=args))
    assert (xlsx.kind, xlsx.status, xlsx.result_name) == (
        TRAIL_JOB,
        "done",
        f"nhat-ky-core-membership-{membership.pk}.xlsx",
    )
    direct = client.get(reverse("audits:trail_xlsx", args=args)).content
    assert rows_of(download(client, xlsx)) == rows_of(direct)
    assert any(row and row[7] == event.seq for row in rows_of(direct))

    pdf = press(client, capture, reverse("audits:trail_pdf", args=args))
    assert pdf.status == "done" and pdf.result_name.endswith(".pdf")
    text = pdf_text(download(client, pdf))
    assert "BẢN SAO NHẬT KÝ KIỂM TRA" in text and "khớp với chuỗi" in text
    assert event.hash[:16] in text.replace(" ", "")
    direct_text = pdf_text(client.get(reverse("audits:trail_pdf", args=args)).content)
    # The same copy, but for the second it was printed at.
    printed = re.compile(r"In lúc \d\d:\d\d:\d\d \d\d/\d\d/\d{4}")
    assert printed.search(text) and printed.sub("", text) == printed.sub("", direct_text)


def test_a_trail_job_of_a_record_that_is_gone_fails_with_its_reason(
    events, login, django_capture_on_commit_callbacks
):
    membership = events["membership"]
    client = login("danhgia")
    job = press(
        client,
        django_capture_on_commit_callbacks,
        reverse("audits:trail_xlsx", args=["core.membership", membership.pk]),
    )
    assert job.status == "done"
    job.params = {**job.params, "object_type": "core.khongco"}
    job.status = Job.Status.QUEUED
    job.save()
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "Không có loại bản ghi này.")
    # A record that never existed is refused before any job is made.
    count = Job.objects.count()
    missing = client.post(reverse("audits:trail_xlsx", args=["core.membership", 999999]))
    assert missing.status_code == 302 and Job.objects.count() == count
    assert Membership.objects.filter(pk=membership.pk).exists()
