"""Long jobs: submitted after commit, run by the (eager) worker with progress, the result kept
for download by the requester only; a failure keeps its reason and can be retried once fixed."""

import pytest
from django.urls import reverse

from qms.core import jobs
from qms.core.models import Job, Notification, User

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


# --- running again after a crash, one result --------------------------------------------------

RUNS = {"count": 0}


@jobs.handler("test.count")
def _count(job, progress):
    RUNS["count"] += 1
    return "lan-chay.txt", f"lần {RUNS['count']}".encode()


def test_a_job_left_running_by_a_dead_worker_runs_again_and_gives_one_result(
    demo, django_capture_on_commit_callbacks
):
    user = User.objects.get(username="thuky")
    job = jobs.job_submit(actor=user, kind="test.count", title="Đếm")  # not sent: no commit
    # The worker took it and died before finishing: the broker delivers the task again.
    job.status, job.attempts = Job.Status.RUNNING, 1
    job.save()
    RUNS["count"] = 0

    jobs.job_run(job.pk)
    jobs.job_run(job.pk)  # a further delivery of the same task

    job.refresh_from_db()
    assert (job.status, job.attempts, RUNS["count"]) == ("done", 2, 1)
    assert job.result.read() == "lần 1".encode()
    assert Notification.objects.filter(recipient=user, kind="job.finished").count() == 1


def test_a_failed_job_is_not_run_again_by_a_redelivery(demo):
    user = User.objects.get(username="thuky")
    job = jobs.job_submit(actor=user, kind="test.count", title="Đếm")
    job.status, job.error = Job.Status.FAILED, "Lỗi cũ"
    job.save()
    RUNS["count"] = 0

    jobs.job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.error, RUNS["count"]) == ("failed", 0, "Lỗi cũ", 0)


@jobs.handler("test.race")
def _race(job, progress):
    # Another delivery of the same job finished while this one ran.
    jobs.job_complete(job, name="dau-tien.txt", content=b"first")
    return "thu-hai.txt", b"second"


def test_the_result_of_the_run_that_finished_first_stands(demo):
    user = User.objects.get(username="thuky")
    job = jobs.job_submit(actor=user, kind="test.race", title="Chạy song song")

    jobs.job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.result_name, job.result.read()) == ("done", "dau-tien.txt", b"first")
    assert Notification.objects.filter(recipient=user, kind="job.finished").count() == 1


# --- progress ---------------------------------------------------------------------------------


@jobs.handler("test.rows")
def _rows(job, progress):
    report = jobs.rows_progress(progress, start=10, end=90)
    total = job.params["rows"]
    seen = []
    for done in range(1, total + 1):
        report(done, total)
        seen.append(Job.objects.get(pk=job.pk).progress)
    return "dong.txt", ",".join(map(str, seen)).encode()


def test_progress_follows_the_rows_written_without_history_rows(demo):
    user = User.objects.get(username="thuky")
    job = jobs.job_submit(actor=user, kind="test.rows", title="Dòng", params={"rows": 400})
    history_before = job.history.count()

    jobs.job_run(job.pk)

    job.refresh_from_db()
    seen = [int(p) for p in job.result.read().decode().split(",")]
    assert seen[0] == 10 and seen[199] == 50 and seen[-1] == 90
    assert seen == sorted(seen)
    assert job.status == "done" and job.progress == 100 and job.message == ""
    # Start and end are history; the 80 progress saves are not.
    assert job.history.count() == history_before + 2


