"""The production stack end to end: PostgreSQL, Redis, a real Celery worker and beat.

Dossiers are started through the real pages; beat fires their timers and the reminder scan;
a worker is killed with SIGKILL in the middle of a task, a new one is started, and the work is
found done exactly once (late acknowledgement redelivers the task; the tasks are idempotent).
"""

import datetime as dt
import time

from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audits.review.models import ReviewReport
from audits.review.services import review_compile_inputs, review_create, review_report_request
from procedures.demo import load_demo_catalogue
from procedures.models import Procedure
from qms.core.calendar import WorkingCalendar
from qms.core.demo import load_demo
from qms.core.models import Job, Notification, User
from workflows.demo import APPLICANTS, DemoOffice, _until, clock_at
from workflows.flows import DossierFlow
from workflows.handovers import dossier_process

from .conftest import wait_for


def working_days_ago(n: int) -> dt.date:
    calendar, day = WorkingCalendar.load(), timezone.localdate()
    while n:
        day -= dt.timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def subjects(stack) -> list[str]:
    return [
        line.removeprefix("Subject: ")
        for mail in stack.mails()
        for line in mail.splitlines()
        if line.startswith("Subject: ")
    ]


def test_a_worker_killed_in_the_middle_of_a_report_job_finishes_it_exactly_once(running):
    load_demo()
    secretary = User.objects.get(username="thuky")
    review = review_create(
        actor=secretary,
        title="Xem xét của lãnh đạo năm 2024",
        period_from=dt.date(2024, 1, 1),
        period_to=dt.date(2024, 12, 31),
        chair=User.objects.get(username="giamdoc"),
    )
    review = review_compile_inputs(actor=secretary, review=review)
    marker = running.directory / "paused-job"
    pause = {
        "QMS_INTEGRATION_PAUSE": "job:management_review_report",
        "QMS_INTEGRATION_MARKER": str(marker),
    }
    doomed = running.worker(**pause)

    job = review_report_request(actor=secretary, review=review)

    # The PDF is rendered, nothing saved yet, when the worker dies.
    wait_for(marker.exists, stack=running, what="công việc chạy tới điểm dừng")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == (Job.Status.RUNNING, 1, 90)
    assert not ReviewReport.objects.filter(review=review).exists()
    running.kill(doomed)

    running.worker(**pause)  # the marker is there: the redelivered run goes straight through
    wait_for(
        lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE,
        stack=running,
        what="công việc được giao lại và hoàn thành",
    )
    job.refresh_from_db()
    assert job.attempts == 2
    assert job.result_name.endswith(".pdf") and job.result.size > 1000
    assert ReviewReport.objects.filter(review=review).count() == 1
    assert ReviewReport.objects.get(review=review).job_id == job.pk
    # One notice to the requester (in the app only: "job finished" is not e-mailed by default).
    notices = Notification.objects.filter(recipient=secretary, kind="job.finished")
    assert list(notices.values_list("key", flat=True)) == [f"job-done:{job.pk}:2"]


def test_timers_fire_through_beat_and_reminders_arrive_once_across_a_killed_worker(running):
    demo = load_demo()
    load_demo_catalogue(agency=demo["agency"])
    procedure = Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")  # 10 working days
    office = DemoOffice()
    received = working_days_ago(12)
    with clock_at(at(received, 8)):
        dossier = office.as_user("motcua").receive(procedure, APPLICANTS[0])
    with clock_at(at(received, 9)):
        _until(office, dossier, "appraise", head="truongphong", specialist="chuyenvien")
    process = dossier_process(dossier)
    appraise = Task.objects.get(process=process, flow_task=DossierFlow.appraise)
    timer = Task.objects.get(previous=appraise, flow_task_type="TIMER")
    assert timer.status == STATUS.SCHEDULED  # armed in the past: due at once
    assert dossier.legal_due_at < timezone.now()

    marker = running.directory / "paused-reminders"
    running.beat()
    doomed = running.worker(QMS_INTEGRATION_PAUSE="reminders", QMS_INTEGRATION_MARKER=str(marker))
    wait_for(marker.exists, stack=running, what="lượt nhắc việc dừng giữa chừng")
    running.kill(doomed)
    running.worker()

    head = User.objects.get(username="truongphong")
    wait_for(
        lambda: Notification.objects.filter(
            recipient=head, kind="dossier.step_overdue", key=f"step-overdue:{appraise.pk}"
        ).exists(),
        stack=running,
        what="trưởng phòng nhận cảnh báo bước quá hạn",
    )
    wait_for(
        lambda: Notification.objects.filter(kind="dossier.apology_due").exists(),
        stack=running,
        what="nhắc gửi phiếu xin lỗi",
    )
    timer.refresh_from_db()
    assert timer.status == STATUS.DONE
    assert dossier_process(dossier).data["overdue_tasks"] == [appraise.pk]

    # Several more beat ticks: nothing is sent twice.
    first = set(Notification.objects.values_list("recipient_id", "key"))
    wait_for(
        lambda: not Notification.objects.filter(emailed_at=None, read_at=None).exists(),
        stack=running,
        what="mọi thông báo đã gửi thư",
    )
    time.sleep(10)
    rows = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(rows) == len(set(rows)) == len(first)
    assert len(subjects(running)) == Notification.objects.exclude(emailed_at=None).count()
