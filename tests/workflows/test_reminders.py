"""Reminders of the dossier workflow through the notification centre, on real dossiers driven
through the pages under a frozen clock (:func:`workflows.demo.clock_at`).

The dossiers are received on Friday 26/04/2024. The offices are closed from Saturday 27/04 to
Wednesday 01/05/2024 (weekend, Monday 29/04 swapped for Saturday 04/05, then 30/4 and 1/5), so
"within one working day" of Friday afternoon reaches Thursday 02/05, six calendar days later.
Procedure "Cấp điều chỉnh giấy phép môi trường": 10 working days → due 17:00 14/05/2024;
assignment half a day (4 office hours), appraisal 6 days (48 office hours); office hours
07:00–11:00 and 13:00–17:00.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.demo import load_demo_catalogue
from procedures.models import Dossier, FormTemplate, Procedure
from qms.core.calendar import WorkingCalendar
from qms.core.demo import load_demo
from qms.core.models import Notification, OrgUnit, User
from tests.workflows.test_dossier_flow import Office
from workflows.demo import clock_at
from workflows.flows import DossierFlow
from workflows.handovers import dossier_process
from workflows.reminders import due_reminders_send
from workflows.tasks import fire_workflow_timers, send_due_reminders

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOTHING = {
    "dossier.step_due": 0,
    "dossier.due": 0,
    "dossier.apology_due": 0,
    "dossier.step_overdue": 0,
}


def at(month, day, hour=8, minute=30) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=VN)


@pytest.fixture(scope="module")
def department(django_db_setup, django_db_blocker):
    """The demo department and catalogue, loaded once for the module inside a transaction
    rolled back at its end; each test runs in a savepoint of it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo = load_demo()
            load_demo_catalogue(agency=demo["agency"])
            yield demo
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def office(department, db, client):
    return Office(client)


@pytest.fixture
def procedure(department, db):
    return Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")


def user(username) -> User:
    return User.objects.get(username=username)


def step(office, username, dossier, node, data, moment):
    with clock_at(moment):
        office.as_user(username).do(dossier, node, data)


def received(office, procedure, moment=None) -> Dossier:
    with clock_at(moment or at(4, 26, 8, 30)):
        return office.as_user("motcua").receive(procedure)


def at_appraisal(office, procedure) -> Dossier:
    """Received 08:30 26/04, transferred 14:00, assigned to chuyenvien 14:30: the appraisal
    (48 office hours) is due 14:30 08/05/2024."""
    dossier = received(office, procedure)
    step(office, "motcua", dossier, "transfer", {}, at(4, 26, 14, 0))
    handler = {"handler": user("chuyenvien").pk}
    step(office, "truongphong", dossier, "assign", handler, at(4, 26, 14, 30))
    return dossier


def task_of(dossier, node) -> Task:
    return Task.objects.get(
        process=dossier_process(dossier),
        flow_task=getattr(DossierFlow, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


def run(moment, capture=None):
    """The beat task at ``moment``; its e-mails leave when the transaction commits."""
    with clock_at(moment):
        if capture is None:
            return send_due_reminders()
        with capture(execute=True):
            return send_due_reminders()


def sent() -> set[tuple[str, str]]:
    return set(Notification.objects.values_list("recipient__username", "key"))


def only(key) -> Notification:
    return Notification.objects.get(key=key)


# --- step due within one working day ------------------------------------------------------------


def test_the_calendar_of_the_scenario():
    calendar = WorkingCalendar.load()
    assert calendar.next_working_day(dt.date(2024, 4, 26)) == dt.date(2024, 5, 2)
    assert calendar.add_working_days(dt.date(2024, 4, 26), 10) == dt.date(2024, 5, 14)


def test_a_step_due_after_the_holidays_is_reminded_on_the_last_working_day_before_them(
    office, procedure, mailoutbox, django_capture_on_commit_callbacks
):
    dossier = received(office, procedure)
    step(office, "motcua", dossier, "transfer", {}, at(4, 26, 14, 0))
    assign = task_of(dossier, "assign")
    # Four office hours from 14:00 Friday: three on Friday, one after the holidays.
    title = f"Hồ sơ {dossier.code}: bước “Phân công chuyên viên thụ lý” đến hạn 08:00 02/05/2024"

    counts = run(at(4, 26, 15, 0), django_capture_on_commit_callbacks)

    assert counts == {**NOTHING, "dossier.step_due": 1}
    # Nobody has taken it: everyone who may take it, i.e. the unit head of Phòng Môi trường.
    assert sent() == {("truongphong", f"step-due:{assign.pk}")}
    reminder = only(f"step-due:{assign.pk}")
    assert reminder.kind == "dossier.step_due"
    assert reminder.title == title
    assert reminder.url == f"/workflow/flows/dossier/{assign.process_id}/assign/{assign.pk}/"
    assert reminder.object_id == str(dossier.pk)
    assert "Đơn vị thực hiện: Phòng Môi trường; người xử lý: chưa có người nhận" in reminder.body
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["truongphong@demo.stnmt.soctrang.invalid"], f"[ISO điện tử] {title}")
    ]

    # Run again (the next quarter of an hour, a retry): nothing new, no second e-mail.
    assert run(at(4, 26, 15, 15), django_capture_on_commit_callbacks) == NOTHING
    assert sent() == {("truongphong", f"step-due:{assign.pk}")}
    assert len(mailoutbox) == 1


