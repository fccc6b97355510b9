"""The management review report job is run again when its worker died (the task is
acknowledged late and delivered again) and still leaves one report per job."""

from unittest import mock

import pytest
from django.utils import timezone

from audits.review import report as report_module
from audits.review.models import ReviewReport
from audits.review.services import (
    REPORT_JOB,
    review_compile_inputs,
    review_create,
    review_report_request,
    review_report_save,
)
from qms.core import jobs
from qms.core.models import Job, Notification, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(demo):
    thuky = User.objects.get(username="thuky")
    today = timezone.localdate()
    review = review_create(
        actor=thuky,
        title="Xem xét của lãnh đạo năm nay",
        period_from=today.replace(month=1, day=1),
        period_to=today,
        chair=User.objects.get(username="giamdoc"),
    )
    return review_compile_inputs(actor=thuky, review=review)


def requested(review) -> Job:
    """A report job as the page submits it (not yet run: no commit in the test)."""
    return review_report_request(actor=User.objects.get(username="thuky"), review=review)


def test_a_run_after_a_crash_that_followed_the_save_gives_one_report(review):
    job = requested(review)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)
    saved = ReviewReport.objects.get(job=job)
    first = job.result.read()
    assert saved.sha256 and saved.file.read() == first

    # The worker died after the report was saved, before the task was acknowledged: the job
    # is found RUNNING when the broker delivers the task again.
    job.status = Job.Status.RUNNING
    job.save()
    with mock.patch.object(report_module, "render_report", side_effect=AssertionError):
        jobs.job_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert ReviewReport.objects.filter(review=review).count() == 1
    assert job.result.read() == first  # the report saved by the first run
    assert Notification.objects.filter(kind="job.finished", object_id=str(job.pk)).count() == 2


def test_a_crash_before_the_save_leaves_nothing_and_the_next_run_makes_the_report(review):
    job = requested(review)
    with mock.patch.object(report_module, "render_report", side_effect=MemoryError):
        jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and not ReviewReport.objects.exists()
    assert job.error.startswith("Lỗi hệ thống khi thực hiện công việc (MemoryError).")

    job.status = Job.Status.RUNNING  # as if the worker itself had died there
    job.save()
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert list(ReviewReport.objects.values_list("job", flat=True)) == [job.pk]


def test_saving_twice_for_one_job_keeps_the_first_report(review):
    job = requested(review)
    first = review_report_save(job=job, review=review, name="a.pdf", content=b"%PDF-1 a")
    second = review_report_save(job=job, review=review, name="b.pdf", content=b"%PDF-1 b")
    assert second.pk == first.pk and ReviewReport.objects.count() == 1
    assert first.size == len(b"%PDF-1 a")


def test_two_jobs_make_two_reports(review):
    for _ in range(2):
        job = requested(review)
        jobs.job_run(job.pk)
    assert ReviewReport.objects.filter(review=review).count() == 2
    assert Job.objects.filter(kind=REPORT_JOB, status="done").count() == 2
