"""The admin's catalogue import as a long job: the uploaded file is kept, a worker imports it as
the requester (all or nothing, with the reason for the change), the row errors become the job's
failure reason in Vietnamese and nothing is written; a failed import can be run again."""

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procedures.importexport import catalogue_data, export_catalogue
from procedures.jobs import IMPORT_JOB
from procedures.models import ProcedureVersion
from qms.core import jobs
from qms.core.models import Job, OrgUnit, User
from qms.core.services import org_unit_create
from tests.procedures.test_importexport import (
    PERMIT,
    REASON,
    counts,
    empty_the_catalogue,
    step_rows,
)
from tests.procedures.test_importexport import catalogue as importexport_catalogue

pytestmark = pytest.mark.django_db
IMPORT_URL = "/admin/procedures/procedure/import/"


@pytest.fixture
def catalogue(demo):
    """The demo catalogue, as its JSON document."""
    return importexport_catalogue.__wrapped__(demo)


def upload_json(data, name="danh-muc.json"):
    return SimpleUploadedFile(name, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def post_import(client, capture, upload, reason=""):
    with capture(execute=True):
        response = client.post(IMPORT_URL, {"file": upload, "reason": reason})
    assert response.status_code == 302, response
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("organisation:job", args=[job.pk])
    job.refresh_from_db()
    return job


def test_a_good_file_is_kept_and_imported_by_a_job(
    catalogue, client, django_capture_on_commit_callbacks
):
    content = export_catalogue(fmt="xlsx")
    empty_the_catalogue()
    assert client.login(username="admin", password="ISO-demo-2024")
    page = client.get(IMPORT_URL)
    assert page.status_code == 200 and "công việc nền" in page.text

    job = post_import(
        client, django_capture_on_commit_callbacks, SimpleUploadedFile("danh-muc.xlsx", content)
    )

    assert (job.kind, job.status, job.error) == (IMPORT_JOB, "done", "")
    assert job.title == "Nhập danh mục TTHC từ tệp “danh-muc.xlsx”"
    assert catalogue_data() == catalogue
    summary = job.result.read().decode()
    assert f"Thủ tục: {len(catalogue['procedures'])} thêm mới" in summary
    assert PERMIT in summary
    # The uploaded file is kept, for the record and for a retry.
    with default_storage.open(job.params["file"], "rb") as stored:
        assert stored.read() == content
    assert job.params["format"] == "xlsx"
    job_page = client.get(reverse("organisation:job", args=[job.pk])).text
    assert "Hoàn thành" in job_page and "ket-qua-nhap-danh-muc.txt" in job_page


def test_a_bad_file_fails_with_every_row_error_and_writes_nothing(
    catalogue, client, django_capture_on_commit_callbacks
):
    step_rows(catalogue, PERMIT)[3]["responsible_unit"] = "phong-khong-co"
    step_rows(catalogue, "giao-khu-vuc-bien")[3]["time_value"] = 99
    empty_the_catalogue()
    before = counts()
    assert client.login(username="admin", password="ISO-demo-2024")

    job = post_import(client, django_capture_on_commit_callbacks, upload_json(catalogue))

    assert job.status == "failed" and not job.result
    lines = job.error.splitlines()
    assert lines[0] == "Tệp có 2 lỗi; không nhập dữ liệu nào."
    assert len(lines) == 3
    assert any("Không có đơn vị mã “phong-khong-co”" in line for line in lines)
    assert any("vượt thời hạn giải quyết theo quy định" in line for line in lines)
    assert all(line.startswith("dòng ") for line in lines[1:])
    assert counts() == before
    page = client.get(reverse("organisation:job", args=[job.pk])).text
    assert "Tệp có 2 lỗi; không nhập dữ liệu nào." in page
    assert "Không có đơn vị mã “phong-khong-co”" in page
    assert reverse("organisation:job_retry", args=[job.pk]) in page


def test_a_failed_import_runs_again_from_the_kept_file_once_the_cause_is_fixed(
    catalogue, client, django_capture_on_commit_callbacks
):
    step_rows(catalogue, PERMIT)[3]["responsible_unit"] = "phong-moi"
    empty_the_catalogue()
    before = counts()
    assert client.login(username="admin", password="ISO-demo-2024")
    job = post_import(client, django_capture_on_commit_callbacks, upload_json(catalogue))
    assert job.status == "failed" and "“phong-moi”" in job.error
    assert counts() == before

    # The administrator creates the missing unit, then runs the same file again.
    model = OrgUnit.objects.get(code="moi-truong")
    org_unit_create(
        actor=User.objects.get(username="admin"),
        agency=model.agency,
        parent=model.parent,
        code="phong-moi",
        name="Phòng mới thành lập",
        kind=model.kind,
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organisation:job_retry", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    assert catalogue_data() == catalogue


def test_the_reason_for_the_change_is_kept(catalogue, client, django_capture_on_commit_callbacks):
    step_rows(catalogue, PERMIT)[3]["title"] = "Thẩm định hồ sơ, kiểm tra thực tế"
    assert client.login(username="admin", password="ISO-demo-2024")

    without = post_import(client, django_capture_on_commit_callbacks, upload_json(catalogue))
    assert without.status == "failed" and "phải ghi lý do thay đổi" in without.error

    job = post_import(
        client, django_capture_on_commit_callbacks, upload_json(catalogue), reason=REASON
    )

    assert job.status == "done" and job.params["reason"] == REASON
    assert f"Lý do thay đổi: {REASON}" in job.result.read().decode()
    version = ProcedureVersion.objects.get(procedure__key=PERMIT)
    assert version.history.latest().history_change_reason == REASON
    assert version.steps.get(order=4).title == "Thẩm định hồ sơ, kiểm tra thực tế"


def test_an_import_run_again_after_a_crash_gives_one_result(
    catalogue, django_capture_on_commit_callbacks
):
    admin = User.objects.get(username="admin")
    empty_the_catalogue()
    stored = default_storage.save("jobs/inputs/test/danh-muc.json", upload_json(catalogue))
    job = jobs.job_submit(
        actor=admin,
        kind=IMPORT_JOB,
        title="Nhập",
        params={"file": stored, "name": "danh-muc.json", "format": "json", "reason": ""},
    )
    job.status = Job.Status.RUNNING  # its worker died before writing anything
    job.save()

    jobs.job_run(job.pk)
    jobs.job_run(job.pk)  # the task delivered once more: the job is done, nothing happens

    job.refresh_from_db()
    assert (job.status, job.attempts, job.result_name) == ("done", 1, "ket-qua-nhap-danh-muc.txt")
    assert f"Thủ tục: {len(catalogue['procedures'])} thêm mới" in job.result.read().decode()
    assert catalogue_data() == catalogue


def test_an_import_by_someone_without_the_right_fails_and_writes_nothing(
    catalogue, django_capture_on_commit_callbacks
):
    empty_the_catalogue()
    before = counts()
    stored = default_storage.save("jobs/inputs/test/danh-muc.json", upload_json(catalogue))
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_submit(
            actor=User.objects.get(username="motcua"),
            kind=IMPORT_JOB,
            title="Nhập",
            params={"file": stored, "format": "json"},
        )
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "Bạn không còn quyền nhập danh mục thủ tục.")
    assert counts() == before