def test_a_step_due_after_the_next_working_day_is_not_reminded_yet(office, procedure):
    """The appraisal (48 office hours from 14:30 26/04, the make-up Saturday 04/05 counted) is
    due 14:30 08/05: at 16:00 on Monday 06/05 the next working day is Tuesday 07/05, too soon
    to remind; the legal appointment (14/05) neither."""
    dossier = at_appraisal(office, procedure)
    assert run(at(5, 2, 9, 0)) == NOTHING
    assert run(at(5, 6, 16, 0)) == NOTHING
    assert not Notification.objects.exists()
    assert run(at(5, 7, 7, 0)) == {**NOTHING, "dossier.step_due": 1}
    assert only(f"step-due:{task_of(dossier, 'appraise').pk}").title.endswith(
        "đến hạn 14:30 08/05/2024"
    )


def test_an_assigned_step_is_reminded_to_its_owner_only(office, procedure):
    dossier = at_appraisal(office, procedure)
    appraise = task_of(dossier, "appraise")
    assert appraise.owner == user("chuyenvien")
    assert run(at(5, 7, 16, 0)) == {**NOTHING, "dossier.step_due": 1}
    assert sent() == {("chuyenvien", f"step-due:{appraise.pk}")}
    assert only(f"step-due:{appraise.pk}").title == (
        f"Hồ sơ {dossier.code}: bước “Thẩm định hồ sơ” đến hạn 14:30 08/05/2024"
    )
    assert "người xử lý: Lê Văn Hùng" in only(f"step-due:{appraise.pk}").body


def test_nobody_is_reminded_of_a_dossier_they_may_not_see(office, procedure):
    """A member of another unit holding the step's permission on Phòng Môi trường (a row left
    behind, say) would be in the queue's candidates, but cannot see the dossier: nothing."""
    other = user("truongphong.nuoc")
    assign_perm("core.act_unit_head", other, OrgUnit.objects.get(code="moi-truong"))
    dossier = received(office, procedure)
    step(office, "motcua", dossier, "transfer", {}, at(4, 26, 14, 0))
    assign = task_of(dossier, "assign")

    run(at(4, 26, 15, 0))

    assert sent() == {("truongphong", f"step-due:{assign.pk}")}
    for username in ("truongphong.nuoc", "chuyenvien.nuoc", "truongphong.datdai"):
        assert not Notification.objects.filter(recipient__username=username).exists(), username


# --- escalation of an overdue step --------------------------------------------------------------


