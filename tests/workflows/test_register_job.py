"""Mẫu 06 export as a long job: the page's buttons submit a job with the filters applied; the
job validates them again and re-scopes the rows to its requester (``dossiers_visible_to``), so
its file is the one the direct export gives that user, and never holds another unit's row."""

import io

import openpyxl
import pypdf
import pytest
from django.urls import reverse

from procedures.models import FormTemplate
from qms.core import jobs
from qms.core.models import Job, User
from tests.workflows import test_register
from tests.workflows.test_register import data_rows
from workflows.register import EXPORT_JOB, register_export_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossiers(demo):
    """The register tests' dossiers: three received of two units, one incomplete."""
    return test_register.dossiers.__wrapped__(demo)


def run_export(client, capture, name="workflow:register_export", **filters):
    """Press the page's export button with ``filters`` applied; return the finished job."""
    url = reverse(name)
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    with capture(execute=True):
        response = client.post(f"{url}?{query}" if query else url)
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("organisation:job", args=[job.pk])
    job.refresh_from_db()
    return job


def downloaded(client, job) -> bytes:
    response = client.get(reverse("organisation:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def workbook_values(content: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return (
        [list(row) for row in sheet.iter_rows(values_only=True)],
        sorted(str(r) for r in sheet.merged_cells.ranges),
        sheet.page_setup.orientation,
    )


def pdf_text(content: bytes) -> str:
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_the_page_buttons_post_to_the_exports_with_the_filters(login, dossiers):
    html = login("giamdoc").get(reverse("workflow:register"), {"status": "issued"}).text
    export = reverse("workflow:register_export")
    assert f'<form method="post" action="{export}?status=issued"' in html
    assert f'<form method="post" action="{reverse("workflow:register_pdf")}?status=issued"' in html


def test_the_job_file_is_the_direct_export(login, dossiers, django_capture_on_commit_callbacks):
    client = login("giamdoc")

    job = run_export(client, django_capture_on_commit_callbacks, **{"from": "01/05/2024"})

    assert (job.status, job.progress, job.kind) == ("done", 100, EXPORT_JOB)
    assert job.params == {"filters": {"from": "01/05/2024"}, "format": "xlsx"}
    assert job.title == "Sổ theo dõi hồ sơ (Mẫu 06), tệp Excel — Từ ngày 01/05/2024"
    assert job.result_name.startswith("so-theo-doi-ho-so-") and job.result_name.endswith(".xlsx")
    content = downloaded(client, job)
    direct = client.get(reverse("workflow:register_export"), {"from": "01/05/2024"}).content
    assert workbook_values(content) == workbook_values(direct)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [row[1] for row in data_rows(sheet)] == [
        dossiers["open_water"].code,
        dossiers["finished"].code,
    ]


def test_the_printed_register_job_is_the_direct_pdf(
    login, dossiers, django_capture_on_commit_callbacks
):
    assert FormTemplate.objects.filter(kind=FormTemplate.Kind.REGISTER).exists()
    client = login("giamdoc")

    job = run_export(client, django_capture_on_commit_callbacks, name="workflow:register_pdf")

    assert job.status == "done" and job.result_name.endswith(".pdf")
    content = downloaded(client, job)
    direct = client.get(reverse("workflow:register_pdf")).content
    assert pdf_text(content) == pdf_text(direct)
    assert dossiers["open_water"].code in pdf_text(content).replace("\n", "")


def test_a_specialist_job_holds_only_the_dossiers_of_the_unit(
    login, dossiers, django_capture_on_commit_callbacks
):
    client = login("chuyenvien.nuoc")
    job = run_export(client, django_capture_on_commit_callbacks)
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(client, job))).active
    assert [row[1] for row in data_rows(sheet)] == [dossiers["open_water"].code]

    # Parameters written by hand, asking for the other unit: still nothing of it.
    environment = dossiers["open_permit"].handling_unit
    with django_capture_on_commit_callbacks(execute=True):
        crafted = jobs.job_submit(
            actor=User.objects.get(username="chuyenvien.nuoc"),
            kind=EXPORT_JOB,
            title="Sổ",
            params={"filters": {"unit": str(environment.pk)}, "format": "xlsx"},
        )
    crafted.refresh_from_db()
    sheet = openpyxl.load_workbook(io.BytesIO(crafted.result.read())).active
    assert crafted.status == "done" and data_rows(sheet) == []
    # Someone else's job cannot be downloaded.
    other = login("chuyenvien")
    assert other.get(reverse("organisation:job_download", args=[job.pk])).status_code == 404


def test_a_bad_filter_sends_back_to_the_page_and_makes_no_job(login, dossiers):
    count = Job.objects.count()
    response = login("giamdoc").post(reverse("workflow:register_export") + "?status=lost")
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:register") + "?status=lost"
    assert Job.objects.count() == count


def test_the_job_checks_its_filters_and_its_requester_again(
    dossiers, django_capture_on_commit_callbacks
):
    giamdoc = User.objects.get(username="giamdoc")
    with django_capture_on_commit_callbacks(execute=True):
        bad = jobs.job_submit(
            actor=giamdoc, kind=EXPORT_JOB, title="Sổ", params={"filters": {"status": "lost"}}
        )
    bad.refresh_from_db()
    assert bad.status == "failed" and not bad.result
    assert bad.error.startswith("Bộ lọc “Trạng thái” không hợp lệ")

    job = jobs.job_submit(actor=giamdoc, kind=EXPORT_JOB, title="Sổ", params={"filters": {}})
    giamdoc.is_active = False
    giamdoc.save()
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "Người yêu cầu không còn hoạt động: không thực hiện công việc."


def test_progress_is_reported_as_rows_are_written(dossiers):
    job = Job(
        kind=EXPORT_JOB,
        title="Sổ",
        params={"filters": {}, "format": "xlsx"},
        requested_by=User.objects.get(username="giamdoc"),
    )
    calls = []

    name, content = register_export_job(
        job, lambda percent, message="": calls.append((percent, message))
    )

    assert name.endswith(".xlsx") and content
    assert calls == [
        (2, "Lọc hồ sơ"),
        (33, "Đã ghi 1/3 dòng"),
        (61, "Đã ghi 2/3 dòng"),
        (90, "Đã ghi 3/3 dòng"),
    ]