def test_a_worker_finds_the_handlers_of_every_app():
    """A worker process imports no page: the handlers are found through each app's jobs."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django; django.setup(); from qms.core import jobs; "
        "assert 'register_export' not in jobs.HANDLERS; jobs._discover('register_export'); "
        "print(' '.join(sorted(jobs.HANDLERS)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert set(out.stdout.split()) >= {
        "audit_search_export",
        "audit_trail_export",
        "catalogue_import",
        "management_review_report",
        "register_export",
    }


# --- notifications ----------------------------------------------------------------------------


def test_the_requester_is_told_when_the_job_ends_once_per_run(
    demo, login, django_capture_on_commit_callbacks
):
    user = User.objects.get(username="thuky")
    CALLS["fail"] = True
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_submit(
            actor=user, kind="test.report", title="Báo cáo năm", params={"year": 2024, "fail": 1}
        )
    failed = Notification.objects.get(recipient=user)
    assert (failed.kind, failed.title, failed.key) == (
        "job.failed",
        "Công việc bị lỗi: Báo cáo năm",
        f"job-done:{job.pk}:1",
    )
    assert failed.url == reverse("organisation:job", args=[job.pk])
    jobs.job_run(job.pk)  # a redelivery of the failed run tells nobody again
    assert Notification.objects.filter(recipient=user).count() == 1

    CALLS["fail"] = False
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_retry(actor=user, job=job)
    done = Notification.objects.filter(recipient=user).latest("pk")
    assert (done.kind, done.title, done.key) == (
        "job.finished",
        "Đã xong: Báo cáo năm",
        f"job-done:{job.pk}:2",
    )
    assert Notification.objects.filter(recipient=user).count() == 2
    # Nobody else hears of it.
    assert not Notification.objects.exclude(recipient=user).exists()


# --- “Công việc của tôi” ---------------------------------------------------------------------


def test_my_jobs_lists_my_jobs_newest_first_with_status_and_actions(
    demo, login, django_capture_on_commit_callbacks
):
    thuky, motcua = User.objects.get(username="thuky"), User.objects.get(username="motcua")
    CALLS["fail"] = True
    with django_capture_on_commit_callbacks(execute=True):
        done = jobs.job_submit(
            actor=thuky, kind="test.report", title="Báo cáo A", params={"year": 1}
        )
    with django_capture_on_commit_callbacks(execute=True):
        failed = jobs.job_submit(
            actor=thuky, kind="test.report", title="Báo cáo B", params={"year": 2, "fail": 1}
        )
    queued = jobs.job_submit(actor=thuky, kind="test.report", title="Báo cáo C", params={})
    jobs.job_submit(actor=motcua, kind="test.report", title="Việc của người khác", params={})

    client = login("thuky")
    response = client.get(reverse("organisation:jobs"))

    assert response.status_code == 200
    assert [job.pk for job in response.context["jobs"]] == [queued.pk, failed.pk, done.pk]
    html = response.content.decode()
    assert "Việc của người khác" not in html and "Người yêu cầu" not in html
    assert reverse("organisation:job_download", args=[done.pk]) in html
    assert "Không có dữ liệu kỳ báo cáo" in html  # the failure's reason
    assert reverse("organisation:job_retry", args=[failed.pk]) in html
    assert reverse("organisation:job_retry", args=[done.pk]) not in html
    assert "Hoàn thành" in html and "Lỗi" in html and "Đang chờ" in html
    assert "delete" not in html.lower() and "Xóa" not in html
    # The menu of the organisation app leads there.
    assert reverse("organisation:jobs") in client.get(reverse("organisation:index")).text

    # Retry from the list: back on the job's page, which now shows the result.
    CALLS["fail"] = False
    with django_capture_on_commit_callbacks(execute=True):
        retry = client.post(reverse("organisation:job_retry", args=[failed.pk]))
    assert retry["Location"] == reverse("organisation:job", args=[failed.pk])
    failed.refresh_from_db()
    assert failed.status == "done"


def test_my_jobs_is_paginated(demo, login):
    user = User.objects.get(username="thuky")
    for number in range(30):
        jobs.job_submit(actor=user, kind="test.report", title=f"Việc số {number}", params={})
    client = login("thuky")

    first = client.get(reverse("organisation:jobs"))
    second = client.get(reverse("organisation:jobs"), {"page": 2})

    assert len(first.context["jobs"]) == 25 and len(second.context["jobs"]) == 5
    assert "Việc số 29" in first.text and "Việc số 0<" in second.text.replace("</a>", "<")
    assert "Trang 1/2" in first.text


def test_administrators_see_every_job_with_its_requester(demo, login):
    thuky, motcua = User.objects.get(username="thuky"), User.objects.get(username="motcua")
    mine = jobs.job_submit(actor=thuky, kind="test.report", title="Việc của thư ký", params={})
    theirs = jobs.job_submit(actor=motcua, kind="test.report", title="Việc một cửa", params={})

    response = login("admin").get(reverse("organisation:jobs"))

    assert [job.pk for job in response.context["jobs"]][:2] == [theirs.pk, mine.pk]
    html = response.content.decode()
    assert "Người yêu cầu" in html
    assert thuky.get_full_name() in html and motcua.get_full_name() in html
    # Staff see only their own.
    assert [j.pk for j in login("motcua").get(reverse("organisation:jobs")).context["jobs"]] == [
        theirs.pk
    ]