def test_an_overdue_step_reaches_the_unit_head_once_when_its_timer_fires(
    office, procedure, mailoutbox, django_capture_on_commit_callbacks
):
    dossier = at_appraisal(office, procedure)
    appraise = task_of(dossier, "appraise")
    with clock_at(at(5, 8, 14, 29)), django_capture_on_commit_callbacks(execute=True):
        assert fire_workflow_timers() == 0
    assert not Notification.objects.filter(kind="dossier.step_overdue").exists()

    with clock_at(at(5, 8, 14, 31)), django_capture_on_commit_callbacks(execute=True):
        assert fire_workflow_timers() == 1

    key = f"step-overdue:{appraise.pk}"
    assert set(
        Notification.objects.filter(kind="dossier.step_overdue").values_list(
            "recipient__username", "key"
        )
    ) == {("truongphong", key)}
    title = f"Hồ sơ {dossier.code}: bước “Thẩm định hồ sơ” quá hạn từ 14:30 08/05/2024"
    assert only(key).title == title
    assert "người xử lý: Lê Văn Hùng" in only(key).body
    assert [
        m.subject for m in mailoutbox if m.to == ["truongphong@demo.stnmt.soctrang.invalid"]
    ] == [f"[ISO điện tử] {title}"]

    # The scan's safety net and another timer run: the same step is not escalated again.
    emails = len(mailoutbox)
    assert run(at(5, 8, 14, 45), django_capture_on_commit_callbacks)["dossier.step_overdue"] == 0
    with clock_at(at(5, 8, 14, 50)), django_capture_on_commit_callbacks(execute=True):
        assert fire_workflow_timers() == 0
    assert Notification.objects.filter(key=key).count() == 1
    assert len(mailoutbox) == emails
    appraise.refresh_from_db()
    assert appraise.status == STATUS.ASSIGNED, "Bước vẫn tiếp tục, chỉ báo lãnh đạo"


def test_the_scan_escalates_an_overdue_step_whose_timer_did_not_fire(office, procedure):
    """Overdue steps of the leadership go to the directors (``lead_unit`` on Ban Giám đốc)."""
    dossier = at_appraisal(office, procedure)
    appraise = {"decision": "propose_grant", "opinion": "Hồ sơ đạt yêu cầu."}
    step(office, "chuyenvien", dossier, "appraise", appraise, at(5, 2, 9, 0))
    step(office, "truongphong", dossier, "review", {"decision": "agree"}, at(5, 2, 10, 0))
    approve = task_of(dossier, "approve")
    # One working day (8 office hours) from 10:00 Thursday 02/05 → 10:00 Friday 03/05.
    run(at(5, 3, 10, 5))
    key = f"step-overdue:{approve.pk}"
    assert set(
        Notification.objects.filter(key=key).values_list("recipient__username", flat=True)
    ) == {
        "giamdoc",
        "phogiamdoc",
    }
    assert only_for("giamdoc", key).title == (
        f"Hồ sơ {dossier.code}: bước “Lãnh đạo Sở phê duyệt” quá hạn từ 10:00 03/05/2024"
    )
    assert run(at(5, 3, 10, 20)) == NOTHING


def only_for(username, key) -> Notification:
    return Notification.objects.get(recipient__username=username, key=key)


# --- dossier due and apology due ---------------------------------------------------------------


def apology_form() -> FormTemplate:
    return FormTemplate.objects.get(regime__code="ND61_2018", kind=FormTemplate.Kind.APOLOGY)


def test_a_dossier_due_tomorrow_still_in_appraisal_needs_its_apology(office, procedure):
    dossier = at_appraisal(office, procedure)
    appraise = task_of(dossier, "appraise")

    counts = run(at(5, 13, 10, 0))

    # Due tomorrow; appraisal overdue since 08/05 (no timer fired here: the scan escalates).
    assert counts == {
        **NOTHING,
        "dossier.due": 2,
        "dossier.apology_due": 3,
        "dossier.step_overdue": 1,
    }
    due_key = f"dossier-due:{dossier.pk}:2024-05-14"
    apology_key = f"apology-due:{dossier.pk}"
    assert sent() == {
        ("chuyenvien", due_key),
        ("truongphong", due_key),
        ("chuyenvien", apology_key),
        ("truongphong", apology_key),
        ("motcua", apology_key),
        ("truongphong", f"step-overdue:{appraise.pk}"),
    }
    assert only_for("chuyenvien", due_key).title == (
        f"Hồ sơ {dossier.code} đến hạn trả kết quả 17:00 14/05/2024"
    )
    form = apology_form()
    apology = only_for("motcua", apology_key)
    assert apology.title == (
        f"Hồ sơ {dossier.code} có nguy cơ trễ hạn 17:00 14/05/2024: cần lập phiếu xin lỗi "
        f"({form.number})"
    )
    assert "chậm nhất một ngày làm việc trước ngày hẹn trả (ngày 13/05/2024)" in apology.body
    assert apology.url == f"/workflow/dossiers/{dossier.pk}/"

    # The head apologises with a new date, 17/05: no apology reminder any more; the new
    # appointment is reminded the day before it, under a new key.
    with clock_at(at(5, 13, 14, 0)):
        office.as_user("truongphong").client.post(
            f"/workflow/dossiers/{dossier.pk}/apology/",
            {"reason": "Chờ ý kiến phối hợp của Sở Xây dựng", "new_due_date": "2024-05-17"},
        )
    dossier.refresh_from_db()
    assert dossier.apology.new_due_at == at(5, 17, 17, 0)
    assert run(at(5, 14, 9, 0)) == NOTHING
    assert run(at(5, 16, 9, 0)) == {**NOTHING, "dossier.due": 2}
    new_key = f"dossier-due:{dossier.pk}:2024-05-17"
    assert only_for("truongphong", new_key).title == (
        f"Hồ sơ {dossier.code} đến hạn trả kết quả 17:00 17/05/2024"
    )


