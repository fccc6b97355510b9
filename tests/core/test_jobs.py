"""Long jobs: submitted after commit, run by the (eager) worker with progress, the result kept
for download by the requester only; a failure keeps its reason and can be retried once fixed."""

import pytest
from django.urls import reverse

from qms.core import jobs
from qms.core.models import Job, User

pytestmark = pytest.mark.django_db
CALLS = {"fail": True}


@jobs.handler("test.report")
def _report(job, progress):
    progress(40, "Đang tổng hợp số liệu")
    if job.params.get("fail") and CALLS["fail"]:
        raise ValueError("Không có dữ liệu kỳ báo cáo")
    return "bao-cao.txt", f"Báo cáo {job.params['year']}".encode()


def test_a_job_runs_after_commit_and_its_result_is_downloadable(
    demo, login, django_capture_on_commit_callbacks
):
    user = User.objects.get(username="thuky")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_submit(
            actor=user, kind="test.report", title="Báo cáo", params={"year": 2024}
        )
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == ("done", 100, 1)

    client = login("thuky")
    status = client.get(reverse("organisation:job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["download"]
    page = client.get(reverse("organisation:job", args=[job.pk])).content.decode()
    assert "Hoàn thành" in page and "Tải kết quả" in page
    download = client.get(status["download"])
    assert b"".join(download.streaming_content) == "Báo cáo 2024".encode()
    # Someone else's job does not exist for another user.
    other = login("motcua")
    assert other.get(reverse("organisation:job", args=[job.pk])).status_code == 404
    assert other.get(status["download"]).status_code == 404
    # Running a finished job again does nothing.
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.attempts == 1


def test_a_failed_job_shows_its_reason_and_can_be_retried(
    demo, login, django_capture_on_commit_callbacks
):
    user = User.objects.get(username="thuky")
    CALLS["fail"] = True
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_submit(
            actor=user, kind="test.report", title="Báo cáo", params={"year": 2024, "fail": True}
        )
    job.refresh_from_db()
    assert job.status == "failed" and job.error == "Không có dữ liệu kỳ báo cáo"
    client = login("thuky")
    assert (
        "Không có dữ liệu kỳ báo cáo"
        in client.get(reverse("organisation:job", args=[job.pk])).content.decode()
    )

    CALLS["fail"] = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organisation:job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == ("done", 2, "")
    # Retrying a job that did not fail is refused with a message, nothing changes.
    client.post(reverse("organisation:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.attempts == 2


def test_unknown_kind_is_refused(demo):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        jobs.job_submit(actor=None, kind="khong-co", title="x")
    assert not Job.objects.exists()
