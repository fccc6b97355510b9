"""Due dates across Tết Ất Tỵ 2025 *through the flow*: the desk's receipt page, Mẫu 01 as
printed, the step deadlines viewflow schedules as timers, a supplement request that pauses the
clock over the holiday and the same-day transfer rule with its cut-off hour.

Tết 2025 for state offices (DOMAIN.md §3, ``holidays`` VN): Sat 25/01 – Sun 02/02/2025, the
weekdays Mon 27/01 – Fri 31/01 off; Fri 24/01 is the last working day before it and Mon 03/02
the first one after. Verified case: received Fri 24/01/2025 + 10 working days → Fri 14/02/2025.

The clock is frozen with the project's :func:`workflows.demo.clock_at` (the demo's late dossier
uses it): it freezes ``django.utils.timezone.now`` for every holder of that function, viewflow's
task stamps included (``Task.created``, from which every step deadline counts).
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.demo import load_demo_catalogue
from procedures.models import Dossier, Procedure
from qms.core.calendar import WorkingCalendar
from qms.core.demo import load_demo
from qms.core.models import User
from tests.workflows.test_dossier_flow import Office
from workflows.demo import clock_at
from workflows.flows import DossierFlow
from workflows.handovers import dossier_process
from workflows.tasks import fire_workflow_timers

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date
#: Tết Ất Tỵ 2025 as the offices keep it: every day from Saturday 25/01 to Sunday 02/02.
TET_2025 = [D(2025, 1, 25) + dt.timedelta(days=i) for i in range(9)]
LAST_DAY_BEFORE_TET = D(2025, 1, 24)
FIRST_DAY_AFTER_TET = D(2025, 2, 3)


def at(year, month, day, hour=8, minute=30) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN)


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, VN)


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def department(django_db_setup, django_db_blocker):
    """The demo department and its catalogue, loaded once for the module inside a transaction
    rolled back at its end; each test runs in a savepoint of it (pytest-django's ``db``)."""
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
def procedure(department):
    """Cấp điều chỉnh giấy phép môi trường: 10 ngày làm việc; appraisal 6 days, review and
    approval 1 day, receipt, transfer, assignment and issue half a day each."""
    procedure = Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")
    version = procedure.versions.get()
    assert (version.time_limit_value, version.time_limit_unit) == (10, "working_days")
    return procedure


@pytest.fixture
def office(client):
    return Office(client)


def receive_at(office, procedure, moment) -> Dossier:
    with clock_at(moment):
        return office.as_user("motcua").receive(procedure)


def step_at(office, username, dossier, node, data, moment):
    with clock_at(moment):
        return office.as_user(username).do(dossier, node, data)


def task_of(dossier, node, **filters) -> Task:
    return Task.objects.get(
        process=dossier_process(dossier), flow_task=getattr(DossierFlow, node), **filters
    )


def timer_of(task) -> Task:
    """The non-interrupting timeout viewflow armed next to ``task`` (its deadline)."""
    return Task.objects.get(previous=task, flow_task_type="TIMER")


def pdf_text(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def overdue_tasks(dossier) -> list[int]:
    return dossier_process(dossier).data.get("overdue_tasks", [])


def user_pk(username):
    return User.objects.get(username=username).pk


# --- the calendar this module relies on -------------------------------------------------------


def test_the_calendar_knows_tet_2025():
    calendar = WorkingCalendar.load()
    assert calendar.is_working_day(LAST_DAY_BEFORE_TET), "24/01/2025 là ngày làm việc cuối"
    assert calendar.is_working_day(FIRST_DAY_AFTER_TET), "03/02/2025 là ngày làm việc đầu tiên"
    off = [day for day in TET_2025 if calendar.is_working_day(day)]
    assert off == [], f"Các ngày này phải là ngày nghỉ Tết 2025: {off}"
    assert calendar.add_working_days(LAST_DAY_BEFORE_TET, 10) == D(2025, 2, 14)


# --- receipt and Mẫu 01 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "due", "limit_text"),
    [
        # 10 working days: 24/01 → 03/02 … 07/02 (5), 10/02 … 14/02 (5); Tết not counted.
        ("dieu-chinh-giay-phep-moi-truong", at(2025, 2, 14, 17, 0), "10 ngày làm việc"),
        # 30 calendar days from 24/01 end on Sunday 23/02 → the next working day, Mon 24/02.
        ("1-010727", at(2025, 2, 24, 17, 0), "30 ngày"),
    ],
)
def test_receipt_on_the_last_working_day_before_tet_is_due_after_it(
    office, procedure, client, key, due, limit_text
):
    dossier = receive_at(office, Procedure.objects.get(key=key), at(2025, 1, 24, 8, 30))
    assert dossier.status == Dossier.Status.RECEIVED
    assert "-250124-" in dossier.code, f"Mã hồ sơ phải mang ngày tiếp nhận 24/01/2025: {dossier}"
    assert local(dossier.received_at) == at(2025, 1, 24, 8, 30)
    assert local(dossier.legal_due_at) == due, (
        f"Hẹn trả của hồ sơ nhận 08:30 24/01/2025 phải là {due:%H:%M %d/%m/%Y} (không tính Tết "
        f"25/01–02/02/2025), nhưng là {local(dossier.legal_due_at):%H:%M %d/%m/%Y}"
    )
    assert dossier.original_due_at == dossier.due_at == dossier.legal_due_at

    with clock_at(at(2025, 1, 24, 8, 35)):
        detail = client.get(f"/workflow/dossiers/{dossier.pk}/")
        receipt = client.get(f"/workflow/dossiers/{dossier.pk}/forms/receipt.pdf")
    assert f"{due:%H:%M %d/%m/%Y}" in detail.content.decode(), "Trang hồ sơ phải ghi ngày hẹn trả"
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")
    text = pdf_text(receipt.content)
    assert f"theo quy định là: {limit_text}" in text
    assert "Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 24 tháng 01 năm 2025" in text
    printed_due = f"17 giờ 00 phút, ngày {due.day:02d} tháng 02 năm 2025"
    assert f"Thời gian trả kết quả giải quyết hồ sơ: {printed_due}" in text, (
        f"Mẫu 01 phải in ngày hẹn trả {printed_due}"
    )
    assert text.count(printed_due) == 2, "Cả hai liên của Mẫu 01 in cùng ngày hẹn trả"


def test_incomplete_dossier_completed_after_tet_counts_from_the_completion(office, procedure):
    """Mẫu 02 at the desk on 24/01: the clock has not started; the documents brought on
    Mon 03/02 start it then: 03/02 + 10 working days = Mon 17/02/2025."""
    first = procedure.versions.get().components.order_by("order").first()
    with clock_at(at(2025, 1, 24, 10, 0)):
        dossier = office.as_user("motcua").receive(
            procedure, decision="incomplete", missing=[first.name]
        )
    assert dossier.due_at is None, "Hồ sơ chưa đủ: chưa tính thời hạn"
    step_at(
        office,
        "motcua",
        dossier,
        "complete_at_desk",
        {"action": "complete", f"doc_{first.pk}_present": "on", f"doc_{first.pk}_originals": 1},
        at(2025, 2, 3, 9, 0),
    )
    assert dossier.status == Dossier.Status.RECEIVED
    assert "-250203-" in dossier.code
    assert local(dossier.legal_due_at) == at(2025, 2, 17, 17, 0), (
        f"Tính từ ngày nhận đủ 03/02/2025: hẹn 17/02/2025, không phải "
        f"{local(dossier.legal_due_at):%d/%m/%Y}"
    )


# --- step deadlines (viewflow timers) ---------------------------------------------------------


def test_step_deadlines_skip_tet_and_their_timers_do_not_fire_during_it(office, procedure, client):
    dossier = receive_at(office, procedure, at(2025, 1, 24, 8, 30))

    # Transfer: received before the cut-off on a working day → the same day, 17:00.
    transfer = task_of(dossier, "transfer")
    assert local(timer_of(transfer).scheduled) == at(2025, 1, 24, 17, 0)
    step_at(office, "motcua", dossier, "transfer", {}, at(2025, 1, 24, 16, 0))
    assert timer_of(transfer).status == STATUS.CANCELED, "Bước xong đúng hạn: hủy hẹn giờ"

    # Assignment, half a working day = 4 office hours from Fri 16:00: one hour on Friday, then
    # Tết, then three hours on Monday 03/02 → 10:00 (not Friday 20:00, not Saturday).
    assign = task_of(dossier, "assign")
    assert local(assign.created) == at(2025, 1, 24, 16, 0)
    assert local(timer_of(assign).scheduled) == at(2025, 2, 3, 10, 0), (
        "Hạn bước phân công phải là 10:00 03/02/2025 (4 giờ làm việc, bỏ qua Tết), nhưng là "
        f"{local(timer_of(assign).scheduled):%H:%M %d/%m/%Y}"
    )
    # The unit head opens the task: the page shows the same deadline.
    with clock_at(at(2025, 1, 24, 16, 10)):
        office.as_user("truongphong")
        base = f"/workflow/flows/dossier/{assign.process_id}/assign/{assign.pk}"
        assert client.post(f"{base}/assign/").status_code == 302
        page = client.get(f"{base}/execute/")
    assert local(page.context["due"]) == at(2025, 2, 3, 10, 0)
    assert "10:00 03/02/2025" in page.content.decode(), "Trang bước phải ghi hạn 10:00 03/02/2025"

    # Appraisal, 6 working days = 48 office hours from Fri 16:30: half an hour on Friday,
    # 03/02–07/02 (40 h), then 7.5 h on Monday 10/02 → 16:30.
    step_at(
        office,
        "truongphong",
        dossier,
        "assign",
        {"handler": user_pk("chuyenvien")},
        at(2025, 1, 24, 16, 30),
    )
    appraise = task_of(dossier, "appraise")
    appraise_timer = timer_of(appraise)
    assert local(appraise_timer.scheduled) == at(2025, 2, 10, 16, 30), (
        "Hạn thẩm định (6 ngày làm việc từ 16:30 24/01/2025) phải là 16:30 10/02/2025, nhưng là "
        f"{local(appraise_timer.scheduled):%H:%M %d/%m/%Y}"
    )

    # Celery beat during Tết and in the first week after it: nothing is overdue yet.
    for moment in (at(2025, 1, 29, 9, 0), at(2025, 2, 3, 10, 30), at(2025, 2, 10, 16, 29)):
        with clock_at(moment):
            assert fire_workflow_timers() == 0, f"Chưa quá hạn lúc {moment:%H:%M %d/%m/%Y}"
        assert overdue_tasks(dossier) == []
    with clock_at(at(2025, 2, 10, 16, 31)):
        assert fire_workflow_timers() == 1, "Quá 16:30 10/02/2025: bước thẩm định quá hạn"
    appraise_timer.refresh_from_db()
    assert appraise_timer.status == STATUS.DONE
    assert len(overdue_tasks(dossier)) == 1, "Quá hạn được ghi nhận một lần trên quy trình"
    appraise.refresh_from_db()
    assert appraise.status == STATUS.ASSIGNED, "Hẹn giờ không ngắt bước: chuyên viên vẫn làm tiếp"


def test_the_overdue_record_names_the_step_that_ran_late(office, procedure):
    dossier = receive_at(office, procedure, at(2025, 1, 24, 16, 45))
    transfer = task_of(dossier, "transfer")
    with clock_at(at(2025, 2, 3, 8, 1)):
        assert fire_workflow_timers() == 1
    assert overdue_tasks(dossier) == [transfer.pk], (
        f"Phải ghi bước chuyển hồ sơ #{transfer.pk} quá hạn, không phải bộ hẹn giờ "
        f"#{timer_of(transfer).pk}: ghi nhận {overdue_tasks(dossier)}"
    )


# --- supplement across Tết --------------------------------------------------------------------


def test_supplement_over_tet_moves_the_appointment_by_working_days_only(office, procedure, client):
    """Received Wed 22/01/2025 (due 12/02). The specialist asks for a supplement on Fri 24/01;
    the applicant brings it on Tue 04/02. Paused working days: Mon 03/02 and Tue 04/02 (Tết is
    not a working day), so the appointment moves two working days, to Fri 14/02/2025 — not
    eleven calendar days."""
    dossier = receive_at(office, procedure, at(2025, 1, 22, 9, 0))
    assert local(dossier.due_at) == at(2025, 2, 12, 17, 0)
    step_at(office, "motcua", dossier, "transfer", {}, at(2025, 1, 22, 10, 0))
    step_at(
        office,
        "truongphong",
        dossier,
        "assign",
        {"handler": user_pk("chuyenvien")},
        at(2025, 1, 22, 14, 0),
    )
    step_at(
        office,
        "chuyenvien",
        dossier,
        "appraise",
        {
            "decision": "request_supplement",
            "opinion": "Thiếu sơ đồ vị trí",
            "missing": "Sơ đồ vị trí công trình",
        },
        at(2025, 1, 24, 10, 0),
    )
    assert dossier.status == Dossier.Status.SUPPLEMENT
    assert local(dossier.due_at) == at(2025, 2, 12, 17, 0), "Yêu cầu bổ sung chưa dời hẹn"

    step_at(office, "motcua", dossier, "supplement", {"note": "Đã nhận"}, at(2025, 2, 4, 9, 0))
    assert dossier.status == Dossier.Status.IN_PROGRESS
    assert local(dossier.legal_due_at) == at(2025, 2, 14, 17, 0), (
        "Thời gian bổ sung 24/01–04/02/2025 gồm 2 ngày làm việc (03/02, 04/02): hẹn trả mới phải "
        f"là 17:00 14/02/2025, nhưng là {local(dossier.legal_due_at):%H:%M %d/%m/%Y}"
    )
    assert local(dossier.original_due_at) == at(2025, 2, 12, 17, 0), "Mẫu 01 giữ hẹn ban đầu"

    # The new appraisal gets a fresh 6-working-day deadline from Tue 04/02 09:00 → Wed 12/02.
    appraise = task_of(dossier, "appraise", status__in=[STATUS.NEW, STATUS.ASSIGNED])
    assert local(timer_of(appraise).scheduled) == at(2025, 2, 12, 9, 0)

    # Mẫu 05 shows the original appointment and the moved one.
    with clock_at(at(2025, 2, 4, 9, 30)):
        office.as_user("truongphong")
        control = client.get(f"/workflow/dossiers/{dossier.pk}/forms/control.pdf")
    text = pdf_text(control.content)
    assert (
        "Ngày, giờ hẹn trả kết quả: 17 giờ 00 phút, ngày 12 tháng 02 năm 2025 "
        "(hẹn lại: 17 giờ 00 phút, ngày 14 tháng 02 năm 2025)"
    ) in text, "Mẫu 05 phải in hẹn ban đầu 12/02 và hẹn lại 14/02/2025"


# --- the same-day transfer rule and its cut-off -----------------------------------------------


@pytest.mark.parametrize(
    ("cutoff", "received", "transfer_by"),
    [
        # The default cut-off, 15:00: before it, the paper goes over the same day.
        ("15:00", at(2025, 1, 24, 14, 59), at(2025, 1, 24, 17, 0)),
        # After it, on the last working day before Tết: the start of the first working day
        # after Tết (the product gives the first office hour: 07:00 opening + 1 h).
        ("15:00", at(2025, 1, 24, 15, 1), at(2025, 2, 3, 8, 0)),
        ("15:00", at(2025, 1, 24, 16, 45), at(2025, 2, 3, 8, 0)),
        # The cut-off is a setting: at 10:00, a dossier received at 10:30 waits for 03/02.
        ("10:00", at(2025, 1, 24, 9, 59), at(2025, 1, 24, 17, 0)),
        ("10:00", at(2025, 1, 24, 10, 30), at(2025, 2, 3, 8, 0)),
    ],
)
def test_transfer_after_the_cut_off_before_tet_is_due_on_the_first_working_day_after(
    office, procedure, client, settings, cutoff, received, transfer_by
):
    settings.QMS_TRANSFER_CUTOFF = cutoff
    dossier = receive_at(office, procedure, received)
    transfer = task_of(dossier, "transfer")
    scheduled = local(timer_of(transfer).scheduled)
    assert scheduled == transfer_by, (
        f"Nhận lúc {received:%H:%M %d/%m/%Y} (giờ chốt {cutoff}): phải chuyển trước "
        f"{transfer_by:%H:%M %d/%m/%Y}, nhưng hạn là {scheduled:%H:%M %d/%m/%Y}"
    )
    assert WorkingCalendar.load().is_working_day(scheduled.date())
    # Whatever the hour of receipt, the legal appointment counts from the next working day.
    assert local(dossier.legal_due_at) == at(2025, 2, 14, 17, 0)

    # The desk's task page shows it, and the timer stays quiet through Tết.
    with clock_at(received + dt.timedelta(minutes=5)):
        base = f"/workflow/flows/dossier/{transfer.process_id}/transfer/{transfer.pk}"
        assert client.post(f"{base}/assign/").status_code == 302
        page = client.get(f"{base}/execute/")
    assert local(page.context["due"]) == transfer_by
    quiet = [transfer_by - dt.timedelta(minutes=1)]
    if transfer_by.date() > LAST_DAY_BEFORE_TET:
        quiet += [at(2025, 1, 24, 17, 30), at(2025, 1, 31, 16, 0), at(2025, 2, 2, 23, 59)]
    for moment in quiet:
        with clock_at(moment):
            assert fire_workflow_timers() == 0, (
                f"Lúc {moment:%H:%M %d/%m/%Y} chưa đến hạn chuyển {transfer_by:%H:%M %d/%m/%Y}"
            )
    with clock_at(transfer_by + dt.timedelta(minutes=1)):
        assert fire_workflow_timers() == 1, "Quá hạn chuyển hồ sơ: hẹn giờ phải kích hoạt"
    assert len(overdue_tasks(dossier)) == 1