def test_a_dossier_waiting_for_the_leader_within_its_time_needs_no_apology(office, procedure):
    dossier = at_appraisal(office, procedure)
    appraise = {"decision": "propose_grant", "opinion": "Hồ sơ đạt yêu cầu."}
    step(office, "chuyenvien", dossier, "appraise", appraise, at(5, 13, 9, 0))
    step(office, "truongphong", dossier, "review", {"decision": "agree"}, at(5, 13, 10, 0))
    approve = task_of(dossier, "approve")

    run(at(5, 13, 10, 30))

    assert not Notification.objects.filter(kind="dossier.apology_due").exists()
    assert {k for _u, k in sent()} == {
        f"dossier-due:{dossier.pk}:2024-05-14",
        f"step-due:{approve.pk}",
    }


def test_a_late_dossier_without_apology_is_flagged_as_late(office, procedure):
    dossier = at_appraisal(office, procedure)
    run(at(5, 15, 9, 0))
    apology = only_for("chuyenvien", f"apology-due:{dossier.pk}")
    assert apology.title == (
        f"Hồ sơ {dossier.code} đã quá hạn trả kết quả 17:00 14/05/2024: cần lập phiếu xin lỗi "
        f"({apology_form().number})"
    )
    assert not Notification.objects.filter(kind="dossier.due").exists(), "Hạn trả đã qua"


def test_a_dossier_waiting_for_the_applicant_is_left_alone(office, procedure):
    """The clock stops while the applicant supplements: no due reminder, no apology; when the
    supplement arrives the appointment moves, and the reminder follows the new date."""
    dossier = at_appraisal(office, procedure)
    supplement = {
        "decision": "request_supplement",
        "opinion": "Thiếu sơ đồ vị trí",
        "missing": "Sơ đồ vị trí công trình",
    }
    step(office, "chuyenvien", dossier, "appraise", supplement, at(5, 10, 9, 0))
    assert dossier.status == Dossier.Status.SUPPLEMENT
    assert run(at(5, 13, 10, 0)) == NOTHING
    # Paused Fri 10/05 → Tue 14/05: two working days (13/05, 14/05) → due Thu 16/05.
    step(office, "motcua", dossier, "supplement", {"note": "Đã nhận"}, at(5, 14, 9, 0))
    assert dossier.due_at == at(5, 16, 17, 0)
    assert run(at(5, 15, 9, 0))["dossier.due"] == 2
    assert only_for("chuyenvien", f"dossier-due:{dossier.pk}:2024-05-16")


# --- the task and its cost ------------------------------------------------------------------------


def test_an_idle_run_costs_the_same_for_one_dossier_or_many(office, procedure):
    """Once everything is sent, a run is a fixed number of queries: no query per step."""
    at_appraisal(office, procedure)
    run(at(5, 13, 10, 0))
    with clock_at(at(5, 13, 10, 15)), CaptureQueriesContext(connection) as one:
        assert due_reminders_send() == NOTHING
    for _i in range(3):
        at_appraisal(office, procedure)
    run(at(5, 13, 10, 30))
    with clock_at(at(5, 13, 10, 45)), CaptureQueriesContext(connection) as many:
        assert due_reminders_send() == NOTHING
    assert len(many) == len(one), [q["sql"][:120] for q in many.captured_queries]
